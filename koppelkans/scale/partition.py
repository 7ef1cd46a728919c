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
    "RecordIndex",
    "owned_tasks",
    "partition_snapshot",
    "partitioning_of",
    "partitioning_within",
    "record_index_of",
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


@dataclass(frozen=True, kw_only=True)
class RecordIndex:
    """The register's records and streets as integer codes, so a partition is cut with array masks.

    Built once per run: cutting a partition is then a few passes over integer arrays instead of
    string lookups over every link, asset and work.
    """

    keys: pd.Index
    """Record keys ('work:W1', 'asset:A7'); a record's code is its position here."""
    link_record: np.ndarray
    link_segment: np.ndarray
    """Segment row of each link (the streets' rows in the snapshot; unknown ids point past the end)."""
    segment_partition: np.ndarray
    """Partition of each segment row (-1 for the row past the end)."""
    asset_record: np.ndarray
    work_record: np.ndarray
    due_asset_row: np.ndarray
    """Asset row of each due-years row (-1 when its asset is not in the snapshot)."""
    renewing_work: np.ndarray
    renewed_asset: np.ndarray
    """Pairs (work row, asset row): the work says it renews the asset."""


def record_index_of(snapshot: RegisterSnapshot, partitioning: Partitioning) -> RecordIndex:
    """The integer codes of a snapshot's records, links and streets (see `RecordIndex`)."""
    work_keys = ("work:" + snapshot.works["id"].astype(str)).to_numpy(dtype=object)
    asset_keys = ("asset:" + snapshot.assets["id"].astype(str)).to_numpy(dtype=object)
    link_keys = _keys(snapshot.links).to_numpy(dtype=object)
    keys = pd.Index(pd.unique(np.concatenate([work_keys, asset_keys, link_keys])), dtype=object)
    segment_ids = pd.Index(snapshot.segments["id"].to_numpy(dtype=object))
    link_segment = segment_ids.get_indexer(snapshot.links["segment_id"].to_numpy(dtype=object))
    link_segment[link_segment < 0] = len(segment_ids)
    by_segment = partitioning.segment_partition.reindex(segment_ids).fillna(-1).to_numpy(dtype=np.int64)
    asset_ids = pd.Index(snapshot.assets["id"].to_numpy(dtype=object))
    due = snapshot.due_years
    renewing_work, renewed_asset = _renewing_pairs(snapshot.works, asset_ids)
    return RecordIndex(
        keys=keys,
        link_record=keys.get_indexer(link_keys),
        link_segment=link_segment,
        segment_partition=np.append(by_segment, -1),
        asset_record=keys.get_indexer(asset_keys),
        work_record=keys.get_indexer(work_keys),
        due_asset_row=np.zeros(0, dtype=np.int64)
        if due is None
        else asset_ids.get_indexer(due["asset_id"].to_numpy(dtype=object)),
        renewing_work=renewing_work,
        renewed_asset=renewed_asset,
    )


