"""The lifecycle forecast on Dask: every asset is forecast on its own, so chunks of rows run on workers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from distributed import Client

from koppelkans.analysis.lifecycle import SurvivalTable, forecast_from_assets

__all__ = ["forecast_on_dask"]


def forecast_on_dask(
    assets: pd.DataFrame,
    *,
    client: Client,
    year: int,
    horizon: int = 30,
    models: SurvivalTable | None = None,
    chunk_size: int = 50_000,
) -> pd.DataFrame:
    """`forecast_from_assets` on row chunks of `assets` on the cluster, reassembled in input order."""
    models = models or SurvivalTable.defaults()
    bounds = np.arange(0, len(assets), chunk_size).tolist() or [0]
    futures = [
        client.submit(
            forecast_from_assets,
            assets.iloc[start : start + chunk_size].reset_index(drop=True),
            year=year,
            horizon=horizon,
            models=models,
            pure=False,
        )
        for start in bounds
    ]
    return pd.concat(client.gather(futures), ignore_index=True)
