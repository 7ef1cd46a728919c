"""Lifecycle analysis without a store: Weibull closed forms, lookup, condition update, fit, plan, bridging."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from koppelkans.analysis.lifecycle import (
    ANY,
    EVENT,
    LEFT_CENSORED,
    RIGHT_CENSORED,
    ConditionMapping,
    SurvivalTable,
    WeibullModel,
    bridging_options_from_forecast,
    diameter_classes,
    failure_columns,
    financial_plan_from_forecast,
    fit_weibull,
    forecast_from_assets,
    material_codes,
    observations_from_assets,
    plan_totals,
    renewal_density,
    replacement_costs_of,
    residual_life_quantile,
    weibull_median,
    weibull_quantile,
    weibull_survival,
)
from koppelkans.benchmarks.forecast import run_forecast_benchmark
from koppelkans.errors import InputError

YEAR = 2026
LN2 = math.log(2.0)


def assets(*rows: dict) -> pd.DataFrame:
    """Asset records with the register's columns; each row names only what differs."""
    base = {
        "organisation": "GM0153-RIO",
        "discipline": "sewer",
        "material": "beton",
        "diameter_mm": 500.0,
        "install_year": 1970,
        "condition": None,
        "condition_year": None,
        "replacement_cost_eur": 10_000.0,
    }
    frame = pd.DataFrame([{**base, "id": f"A{i}", **row} for i, row in enumerate(rows)])
    for column in ("install_year", "condition", "condition_year"):
        frame[column] = pd.array(frame[column], dtype="Int64")
    return frame


def one_model(median: float, shape: float) -> SurvivalTable:
    return SurvivalTable({(ANY, ANY, ANY, ANY): WeibullModel.from_median(median=median, shape=shape)})


# -- closed forms ------------------------------------------------------------------------------
def test_weibull_median_is_scale_times_ln2_to_the_one_over_shape() -> None:
    assert weibull_median(3.25, 83.95) == pytest.approx(83.95 * LN2 ** (1 / 3.25), rel=1e-15)
    assert weibull_median(3.25, 83.95) == pytest.approx(stats.weibull_min(3.25, scale=83.95).median(), rel=1e-12)


def test_quantile_and_survival_agree_with_scipy() -> None:
    life = stats.weibull_min(2.5, scale=14.47)
    ages = np.array([0.0, 5.0, 12.5, 30.0])
    assert weibull_survival(ages, 2.5, 14.47) == pytest.approx(life.sf(ages), rel=1e-12)
    assert weibull_quantile([0.1, 0.5, 0.9], 2.5, 14.47) == pytest.approx(life.ppf([0.1, 0.5, 0.9]), rel=1e-12)


def test_residual_life_of_a_new_asset_is_its_lifetime_quantile_and_shrinks_with_age() -> None:
    assert residual_life_quantile(0.5, 0.0, 3.0, 80.0) == pytest.approx(80.0 * LN2 ** (1 / 3), rel=1e-12)
    life = stats.weibull_min(3.0, scale=80.0)
    at_60 = life.isf(0.5 * life.sf(60.0)) - 60.0
    assert residual_life_quantile(0.5, 60.0, 3.0, 80.0) == pytest.approx(at_60, rel=1e-10)
    assert residual_life_quantile(0.5, 200.0, 3.0, 80.0) < residual_life_quantile(0.5, 60.0, 3.0, 80.0)


def test_default_models_carry_the_lifetimes_of_product_section_8() -> None:
    table = SurvivalTable.defaults()
    concrete = table[(ANY, "sewer", "concrete", ANY)]
    assert (concrete.median, concrete.shape) == (pytest.approx(75.0), 3.25)
    assert table[(ANY, "sewer", "pvc", ANY)].median == pytest.approx(90.0)
    assert table[(ANY, "road", "asphalt", ANY)].median == pytest.approx(12.5)
    assert table[(ANY, "road", "asphalt", ANY)].shape == 2.5
    assert table[(ANY, "water", ANY, ANY)].median == pytest.approx(70.0)


# -- model lookup ------------------------------------------------------------------------------
def test_materials_are_matched_on_canonical_codes_and_diameters_on_classes() -> None:
    assert list(material_codes(["beton", " Gres ", "PVC", None, "GPLK"])) == [
        "concrete",
        "vitrified_clay",
        "pvc",
        ANY,
        "gplk",
    ]
    assert list(diameter_classes([300.0, 400.0, 799.0, 800.0, None, 0.0])) == [
        "small",
        "medium",
        "medium",
        "large",
        ANY,
        ANY,
    ]


