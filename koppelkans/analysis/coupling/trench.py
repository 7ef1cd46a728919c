"""Meekoppelkansen: interventions that open the same street in compatible years share one trench.

Check → pairs on common segments (one pandas self-join) → window test with flexibility → groups
(connected components; a group whose windows cannot all meet falls back to its pairs) → savings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from koppelkans.analysis.coupling.street import main_area, pairs_on_segments, street_cost_eur
from koppelkans.config import figure

__all__ = ["trench_groups", "window_gap"]


def window_gap(start_a: np.ndarray, end_a: np.ndarray, start_b: np.ndarray, end_b: np.ndarray) -> np.ndarray:
    """Years between two windows (≤ 0 when they overlap)."""
    return np.maximum(start_a, start_b) - np.minimum(end_a, end_b)


def trench_groups(
    interventions: pd.DataFrame, members: pd.DataFrame, segments: pd.DataFrame, *, flex_years: float
) -> pd.DataFrame:
    """One row per meekoppelkans: group, member keys, shared segments, window and savings."""
    table = interventions.set_index("key")
    opening = members[members["key"].map(table["opens_street"]).astype(bool)]
    pairs = pairs_on_segments(opening)
    if pairs.empty:
        return _empty()
    edges = pairs.drop_duplicates(["key_a", "key_b"])[["key_a", "key_b"]].reset_index(drop=True)
    gap = window_gap(
        edges["key_a"].map(table["window_start"]).to_numpy(),
        edges["key_a"].map(table["window_end"]).to_numpy(),
        edges["key_b"].map(table["window_start"]).to_numpy(),
        edges["key_b"].map(table["window_end"]).to_numpy(),
    )
    edges = edges[gap <= flex_years].reset_index(drop=True)
    if edges.empty:
        return _empty()
    grouped = _groups_of(edges, table, flex_years, main_area(opening, segments))
    return _with_savings(grouped, table, opening, segments, flex_years)


def _groups_of(edges: pd.DataFrame, table: pd.DataFrame, flex_years: float, area_of: pd.Series) -> pd.DataFrame:
    """(group, key): connected components whose windows can all meet; otherwise their pairs."""
    keys = np.unique(np.concatenate([edges["key_a"], edges["key_b"]]))
    index = pd.Series(np.arange(len(keys)), index=keys)
    a, b = index[edges["key_a"]].to_numpy(), index[edges["key_b"]].to_numpy()
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(keys), len(keys)))
    _, component = connected_components(graph, directed=False)
    # Components are cut at neighbourhood borders: a chain of works through a whole town is not one
    # project; within a buurt they are (the afstemming and the works plan group the same way).
    area = pd.Series(keys).map(area_of).fillna("-").to_numpy()
    component = pd.factorize(pd.Series(component).astype(str) + "/" + area)[0]
    nodes = pd.DataFrame({"key": keys, "component": component})
    nodes["start"] = nodes["key"].map(table["window_start"])
    nodes["end"] = nodes["key"].map(table["window_end"])
    spans = nodes.groupby("component").agg(latest_start=("start", "max"), earliest_end=("end", "min"))
    joint = spans["latest_start"] - spans["earliest_end"] <= flex_years
    whole = nodes[nodes["component"].map(joint)]
    whole = pd.DataFrame({"group": "c" + whole["component"].astype(str), "key": whole["key"]})
    # A component whose windows cannot all meet (a long street where works follow each other) is
    # cut into year slots of flex + 1 years by preferred year; each slot is a candidate group
    # (its joint window is checked again when the savings are computed).
    split = nodes[~nodes["component"].map(joint)].copy()
    split["preferred"] = split["key"].map(table["preferred"]).astype("int64")  # also when split is empty
    first = split.groupby("component")["preferred"].transform("min")
    slot = (split["preferred"] - first) // (int(flex_years) + 1)
    pairs = pd.DataFrame({"group": "c" + split["component"].astype(str) + "s" + slot.astype(str), "key": split["key"]})
    return pd.concat([whole, pairs], ignore_index=True)


def _with_savings(
    groups: pd.DataFrame, table: pd.DataFrame, members: pd.DataFrame, segments: pd.DataFrame, flex_years: float
) -> pd.DataFrame:
    """Savings per group: street cost and set-up avoided, openings and nuisance days avoided."""
    rows = groups.assign(
        start=groups["key"].map(table["window_start"]),
        end=groups["key"].map(table["window_end"]),
        days=groups["key"].map(table["duration_days"]),
        mobilisation=groups["key"].map(table["cost_eur"]) * figure("mobilisation_share"),
    )
    on_segments = rows[["group", "key"]].merge(members, on="key")
    per_segment = on_segments.groupby(["group", "segment_id"]).agg(k=("key", "nunique"), shared_m=("overlap_m", "min"))
    shared = per_segment[per_segment["k"] >= 2].reset_index()
    width = shared["segment_id"].map(segments.set_index("id")["width_m"])
    shared["street_eur"] = (shared["k"] - 1) * street_cost_eur(shared["shared_m"], width)
    street = shared.groupby("group").agg(
        street_eur=("street_eur", "sum"), segment_ids=("segment_id", lambda s: tuple(sorted(s)))
    )
    summary = rows.groupby("group").agg(
        keys=("key", lambda k: tuple(sorted(k))),
        n=("key", "size"),
        latest_start=("start", "max"),
        earliest_end=("end", "min"),
        days_sum=("days", "sum"),
        days_max=("days", "max"),
        mob_sum=("mobilisation", "sum"),
        mob_max=("mobilisation", "max"),
    )
    summary = summary.join(street, how="inner")
    summary["window_start"] = np.minimum(summary["latest_start"], summary["earliest_end"])
    summary["window_end"] = np.maximum(summary["latest_start"], summary["earliest_end"])
    summary["openings_avoided"] = summary["n"] - 1
    summary["nuisance_days_avoided"] = summary["days_sum"] - summary["days_max"]
    summary["saving_eur"] = summary["street_eur"] + summary["mob_sum"] - summary["mob_max"]
    summary = summary.reset_index(drop=True)
    return summary[
        [
            "keys",
            "segment_ids",
            "window_start",
            "window_end",
            "saving_eur",
            "openings_avoided",
            "nuisance_days_avoided",
            "street_eur",
        ]
    ]


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "keys",
            "segment_ids",
            "window_start",
            "window_end",
            "saving_eur",
            "openings_avoided",
            "nuisance_days_avoided",
            "street_eur",
        ]
    )
