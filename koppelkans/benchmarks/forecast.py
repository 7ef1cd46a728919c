"""Forecast speed: N generated assets through `forecast_from_assets`, against a per-asset scipy loop.

The alternative a user would write is a loop over assets calling scipy.stats.weibull_min for each
(model lookup, condition shift by root finding, conditional quantiles and yearly probabilities).
It is far too slow for N, so it runs on a subsample in the same process and its time per asset
is extrapolated to N; its results are compared with the vectorised ones on that subsample.
"""

from __future__ import annotations

import gc
import math
import resource
import sys
import time
import tracemalloc
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from koppelkans.analysis.lifecycle import (
    ANY,
    ConditionMapping,
    SurvivalTable,
    diameter_classes,
    failure_columns,
    financial_plan_from_forecast,
    forecast_from_assets,
    material_codes,
    replacement_costs_of,
)

__all__ = ["naive_forecast", "run_forecast_benchmark", "sewer_renewal_rate", "synthetic_register"]

BENCH_YEAR = 2026

# discipline: (share of assets, organisation, typical length m, materials by install period)
_NETWORKS: dict[str, tuple[float, str, float, tuple[tuple[int, dict[str, float]], ...]]] = {
    "sewer": (
        0.28,
        "GM0153-RIO",
        40.0,
        (
            (1900, {"gres": 0.25, "beton": 0.75}),
            (1960, {"beton": 0.65, "PVC": 0.3, "gres": 0.05}),
            (1990, {"PVC": 0.65, "beton": 0.35}),
        ),
    ),
    "water": (0.14, "VITENS", 80.0, ((1900, {"gietijzer": 0.4, "asbestcement": 0.6}), (1975, {"PVC": 0.6, "PE": 0.4}))),
    "gas": (0.14, "ENEXIS", 80.0, ((1900, {"gietijzer": 0.4, "staal": 0.6}), (1970, {"PVC": 0.5, "PE": 0.5}))),
    "electricity_lv": (0.14, "ENEXIS", 90.0, ((1900, {"GPLK": 1.0}), (1985, {"XLPE": 1.0}))),
    "electricity_mv": (0.05, "ENEXIS", 110.0, ((1900, {"GPLK": 1.0}), (1985, {"XLPE": 1.0}))),
    "fibre": (0.08, "GLASVEZEL", 90.0, ((1900, {"glasvezel": 1.0}),)),
    "telecom": (0.05, "KPN", 90.0, ((1900, {"koper": 1.0}),)),
    "road": (0.10, "GM0153-WEG", 90.0, ((1900, {"asfalt": 0.45, "klinkers": 0.55}),)),
    "lighting": (0.02, "GM0153-OV", 0.0, ((1900, {"staal": 0.5, "aluminium": 0.5}),)),
}
_DECADES = np.arange(1900, 2030, 10)
_STOCK_BY_DECADE = np.array([0.01, 0.01, 0.02, 0.02, 0.02, 0.10, 0.16, 0.20, 0.15, 0.12, 0.10, 0.07, 0.02])
"""Share of today's network by install decade 1900s … 2020s: the Dutch post-war build-up (assumption)."""


def synthetic_register(n: int, *, seed: int = 1, year: int = BENCH_YEAR) -> pd.DataFrame:
    """N assets like a Dutch town's register (deterministic): disciplines, materials by era, conditions.

    Install years follow a post-war age profile; 70 % of sewers and roads were inspected in the
    last 8 years, their NEN 2767 class drawn from the life each asset has used under the default models.
    """
    rng = np.random.default_rng(seed)
    names = list(_NETWORKS)
    discipline = np.array(names, dtype=object)[rng.choice(len(names), n, p=[_NETWORKS[d][0] for d in names])]
    decade = rng.choice(_DECADES, n, p=_STOCK_BY_DECADE / _STOCK_BY_DECADE.sum())
    install = np.minimum(decade + rng.integers(0, 10, n), year - 1)
    install = np.where(discipline == "fibre", rng.integers(2005, year, n), install)
    material = np.empty(n, dtype=object)
    length = np.zeros(n)
    organisation = np.empty(n, dtype=object)
    for name, (_, org, typical_length, periods) in _NETWORKS.items():
        rows = np.flatnonzero(discipline == name)
        organisation[rows] = org
        length[rows] = typical_length * rng.uniform(0.5, 1.5, len(rows)) if typical_length else np.nan
        for i, (start, mix) in enumerate(periods):
            end = periods[i + 1][0] if i + 1 < len(periods) else 10_000
            chosen = rows[(install[rows] >= start) & (install[rows] < end)]
            material[chosen] = rng.choice(list(mix), len(chosen), p=list(mix.values()))
    asphalt = material == "asfalt"
    install = np.where(asphalt, year - rng.integers(1, 25, n), install)  # the wearing course, not the road
    diameter = np.where(
        discipline == "sewer",
        np.where(material == "PVC", rng.choice([250.0, 315.0, 400.0], n), rng.choice([300.0, 400.0, 500.0, 800.0], n)),
        np.where(np.isin(discipline, ["water", "gas"]), rng.choice([110.0, 160.0, 200.0], n), np.nan),
    )
    frame = pd.DataFrame(
        {
            "id": [f"BENCH:A{i}" for i in range(n)],
            "organisation": organisation,
            "discipline": discipline,
            "material": material,
            "diameter_mm": diameter,
            "install_year": pd.array(install, dtype="Int64"),
            "length_m": length,
        }
    )
    condition, condition_year = _observed_conditions(frame, rng, year=year)
    frame["condition"] = pd.array(np.where(condition > 0, condition, None), dtype="Int64")
    frame["condition_year"] = pd.array(np.where(condition > 0, condition_year, None), dtype="Int64")
    return frame