def test_lookup_falls_back_from_diameter_class_to_material_to_discipline_to_generic() -> None:
    frame = assets(
        {"diameter_mm": 300.0},
        {"diameter_mm": 500.0},
        {"material": "metselwerk"},
        {"discipline": "unknown_network", "material": None},
    )
    assignment = SurvivalTable.defaults().lookup(
        organisation=frame["organisation"],
        discipline=frame["discipline"],
        material=frame["material"],
        diameter_mm=frame["diameter_mm"],
    )
    assert list(assignment.labels) == ["sewer/concrete/small", "sewer/concrete/*", "sewer/*/*", "*/*/*"]


def test_an_organisations_own_model_beats_the_library_material_default() -> None:
    own = SurvivalTable.from_frame(
        pd.DataFrame([{"organisation": "GM0153-RIO", "discipline": "sewer", "shape": 3.0, "median": 60}])
    )
    table = SurvivalTable.defaults().with_overrides(own)
    frame = assets({}, {"organisation": "GM0164-RIO"})
    assignment = table.lookup(
        organisation=frame["organisation"],
        discipline=frame["discipline"],
        material=frame["material"],
        diameter_mm=frame["diameter_mm"],
    )
    assert list(assignment.labels) == ["GM0153-RIO:sewer/*/*", "sewer/concrete/*"]
    assert assignment.models[0].median == pytest.approx(60.0)


def test_models_file_rows_without_shape_or_with_unknown_class_are_refused_by_row_and_field() -> None:
    with pytest.raises(InputError) as missing:
        SurvivalTable.from_frame(pd.DataFrame([{"discipline": "sewer", "shape": "", "median": 60}]))
    assert (missing.value.record, missing.value.field) == ("row 1 (sewer/*/*)", "shape")
    with pytest.raises(InputError) as unknown:
        SurvivalTable.from_frame(
            pd.DataFrame([{"discipline": "sewer", "diameter_class": "huge", "shape": 3, "median": 60}])
        )
    assert unknown.value.field == "diameter_class"


# -- forecast ----------------------------------------------------------------------------------
def test_a_new_asset_is_due_at_its_median_life_with_p10_and_p90_at_its_quantiles() -> None:
    result = forecast_from_assets(assets({"install_year": YEAR}), year=YEAR, models=one_model(70.5, 3.0))
    scale = 70.5 / LN2 ** (1 / 3)
    expected = [YEAR + math.floor(scale * (-math.log(1 - q)) ** (1 / 3)) for q in (0.1, 0.5, 0.9)]
    assert [int(result[c].iloc[0]) for c in ("p10", "p50", "p90")] == expected == [2063, 2096, 2131]


def test_yearly_failure_probabilities_are_conditional_survival_differences_and_sum_to_one() -> None:
    result = forecast_from_assets(assets({"install_year": 1976}), year=YEAR, horizon=5, models=one_model(70.0, 3.0))
    scale = 70.0 / LN2 ** (1 / 3)
    survival = np.exp(-((np.arange(50.0, 56.0) / scale) ** 3) + (50.0 / scale) ** 3)
    assert failure_columns(result) == ["pf_2026", "pf_2027", "pf_2028", "pf_2029", "pf_2030"]
    assert result[failure_columns(result)].iloc[0].to_numpy() == pytest.approx(survival[:-1] - survival[1:], rel=1e-6)
    assert result["p_beyond"].iloc[0] == pytest.approx(survival[-1], rel=1e-12)
    assert result[failure_columns(result)].iloc[0].sum() + result["p_beyond"].iloc[0] == pytest.approx(1.0, abs=1e-6)


def test_an_asset_long_past_its_life_is_due_now_never_in_the_past() -> None:
    result = forecast_from_assets(assets({"install_year": 1880}), year=YEAR)
    row = result.iloc[0]
    assert (int(row["p10"]), bool(row["overdue"])) == (YEAR, True)
    life = stats.weibull_min(3.25, scale=75.0 / LN2 ** (1 / 3.25))
    residual = [life.isf((1 - q) * life.sf(146.0)) - 146.0 for q in (0.1, 0.5, 0.9)]
    assert (
        [int(row[c]) for c in ("p10", "p50", "p90")] == [YEAR + math.floor(r) for r in residual] == [2026, 2030, 2041]
    )


