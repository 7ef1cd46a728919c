"""`koppelkans bench scale`: time and peak memory of the coupling engine, single process against Dask.

The register of a scale is the seeded demo at `base` scale (a small Enschede), tiled: scale S holds
S / base copies side by side, 40 km apart, every id prefixed with its tile. Tiling keeps a run
cheap to set up beyond the demo's largest scale (10.75) and grows the register exactly linearly,
so the figures show how the engines grow. Each (scale, engine) runs in a fresh process so its peak
memory is its own; Dask peaks are the driver's and the largest worker's. The machine is shared, so
every run records the load average next to its figures; a run that dies (out of memory) or passes
`run_timeout` is reported as such and the larger scales of that engine are skipped.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import queue
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.coupling import CouplingOptions, findings_from_snapshot
from koppelkans.benchmarks.demo import peak_rss_mb
from koppelkans.domain.snapshot import RegisterSnapshot

__all__ = ["extrapolation", "run_scale_benchmark", "tiled_snapshot"]

TILE_OFFSET_M = 40_000.0
OPTIONS = CouplingOptions(year_from=2026, year_to=2036)
NETHERLANDS_STREET_KM = 140_000.0
"""Issue K13 / PRODUCT.md E5: ≈ 140,000 km of street in the Netherlands."""
KM_PER_PARTITION = 500.0
"""Default partition size: partitions grow with the register, so a partition's cost stays the same."""
CLUSTER_WORKERS = 64
"""The cluster the extrapolation is written for: 64 single-threaded workers (e.g. 8 machines × 8 cores)."""


def tiled_snapshot(base: RegisterSnapshot, copies: int) -> RegisterSnapshot:
    """`copies` copies of the register side by side, ids prefixed 'T<i>/' (organisations are shared)."""
    tiles = [_tile(base, i) for i in range(copies)]
    return RegisterSnapshot(
        organisations=base.organisations,
        **{
            kind: _concat([getattr(t, kind) for t in tiles])
            for kind in ("areas", "segments", "assets", "works", "tasks")
        },
        links=_concat([t.links for t in tiles]),
        due_years=None if base.due_years is None else _concat([t.due_years for t in tiles]),  # type: ignore[misc]
    )


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


def _tile(base: RegisterSnapshot, i: int) -> RegisterSnapshot:
    """Copy `i` of the register: shifted east by i × 40 km, every id and reference prefixed."""
    if i == 0:
        return base

    def prefixed(values: pd.Series) -> pd.Series:
        return values.where(values.isna(), f"T{i}/" + values.astype(str))

    offset = np.array([i * TILE_OFFSET_M, 0.0])

    def moved(frame: pd.DataFrame, **columns: pd.Series) -> pd.DataFrame:
        shifted = shapely.transform(np.asarray(frame.geometry.to_numpy(), dtype=object), lambda xy: xy + offset)
        return frame.assign(**columns).set_geometry(shifted, crs=frame.crs)

    works_assets = (
        base.works["asset_ids"]
        .str.split(";")
        .apply(lambda ids: ids if not isinstance(ids, list) else ";".join(f"T{i}/{a}" for a in ids))
    )
    return RegisterSnapshot(
        organisations=base.organisations,
        areas=moved(base.areas, code=prefixed(base.areas["code"]), parent_code=prefixed(base.areas["parent_code"])),
        segments=moved(base.segments, id=prefixed(base.segments["id"]), area_code=prefixed(base.segments["area_code"])),
        assets=moved(base.assets, id=prefixed(base.assets["id"])),
        works=moved(base.works, id=prefixed(base.works["id"]), asset_ids=works_assets),
        tasks=moved(base.tasks, id=prefixed(base.tasks["id"]), area_code=prefixed(base.tasks["area_code"])),
        links=base.links.assign(
            record_id=prefixed(base.links["record_id"]), segment_id=prefixed(base.links["segment_id"])
        ),
        due_years=None
        if base.due_years is None
        else base.due_years.assign(asset_id=prefixed(base.due_years["asset_id"])),
    )


