"""The coupling engine on hand-built streets: each kind, each conflict, and what must not match."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koppelkans.analysis.coupling import CouplingOptions, findings_from_snapshot
from koppelkans.analysis.coupling.due import due_assets

from .scenario import ON_EAST, ON_SIDE, asset, snapshot, task, work

OPTIONS = CouplingOptions(year_from=2026, year_to=2040)


def find(options: CouplingOptions = OPTIONS, **rows: object):
    return findings_from_snapshot(snapshot(**rows), options)


def kinds(frame: pd.DataFrame) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    return [(row.kind, row.members) for row in frame.itertuples()]


def test_two_works_in_one_street_with_overlapping_windows_share_a_trench() -> None:
    found = find(works=[work("W1"), work("W2", organisation="ENEXIS", discipline="electricity_lv")])
    [coupling] = found.couplings.itertuples()
    assert (coupling.kind, coupling.members) == ("meekoppelkans", (("work", "W1"), ("work", "W2")))
    assert (coupling.window_start, coupling.window_end, coupling.segment_ids) == (2028, 2030, ("MAIN",))
    # 260 m of a 10 m street at EUR 243/m per 8 m width, plus one site set-up of 6 % of EUR 200,000
    assert coupling.saving_eur == pytest.approx(260 * 243 * 10 / 8 + 0.06 * 200_000)
    assert (coupling.openings_avoided, coupling.nuisance_days_avoided) == (1, 84.0)
    assert coupling.explanation_nl == (
        "Riool (2028–2030) en LS-kabel (2028–2030) liggen in dezelfde straat (Hoofdstraat); samen uitvoeren in "
        "2028–2030 bespaart 1 keer openbreken en herbestraten (€ 91.000)."
    )
    assert found.conflicts.empty


def test_windows_within_the_flexibility_are_brought_together() -> None:
    works = [
        work("W1", window=(2027, 2028)),
        work("W2", organisation="VITENS", discipline="water", window=(2030, 2032)),
    ]
    [coupling] = find(works=works).couplings.itertuples()
    assert (coupling.kind, coupling.window_start, coupling.window_end) == ("meekoppelkans", 2028, 2030)
    narrow = find(CouplingOptions(year_from=2026, year_to=2040, flex_years=1), works=works)
    assert narrow.couplings.empty
    assert kinds(narrow.conflicts) == [("repeated_opening", (("work", "W1"), ("work", "W2")))]


def test_works_in_different_streets_do_not_share_a_trench() -> None:
    found = find(works=[work("W1"), work("W2", organisation="VITENS", discipline="water", geometry=ON_EAST)])
    assert found.couplings.empty and found.conflicts.empty


def test_different_streets_in_one_neighbourhood_and_year_align_traffic_and_communication() -> None:
    found = find(
        works=[
            work("W1", preferred=2029),
            work("W2", organisation="FIBRE", discipline="fibre", geometry=ON_SIDE, preferred=2029),
        ]
    )
    [coupling] = found.couplings.itertuples()
    assert (coupling.kind, coupling.members, coupling.window_start) == (
        "afstemming",
        (("work", "W1"), ("work", "W2")),
        2029,
    )
    assert coupling.explanation_nl == (
        "In Roombeek staan in 2029 2 werken van 2 partijen gepland; één verkeersplan en één bewonersbrief."
    )


def test_trenchless_work_never_forms_a_trench_coupling() -> None:
    found = find(works=[work("W1", kind="reline"), work("W2", organisation="ENEXIS", discipline="gas")])
    assert "meekoppelkans" not in set(found.couplings["kind"])


def test_cancelled_and_finished_works_are_ignored() -> None:
    found = find(
        works=[
            work("W1", status="cancelled"),
            work("W2", organisation="ENEXIS", discipline="gas"),
            work("W3", organisation="VITENS", discipline="water", status="done"),
        ]
    )
    assert found.couplings.empty and found.conflicts.empty


def test_three_works_in_one_street_are_one_coupling_saving_two_openings() -> None:
    found = find(
        works=[
            work("W1"),
            work("W2", organisation="ENEXIS", discipline="gas"),
            work("W3", organisation="VITENS", discipline="water", window=(2029, 2031)),
        ]
    )
    [coupling] = found.couplings.itertuples()
    assert len(coupling.members) == 3 and coupling.openings_avoided == 2
    assert (coupling.window_start, coupling.window_end) == (2029, 2030)
    assert coupling.saving_eur == pytest.approx(2 * 260 * 243 * 10 / 8 + 2 * 0.06 * 200_000)


def test_early_work_in_a_task_area_near_its_target_year_broadens_scope() -> None:
    found = find(works=[work("W1", phase="psu")], tasks=[task("T1", target_year=2031)])
    [coupling] = found.couplings.itertuples()
    assert (coupling.kind, coupling.members) == ("koppelkans", (("task", "T1"), ("work", "W1")))
    assert coupling.saving_eur == pytest.approx(0.5 * 260 * 243)
    assert find(works=[work("W1", phase="do")], tasks=[task("T1")]).couplings.empty
    assert find(works=[work("W1", phase="psu")], tasks=[task("T1", target_year=2045)]).couplings.empty
    assert find(works=[work("W1", phase="psu")], tasks=[task("T1", area_code="BU2")]).couplings.empty


def test_a_due_asset_joins_a_work_in_its_street() -> None:
    old_gas = asset("G1", install_year=1950)
    found = find(works=[work("W1", window=(2026, 2028))], assets=[old_gas], due_years={"G1": 2026})
    [coupling] = found.couplings[found.couplings["kind"] == "meekoppelkans"].itertuples()
    assert coupling.members == (("asset", "G1"), ("work", "W1"))
    assert coupling.explanation_en.startswith("Gas main G1 (due 2026) and sewer (2026–2028)")
    renewed = find(works=[work("W1", window=(2026, 2028), asset_ids="G1")], assets=[old_gas], due_years={"G1": 2026})
    assert "meekoppelkans" not in set(renewed.couplings["kind"])


def test_due_years_are_the_lifecycle_forecast_p50() -> None:
    from koppelkans.analysis.lifecycle import forecast_from_assets

    frame = snapshot(
        assets=[
            asset("POOR", install_year=1985, condition=5, condition_year=2025),
            asset("GOOD", install_year=1985, condition=1, condition_year=2025),
            asset("OLD", install_year=1940),
        ]
    ).assets
    due = due_assets(frame, year_from=2026, year_to=2100).set_index("asset_id")["due_year"]
    expected = forecast_from_assets(frame, year=2026, horizon=1).set_index("asset_id")["p50"]
    assert due.to_dict() == {k: max(int(v), 2026) for k, v in expected.items()}
    assert due["POOR"] < due["GOOD"] and due["OLD"] < due["GOOD"]
    stored = pd.DataFrame({"asset_id": ["GOOD"], "p50": [2031]})
    due = due_assets(frame, year_from=2026, year_to=2100, due_years=stored).set_index("asset_id")
    assert due.loc["GOOD", "due_year"] == 2031 and due.loc["GOOD", "reason"] == "forecast (stored)"


def test_opening_a_street_in_its_dig_free_period_is_a_conflict() -> None:
    found = find(
        works=[
            work("R1", discipline="road", kind="resurface", window=(2027, 2027)),
            work("W2", organisation="VITENS", discipline="water", window=(2030, 2031)),
        ]
    )
    [conflict] = found.conflicts.itertuples()
    assert (conflict.kind, conflict.years) == ("dig_free_violation", (2027, 2030))
    assert conflict.explanation_nl == (
        "Waterleiding (2030–2031) opent Hoofdstraat in 2030, binnen de graafvrije periode van 5 jaar na "
        "verharding (2027)."
    )


def test_new_asphalt_over_a_network_falling_due_is_capital_destruction() -> None:
    found = find(
        works=[work("R1", discipline="road", kind="resurface", window=(2027, 2027))],
        assets=[asset("G1", install_year=1969)],
        due_years={"G1": 2029},
    )
    assert kinds(found.conflicts) == [("capital_destruction", (("asset", "G1"), ("work", "R1")))]
    assert list(found.conflicts["years"]) == [(2027, 2029)]


def test_more_than_three_works_in_a_neighbourhood_in_one_year_overload_it() -> None:
    works = [
        work(f"W{i}", organisation=org, preferred=2029, geometry=geometry)
        for i, (org, geometry) in enumerate([("GM", None), ("ENEXIS", ON_SIDE), ("VITENS", ON_SIDE), ("FIBRE", None)])
    ]
    works = [{**w, "geometry": w["geometry"] or "LINESTRING (20 1, 280 1)"} for w in works]
    found = find(works=works)
    [overload] = found.conflicts[found.conflicts["kind"] == "district_overload"].itertuples()
    assert len(overload.members) == 4 and overload.years == (2029,)
    assert find(works=works[:3]).conflicts.query("kind == 'district_overload'").empty


def test_area_filter_keeps_only_that_neighbourhood() -> None:
    rows = {
        "works": [
            work("W1"),
            work("W2", organisation="ENEXIS", discipline="gas"),
            work("W3", geometry=ON_EAST),
            work("W4", organisation="VITENS", discipline="water", geometry=ON_EAST),
        ]
    }
    assert len(find(**rows).couplings) == 2
    only = find(CouplingOptions(year_from=2026, year_to=2040, area="BU2"), **rows)
    assert list(only.couplings["members"]) == [(("work", "W3"), ("work", "W4"))]


# -- properties -----------------------------------------------------------------------------------

DISCIPLINES = ["sewer", "water", "gas", "electricity_lv", "fibre", "road"]
STREETS = ["LINESTRING (20 1, 280 1)", ON_SIDE, ON_EAST]


@st.composite
def work_sets(draw: st.DrawFn) -> list[dict[str, object]]:
    n = draw(st.integers(min_value=1, max_value=7))
    rows = []
    for i in range(n):
        start = draw(st.integers(min_value=2026, max_value=2034))
        discipline = draw(st.sampled_from(DISCIPLINES))
        rows.append(
            work(
                f"W{i}",
                organisation=draw(st.sampled_from(["GM", "ENEXIS", "VITENS", "FIBRE"])),
                discipline=discipline,
                kind=draw(st.sampled_from(["replace", "resurface", "reline"])) if discipline != "road" else "resurface",
                window=(start, start + draw(st.integers(min_value=0, max_value=3))),
                geometry=draw(st.sampled_from(STREETS)),
                phase=draw(st.sampled_from(["psu", "do"])),
            )
        )
    return rows


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _comparable(found) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    couplings = found.couplings.drop(columns="geometry")
    conflicts = found.conflicts.drop(columns="geometry")
    return [tuple(r) for r in couplings.itertuples(index=False)], [tuple(r) for r in conflicts.itertuples(index=False)]


@FAST
@given(works=work_sets(), seed=st.randoms())
def test_findings_do_not_depend_on_input_order(works: list[dict[str, object]], seed) -> None:
    shuffled = list(works)
    seed.shuffle(shuffled)
    tasks = [task("T1"), task("T2", theme="climate_adaptation", area_code="BU2", target_year=2032)]
    assert _comparable(find(works=works, tasks=tasks)) == _comparable(find(works=shuffled, tasks=tasks[::-1]))


@FAST
@given(
    works=work_sets(),
    dx=st.integers(min_value=-50_000, max_value=30_000),
    dy=st.integers(min_value=-50_000, max_value=50_000),
)
def test_findings_do_not_depend_on_where_the_town_lies(works: list[dict[str, object]], dx: int, dy: int) -> None:
    here = findings_from_snapshot(snapshot(works=works, tasks=[task("T1")]), OPTIONS)
    there = findings_from_snapshot(snapshot(works=works, tasks=[task("T1")], offset=(dx, dy)), OPTIONS)
    assert _comparable(here) == _comparable(there)


@FAST
@given(works=work_sets(), extra=work_sets())
def test_adding_a_work_never_removes_a_conflict(works: list[dict[str, object]], extra: list[dict[str, object]]) -> None:
    added = {**extra[0], "id": "NEW"}
    before = set(find(works=works).conflicts["id"])
    after = set(find(works=[*works, added]).conflicts["id"])
    assert before <= after


def test_finding_members_are_written_and_read_by_one_codec() -> None:
    from koppelkans.domain.findings import members_as_text, members_from_text

    members = [("work", "GM0153-RIO:W1"), ("asset", "ENEXIS:MS9")]
    text = members_as_text(members)
    assert json.loads(text) == [{"type": "work", "id": "GM0153-RIO:W1"}, {"type": "asset", "id": "ENEXIS:MS9"}]
    assert members_from_text(text) == json.loads(text)
    assert members_from_text(json.loads(text)) == json.loads(text)  # a list already parsed passes through
    assert members_from_text(None) == [] and members_from_text(float("nan")) == []
