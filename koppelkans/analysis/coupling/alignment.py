"""Afstemming: works in one neighbourhood in the same year that do not share a trench, but should
share one traffic plan and one letter to the residents."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["alignment_groups"]


def alignment_groups(
    interventions: pd.DataFrame, area_of: pd.Series, trench_keys: list[tuple[str, ...]]
) -> pd.DataFrame:
    """Groups (area, year) of at least two street-opening works of at least two organisations.

    A group all of whose works already form one meekoppelkans adds nothing and is left out.
    """
    works = interventions[(interventions["type"] == "work") & interventions["opens_street"]].copy()
    works["area_code"] = works["key"].map(area_of)
    works = works.dropna(subset=["area_code"])
    if works.empty:
        return pd.DataFrame(columns=["area_code", "year", "keys", "n", "organisations"])
    grouped = works.groupby(["area_code", "preferred"]).agg(
        keys=("key", lambda k: tuple(sorted(k))),
        n=("key", "size"),
        organisations=("organisation", "nunique"),
    )
    grouped = grouped[(grouped["n"] >= 2) & (grouped["organisations"] >= 2)].reset_index()
    covered = [set(keys) for keys in trench_keys]
    new = np.array([not any(set(k) <= c for c in covered) for k in grouped["keys"]], dtype=bool)
    grouped = grouped.loc[new]
    return grouped.rename(columns={"preferred": "year"}).reset_index(drop=True)