def run_scale_benchmark(
    scales: list[float],
    *,
    base: float = 0.25,
    seed: int = 7,
    partitions: int | None = None,
    workers: int = 2,
    run_timeout: float = 1800.0,
    engines: tuple[str, ...] = ("single", "dask"),
) -> dict[str, Any]:
    """Time and peak memory of `findings_from_snapshot` and of its Dask run on a LocalCluster, per scale."""
    with tempfile.TemporaryDirectory(prefix="koppelkans-bench-scale-") as tmp:
        url = str(Path(tmp) / "base.gpkg")
        built = time.perf_counter()
        _build_base(url, base=base, seed=seed)
        build_seconds = time.perf_counter() - built
        rows = []
        failed: set[str] = set()
        for scale in scales:
            copies = max(round(scale / base), 1)
            for engine in engines:
                if engine in failed:
                    rows.append({"scale": copies * base, "engine": engine, "error": "skipped: a smaller scale failed"})
                    continue
                options = {"copies": copies, "engine": engine, "partitions": partitions, "workers": workers}
                row = _in_fresh_process(url, timeout=run_timeout, **options)
                rows.append(row | {"scale": copies * base, "engine": engine})
                if "error" in row:
                    failed.add(engine)
    done = [r for r in rows if "error" not in r]
    return {
        "base_scale": base,
        "seed": seed,
        "base_build_seconds": round(build_seconds, 1),
        "cpu_count": os.cpu_count(),
        "runs": rows,
        "growth": growth(done),
        "extrapolation": extrapolation(done),
    }


def _build_base(url: str, *, base: float, seed: int) -> None:
    from koppelkans.demo import build_demo
    from koppelkans.store import open_store

    store = open_store(url)
    store.initialise()
    build_demo(store, scale=base, seed=seed)
    store.close()


def _in_fresh_process(url: str, *, timeout: float, **options: Any) -> dict[str, Any]:
    """One measured run in a spawned process: its peak memory is the run's own.

    A plain (non-daemonic) process, not a Pool: the Dask run starts worker processes of its own.
    A process that dies (the kernel ends it when memory runs out) or passes `timeout` gives an error row.
    """
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_measure_into, args=(results, url), kwargs=options)
    started = time.perf_counter()
    process.start()
    load = os.getloadavg()[0]
    while True:
        try:
            result: dict[str, Any] = results.get(timeout=2.0)
            break
        except queue.Empty:
            if not process.is_alive():
                return {
                    "error": f"the run died (exit code {process.exitcode}), likely out of memory",
                    "load_1min": load,
                }
            if time.perf_counter() - started > timeout:
                process.kill()
                process.join()
                return {"error": f"did not finish in {timeout:.0f} s", "load_1min": load}
    process.join()
    return result


def _measure_into(results: Any, url: str, **options: Any) -> None:
    results.put(_measure(url, **options))


