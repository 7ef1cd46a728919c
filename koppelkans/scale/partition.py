"""Spatial partitions of the register: Hilbert-ordered neighbourhoods, each with a halo.

A partition owns whole neighbourhoods (the segments' `area_code`; segments without one form one
unit), so every finding that is counted per neighbourhood (afstemming, district overload, the
meekoppelkansen cut at neighbourhood borders) is computed from complete data by its owner. The
streets part holds every work and asset that touches the owned streets plus a halo of `halo_hops`
more rings of records sharing a street with those; the tasks part holds the area tasks the
partition owns and every record inside them. Both add the works that renew a loaded asset, and
records always come with all their segment links.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.coupling.scope import task_geometries
from koppelkans.analysis.coupling.street import main_area
from koppelkans.config import CRS
from koppelkans.domain.snapshot import RegisterSnapshot

__all__ = [
    "Partitioning",
    "owned_tasks",
    "partition_snapshot",
    "partitioning_of",
    "street_keys",
    "task_records_of",
    "task_snapshot",
]

_NO_AREA = ""
_LINK_TYPE = {"works": "work", "assets": "asset"}


@dataclass(frozen=True, kw_only=True)
class Partitioning:
    """Which partition owns each segment, each neighbourhood, each area task and each record's main area."""

    n: int
    segment_partition: pd.Series
    """segment id → partition."""
    unit_partition: pd.Series
    """neighbourhood (area_code, '' for none) → partition."""
    task_partition: pd.Series
    """task id → partition (tasks without a geometry are left out, as the engine leaves them out)."""
    record_partition: pd.Series
    """record key ('work:W1', 'asset:A7') → partition of its main area (the longest street it runs along)."""
    task_records: pd.DataFrame
    """(task_id, kind, record_id) for every work and asset whose geometry meets a task's geometry."""


def partitioning_of(snapshot: RegisterSnapshot, *, n: int) -> Partitioning:
    """Cut the register into `n` Hilbert partitions of whole neighbourhoods, balanced by street count."""
    segments = snapshot.segments
    unit = segments["area_code"].fillna(_NO_AREA).astype(str).to_numpy()
    unit_partition = _units_in_hilbert_order(segments, unit, n=n)
    segment_partition = pd.Series(pd.Series(unit).map(unit_partition).to_numpy(), index=segments["id"].to_numpy())
    return Partitioning(
        n=n,
        segment_partition=segment_partition,
        unit_partition=unit_partition,
        task_partition=_task_partitions(snapshot, segment_partition),
        record_partition=_record_partitions(snapshot, unit_partition),
        task_records=task_records_of(snapshot),
    )


