"""The coupling engine on Dask: the same `findings_from_snapshot` per spatial partition, merged exactly.

Each partition computes every finding it can see and keeps only those whose anchor it owns:
a pair conflict by its lowest shared street, a koppelkans by its area task, every other finding
(meekoppelkans, afstemming, district overload) by the neighbourhood of its lowest member's main
area. Anchors are computed from the whole register's links, so each finding is kept exactly once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
from distributed import Client, Future, as_completed

from koppelkans.analysis.coupling import CouplingOptions, Findings, findings_from_snapshot
from koppelkans.analysis.coupling.engine import _CONFLICT_ORDER, _KIND_ORDER, _ordered
from koppelkans.domain.snapshot import RegisterSnapshot
from koppelkans.errors import InputError
from koppelkans.scale.partition import (
    Partitioning,
    owned_tasks,
    partition_snapshot,
    partitioning_of,
    partitioning_within,
    record_index_of,
    street_keys,
    task_records_of,
    task_snapshot,
)
from koppelkans.scale.store import light_snapshot_of, snapshot_from_store
from koppelkans.store import Repository

__all__ = ["findings_from_store_on_dask", "findings_on_dask", "merged_findings", "owned_findings"]

_RECORD_TYPES = ("work", "asset")


def findings_on_dask(
    snapshot: RegisterSnapshot,
    options: CouplingOptions,
    *,
    client: Client,
    partitions: int | None = None,
    halo_hops: int = 2,
) -> Findings:
    """Every finding of `findings_from_snapshot`, computed per Hilbert partition on the cluster of `client`.

    Parameters
    ----------
    partitions
        Number of spatial partitions (default: four per worker).
    halo_hops
        Rings of records sharing a street added around each partition's own records.
    """
    _check(options)
    n = partitions or _default_partitions(client)
    partitioning = partitioning_of(snapshot, n=n)
    index = record_index_of(snapshot, partitioning)

    def submit(p: int) -> Future:
        streets = partition_snapshot(snapshot, partitioning, p, halo_hops=halo_hops, index=index)
        tasks = task_snapshot(snapshot, partitioning, p, with_links=options.area is not None, index=index)
        # unhashed keys: two partitions with equal data (e.g. no tasks) must not share a key one of them releases
        data = client.scatter([streets, tasks, partitioning_within(partitioning, streets, tasks)], hash=False)
        return client.submit(_run_partition, data[0], data[1], options, data[2], p, pure=False)

    return merged_findings(_bounded(submit, n, in_flight=_in_flight(client)))


def _bounded(submit: Callable[[int], Future], n: int, *, in_flight: int) -> list[Findings]:
    """Results of submit(0 … n-1) in partition order, with at most `in_flight` partitions on the cluster.

    Partitions are cut and sent only when a worker is about to be free, so neither the driver nor
    a worker holds every partition's data at once.
    """
    results: dict[int, Findings] = {}
    pending = as_completed()
    index_of: dict[str, int] = {}
    for p in range(n):
        if p >= in_flight:
            done = next(pending)
            results[index_of.pop(done.key)] = done.result()
        future = submit(p)
        index_of[future.key] = p
        pending.add(future)
    for done in pending:
        results[index_of.pop(done.key)] = done.result()
    return [results[p] for p in range(n)]


def _in_flight(client: Client) -> int:
    """One partition running and one waiting per worker."""
    return max(2 * len(client.scheduler_info()["workers"]), 1)


def findings_from_store_on_dask(
    store: Repository,
    options: CouplingOptions,
    *,
    client: Client,
    partitions: int | None = None,
    halo_hops: int = 2,
) -> Findings:
    """As `findings_on_dask`, but each worker cuts its own partition and reads its assets from the store itself.

    The driver reads only the light kinds and the links (`light_snapshot_of`), cuts the register
    into partitions once and sends every worker that light register once; a task is then only its
    partition's number. The store's URL must be reachable from the workers (a PostGIS server, or a
    file on a disk they share).
    """
    _check(options)
    light = light_snapshot_of(store)
    n = partitions or _default_partitions(client)
    partitioning = partitioning_of(light, n=n)
    shared_light, shared_partitioning = client.scatter([light, partitioning], broadcast=True)

    def submit(p: int) -> Future:
        return client.submit(
            _run_partition_from_store,
            store.url,
            shared_light,
            options,
            shared_partitioning,
            p,
            halo_hops,
            pure=False,
        )

    return merged_findings(_bounded(submit, n, in_flight=_in_flight(client)))


def _run_partition_from_store(
    url: str,
    light: RegisterSnapshot,
    options: CouplingOptions,
    partitioning: Partitioning,
    partition: int,
    halo_hops: int,
) -> Findings:
    """On a worker: find the partition's records from the links, read its assets, then run it as `_run_partition`."""
    keys = street_keys(light.links, partitioning, partition, halo_hops=halo_hops)
    asset_ids = sorted(k.split(":", 1)[1] for k in keys if k.startswith("asset:"))
    local = snapshot_from_store(url, light, asset_ids=asset_ids, task_ids=owned_tasks(partitioning, partition))
    local_partitioning = dataclasses.replace(partitioning, task_records=task_records_of(local))
    index = record_index_of(local, local_partitioning)
    return _run_partition(
        partition_snapshot(local, local_partitioning, partition, halo_hops=halo_hops, index=index),
        task_snapshot(local, local_partitioning, partition, with_links=options.area is not None, index=index),
        options,
        local_partitioning,
        partition,
    )