def _measure(url: str, *, copies: int, engine: str, partitions: int | None, workers: int) -> dict[str, Any]:
    """Read the base, tile it, run the engine; seconds of the engine alone, peak RSS of every process."""
    from koppelkans.register import snapshot_of
    from koppelkans.store import open_store

    store = open_store(url)
    snapshot = tiled_snapshot(snapshot_of(store), copies)
    store.close()
    counts = {"segments": len(snapshot.segments), "assets": len(snapshot.assets), "works": len(snapshot.works)}
    street_km = float(shapely.length(np.asarray(snapshot.segments.geometry.to_numpy(), dtype=object)).sum() / 1000)
    before = peak_rss_mb()
    load_before = os.getloadavg()[0]
    cpu_before = _own_cpu_seconds()
    run: dict[str, Any] = {}
    if engine == "single":
        started = time.perf_counter()
        findings = findings_from_snapshot(snapshot, OPTIONS)
        seconds = time.perf_counter() - started
        worker_peak = worker_cpu = 0.0
    else:
        from distributed import get_task_stream

        from koppelkans.scale import dask_client, findings_on_dask

        n = partitions or max(2 * workers, math.ceil(street_km / KM_PER_PARTITION))
        with dask_client(n_workers=workers) as client:
            with get_task_stream(client) as stream:
                started = time.perf_counter()
                findings = findings_on_dask(snapshot, OPTIONS, client=client, partitions=n)
                seconds = time.perf_counter() - started
            worker_peak = max(client.run(_own_peak_rss_mb).values())
            worker_cpu = sum(client.run(_own_cpu_seconds).values())
        compute = [
            sum(s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute")
            for task in stream.data
            if "_run_partition" in str(task["key"])
        ]
        run = {
            "partitions": n,
            "partition_seconds_mean": round(float(np.mean(compute)), 3) if compute else None,
            "partition_seconds_max": round(float(np.max(compute)), 3) if compute else None,
            "worker_compute_seconds": round(float(np.sum(compute)), 2),
        }
    return {
        **counts,
        "street_km": round(street_km, 1),
        "findings": len(findings.couplings) + len(findings.conflicts),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(_own_cpu_seconds() - cpu_before + worker_cpu, 2),
        "driver_peak_rss_mb": round(peak_rss_mb(), 1),
        "driver_rss_before_run_mb": round(before, 1),
        "worker_peak_rss_mb": round(worker_peak, 1),
        **run,
        "workers": workers if engine == "dask" else 1,
        "load_1min": round(load_before, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
    }


def _own_cpu_seconds() -> float:
    """CPU seconds (user + system) this process has used: on a shared machine, what a run costs regardless of load."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _own_peak_rss_mb() -> float:
    """On a worker: its peak resident memory (Linux kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def growth(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per engine: b in seconds ∝ km^b and in memory ∝ km^b, smallest to largest run (1 = linear)."""
    result: dict[str, Any] = {}
    for engine in ("single", "dask"):
        runs = sorted((r for r in rows if r["engine"] == engine), key=lambda r: r["street_km"])
        if len(runs) < 2:
            continue
        small, large = runs[0], runs[-1]
        ratio = math.log(large["street_km"] / small["street_km"])
        memory = "driver_peak_rss_mb"
        result[engine] = {
            "from_km": small["street_km"],
            "to_km": large["street_km"],
            "seconds_exponent": round(math.log(large["seconds"] / small["seconds"]) / ratio, 2),
            "driver_memory_exponent": round(math.log(large[memory] / small[memory]) / ratio, 2),
        }
    return result


def extrapolation(rows: list[dict[str, Any]], *, cluster_workers: int = CLUSTER_WORKERS) -> dict[str, Any]:
    """The Netherlands from the largest run of each engine.

    Single process: seconds and MB per km of street, scaled linearly. Dask: the measured cost of one
    partition (mean worker compute seconds, worker peak memory) times the partitions the Netherlands
    needs at the same km per partition, spread over `cluster_workers`; plus the driver's own time
    (cutting and sending partitions) scaled linearly with the km.
    """
    result: dict[str, Any] = {"netherlands_street_km": NETHERLANDS_STREET_KM, "cluster_workers": cluster_workers}
    for engine in ("single", "dask"):
        runs = [r for r in rows if r["engine"] == engine]
        if not runs:
            continue
        largest = max(runs, key=lambda r: r["street_km"])
        factor = NETHERLANDS_STREET_KM / largest["street_km"]
        figures = {
            "from_street_km": largest["street_km"],
            "seconds_per_1000_km": round(largest["seconds"] / largest["street_km"] * 1000, 2),
            "driver_peak_mb_per_1000_km": round(largest["driver_peak_rss_mb"] / largest["street_km"] * 1000, 1),
            "netherlands_driver_peak_gb": round(largest["driver_peak_rss_mb"] * factor / 1024, 1),
        }
        if engine == "single":
            figures["netherlands_seconds"] = round(largest["seconds"] * factor)
        elif largest.get("partition_seconds_mean"):
            km_per_partition = largest["street_km"] / largest["partitions"]
            partitions = math.ceil(NETHERLANDS_STREET_KM / km_per_partition)
            driver = max(largest["seconds"] - largest["worker_compute_seconds"] / largest["workers"], 0.0)
            compute = partitions * largest["partition_seconds_mean"]
            figures |= {
                "km_per_partition": round(km_per_partition, 1),
                "partition_seconds": largest["partition_seconds_mean"],
                "worker_peak_mb": largest["worker_peak_rss_mb"],
                "netherlands_partitions": partitions,
                "netherlands_worker_cpu_seconds": round(compute),
                "netherlands_driver_seconds": round(driver * factor),
                "netherlands_cluster_seconds": round(compute / cluster_workers + driver * factor),
            }
        result[engine] = figures
    return result