def _renewing_pairs(works: pd.DataFrame, asset_ids: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """(work row, asset row) of every asset a work says it renews: without the work an asset would look due."""
    lists = works["asset_ids"].reset_index(drop=True).dropna()
    if lists.empty:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pairs = lists.str.split(";").explode()
    asset_row = asset_ids.get_indexer(pairs.to_numpy(dtype=object))
    known = asset_row >= 0
    return pairs.index.to_numpy()[known], asset_row[known]


def partition_snapshot(
    snapshot: RegisterSnapshot,
    partitioning: Partitioning,
    partition: int,
    *,
    halo_hops: int = 2,
    index: RecordIndex | None = None,
) -> RegisterSnapshot:
    """The streets part of partition `partition`: its own streets, the records on them and `halo_hops` rings more.

    Area tasks are left out: the koppelkansen are found on `task_snapshot`, so a town-wide task
    does not pull the whole town into one partition's street work. Pass `index` (`record_index_of`)
    when cutting many partitions of one snapshot.
    """
    index = index or record_index_of(snapshot, partitioning)
    chosen = _street_records(index, partition, halo_hops=halo_hops)
    return _snapshot_of_records(snapshot, index, chosen, tasks=[], with_links=True)


def _street_records(index: RecordIndex, partition: int, *, halo_hops: int) -> np.ndarray:
    """Mask of the records on the partition's own streets and of `halo_hops` rings of records around them."""
    chosen = np.zeros(len(index.keys), dtype=bool)
    on_owned = (index.segment_partition == partition)[index.link_segment]
    chosen[index.link_record[on_owned]] = True
    for _ in range(halo_hops):
        reached = np.zeros(len(index.segment_partition), dtype=bool)
        reached[index.link_segment[chosen[index.link_record]]] = True
        chosen[index.link_record[reached[index.link_segment]]] = True
    return chosen


def street_keys(links: pd.DataFrame, partitioning: Partitioning, partition: int, *, halo_hops: int) -> set[str]:
    """Keys of the records on the partition's own streets and of `halo_hops` rings of records around them."""
    segments = pd.DataFrame({"id": partitioning.segment_partition.index})
    bare = RegisterSnapshot(
        organisations=pd.DataFrame(),
        areas=pd.DataFrame(),
        segments=segments,
        assets=pd.DataFrame({"id": pd.Series([], dtype=object)}),
        works=pd.DataFrame({"id": pd.Series([], dtype=object), "asset_ids": pd.Series([], dtype=object)}),
        tasks=pd.DataFrame(),
        links=links,
        due_years=None,
    )
    index = record_index_of(bare, partitioning)
    return set(index.keys[_street_records(index, partition, halo_hops=halo_hops)])


def partitioning_within(partitioning: Partitioning, *parts: RegisterSnapshot) -> Partitioning:
    """The partitioning cut down to the streets, records and tasks of these snapshots: all a partition's anchors need.

    A task carries this instead of the whole register's partitioning, so what a worker holds grows
    with its partition, not with the register.
    """
    segments = pd.concat([part.segments["id"] for part in parts])
    keys = pd.concat(
        [_keys(part.links) for part in parts]
        + ["work:" + part.works["id"].astype(str) for part in parts]
        + ["asset:" + part.assets["id"].astype(str) for part in parts]
    )
    tasks = pd.concat([part.tasks["id"] for part in parts])
    records = partitioning.record_partition
    return Partitioning(
        n=partitioning.n,
        segment_partition=partitioning.segment_partition[partitioning.segment_partition.index.isin(segments)],
        unit_partition=partitioning.unit_partition,
        task_partition=partitioning.task_partition[partitioning.task_partition.index.isin(tasks)],
        record_partition=records[records.index.isin(keys)],
        task_records=partitioning.task_records.iloc[:0],
    )


def owned_tasks(partitioning: Partitioning, partition: int) -> list[str]:
    """The ids of the area tasks partition `partition` owns."""
    return list(partitioning.task_partition.index[partitioning.task_partition.to_numpy() == partition])


def task_snapshot(
    snapshot: RegisterSnapshot,
    partitioning: Partitioning,
    partition: int,
    *,
    with_links: bool = False,
    index: RecordIndex | None = None,
) -> RegisterSnapshot:
    """The area tasks partition `partition` owns and every work and asset that meets one of them.

    Without links the engine finds only koppelkansen here (cheaply); links are needed when the run
    is limited to an area (`--area` selects interventions by their streets).
    """
    index = index or record_index_of(snapshot, partitioning)
    tasks = owned_tasks(partitioning, partition)
    inside = partitioning.task_records[partitioning.task_records["task_id"].isin(tasks)]
    codes = index.keys.get_indexer((inside["kind"].map(_LINK_TYPE) + ":" + inside["record_id"]).to_numpy(dtype=object))
    chosen = np.zeros(len(index.keys), dtype=bool)
    chosen[codes[codes >= 0]] = True
    return _snapshot_of_records(snapshot, index, chosen, tasks=tasks, with_links=with_links)


def _snapshot_of_records(
    snapshot: RegisterSnapshot, index: RecordIndex, chosen: np.ndarray, *, tasks: list[str], with_links: bool
) -> RegisterSnapshot:
    """The register cut down to the chosen records (plus the works that renew their assets), their links and streets."""
    assets = chosen[index.asset_record]
    works = chosen[index.work_record]
    works[index.renewing_work[assets[index.renewed_asset]]] = True
    chosen = chosen.copy()
    chosen[index.work_record[works]] = True
    links = chosen[index.link_record] if with_links else np.zeros(len(index.link_record), dtype=bool)
    streets = np.zeros(len(index.segment_partition), dtype=bool)
    streets[index.link_segment[links]] = True
    due = snapshot.due_years
    return RegisterSnapshot(
        organisations=snapshot.organisations,
        areas=snapshot.areas,
        segments=snapshot.segments[streets[: len(snapshot.segments)]].reset_index(drop=True),
        assets=snapshot.assets[assets].reset_index(drop=True),
        works=snapshot.works[works].reset_index(drop=True),
        tasks=snapshot.tasks[snapshot.tasks["id"].isin(tasks)].reset_index(drop=True),
        links=snapshot.links[links].reset_index(drop=True),
        due_years=None if due is None else due[_row_in(index.due_asset_row, assets)].reset_index(drop=True),
    )


def _row_in(rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Which rows (−1 for none) are set in `mask`."""
    return (rows >= 0) & mask[np.maximum(rows, 0)]