def _observed_conditions(frame: pd.DataFrame, rng: np.random.Generator, *, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Class from the share of its median life an asset has left at inspection, ±1 class of noise."""
    n = len(frame)
    assignment = SurvivalTable.defaults().lookup(
        organisation=frame["organisation"],
        discipline=frame["discipline"],
        material=frame["material"],
        diameter_mm=frame["diameter_mm"],
    )
    shape, scale = assignment.shape, assignment.scale
    age = year - frame["install_year"].to_numpy(dtype=float)
    # a life that lasts at least its current age: inverse transform of the conditional survival
    life = scale * ((age / scale) ** shape - np.log(rng.uniform(size=n))) ** (1.0 / shape)
    observed = year - rng.integers(0, 8, n)
    observed = np.maximum(observed, frame["install_year"].to_numpy(dtype=float))
    left = (life - (observed - frame["install_year"].to_numpy(dtype=float))) / (scale * math.log(2.0) ** (1 / shape))
    condition = 6 - np.searchsorted([0.03, 0.08, 0.2, 0.45, 0.8], left, side="right")
    condition = np.clip(condition + rng.choice([-1, 0, 0, 0, 1], n), 1, 6)
    inspected = np.isin(frame["discipline"], ["sewer", "road"]) & (rng.uniform(size=n) < 0.7)
    return np.where(inspected, condition, 0), observed.astype(np.int64)


def naive_forecast(
    assets: pd.DataFrame,
    *,
    year: int,
    horizon: int,
    models: SurvivalTable | None = None,
    conditions: ConditionMapping | None = None,
) -> pd.DataFrame:
    """The same forecast, one asset at a time with scipy.stats (the baseline the benchmark measures)."""
    table = models or SurvivalTable.defaults()
    mapping = conditions or ConditionMapping.defaults()
    rows = []
    offsets = np.arange(horizon + 1)
    for asset in assets.to_dict("records"):
        material = material_codes([asset.get("material")])[0]
        diameter = diameter_classes([asset.get("diameter_mm")])[0]
        model = table[table.resolve(asset.get("organisation") or ANY, asset["discipline"], material, diameter)]
        life = stats.weibull_min(model.shape, scale=model.scale)
        age = max(year - int(asset["install_year"]), 0)
        effective = float(age)
        condition = asset.get("condition")
        if condition is not None and condition is not pd.NA:
            observed = min(int(asset["condition_year"]), year)
            share = mapping.remaining_share[int(condition) - 1]
            virtual = _virtual_age(life, model.median * share) if share < 1 and model.shape > 1 else 0.0
            weight = 0.5 ** ((year - observed) / mapping.half_life)
            effective = max(age + weight * (virtual - min(max(observed - int(asset["install_year"]), 0), age)), 0.0)
        # in log space: sf underflows for assets deep in the wear-out tail
        survived = life.logsf(effective)
        survival = np.exp(life.logsf(effective + offsets) - survived)
        due = {
            q: year + math.floor(_inverse_logsf(life, survived + math.log1p(-p)) - effective)
            for q, p in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9))
        }
        rows.append({"asset_id": asset["id"], **due, "pf": survival[:-1] - survival[1:]})
    return pd.DataFrame(rows)


def _virtual_age(life: Any, remaining: float) -> float:
    """The age whose conditional median remaining life is `remaining`, by root finding."""

    def gap(v: float) -> float:
        return _inverse_logsf(life, float(life.logsf(v)) - math.log(2.0)) - v - remaining

    upper = life.kwds["scale"] * 50.0
    if gap(upper) > 0:
        return upper
    return float(optimize.brentq(gap, 0.0, upper, xtol=1e-9))


def _inverse_logsf(life: Any, log_p: float) -> float:
    """The age at which log S = log_p (scipy has isf, but not on the log scale)."""
    shape, scale = life.args[0], life.kwds["scale"]
    return float(scale * (-log_p) ** (1.0 / shape))


def run_forecast_benchmark(
    *, n: int, naive_sample: int = 1_000, seed: int = 1, year: int = BENCH_YEAR, horizon: int = 30
) -> dict[str, Any]:
    """Seconds and peak memory of forecasting N assets, the plan on top, and the ratio to the naive loop."""
    assets = synthetic_register(n, seed=seed, year=year)
    gc.collect()
    started = time.perf_counter()
    result = forecast_from_assets(assets, year=year, horizon=horizon)
    seconds = time.perf_counter() - started

    costs = replacement_costs_of(assets)
    started = time.perf_counter()
    financial_plan_from_forecast(result, costs=costs["replacement_cost_eur"], length_m=costs["length_m"])
    plan_seconds = time.perf_counter() - started

    del result
    gc.collect()
    tracemalloc.start()
    forecast_from_assets(assets, year=year, horizon=horizon)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    sample = assets.sample(n=min(naive_sample, n), random_state=seed).reset_index(drop=True)
    started = time.perf_counter()
    naive = naive_forecast(sample, year=year, horizon=horizon)
    naive_seconds = time.perf_counter() - started
    fast = forecast_from_assets(sample, year=year, horizon=horizon)
    naive_per_asset = naive_seconds / len(sample)
    return {
        "n": n,
        "horizon": horizon,
        "seconds": seconds,
        "assets_per_second": n / seconds,
        "plan_seconds": plan_seconds,
        "peak_traced_mb": traced_peak / 2**20,
        "max_rss_mb": _max_rss_mb(),
        "naive_sample": len(sample),
        "naive_seconds": naive_seconds,
        "naive_extrapolated_seconds": naive_per_asset * n,
        "ratio_naive_to_vectorised": naive_per_asset * n / seconds,
        # an asset inspected this year sits exactly on share × median: float noise may round it either way
        "naive_p50_rounding_differences": int((np.abs(naive["p50"].to_numpy() - fast["p50"].to_numpy()) == 1).sum()),
        "naive_p50_mismatches": int((np.abs(naive["p50"].to_numpy() - fast["p50"].to_numpy()) > 1).sum()),
        "naive_max_probability_difference": float(
            np.abs(np.vstack(naive["pf"].to_list()) - fast[failure_columns(fast)].to_numpy(dtype=float)).max()
        ),
    }


def sewer_renewal_rate(*, year: int = BENCH_YEAR, years: int = 10, seed: int = 1) -> dict[str, Any]:
    """Expected yearly sewer renewal (% of length) for the next `years`, on the scale-1 demo when it exists.

    Falls back on a synthetic town (the 139 km per 30,000 inhabitants of GWSW's "Juinen", ×5) when
    the demo generator is not available.
    """
    assets, source = _renewal_rate_assets(seed=seed, year=year)
    sewer = assets[assets["discipline"] == "sewer"].reset_index(drop=True)
    result = forecast_from_assets(sewer, year=year, horizon=years)
    costs = replacement_costs_of(sewer)
    plan = financial_plan_from_forecast(result, costs=costs["replacement_cost_eur"], length_m=costs["length_m"], by=())
    rates = (plan["expected_length_m"] / plan["length_m"] * 100).to_numpy()
    return {
        "source": source,
        "sewer_km": float(plan["length_m"].iloc[0] / 1000),
        "years": [int(y) for y in plan["year"]],
        "rate_pct": [round(float(r), 3) for r in rates],
        "mean_rate_pct": float(rates.mean()),
    }


def _renewal_rate_assets(*, seed: int, year: int) -> tuple[pd.DataFrame, str]:
    try:
        from koppelkans.demo import demo_frames
    except ImportError:
        return synthetic_register(int(5 * 139_000 / 40.0 / 0.28), seed=seed, year=year), "synthetic"
    return demo_frames(scale=1.0)["assets"], "demo --scale 1"


def _max_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is kB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10