def test_a_recent_poor_condition_brings_the_due_year_forward_and_an_excellent_one_pushes_it_back() -> None:
    frame = assets(
        {},
        {"condition": 5, "condition_year": 2025},
        {"condition": 1, "condition_year": 2025},
        {"condition": 5, "condition_year": 1995},
    )
    p50 = forecast_from_assets(frame, year=YEAR)["p50"].tolist()
    plain, poor, excellent, poor_long_ago = p50
    assert poor < plain < excellent
    assert poor < poor_long_ago < plain


@settings(max_examples=60, deadline=None)
@given(
    install_year=st.integers(1880, YEAR),
    since=st.integers(0, 40),
    worse=st.integers(1, 6),
    better=st.integers(1, 6),
    kind=st.sampled_from(
        [("sewer", "beton", 300.0), ("sewer", "PVC", 315.0), ("road", "asfalt", None), ("gas", "PE", 110.0)]
    ),
)
def test_a_worse_condition_never_gives_a_later_p50(
    install_year: int, since: int, worse: int, better: int, kind: tuple[str, str, float | None]
) -> None:
    better, worse = min(better, worse), max(better, worse)
    observed = max(YEAR - since, install_year)
    discipline, material, diameter = kind
    row = {"discipline": discipline, "material": material, "diameter_mm": diameter, "install_year": install_year}
    frame = assets(
        {**row, "condition": better, "condition_year": observed},
        {**row, "condition": worse, "condition_year": observed},
    )
    p50 = forecast_from_assets(frame, year=YEAR, horizon=1)["p50"].tolist()
    assert p50[1] <= p50[0]


def test_condition_mapping_refuses_shares_that_rise_with_a_worse_class() -> None:
    with pytest.raises(InputError) as error:
        ConditionMapping(remaining_share=(1.0, 0.5, 0.6, 0.2, 0.1, 0.05), half_life=10.0)
    assert error.value.field == "remaining_share"


def test_forecast_refuses_an_asset_without_install_year_or_with_a_condition_outside_nen_2767() -> None:
    with pytest.raises(InputError) as missing:
        forecast_from_assets(assets({}, {"install_year": None}), year=YEAR)
    assert (missing.value.record, missing.value.field) == ("A1", "install_year")
    with pytest.raises(InputError) as condition:
        forecast_from_assets(assets({"condition": 7, "condition_year": 2020}), year=YEAR)
    assert (condition.value.record, condition.value.field) == ("A0", "condition")


