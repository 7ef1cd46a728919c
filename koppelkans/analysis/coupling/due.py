"""Which assets are due for renewal in the horizon: the P50 of the lifecycle forecast (K4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["due_assets"]


def due_assets(
    assets: pd.DataFrame,
    *,
    year_from: int,
    year_to: int,
    due_years: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Assets due for renewal in [year_from, year_to]: asset_id, due_year, reason.

    The due year is the P50 of the lifecycle forecast: the stored one when there is one, else the
    forecast computed here from the same survival models (one way to say when an asset is due).
    """
    from koppelkans.analysis.lifecycle import forecast_from_assets

    if assets.empty:
        return pd.DataFrame({"asset_id": [], "due_year": [], "reason": []})
    if due_years is not None and len(due_years):
        forecast = pd.Series(due_years["p50"].astype("float64").to_numpy(), index=due_years["asset_id"])
        due = assets["id"].map(forecast).to_numpy(dtype=float, copy=True)
        reason = np.where(np.isnan(due), "forecast (computed)", "forecast (stored)")
        missing = np.isnan(due)
        if missing.any():
            computed = forecast_from_assets(assets[missing], year=year_from, horizon=1)
            due[missing] = computed["p50"].to_numpy(dtype=float)
    else:
        computed = forecast_from_assets(assets, year=year_from, horizon=1)
        due = computed["p50"].to_numpy(dtype=float, copy=True)
        reason = np.full(len(assets), "forecast (computed)")
    due = np.maximum(np.ceil(due), year_from)
    keep = ~np.isnan(due) & (due <= year_to)
    return pd.DataFrame(
        {"asset_id": assets["id"].to_numpy()[keep], "due_year": due[keep].astype(int), "reason": reason[keep]}
    ).reset_index(drop=True)
