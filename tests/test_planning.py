"""The synchronisation optimiser on small hand-built instances, checked against brute force.

Instances are written as interventions (the coupling engine's table) with their segments, so every
cost is known by hand; the exact optimum of each is found by enumerating every year assignment and
scoring it with the same objective the optimiser uses.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koppelkans.analysis.coupling.street import street_cost_eur
from koppelkans.analysis.planning import (
    PlanInfeasible,
    PlanOptions,
    baseline_years,
    evaluate_baseline,
    evaluate_years,
    feasibility_of,
    flat_budgets,
    instance_from_interventions,
    instance_from_snapshot,
    solve_instance,
    works_plan_from_schedule,
)
from koppelkans.analysis.planning.milp import build_model, solve_model
from koppelkans.analysis.planning.scenarios import GAS_FREE_2040, ambition_interventions
from koppelkans.analysis.planning.solve import budget_penalty_bound
from koppelkans.config import figure
from koppelkans.planning import plan_from_snapshot

from . import scenario as sc

SEGMENTS = pd.DataFrame(
    {
        "id": ["S1", "S2", "S3"],
        "name": ["Hoofdstraat", "Kerkstraat", "Dorpsweg"],
        "area_code": ["BU1", "BU1", "BU2"],
        "width_m": [8.0, 8.0, 8.0],
    }
)


def intervention(
    id: str,
    *,
    window: tuple[int, int],
    preferred: int | None = None,
    organisation: str = "GM",
    discipline: str = "sewer",
    kind: str = "replace",
    cost: float = 100_000.0,
    days: float = 60.0,
    dig_free: float = 0.0,
    fixed: bool = False,
    project_type: str | None = None,
) -> dict[str, object]:
    return {
        "key": f"work:{id}",
        "type": "work",
        "id": id,
        "organisation": organisation,
        "discipline": discipline,
        "kind": kind,
        "title": None,
        "window_start": window[0],
        "window_end": window[1],
        "preferred": window[0] if preferred is None else preferred,
        "duration_days": days,
        "cost_eur": cost,
        "phase": None,
        "early": True,
        "opens_street": True,
        "dig_free_years": dig_free,
        "geometry": None,
        "fixed": fixed,
        "project_type": project_type,
        "asset_ids": None,
    }


def instance_of(works: list[dict[str, object]], on: dict[str, list[str]], **options: object):
    """An instance of these works, each opening 100 m of the segments named in `on`."""
    members = pd.DataFrame(
        [{"key": f"work:{w}", "segment_id": s, "overlap_m": 100.0} for w, segments in on.items() for s in segments],
        columns=["key", "segment_id", "overlap_m"],
    )
    opts = {"year_from": 2027, "year_to": 2032, "use_forecast": False, **options}
    return instance_from_interventions(pd.DataFrame(works), members, SEGMENTS, PlanOptions(**opts))


def brute_force(instance) -> tuple[float, np.ndarray]:
    """The exact optimum by scoring every combination of candidate years that keeps the hard groups."""
    per_item = [g["year"].to_numpy() for _, g in instance.candidates.groupby("item")]
    best, best_years = np.inf, None
    for combination in itertools.product(*per_item):
        years = np.array(combination)
        evaluation = evaluate_years(instance, years)
        value = evaluation.objective if not evaluation.hard_violations else np.inf
        if value < best - 1e-6:
            best, best_years = value, years
    return best, best_years


def test_two_works_on_one_street_share_the_opening_and_save_the_street_cost() -> None:
    instance = instance_of(
        [intervention("A", window=(2027, 2029)), intervention("B", window=(2029, 2031), organisation="VITENS")],
        {"A": ["S1"], "B": ["S1"]},
    )
    schedule = solve_instance(instance, time_limit=10)
    assert list(schedule.years) == [2029, 2029]
    _, baseline = evaluate_baseline(instance)
    street = float(street_cost_eur(np.array([100.0]), np.array([8.0]))[0])
    setup = figure("mobilisation_share") * 100_000.0
    nuisance = instance.options.nuisance_per_day * 60.0
    assert baseline.openings == 2 and schedule.evaluation.openings == 1
    # one opening less: its street works, set-up and nuisance, less the cost of moving A two years later
    moved = schedule.evaluation.risk_eur - baseline.risk_eur
    assert baseline.objective - schedule.objective == pytest.approx(street + setup + nuisance - moved)
    assert schedule.gap <= 1e-3


def test_items_keep_to_their_windows_and_fixed_works_to_their_year() -> None:
    instance = instance_of(
        [
            intervention("A", window=(2027, 2030), preferred=2028, fixed=True),
            intervention("B", window=(2030, 2032), organisation="VITENS"),
        ],
        {"A": ["S1"], "B": ["S1"]},
    )
    schedule = solve_instance(instance, time_limit=10)
    assert schedule.years[0] == 2028  # fixed: no coupling can move it
    assert 2030 <= schedule.years[1] <= 2032
    assert set(instance.candidates.loc[instance.candidates["item"] == 0, "year"]) == {2028}


def test_the_baseline_is_scored_with_the_same_objective() -> None:
    instance = instance_of(
        [intervention("A", window=(2027, 2029), preferred=2028), intervention("B", window=(2028, 2030))],
        {"A": ["S1"], "B": ["S1", "S2"]},
    )
    years, evaluation = evaluate_baseline(instance)
    assert list(years) == [2028, 2028]
    assert evaluation == evaluate_years(instance, baseline_years(instance))
    assert evaluation.openings == 2  # same year, same street: the sectors share the opening of S1 in the baseline too


@st.composite
def small_instances(draw):
    n = draw(st.integers(2, 4))
    works, on = [], {}
    for i in range(n):
        start = draw(st.integers(2027, 2030))
        length = draw(st.integers(0, 2))
        works.append(
            intervention(
                f"W{i}",
                window=(start, start + length),
                preferred=start + draw(st.integers(0, length)),
                organisation=draw(st.sampled_from(["GM", "VITENS", "ENEXIS"])),
                discipline=draw(st.sampled_from(["sewer", "water", "road"])),
                kind=draw(st.sampled_from(["replace", "resurface"])),
                cost=float(draw(st.integers(1, 30))) * 10_000.0,
                days=float(draw(st.integers(5, 90))),
                dig_free=float(draw(st.sampled_from([0, 0, 2, 5]))),
                fixed=draw(st.booleans()) and draw(st.booleans()),
            )
        )
        on[f"W{i}"] = draw(st.lists(st.sampled_from(["S1", "S2", "S3"]), min_size=1, max_size=2, unique=True))
    capacity = float(draw(st.sampled_from([1, 2, 3])))
    return works, on, capacity


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_the_optimiser_finds_the_brute_force_optimum(case) -> None:
    works, on, capacity = case
    instance = instance_of(works, on, capacity=capacity)
    best, _ = brute_force(instance)
    schedule = solve_instance(instance, time_limit=10, gap=1e-9)
    assert schedule.objective == pytest.approx(best, rel=1e-6)
    assert schedule.bound <= best + 1e-6 * abs(best)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(), st.randoms(use_true_random=False))
def test_the_milp_prices_a_schedule_exactly_as_the_objective_does(case, rng) -> None:
    works, on, capacity = case
    instance = instance_of(works, on, capacity=capacity)
    years = np.array([rng.choice(list(g["year"])) for _, g in instance.candidates.groupby("item")])
    model = build_model(instance, np.arange(instance.n_items))
    cand = instance.candidates.iloc[model.x_rows]
    fixed = (cand["year"].to_numpy() == years[cand["item"].to_numpy()]).astype(float)
    priced = solve_model(model, time_limit=10, fixed=fixed).objective
    assert priced == pytest.approx(evaluate_years(instance, years).objective, rel=1e-7)


def test_a_soft_budget_is_paid_for_and_a_hard_one_is_kept() -> None:
    works = [
        intervention("A", window=(2028, 2029), cost=100_000.0),
        intervention("B", window=(2028, 2029), cost=100_000.0),
    ]
    budgets = pd.DataFrame({"organisation": ["GM", "GM"], "year": [2028, 2029], "budget_eur": [100_000.0, 100_000.0]})
    on = {"A": ["S1"], "B": ["S1"]}
    soft = instance_of(works, on, budgets=budgets)
    together = solve_instance(soft, time_limit=10)
    # sharing S1 is worth more than the penalty of 100k over budget? No: the penalty is 1 EUR per EUR
    assert together.evaluation.budget_excess_eur in (0.0, pytest.approx(100_000.0))
    assert together.objective == pytest.approx(brute_force(soft)[0])
    hard = instance_of(works, on, budgets=budgets, hard=frozenset({"budget"}))
    years, culprits = feasibility_of(hard)
    assert not culprits
    kept = solve_instance(hard, time_limit=10, start=years)
    assert sorted(kept.years) == [2028, 2029]
    assert kept.evaluation.budget_excess_eur == 0.0 and not kept.evaluation.hard_violations


def test_the_bound_counts_the_budget_excess_that_no_schedule_escapes() -> None:
    works = [
        intervention("A", window=(2027, 2027), cost=100_000.0),
        intervention("B", window=(2027, 2028), cost=100_000.0),
        intervention("C", window=(2028, 2030), cost=50_000.0, organisation="VITENS"),
    ]
    budgets = pd.DataFrame(
        {"organisation": "GM", "year": range(2027, 2033), "budget_eur": [50_000.0, 50_000.0, 0, 0, 0, 0]}
    )
    instance = instance_of(works, {"A": ["S1"], "B": ["S1"], "C": ["S2"]}, budgets=budgets)
    assert budget_penalty_bound(instance) == pytest.approx(100_000.0)  # 200k due by 2028 against 100k
    schedule = solve_instance(instance, time_limit=10, gap=1e-9)
    best, _ = brute_force(instance)
    assert schedule.objective == pytest.approx(best)
    assert schedule.bound <= best + 1e-6 and schedule.gap <= 1e-3


def test_an_impossible_budget_is_explained_by_organisation_year_and_the_works_that_force_it() -> None:
    works = [
        intervention("A", window=(2028, 2028), cost=150_000.0, fixed=True),
        intervention("B", window=(2028, 2029), cost=50_000.0),
    ]
    budgets = pd.DataFrame({"organisation": ["GM"], "year": [2028], "budget_eur": [100_000.0]})
    instance = instance_of(works, {"A": ["S1"], "B": ["S2"]}, budgets=budgets, hard=frozenset({"budget"}))
    years, culprits = feasibility_of(instance)
    assert years is None
    assert [(c.group, c.label) for c in culprits] == [("budget", "GM 2028")]
    assert culprits[0].records == ("work:A",)
    assert culprits[0].violation == pytest.approx(50_000.0)
    assert "EUR 50,000 short" in culprits[0].explanation


def test_hard_precedence_keeps_the_sewer_out_of_the_new_road_surface_and_explains_when_it_cannot() -> None:
    road = intervention("ROAD", window=(2027, 2028), discipline="road", kind="resurface", dig_free=5.0)
    sewer = intervention("SEWER", window=(2028, 2030), preferred=2030, discipline="sewer")
    instance = instance_of([road, sewer], {"ROAD": ["S1"], "SEWER": ["S1"]}, hard=frozenset({"precedence"}))
    assert set(instance.exclusions["group"]) == {"precedence"}
    start, culprits = feasibility_of(instance)
    assert not culprits
    schedule = solve_instance(instance, time_limit=10, start=start)
    road_year, sewer_year = schedule.years
    assert sewer_year <= road_year  # both in 2028: one trench, the road last
    late = intervention("SEWER", window=(2030, 2031), discipline="sewer")
    fixed_road = intervention(
        "ROAD", window=(2027, 2027), discipline="road", kind="resurface", dig_free=5.0, fixed=True
    )
    stuck = instance_of([fixed_road, late], {"ROAD": ["S1"], "SEWER": ["S1"]}, hard=frozenset({"precedence"}))
    _, culprits = feasibility_of(stuck)
    assert [(c.group, c.records) for c in culprits] == [("precedence", ("work:ROAD", "work:SEWER"))]
    assert "2030-2031" in culprits[0].explanation


def test_a_soft_dig_free_period_is_broken_only_when_that_is_cheaper() -> None:
    first = intervention("NEW", window=(2027, 2027), discipline="road", kind="resurface", dig_free=3.0, fixed=True)
    then = intervention("CABLE", window=(2029, 2030), discipline="electricity_lv", organisation="ENEXIS")
    instance = instance_of([first, then], {"NEW": ["S1"], "CABLE": ["S1"]})
    schedule = solve_instance(instance, time_limit=10)
    assert schedule.evaluation.dig_free_breaches == 1  # no year outside 2028-2030 is left
    assert schedule.evaluation.dig_free_penalty_eur == pytest.approx(
        instance.options.dig_free_damage_share
        * instance.openings.loc[instance.openings["item"] == 0, "opening_eur"].sum()
    )
    hard = replace(instance, options=replace(instance.options, hard=frozenset({"dig_free", "precedence"})))
    _, culprits = feasibility_of(hard)
    assert culprits and culprits[0].records == ("work:NEW", "work:CABLE")


def test_hard_capacity_keeps_a_neighbourhood_to_k_works_a_year() -> None:
    works = [
        intervention(f"W{i}", window=(2028, 2029), organisation=o) for i, o in enumerate(["GM", "VITENS", "ENEXIS"])
    ]
    on = {"W0": ["S1"], "W1": ["S1"], "W2": ["S2"]}
    instance = instance_of(works, on, capacity=2.0, hard=frozenset({"capacity"}))
    start, culprits = feasibility_of(instance)
    assert not culprits
    schedule = solve_instance(instance, time_limit=10, start=start)
    assert max(np.bincount(schedule.years - 2027)) <= 2
    assert schedule.objective == pytest.approx(brute_force(instance)[0])
    crowded = instance_of(
        [intervention(f"W{i}", window=(2028, 2028), fixed=True) for i in range(3)],
        {"W0": ["S1"], "W1": ["S1"], "W2": ["S2"]},
        capacity=2.0,
        hard=frozenset({"capacity"}),
    )
    _, culprits = feasibility_of(crowded)
    assert [(c.group, c.label) for c in culprits] == [("capacity", "BU1 2028")]


def test_works_on_touching_streets_in_one_year_become_one_project_led_by_the_right_party() -> None:
    works = [
        intervention("SEWER", window=(2028, 2028), organisation="GM-RIO", cost=300_000.0),
        intervention(
            "HEAT",
            window=(2028, 2028),
            organisation="WARMTE",
            discipline="heat",
            kind="construct",
            cost=200_000.0,
            project_type="transitie",
        ),
        intervention("FAR", window=(2028, 2028), organisation="VITENS", discipline="water"),
    ]
    instance = instance_of(works, {"SEWER": ["S1"], "HEAT": ["S2"], "FAR": ["S3"]})
    import shapely

    geometry = pd.Series(
        shapely.from_wkt(["LINESTRING (0 0, 100 0)", "LINESTRING (100 0, 200 0)", "LINESTRING (500 0, 600 0)"]),
        index=["S1", "S2", "S3"],
    )
    organisations = pd.DataFrame(
        {"code": ["GM-RIO", "WARMTE", "VITENS"], "kind": ["municipality", "heat_company", "water_company"]}
    )
    years = baseline_years(instance)
    plan = works_plan_from_schedule(
        instance, years, baseline=years, segment_geometry=geometry, organisations=organisations
    )
    projects = plan.projects.set_index("leading_party")
    assert set(projects.index) == {"WARMTE", "VITENS"}
    assert projects.loc["WARMTE", "works"] == ("HEAT", "SEWER")
    assert projects.loc["WARMTE", "project_type"] == "transitie"
    assert plan.finance["cost_eur"].sum() == pytest.approx(evaluate_years(instance, years).objective)


def test_flat_budgets_spread_each_organisations_sectoral_spend_evenly() -> None:
    instance = instance_of(
        [intervention("A", window=(2028, 2028), cost=120_000.0), intervention("B", window=(2029, 2029), cost=60_000.0)],
        {"A": ["S1"], "B": ["S2"]},
    )
    budgets = flat_budgets(instance, baseline_years(instance), slack=0.0)
    assert set(budgets["year"]) == set(range(2027, 2033))
    assert budgets["budget_eur"].tolist() == pytest.approx([30_000.0] * 6)


def test_a_register_snapshot_plans_with_due_assets_and_the_gas_free_ambition_adds_heat_networks() -> None:
    snapshot = sc.snapshot(
        works=[
            sc.work("W1", window=(2028, 2030), preferred=2028),
            sc.work("W2", organisation="VITENS", discipline="water", window=(2029, 2031), preferred=2031),
        ],
        assets=[sc.asset("G1", install_year=1965, condition=5, condition_year=2026, replacement_cost_eur=50_000)],
        tasks=[sc.task("T1", target_year=2034)],
    )
    options = PlanOptions(year_from=2027, year_to=2036)
    instance = instance_from_snapshot(snapshot, options)
    assert set(instance.items["type"]) == {"work", "asset"}
    payload, _, _ = plan_from_snapshot(snapshot, options, time_limit=20)
    assert payload["savings"]["eur"] > 0 and payload["savings"]["openings_avoided"] >= 1
    assert payload["gap"] <= 1e-3
    assert {w["id"]: w["year"] for w in payload["works"]}["W1"] == {w["id"]: w["year"] for w in payload["works"]}["W2"]
    extra, members = ambition_interventions(snapshot, GAS_FREE_2040, year_from=2027)
    assert set(members["segment_id"]) == {"MAIN", "SIDE", "EAST"}
    assert (extra["window_end"] <= 2040).all() and extra.set_index("id").loc[
        "AMB:energy_transition:MAIN", "window_end"
    ] == 2034
    ambition, _, _ = plan_from_snapshot(snapshot, options, scenario="gasfree-2040", time_limit=20)
    assert ambition["horizon"] == [2027, 2040] and ambition["ambition"]["works_added"] == 3


def test_an_infeasible_plan_raises_with_every_culprit() -> None:
    snapshot = sc.snapshot(works=[sc.work("W1", window=(2028, 2028), status="committed", cost_eur=500_000)])
    budgets = pd.DataFrame({"organisation": ["GM"], "year": [2028], "budget_eur": [100_000.0]})
    options = PlanOptions(year_from=2027, year_to=2030, budgets=budgets, hard=frozenset({"budget"}))
    with pytest.raises(PlanInfeasible) as raised:
        plan_from_snapshot(snapshot, options, time_limit=10)
    assert raised.value.as_dict()["error"]["culprits"][0]["label"] == "GM 2028"
    assert raised.value.exit_code == 5
