"""The register as the analyses see it: every kind as a table, plus the segment links."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["RegisterSnapshot"]


@dataclass(frozen=True, kw_only=True)
class RegisterSnapshot:
    """Canonical records of every kind (GeoDataFrames in EPSG:28992 where spatial) and the links.

    `due_years` holds the lifecycle forecast (asset_id, p10, p50, p90) when one has been stored.
    """

    organisations: pd.DataFrame
    areas: pd.DataFrame
    segments: pd.DataFrame
    assets: pd.DataFrame
    works: pd.DataFrame
    tasks: pd.DataFrame
    links: pd.DataFrame
    due_years: pd.DataFrame | None = None
