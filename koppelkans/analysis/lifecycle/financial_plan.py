"""Long-term financial plan: expected replacement cost per year × organisation × discipline, with P10/P90 bands.

Method: the exact expectation, with bands from a normal approximation — no Monte Carlo. The
expected number of renewals of an asset in each year follows in closed form from its forecast
(first failure) and the renewal density of its like-for-like successor (`renewal_density`), so the
expectation costs one pass over the assets and is exactly reproducible; a Monte Carlo run would
need hundreds of lifetime draws per asset to get the same mean to within a percent. Assets fail
independently, so a group's yearly cost is a sum of many small independent terms: its variance
is Σ cost²·p(1−p) (p = the asset's expected renewals that year, capped at 1) and by the central
limit theorem P10/P90 = mean ∓ 1.2816·sd, cut at 0. The bands are good for groups of dozens of
assets or more; for a handful of assets the real distribution is lumpy and the band only indicative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.lifecycle.defaults import lifecycle_figure
from koppelkans.analysis.lifecycle.forecast import column_numbers, failure_columns, forecast_from_assets, forecast_years
from koppelkans.analysis.lifecycle.survival import ANY, SurvivalTable, combination_codes, renewal_density
from koppelkans.errors import InputError

__all__ = [
    "PLAN_COLUMNS",
    "UNIT_COSTS",
    "financial_plan_from_assets",
    "financial_plan_from_forecast",
    "plan_totals",
    "replacement_costs_of",
]

UNIT_COSTS: dict[str, dict[str, str]] = {
    "sewer": {"m": "sewer_cost_per_m_incl_manholes"},
    "water": {"m": "water_main_cost_per_m"},
    "gas": {"m": "gas_main_cost_per_m"},
    "electricity_lv": {"m": "lv_cable_cost_per_m"},
    "electricity_mv": {"m": "mv_cable_cost_per_m"},
    "telecom": {"m": "telecom_cost_per_m"},
    "fibre": {"m": "fibre_cost_per_m"},
    "heat": {"m": "heat_main_cost_per_m"},
    "road": {"m": "road_cost_per_m", "m2": "road_cost_per_m2"},
    "water_storage": {"m": "water_storage_cost_per_m"},
    "lighting": {"item": "lamp_post_cost"},
    "green": {"item": "tree_cost"},
    "charging": {"item": "charging_point_cost"},
}
"""Per discipline, the figure that prices an asset without replacement_cost_eur, per unit of its geometry
(lines per metre, polygons per m², points per item). Sewers with a diameter use RIONED's €400/m at
Ø300 … €800/m at Ø700 (interpolated, PRODUCT.md §8); without one €540/m including manholes."""

PLAN_COLUMNS = (
    "year",
    "organisation",
    "discipline",
    "assets",
    "length_m",
    "expected_renewals",
    "expected_length_m",
    "expected_eur",
    "sd_eur",
    "p10_eur",
    "p90_eur",
)

_Z90 = NormalDist().inv_cdf(0.9)
_CHUNK = 65_536


def replacement_costs_of(
    assets: pd.DataFrame, *, unit_costs: Mapping[str, Mapping[str, float]] | None = None
) -> pd.DataFrame:
    """Replacement cost per asset: the registered one, else unit cost × length/area/item (`UNIT_COSTS`).

    Returns asset_id, replacement_cost_eur (0 where neither is known), cost_source (`register`,
    `unit_cost` or `none`) and length_m (NaN for points and polygons), in input order. `unit_costs`
    overrides euros per unit: {"water": {"m": 400.0}}.
    """
    n = len(assets)
    key = "id" if "id" in assets.columns else "asset_id"
    length, area, unit = _extents(assets)
    registered = column_numbers(assets, "replacement_cost_eur")
    estimated = np.full(n, np.nan)
    discipline = assets["discipline"].to_numpy(dtype=object)
    for code in pd.unique(discipline):
        rows = discipline == code
        prices = _unit_prices(str(code), unit_costs)
        for name, extent in (("m", length), ("m2", area), ("item", np.ones(n))):
            if name in prices:
                chosen = rows & (unit == name)
                estimated[chosen] = prices[name] * extent[chosen]
        if code == "sewer" and not (unit_costs and "sewer" in unit_costs):
            chosen = rows & (unit == "m")
            estimated[chosen] = _sewer_price(column_numbers(assets, "diameter_mm")[chosen]) * length[chosen]
    cost = np.where(np.isnan(registered), estimated, registered)
    source = np.where(~np.isnan(registered), "register", np.where(np.isnan(estimated), "none", "unit_cost"))
    return pd.DataFrame(
        {
            "asset_id": assets[key].to_numpy(dtype=object),
            "replacement_cost_eur": np.nan_to_num(cost, nan=0.0),
            "cost_source": source.astype(object),
            "length_m": length,
        }
    )


def financial_plan_from_forecast(
    forecast: pd.DataFrame,
    *,
    costs: Sequence[float] | np.ndarray | pd.Series,
    length_m: Sequence[float] | np.ndarray | pd.Series | None = None,
    by: Sequence[str] = ("organisation", "discipline"),
    renewals: bool = True,
) -> pd.DataFrame:
    """Expected replacement cost (and P10/P90) per year × group over the forecast's horizon.

    Parameters
    ----------
    forecast
        The result of `forecast_from_assets` (its `pf_<year>` columns set the horizon).
    costs
        Replacement cost per forecast row, e.g. `replacement_costs_of(assets)["replacement_cost_eur"]`.
    length_m
        Length per row (NaN for non-linear assets), for the renewed length and the renewal rate.
    by
        Forecast columns to group by (default organisation × discipline).
    renewals
        Also count the successors' renewals within the horizon (short-lived assets such as asphalt
        are renewed more than once in 30 years); False counts only each asset's first renewal.

    Returns
    -------
    One row per year × group: `PLAN_COLUMNS` (with the `by` columns in place of organisation,
    discipline), sorted by group then year.
    """
    cost = np.asarray(costs, dtype=float)
    length = np.full(len(forecast), np.nan) if length_m is None else np.asarray(length_m, dtype=float)
    if len(cost) != len(forecast) or len(length) != len(forecast):
        raise InputError("costs and lengths need one value per forecast row", field="costs")
    missing = [c for c in by if c not in forecast.columns]
    if missing:
        raise InputError(f"cannot group the plan by {', '.join(missing)}: not a forecast column", field="by")
    years = forecast_years(forecast)
    group, groups = _groups(forecast, by)
    expected = _expected_renewal_sums(
        forecast, cost=cost, length=length, group=group, n_groups=len(groups), renewals=renewals
    )
    counts = np.bincount(group, minlength=len(groups))
    lengths = np.bincount(group, weights=np.nan_to_num(length), minlength=len(groups))
    frame = pd.DataFrame(
        {
            "year": np.tile(np.asarray(years, dtype=np.int64), len(groups)),
            **{name: np.repeat(groups[name].to_numpy(dtype=object), len(years)) for name in by},
            "assets": np.repeat(counts, len(years)),
            "length_m": np.repeat(lengths, len(years)),
            "expected_renewals": expected["renewals"].ravel(),
            "expected_length_m": expected["length"].ravel(),
            "expected_eur": expected["cost"].ravel(),
            "sd_eur": np.sqrt(np.maximum(expected["variance"].ravel(), 0.0)),
        }
    )
    return _with_bands(frame)


def plan_totals(plan: pd.DataFrame, *, by: Sequence[str] = ("year",)) -> pd.DataFrame:
    """A plan summed over coarser groups (default: per year over everything), bands recombined.

    Groups are independent, so means and variances add. assets and length_m are stocks: summed
    over groups, not over years. Summed over years the band treats years as independent, which
    slightly overstates it (an asset renewed one year is less likely to be renewed the next).
    """
    flows = ["expected_renewals", "expected_length_m", "expected_eur", "variance"]
    yearly = (
        plan.assign(variance=plan["sd_eur"] ** 2)
        .groupby([*(c for c in by if c != "year"), "year"], sort=True, as_index=False)[["assets", "length_m", *flows]]
        .sum()
    )
    if "year" in by:
        totals = yearly[[*by, "assets", "length_m", *flows]]
    else:
        grouped = yearly.groupby(list(by), sort=True, as_index=False)
        totals = grouped[flows].sum().merge(grouped[["assets", "length_m"]].max(), on=list(by))
    totals = totals.assign(sd_eur=np.sqrt(totals["variance"])).drop(columns="variance")
    columns = [*by, "assets", "length_m", "expected_renewals", "expected_length_m", "expected_eur", "sd_eur"]
    return _with_bands(totals[columns].reset_index(drop=True))


def _with_bands(frame: pd.DataFrame) -> pd.DataFrame:
    frame["p10_eur"] = np.maximum(frame["expected_eur"] - _Z90 * frame["sd_eur"], 0.0)
    frame["p90_eur"] = frame["expected_eur"] + _Z90 * frame["sd_eur"]
    return frame


def _groups(forecast: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Per row the index of its group, and the groups (sorted) as a frame of the `by` columns."""
    if not by:
        return np.zeros(len(forecast), dtype=np.int64), pd.DataFrame(index=range(1))
    columns = [forecast[name].astype(object).fillna(ANY).to_numpy(dtype=object) for name in by]
    codes, distinct = combination_codes(columns)
    order = sorted(range(len(distinct)), key=lambda i: tuple(str(v) for v in distinct[i]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    groups = pd.DataFrame([distinct[i] for i in order], columns=list(by), dtype=object)
    return rank[codes], groups


def _expected_renewal_sums(
    forecast: pd.DataFrame,
    *,
    cost: np.ndarray,
    length: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    renewals: bool,
) -> dict[str, np.ndarray]:
    """Per group × year: Σ expected renewals, Σ length × renewals, Σ cost × renewals and Σ cost²·p(1−p).

    Expected renewals of a row = its first-failure probabilities convolved with its model's renewal
    density: a matrix product with an upper-triangular Toeplitz matrix. Rows are sorted by group and
    model, so each block is one matrix product and its sums are vector-matrix products.
    """
    columns = failure_columns(forecast)
    horizon = len(columns)
    model_codes, model_params = combination_codes([forecast["shape"].to_numpy(), forecast["scale"].to_numpy()])
    successors = [
        _successor_matrix(renewal_density(shape, scale, horizon=horizon), horizon) if renewals else np.eye(horizon)
        for shape, scale in model_params
    ]
    sums = {name: np.zeros((n_groups, horizon)) for name in ("renewals", "length", "cost", "variance")}
    first = forecast[columns].to_numpy()
    length = np.nan_to_num(length)
    key = group * len(model_params) + model_codes
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    for block in np.split(order, bounds):
        if not len(block):
            continue
        g, successor = group[block[0]], successors[model_codes[block[0]]]
        for start in range(0, len(block), _CHUNK):
            rows = block[start : start + _CHUNK]
            m = first[rows].astype(float) @ successor
            p = np.minimum(m, 1.0)
            c = cost[rows]
            sums["renewals"][g] += m.sum(axis=0)
            sums["length"][g] += length[rows] @ m
            sums["cost"][g] += c @ m
            sums["variance"][g] += (c**2) @ (p * (1.0 - p))
    return sums


def _successor_matrix(density: np.ndarray, horizon: int) -> np.ndarray:
    """I + U with U[s, t] = density[t − s] for t > s: first failures plus everything that follows them."""
    lag = np.arange(horizon)[None, :] - np.arange(horizon)[:, None]
    return np.where(lag > 0, density[np.clip(lag, 0, horizon)], 0.0) + np.eye(horizon)


def _extents(assets: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Length (lines), area (polygons) and the unit each asset is priced in: m, m2, item or none."""
    n = len(assets)
    if "geometry" in assets.columns:
        geoms = np.asarray(assets["geometry"].to_numpy(), dtype=object)
        kind = shapely.get_type_id(geoms)
        line = np.isin(kind, (1, 2, 5))
        polygon = np.isin(kind, (3, 6))
        point = np.isin(kind, (0, 4))
        length = np.where(line, shapely.length(geoms), np.nan)
        area = np.where(polygon, shapely.area(geoms), np.nan)
        unit = np.select([line, polygon, point], ["m", "m2", "item"], "none").astype(object)
        if "length_m" in assets.columns:
            given = column_numbers(assets, "length_m")
            use = ~np.isnan(given)
            length = np.where(use, given, length)
            unit = np.where(use, "m", unit).astype(object)
        return length, area, unit
    length = column_numbers(assets, "length_m")
    unit = np.where(np.isnan(length), "item", "m").astype(object)
    return length, np.full(n, np.nan), unit


def _unit_prices(discipline: str, overrides: Mapping[str, Mapping[str, float]] | None) -> dict[str, float]:
    if overrides and discipline in overrides:
        return {unit: float(price) for unit, price in overrides[discipline].items()}
    return {unit: lifecycle_figure(name) for unit, name in UNIT_COSTS.get(discipline, {}).items()}


def _sewer_price(diameter: np.ndarray) -> np.ndarray:
    """EUR/m of a sewer: RIONED's €400/m at Ø300 … €800/m at Ø700, interpolated; €540/m without a diameter."""
    low, high = lifecycle_figure("sewer_cost_per_m_300"), lifecycle_figure("sewer_cost_per_m_700")
    price = np.interp(diameter, [300.0, 700.0], [low, high])
    return np.where(np.isnan(diameter), lifecycle_figure("sewer_cost_per_m_incl_manholes"), price)


def financial_plan_from_assets(
    assets: pd.DataFrame,
    *,
    year: int,
    horizon: int = 30,
    models: SurvivalTable | None = None,
    by: Sequence[str] = ("organisation", "discipline"),
) -> pd.DataFrame:
    """The financial plan straight from asset records: forecast, price, then sum (the three steps above)."""
    forecast = forecast_from_assets(assets, year=year, horizon=horizon, models=models)
    costs = replacement_costs_of(assets)
    return financial_plan_from_forecast(
        forecast, costs=costs["replacement_cost_eur"], length_m=costs["length_m"], by=by
    )
