"""Trench matching: our vectorised engine against the same matching as one PostGIS query.

Both find, on the same data, the pairs of street-opening line works that lie on a common street
segment (the linking rule of analysis.linking) with windows at most `flex` years apart. Ours runs
in memory (STRtree bulk query + pandas self-join); PostGIS runs ST_DWithin on its GiST index, the
overlap length with the flat-capped street buffer, a self-join and the window test.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import text

from koppelkans.analysis.coupling.interventions import INACTIVE_STATUSES
from koppelkans.analysis.coupling.street import pairs_on_segments
from koppelkans.analysis.coupling.trench import window_gap
from koppelkans.analysis.linking import links_from_geometries
from koppelkans.config import Settings
from koppelkans.domain.vocabulary import TRENCHLESS_WORK_KINDS
from koppelkans.store import Repository, open_store

__all__ = ["TRENCH_PAIRS_SQL", "run_couplings_benchmark", "trench_pairs"]

TRENCH_PAIRS_SQL = """
WITH w AS (
    SELECT id, earliest_start AS es, latest_start AS ls, geom, ST_Length(geom) AS len
    FROM works
    WHERE (status IS NULL OR status NOT IN ('cancelled', 'done'))
      AND kind NOT IN ('reline', 'maintain')
      AND GeometryType(geom) IN ('LINESTRING', 'MULTILINESTRING')
), s AS (
    SELECT id, geom, GREATEST(COALESCE(width_m, 0) / 2.0, :tolerance) AS r FROM segments
), l AS (
    SELECT w.id AS wid, s.id AS sid, w.es, w.ls, w.len, s.r,
           ST_Length(ST_Intersection(w.geom, ST_Buffer(s.geom, s.r, 'endcap=flat'))) AS overlap
    FROM w JOIN s ON ST_DWithin(w.geom, s.geom, s.r)
), k AS (
    SELECT wid, sid, es, ls FROM l WHERE overlap > LEAST(GREATEST(:min_overlap, 2 * r), 0.5 * len) + 0.001
)
SELECT DISTINCT a.wid AS a, b.wid AS b
FROM k a JOIN k b ON a.sid = b.sid AND a.wid < b.wid
WHERE GREATEST(a.es, b.es) - LEAST(a.ls, b.ls) <= :flex
"""


def trench_pairs(
    works: pd.DataFrame, segments: pd.DataFrame, *, flex: float, tolerance_m: float, min_overlap_m: float
) -> set[tuple[str, str]]:
    """The matching, ours: link the line works to segments, self-join on segment, test the windows."""
    opening = works[
        ~works["status"].isin(INACTIVE_STATUSES) & ~works["kind"].isin([k.value for k in TRENCHLESS_WORK_KINDS])
    ]
    geoms = np.asarray(opening.geometry.to_numpy(), dtype=object)
    lines = np.isin(shapely.get_type_id(geoms), (1, 5))
    opening, geoms = opening[lines], geoms[lines]
    links = links_from_geometries(opening["id"], geoms, segments, tolerance_m=tolerance_m, min_overlap_m=min_overlap_m)
    members = pd.DataFrame({"key": links["record_id"], "segment_id": links["segment_id"], "overlap_m": 0.0})
    pairs = pairs_on_segments(members).drop_duplicates(["key_a", "key_b"])
    window = opening.set_index("id")
    gap = window_gap(
        pairs["key_a"].map(window["earliest_start"]).to_numpy(dtype=float),
        pairs["key_a"].map(window["latest_start"]).to_numpy(dtype=float),
        pairs["key_b"].map(window["earliest_start"]).to_numpy(dtype=float),
        pairs["key_b"].map(window["latest_start"]).to_numpy(dtype=float),
    )
    kept = pairs[gap <= flex]
    return set(zip(kept["key_a"], kept["key_b"], strict=True))


def _postgis_pairs(store: Repository, *, flex: float, tolerance_m: float, min_overlap_m: float) -> set[tuple[str, str]]:
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            text(TRENCH_PAIRS_SQL), {"flex": flex, "tolerance": tolerance_m, "min_overlap": min_overlap_m}
        ).all()
    return {(a, b) for a, b in rows}


def _best_of(repeats: int, action: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def run_couplings_benchmark(
    *, scale: float, postgis_url: str, settings: Settings, flex: float = 2.0, seed: int = 20261123, repeats: int = 3
) -> dict[str, Any]:
    """Build the demo at `scale` into a scratch PostGIS database and time both matchings on it."""
    from koppelkans.demo import build_demo
    from koppelkans.store.postgis import scratch_database

    options = {"tolerance_m": settings.link_tolerance_m, "min_overlap_m": settings.link_min_overlap_m}
    with scratch_database(postgis_url, prefix="koppelkans_bench") as url:
        store = open_store(url)
        store.initialise()
        build_demo(store, scale=scale, seed=seed)
        with store.engine.begin() as conn:  # type: ignore[attr-defined]
            conn.exec_driver_sql("ANALYZE")
        works, segments = store.read("works"), store.read("segments")
        ours_s, ours = _best_of(repeats, lambda: trench_pairs(works, segments, flex=flex, **options))
        theirs_s, theirs = _best_of(repeats, lambda: _postgis_pairs(store, flex=flex, **options))
        store.close()
    if ours != theirs:
        raise AssertionError(f"results differ: {len(ours - theirs)} pairs only ours, {len(theirs - ours)} only PostGIS")
    return {
        "scale": scale,
        "works": len(works),
        "segments": len(segments),
        "pairs": len(ours),
        "ours_seconds": ours_s,
        "postgis_seconds": theirs_s,
        "speedup": theirs_s / ours_s,
        "identical": True,
    }