def _units_in_hilbert_order(segments: pd.DataFrame, unit: np.ndarray, *, n: int) -> pd.Series:
    """Order neighbourhoods along a Hilbert curve (dask-geopandas) and cut it into `n` runs of equal street count."""
    centroids = shapely.centroid(np.asarray(segments.geometry.to_numpy(), dtype=object))
    frame = pd.DataFrame({"unit": unit, "x": shapely.get_x(centroids), "y": shapely.get_y(centroids)})
    per_unit = frame.groupby("unit", sort=True).agg(x=("x", "mean"), y=("y", "mean"), count=("x", "size"))
    points = gpd.GeoDataFrame(
        per_unit[["count"]], geometry=gpd.points_from_xy(per_unit["x"], per_unit["y"]), crs=segments.crs or CRS
    )
    distance = dask_geopandas.from_geopandas(points, npartitions=1).hilbert_distance().compute()
    ordered = per_unit.assign(distance=distance.to_numpy()).sort_values(["distance"], kind="stable")
    before = ordered["count"].cumsum() - ordered["count"]
    partition = np.minimum((before.to_numpy() * n) // max(int(ordered["count"].sum()), 1), n - 1)
    return pd.Series(partition.astype(int), index=ordered.index)


def _keys(links: pd.DataFrame) -> pd.Series:
    return links["kind"].map(_LINK_TYPE) + ":" + links["record_id"]


def _record_partitions(snapshot: RegisterSnapshot, unit_partition: pd.Series) -> pd.Series:
    """The partition of every linked record's main area: the same rule the engine groups by."""
    links = snapshot.links[snapshot.links["kind"].isin(list(_LINK_TYPE))]
    members = pd.DataFrame(
        {"key": _keys(links), "segment_id": links["segment_id"], "overlap_m": links["overlap_m"].astype(float)}
    )
    area = main_area(members, snapshot.segments).fillna(_NO_AREA)
    return area.map(unit_partition)


def _task_partitions(snapshot: RegisterSnapshot, segment_partition: pd.Series) -> pd.Series:
    """A task belongs to the partition of the street nearest its representative point."""
    tasks = snapshot.tasks
    if tasks.empty or snapshot.segments.empty:
        return pd.Series(dtype=int)
    geometries = task_geometries(tasks, snapshot.areas)
    usable = ~shapely.is_missing(geometries)
    points = shapely.point_on_surface(geometries[usable])
    tree = shapely.STRtree(np.asarray(snapshot.segments.geometry.to_numpy(), dtype=object))
    point_index, segment_index = tree.query_nearest(points, all_matches=False)
    nearest = np.empty(len(points), dtype=int)
    nearest[point_index] = segment_index
    segment_ids = snapshot.segments["id"].to_numpy()[nearest]
    return pd.Series(segment_partition.loc[segment_ids].to_numpy(), index=tasks["id"].to_numpy()[usable])


def task_records_of(snapshot: RegisterSnapshot) -> pd.DataFrame:
    """(task_id, kind, record_id) of every work and asset meeting a task geometry: one bulk STRtree query."""
    tasks = snapshot.tasks
    columns = ["task_id", "kind", "record_id"]
    if tasks.empty:
        return pd.DataFrame(columns=columns)
    geometries = task_geometries(tasks, snapshot.areas)
    usable = ~shapely.is_missing(geometries)
    tree = shapely.STRtree(geometries[usable])
    task_ids = tasks["id"].to_numpy()[usable]
    found = []
    for kind, records in (("works", snapshot.works), ("assets", snapshot.assets)):
        geometry = np.asarray(records.geometry.to_numpy(), dtype=object)
        present = ~shapely.is_missing(geometry)
        record, task = tree.query(geometry[present], predicate="intersects")
        ids = records["id"].to_numpy()[present]
        found.append(pd.DataFrame({"task_id": task_ids[task], "kind": kind, "record_id": ids[record]}))
    return pd.concat(found, ignore_index=True)[columns]


def partition_snapshot(
    snapshot: RegisterSnapshot, partitioning: Partitioning, partition: int, *, halo_hops: int = 2
) -> RegisterSnapshot:
    """The streets part of partition `partition`: its own streets, the records on them and `halo_hops` rings more.

    Area tasks are left out: the koppelkansen are found on `task_snapshot`, so a town-wide task
    does not pull the whole town into one partition's street work.
    """
    keys = street_keys(snapshot.links, partitioning, partition, halo_hops=halo_hops)
    return _snapshot_of_records(snapshot, keys, tasks=[], with_links=True)


def street_keys(links: pd.DataFrame, partitioning: Partitioning, partition: int, *, halo_hops: int) -> set[str]:
    """Keys of the records on the partition's own streets and of `halo_hops` rings of records around them."""
    owned_segments = partitioning.segment_partition.index[partitioning.segment_partition.to_numpy() == partition]
    all_keys = _keys(links)
    keys = set(all_keys[_within(links["segment_id"], owned_segments)])
    for _ in range(halo_hops):
        reached = links.loc[_within(all_keys, keys), "segment_id"]
        keys |= set(all_keys[_within(links["segment_id"], reached)])
    return keys


def owned_tasks(partitioning: Partitioning, partition: int) -> list[str]:
    """The ids of the area tasks partition `partition` owns."""
    return list(partitioning.task_partition.index[partitioning.task_partition.to_numpy() == partition])


def task_snapshot(
    snapshot: RegisterSnapshot, partitioning: Partitioning, partition: int, *, with_links: bool = False
) -> RegisterSnapshot:
    """The area tasks partition `partition` owns and every work and asset that meets one of them.

    Without links the engine finds only koppelkansen here (cheaply); links are needed when the run
    is limited to an area (`--area` selects interventions by their streets).
    """
    tasks = owned_tasks(partitioning, partition)
    inside = partitioning.task_records[partitioning.task_records["task_id"].isin(tasks)]
    keys = set(inside["kind"].map(_LINK_TYPE) + ":" + inside["record_id"])
    return _snapshot_of_records(snapshot, keys, tasks=tasks, with_links=with_links)


def _snapshot_of_records(
    snapshot: RegisterSnapshot, keys: set[str], *, tasks: list[str], with_links: bool
) -> RegisterSnapshot:
    """The register cut down to these records (plus the works that renew their assets), their links and streets."""
    asset_ids = {k.split(":", 1)[1] for k in keys if k.startswith("asset:")}
    work_ids = {k.split(":", 1)[1] for k in keys if k.startswith("work:")} | _renewing_works(snapshot.works, asset_ids)
    keys = keys | {f"work:{w}" for w in work_ids}
    links = snapshot.links[_within(_keys(snapshot.links), keys)] if with_links else snapshot.links.iloc[:0]
    due = snapshot.due_years
    return RegisterSnapshot(
        organisations=snapshot.organisations,
        areas=snapshot.areas,
        segments=snapshot.segments[_within(snapshot.segments["id"], links["segment_id"])].reset_index(drop=True),
        assets=snapshot.assets[_within(snapshot.assets["id"], asset_ids)].reset_index(drop=True),
        works=snapshot.works[_within(snapshot.works["id"], work_ids)].reset_index(drop=True),
        tasks=snapshot.tasks[snapshot.tasks["id"].isin(tasks)].reset_index(drop=True),
        links=links.reset_index(drop=True),
        due_years=None if due is None else due[_within(due["asset_id"], asset_ids)].reset_index(drop=True),
    )


def _renewing_works(works: pd.DataFrame, asset_ids: set[str]) -> set[str]:
    """Works that say they renew one of these assets: without them an asset would look due by mistake."""
    lists = works[["id", "asset_ids"]].dropna()
    if lists.empty:
        return set()
    pairs = lists.assign(asset_id=lists["asset_ids"].str.split(";")).explode("asset_id")
    return set(pairs.loc[_within(pairs["asset_id"], asset_ids), "id"])


def _within(values: pd.Series, allowed: Iterable[str]) -> np.ndarray:
    """Which values are in `allowed`: one hash lookup each (`isin` on Arrow strings builds a list per call)."""
    index = pd.Index(np.unique(np.asarray(list(allowed), dtype=object)), dtype=object)
    return np.asarray(index.get_indexer(values.to_numpy(dtype=object)) >= 0)
