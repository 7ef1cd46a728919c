"""Which interventions open which street segments, and the pairs that open the same one."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from koppelkans.config import figure

__all__ = ["main_area", "memberships_from", "pairs_on_segments", "stable_id", "street_cost_eur"]

_LINK_TYPE = {"works": "work", "assets": "asset"}


def memberships_from(links: pd.DataFrame, interventions: pd.DataFrame) -> pd.DataFrame:
    """(key, segment_id, overlap_m) for every intervention that lies on a segment."""
    keys = links["kind"].map(_LINK_TYPE) + ":" + links["record_id"]
    members = pd.DataFrame(
        {"key": keys, "segment_id": links["segment_id"], "overlap_m": links["overlap_m"].astype(float)}
    )
    return members[members["key"].isin(interventions["key"])].reset_index(drop=True)


def pairs_on_segments(members: pd.DataFrame) -> pd.DataFrame:
    """Every pair of interventions on a common segment: key_a < key_b, segment_id, both overlaps."""
    joined = members.merge(members, on="segment_id", suffixes=("_a", "_b"))
    joined = joined[joined["key_a"] < joined["key_b"]]
    return joined.sort_values(["key_a", "key_b", "segment_id"], kind="stable").reset_index(drop=True)


def main_area(members: pd.DataFrame, segments: pd.DataFrame) -> pd.Series:
    """The area (buurt) of each intervention: that of the segment it runs along the longest."""
    area_of = segments.set_index("id")["area_code"]
    longest = members.sort_values(["key", "overlap_m", "segment_id"], ascending=[True, False, True], kind="stable")
    first = longest.drop_duplicates("key")
    return pd.Series(first["segment_id"].map(area_of).to_numpy(), index=first["key"].to_numpy())


def street_cost_eur(length_m: np.ndarray | pd.Series, width_m: np.ndarray | pd.Series) -> np.ndarray:
    """Shared street cost of one opening: excavation, repaving, site set-up and traffic measures.

    `shared_street_cost_per_m` (RIONED: 45 % of ≈ EUR 540/m) for a street of the reference width,
    scaled by the actual width (unknown width: the reference).
    """
    width = pd.Series(np.asarray(width_m, dtype=float)).fillna(figure("reference_street_width_m")).to_numpy()
    factor = width / figure("reference_street_width_m")
    return np.asarray(length_m, dtype=float) * figure("shared_street_cost_per_m") * factor


def stable_id(prefix: str, parts: list[str] | tuple[str, ...]) -> str:
    """A deterministic id from the sorted parts (independent of input order)."""
    digest = hashlib.sha1("|".join(sorted(parts)).encode()).hexdigest()[:10]
    return f"{prefix}-{digest}"
