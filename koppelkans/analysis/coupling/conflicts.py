"""Conflicts in the current plans: the same street opened again soon, new asphalt broken for a due
network, a dig-free period violated, too many works at once in one neighbourhood."""

from __future__ import annotations

import numpy as np
import pandas as pd

from koppelkans.analysis.coupling.interventions import SURFACE_KINDS, UNDERGROUND_DISCIPLINES
from koppelkans.analysis.coupling.street import pairs_on_segments
from koppelkans.analysis.coupling.trench import window_gap

__all__ = ["capital_destruction", "district_overload", "opening_conflicts"]


def _ordered_pairs(interventions: pd.DataFrame, members: pd.DataFrame, *, types: tuple[str, str]) -> pd.DataFrame:
    """Pairs on a common segment as (first, then) by preferred year, with their segments and years."""
    table = interventions.set_index("key")
    pairs = pairs_on_segments(members)
    if pairs.empty:
        return pd.DataFrame(columns=["first", "then", "segment_ids", "first_year", "then_year", "gap"])
    per_pair = pairs.groupby(["key_a", "key_b"]).agg(segment_ids=("segment_id", lambda s: tuple(sorted(s))))
    per_pair = per_pair.reset_index()
    ya = per_pair["key_a"].map(table["preferred"]).to_numpy()
    yb = per_pair["key_b"].map(table["preferred"]).to_numpy()
    a_first = (ya < yb) | ((ya == yb) & (per_pair["key_a"] < per_pair["key_b"]).to_numpy())
    first = np.where(a_first, per_pair["key_a"], per_pair["key_b"])
    then = np.where(a_first, per_pair["key_b"], per_pair["key_a"])
    ordered = pd.DataFrame({"first": first, "then": then, "segment_ids": per_pair["segment_ids"]})
    ordered["first_year"] = ordered["first"].map(table["preferred"])
    ordered["then_year"] = ordered["then"].map(table["preferred"])
    ordered["gap"] = window_gap(
        ordered["first"].map(table["window_start"]).to_numpy(),
        ordered["first"].map(table["window_end"]).to_numpy(),
        ordered["then"].map(table["window_start"]).to_numpy(),
        ordered["then"].map(table["window_end"]).to_numpy(),
    )
    type_first = ordered["first"].map(table["type"])
    type_then = ordered["then"].map(table["type"])
    wanted = (type_first == types[0]) & (type_then == types[1])
    return ordered[wanted.to_numpy()].reset_index(drop=True)


def opening_conflicts(
    interventions: pd.DataFrame, members: pd.DataFrame, *, flex_years: float, reopen_years: float
) -> pd.DataFrame:
    """dig_free_violation and repeated_opening between two works that open the same segment."""
    table = interventions.set_index("key")
    opening_works = interventions[(interventions["type"] == "work") & interventions["opens_street"]]["key"]
    pairs = _ordered_pairs(interventions, members[members["key"].isin(opening_works)], types=("work", "work"))
    later = pairs["then_year"] - pairs["first_year"]
    dig_free = pairs["first"].map(table["dig_free_years"]).fillna(0).to_numpy()
    violation = (later >= 1) & (later <= dig_free)
    repeated = ~violation & (later >= 1) & (later < reopen_years) & (pairs["gap"] > flex_years)
    pairs["kind"] = np.where(violation, "dig_free_violation", np.where(repeated, "repeated_opening", None))
    pairs["dig_free_years"] = dig_free
    return pairs[pairs["kind"].notna()].reset_index(drop=True)


def capital_destruction(interventions: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """A new road surface laid while an underground asset below it falls due within its dig-free period."""
    surface = interventions[(interventions["type"] == "work") & interventions["kind"].isin(SURFACE_KINDS)]
    underground = interventions[
        (interventions["type"] == "asset") & interventions["discipline"].isin(UNDERGROUND_DISCIPLINES)
    ]
    keys = pd.concat([surface["key"], underground["key"]])
    pairs = _ordered_pairs(interventions, members[members["key"].isin(keys)], types=("work", "asset"))
    table = interventions.set_index("key")
    pairs = pairs[pairs["first"].isin(surface["key"]).to_numpy()]
    later = pairs["then_year"] - pairs["first_year"]
    dig_free = pairs["first"].map(table["dig_free_years"]).fillna(0).astype(float)  # empty: keeps str dtype
    hit = (later >= 1) & (later <= dig_free)
    return pairs[hit.to_numpy()].assign(kind="capital_destruction", dig_free_years=dig_free[hit]).reset_index(drop=True)


def district_overload(interventions: pd.DataFrame, area_of: pd.Series, *, max_simultaneous: float) -> pd.DataFrame:
    """Neighbourhoods where more than K works open streets in the same year."""
    works = interventions[(interventions["type"] == "work") & interventions["opens_street"]].copy()
    works["area_code"] = works["key"].map(area_of)
    grouped = (
        works.dropna(subset=["area_code"])
        .groupby(["area_code", "preferred"])
        .agg(keys=("key", lambda k: tuple(sorted(k))), n=("key", "size"))
    )
    grouped = grouped[grouped["n"] > max_simultaneous].reset_index()
    return grouped.rename(columns={"preferred": "year"}).assign(kind="district_overload")
