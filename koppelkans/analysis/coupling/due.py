"""Which assets are due for renewal in the horizon, until (or besides) the lifecycle forecast.

With a stored forecast the due year is its P50. Without one, a documented rule: a poor NEN 2767
condition makes an asset due soon (6 now, 5 in one year, 4 in three), otherwise install year plus
the median life of its discipline and material.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from koppelkans.config import figure

__all__ = ["MEDIAN_LIFE_YEARS", "due_assets", "median_life_years"]

MEDIAN_LIFE_YEARS: dict[tuple[str, str | None], float] = {
    ("sewer", "beton"): figure("sewer_concrete_median_life"),
    ("sewer", "concrete"): figure("sewer_concrete_median_life"),
    ("sewer", "pvc"): figure("sewer_pvc_median_life"),
    ("sewer", None): figure("sewer_concrete_median_life"),
    ("water", None): figure("water_main_design_life"),
    ("road", None): figure("asphalt_wearing_course_life"),
    # Practice figures for the other networks (no §8 source): gas 60, cables 50, telecom/fibre 40,
    # heat 50, lighting 40, green 50 years.
    ("gas", None): 60.0,
    ("electricity_lv", None): 50.0,
    ("electricity_mv", None): 50.0,
    ("telecom", None): 40.0,
    ("fibre", None): 40.0,
    ("heat", None): 50.0,
    ("lighting", None): 40.0,
    ("green", None): 50.0,
}
"""Median life per (discipline, material); material None is the discipline's fallback."""

_YEARS_LEFT_BY_CONDITION = {6: 0, 5: 1, 4: 3}


def median_life_years(assets: pd.DataFrame) -> np.ndarray:
    """The median life of every asset from its discipline and material (NaN where none is known)."""
    material = assets["material"].astype(object).where(assets["material"].notna(), "").astype(str).str.lower()
    by_material = {f"{d}|{m}": v for (d, m), v in MEDIAN_LIFE_YEARS.items() if m is not None}
    by_discipline = {d: v for (d, m), v in MEDIAN_LIFE_YEARS.items() if m is None}
    keyed = (assets["discipline"].astype(str) + "|" + material).map(by_material).astype(float)
    fallback = assets["discipline"].map(by_discipline).astype(float)
    return keyed.fillna(fallback).to_numpy()


def due_assets(
    assets: pd.DataFrame,
    *,
    year_from: int,
    year_to: int,
    due_years: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Assets due for renewal in [year_from, year_to]: asset_id, due_year, reason.

    Overdue assets are due in `year_from`. A stored forecast (asset_id, p50) takes precedence.
    """
    if assets.empty:
        return pd.DataFrame({"asset_id": [], "due_year": [], "reason": []})
    install = assets["install_year"].astype("float64").to_numpy()
    by_age = install + median_life_years(assets)
    condition = assets["condition"].astype("float64").to_numpy()
    left = pd.Series(condition).map(_YEARS_LEFT_BY_CONDITION).to_numpy(dtype=float)
    observed = assets["condition_year"].astype("float64").fillna(year_from).to_numpy()
    by_condition = np.maximum(observed, year_from) + left
    due = np.fmin(by_age, by_condition)
    reason = np.where(by_condition <= by_age, "condition", "age")
    if due_years is not None and len(due_years):
        forecast = pd.Series(due_years["p50"].astype("float64").to_numpy(), index=due_years["asset_id"])
        predicted = assets["id"].map(forecast).to_numpy(dtype=float)
        has_forecast = ~np.isnan(predicted)
        due = np.where(has_forecast, predicted, due)
        reason = np.where(has_forecast, "forecast", reason)
    due = np.maximum(np.ceil(due), year_from)
    keep = ~np.isnan(due) & (due <= year_to)
    return pd.DataFrame(
        {"asset_id": assets["id"].to_numpy()[keep], "due_year": due[keep].astype(int), "reason": reason[keep]}
    ).reset_index(drop=True)
