"""Reading the register in partitions: each Dask worker reads its own assets from the store (PostGIS or file).

The driver reads only the light kinds (organisations, areas, segments, works, tasks and the segment
links) to cut the partitions; the assets, by far the largest kind, and their due years are read
by the workers, by id for the streets they own and by intersection for the area tasks they own,
so no process ever holds every asset and nothing is exported to one file first.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import shapely

from koppelkans.analysis.coupling.scope import task_geometries
from koppelkans.domain.snapshot import RegisterSnapshot
from koppelkans.store import Repository, open_store

__all__ = ["light_snapshot_of", "snapshot_from_store"]

LIGHT_KINDS = ("organisations", "areas", "segments", "works", "tasks")


def light_snapshot_of(store: Repository) -> RegisterSnapshot:
    """The register without its assets and due years: what the driver needs to cut the partitions."""
    store.require_current_schema()
    return RegisterSnapshot(
        **{kind: store.read(kind) for kind in LIGHT_KINDS},
        assets=store.read("assets", limit=0),
        links=store.links(),
        due_years=None,
    )


def snapshot_from_store(
    url: str, light: RegisterSnapshot, *, asset_ids: list[str], task_ids: list[str]
) -> RegisterSnapshot:
    """On a worker: the light register plus these assets and every asset meeting these tasks, read from `url`."""
    store = open_store(url)
    try:
        frames = [store.read("assets", ids=sorted(asset_ids))] if asset_ids else []
        owned = light.tasks[light.tasks["id"].isin(task_ids)]
        if len(owned):
            geometries = task_geometries(owned, light.areas)
            area = shapely.union_all(geometries[~shapely.is_missing(geometries)])
            frames.append(store.read("assets", intersects=area))
        assets = pd.concat(frames, ignore_index=True) if frames else light.assets
        assets = assets.drop_duplicates("id").sort_values("id", kind="stable").reset_index(drop=True)
        due = store.read_due_years(list(assets["id"])) if len(assets) else None
    finally:
        store.close()
    return dataclasses.replace(light, assets=assets, due_years=due if due is not None and len(due) else None)