# -- fit ---------------------------------------------------------------------------------------
def censored_sample(n: int, *, shape: float, scale: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Lifetimes of assets installed 1900-2025: renewed ones observed, those in service censored at their age."""
    rng = np.random.default_rng(seed)
    age_now = YEAR - rng.integers(1900, YEAR, n)
    life = scale * rng.weibull(shape, n)
    renewed = life <= age_now
    return np.where(renewed, life, age_now), np.where(renewed, EVENT, RIGHT_CENSORED)


def test_a_censored_fit_of_5000_assets_recovers_the_parameters_within_ten_percent() -> None:
    shape, scale = 3.25, 83.95
    age, status = censored_sample(5_000, shape=shape, scale=scale, seed=7)
    fit = fit_weibull(age, status)
    assert 0.3 < (status == EVENT).mean() < 0.5  # censoring is heavy, as in a real register
    assert abs(fit.shape / shape - 1) < 0.10 and abs(fit.scale / scale - 1) < 0.10
    assert fit.shape_ci[0] < shape < fit.shape_ci[1] and fit.scale_ci[0] < scale < fit.scale_ci[1]
    assert fit.median_ci[0] < fit.median < fit.median_ci[1]
    assert (fit.events, fit.right_censored, fit.left_censored, fit.converged) == (
        int((status == EVENT).sum()),
        int((status == RIGHT_CENSORED).sum()),
        0,
        True,
    )


def test_the_fit_is_scipys_censored_maximum_likelihood() -> None:
    age, status = censored_sample(2_000, shape=2.5, scale=40.0, seed=3)
    data = stats.CensoredData(uncensored=age[status == EVENT], right=age[status == RIGHT_CENSORED])
    shape, _, scale = stats.weibull_min.fit(data, floc=0)
    fit = fit_weibull(age, status)
    assert (fit.shape, fit.scale) == (pytest.approx(shape, rel=1e-4), pytest.approx(scale, rel=1e-4))


def test_a_fit_on_inspections_alone_left_censored_poor_and_right_censored_good_recovers_the_parameters() -> None:
    rng = np.random.default_rng(11)
    inspected_at = rng.uniform(1, 120, 5_000)
    life = 83.95 * rng.weibull(3.25, 5_000)
    fit = fit_weibull(inspected_at, np.where(life <= inspected_at, LEFT_CENSORED, RIGHT_CENSORED))
    assert abs(fit.shape / 3.25 - 1) < 0.10 and abs(fit.scale / 83.95 - 1) < 0.10


def test_a_fit_without_renewals_or_poor_conditions_is_refused() -> None:
    with pytest.raises(InputError, match="at least 10 renewals"):
        fit_weibull([10.0, 20.0, 30.0], [RIGHT_CENSORED] * 3)


def test_renewed_assets_are_events_poor_conditions_left_censored_and_the_rest_in_service() -> None:
    frame = assets(
        {"install_year": 1950},
        {"install_year": 1960, "condition": 5, "condition_year": 2020},
        {"install_year": 1970, "condition": 3, "condition_year": 2020},
        {"install_year": 1980, "attributes": {"end_year": 2010}},
        {"install_year": YEAR},
    )
    works = pd.DataFrame(
        [
            {"id": "W1", "kind": "replace", "status": "done", "asset_ids": "A0", "preferred_start": 2015},
            {"id": "W2", "kind": "replace", "status": "planned", "asset_ids": "A1;A2", "preferred_start": 2027},
        ]
    ).assign(earliest_start=2014)
    observed = observations_from_assets(frame, year=YEAR, works=works)
    assert observed[["asset_id", "age", "status"]].values.tolist() == [
        ["A0", 65.0, EVENT],
        ["A1", 60.0, LEFT_CENSORED],
        ["A2", 56.0, RIGHT_CENSORED],
        ["A3", 30.0, EVENT],
    ]


# -- financial plan ----------------------------------------------------------------------------
def test_a_single_assets_plan_is_its_cost_times_its_failure_probability_each_year() -> None:
    frame = assets({"install_year": 1976})
    result = forecast_from_assets(frame, year=YEAR, horizon=3, models=one_model(70.0, 3.0))
    plan = financial_plan_from_forecast(result, costs=[10_000.0], renewals=False)
    pf = result[failure_columns(result)].iloc[0].to_numpy(dtype=float)
    assert plan["year"].tolist() == [2026, 2027, 2028]
    assert plan["expected_eur"].to_numpy() == pytest.approx(10_000.0 * pf, rel=1e-12)
    assert plan["sd_eur"].to_numpy() == pytest.approx(10_000.0 * np.sqrt(pf * (1 - pf)), rel=1e-12)
    assert plan["p90_eur"].to_numpy() == pytest.approx(plan["expected_eur"] + 1.2815515655446004 * plan["sd_eur"])


def test_financial_plan_totals_equal_the_sum_of_expected_costs() -> None:
    frame = assets(
        *({"install_year": 1950 + 5 * i, "replacement_cost_eur": 1_000.0 * (i + 1)} for i in range(10)),
        *({"discipline": "road", "material": "asfalt", "install_year": 2000 + i} for i in range(5)),
    )
    result = forecast_from_assets(frame, year=YEAR, horizon=30)
    cost = frame["replacement_cost_eur"].to_numpy()
    first_only = financial_plan_from_forecast(result, costs=cost, renewals=False)
    pf = result[failure_columns(result)].to_numpy(dtype=float)
    assert first_only["expected_eur"].sum() == pytest.approx((cost[:, None] * pf).sum(), rel=1e-10)
    with_renewals = financial_plan_from_forecast(result, costs=cost)
    expected = 0.0
    for (shape, scale), rows in result.groupby(["shape", "scale"]).groups.items():
        u = renewal_density(shape, scale, horizon=30)
        successors = np.eye(30) + np.array([[u[t - s] if t > s else 0.0 for t in range(30)] for s in range(30)])
        expected += (cost[rows][:, None] * (pf[rows] @ successors)).sum()
    assert with_renewals["expected_eur"].sum() == pytest.approx(expected, rel=1e-10)
    assert (
        with_renewals.groupby("discipline")["expected_eur"].sum()["road"]
        > first_only.groupby("discipline")["expected_eur"].sum()["road"]
    )  # asphalt is resurfaced more than once in 30 years
    totals = plan_totals(with_renewals)
    assert totals["expected_eur"].sum() == pytest.approx(with_renewals["expected_eur"].sum(), rel=1e-12)
    yearly = with_renewals.groupby("year")["sd_eur"].apply(lambda sd: math.sqrt((sd**2).sum()))
    assert totals["sd_eur"].to_numpy() == pytest.approx(yearly.to_numpy(), rel=1e-12)


def test_plan_mean_and_band_match_a_seeded_monte_carlo_of_the_renewal_process() -> None:
    rng = np.random.default_rng(5)
    frame = assets(
        *({"discipline": "road", "material": "asfalt", "install_year": int(y)} for y in rng.integers(1995, YEAR, 1_500))
    )
    frame["replacement_cost_eur"] = rng.uniform(1e4, 5e4, len(frame))
    result = forecast_from_assets(frame, year=YEAR, horizon=20)
    plan = financial_plan_from_forecast(result, costs=frame["replacement_cost_eur"], by=())
    shape, scale, age = result["shape"].iloc[0], result["scale"].iloc[0], result["age"].to_numpy()
    cost = frame["replacement_cost_eur"].to_numpy()
    draws = np.zeros((400, 20))
    for draw in draws:
        z = (age / scale) ** shape - np.log(rng.uniform(size=len(age)))
        year = np.floor(scale * z ** (1 / shape) - age)  # first failure, conditional on today's age
        while (alive := year < 20).any():
            np.add.at(draw, year[alive].astype(int), cost[alive])
            year[alive] += np.maximum(np.round(scale * rng.weibull(shape, alive.sum())), 1)
    assert plan["expected_eur"].to_numpy() == pytest.approx(draws.mean(axis=0), rel=0.02)
    assert plan["p10_eur"].to_numpy() == pytest.approx(np.quantile(draws, 0.1, axis=0), rel=0.04)
    assert plan["p90_eur"].to_numpy() == pytest.approx(np.quantile(draws, 0.9, axis=0), rel=0.04)


def test_replacement_costs_fall_back_on_unit_costs_per_metre_square_metre_or_item() -> None:
    frame = assets(
        {"replacement_cost_eur": 1234.0},
        {"replacement_cost_eur": None, "diameter_mm": 500.0},
        {"replacement_cost_eur": None, "diameter_mm": None},
        {"replacement_cost_eur": None, "discipline": "road", "material": "asfalt"},
        {"replacement_cost_eur": None, "discipline": "lighting"},
        {"replacement_cost_eur": None, "discipline": "green"},
    )
    frame["geometry"] = [
        shapely.LineString([(0, 0), (100, 0)]),
        shapely.LineString([(0, 0), (100, 0)]),
        shapely.LineString([(0, 0), (10, 0)]),
        shapely.box(0, 0, 20, 10),
        shapely.Point(0, 0),
        shapely.LineString([(0, 0), (10, 0)]),
    ]
    costs = replacement_costs_of(frame)
    assert costs["replacement_cost_eur"].tolist() == [1234.0, 60_000.0, 5_400.0, 5_000.0, 2_500.0, 0.0]
    assert costs["cost_source"].tolist() == ["register", "unit_cost", "unit_cost", "unit_cost", "unit_cost", "none"]


# -- bridging ----------------------------------------------------------------------------------
def test_bridging_options_shift_the_due_year_by_the_measures_gain_at_a_share_of_the_cost() -> None:
    frame = assets(
        {"install_year": 1960},
        {"discipline": "road", "material": "asfalt", "install_year": 2012},
        {"discipline": "green", "material": None},
    )
    result = forecast_from_assets(frame, year=YEAR)
    options = bridging_options_from_forecast(result, costs=[80_000.0, 20_000.0, 1_500.0])
    sewer_due, road_due = int(result["p50"].iloc[0]), int(result["p50"].iloc[1])
    assert options[
        ["asset_id", "measure", "shifted_due_year", "shifted_due_min", "shifted_due_max", "cost_eur"]
    ].values.tolist() == [
        ["A0", "reline", sewer_due + 25, sewer_due + 20, sewer_due + 30, 40_000.0],
        ["A1", "surface_treatment", road_due + 4, road_due + 3, road_due + 5, 4_000.0],
        ["A0", "temporary_repair", sewer_due + 2, sewer_due + 1, sewer_due + 3, 8_000.0],
        ["A1", "temporary_repair", road_due + 2, road_due + 1, road_due + 3, 2_000.0],
    ]
    assert options.set_index("measure")["opens_street"].to_dict() == {
        "reline": False,
        "surface_treatment": False,
        "temporary_repair": True,
    }


# -- benchmark module --------------------------------------------------------------------------
def test_the_benchmark_gives_the_naive_loops_answers_and_a_ratio() -> None:
    result = run_forecast_benchmark(n=3_000, naive_sample=40)
    assert result["naive_p50_mismatches"] == 0
    assert result["naive_max_probability_difference"] < 1e-6
    assert result["ratio_naive_to_vectorised"] > 1