def _check(options: CouplingOptions) -> None:
    if options.subsurface_claims:
        raise InputError("--subsurface is not yet available with --engine dask", field="engine")


def _default_partitions(client: Client) -> int:
    """Four partitions per worker, so one slow partition does not leave the other workers idle."""
    return max(4 * len(client.scheduler_info()["workers"]), 1)


def _run_partition(
    streets: RegisterSnapshot,
    tasks: RegisterSnapshot,
    options: CouplingOptions,
    partitioning: Partitioning,
    partition: int,
) -> Findings:
    """On a worker: the pure engine on the partition's streets and on its tasks, keeping what it owns.

    The streets give every finding but the koppelkansen (it holds no tasks); the tasks give the koppelkansen.
    """
    on_streets = owned_findings(findings_from_snapshot(streets, options), partitioning, partition)
    on_tasks = owned_findings(findings_from_snapshot(tasks, options), partitioning, partition)
    koppelkansen = on_tasks.couplings[on_tasks.couplings["kind"] == "koppelkans"]
    return Findings(
        couplings=_concat([on_streets.couplings, koppelkansen.reset_index(drop=True)]), conflicts=on_streets.conflicts
    )


def owned_findings(findings: Findings, partitioning: Partitioning, partition: int) -> Findings:
    """The findings whose anchor lies in `partition`."""
    couplings, conflicts = findings.couplings, findings.conflicts
    keep_couplings = _anchor_partition(couplings, partitioning) == partition
    keep_conflicts = _anchor_partition(conflicts, partitioning) == partition
    return Findings(
        couplings=couplings[keep_couplings.to_numpy()].reset_index(drop=True),
        conflicts=conflicts[keep_conflicts.to_numpy()].reset_index(drop=True),
    )


def _anchor_partition(frame: pd.DataFrame, partitioning: Partitioning) -> pd.Series:
    """Partition of each finding's anchor (see the module docstring), -1 when it has none."""
    if frame.empty:
        return pd.Series([], dtype=int)
    tasks = [next((i for t, i in m if t == "task"), None) for m in frame["members"]]
    lowest = [min(f"{t}:{i}" for t, i in m if t in _RECORD_TYPES) for m in frame["members"]]
    by_task = pd.Series(tasks).map(partitioning.task_partition)
    by_record = pd.Series(lowest).map(partitioning.record_partition)
    by_street = pd.Series([min(s) if len(s) else None for s in frame["segment_ids"]]).map(
        partitioning.segment_partition
    )
    pair = frame["kind"].isin(["dig_free_violation", "repeated_opening", "capital_destruction"]).to_numpy()
    anchor = by_record.where(~pair, by_street)
    anchor = by_task.where(pd.Series(tasks).notna(), anchor)
    return anchor.fillna(-1).astype(int)


def merged_findings(parts: list[Findings]) -> Findings:
    """The partitions' findings in one result, in the engine's own order."""
    couplings = _concat([p.couplings for p in parts])
    conflicts = _concat([p.conflicts for p in parts])
    conflicts = conflicts.assign(first_year=[int(y[0]) for y in conflicts["years"]])
    return Findings(
        couplings=_ordered(pd.DataFrame(couplings), _columns(parts, "couplings"), _KIND_ORDER, "window_start"),
        conflicts=_ordered(pd.DataFrame(conflicts), _columns(parts, "conflicts"), _CONFLICT_ORDER, "first_year"),
    )


def _concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Concatenated, leaving out empty frames (their object columns would change the merged dtypes)."""
    filled = [f for f in frames if len(f)] or frames[:1]
    # Object columns of an empty builder frame would otherwise differ from the engine's string columns.
    merged = pd.concat(filled, ignore_index=True).infer_objects()
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=filled[0].crs)


def _columns(parts: list[Findings], which: str) -> list[str]:
    frame: gpd.GeoDataFrame = getattr(parts[0], which)
    return [c for c in frame.columns if c != "geometry"]
