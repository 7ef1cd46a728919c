"""`koppelkans bench scale`: how time and memory grow with the register, single process against Dask."""

from __future__ import annotations

import typer

from koppelkans.cli.shell import emit_json

__all__ = ["bench_scale"]


def bench_scale(
    scales: str = typer.Option("0.25,1,4", "--scales", help="comma-separated scales (1 ≈ Enschede)"),
    base: float = typer.Option(0.25, "--base", help="demo scale that is generated once and tiled"),
    partitions: int = typer.Option(
        None, "--partitions", help="Dask partitions (default: one per 500 km of street, at least two per worker)"
    ),
    workers: int = typer.Option(2, "--workers", help="LocalCluster worker processes"),
    run_timeout: float = typer.Option(1800.0, "--run-timeout", help="seconds after which a run is stopped"),
    engines: str = typer.Option("single,dask", "--engines", help="which engines to run, comma-separated"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Coupling engine time and peak memory per scale, single process vs a Dask LocalCluster."""
    from koppelkans.benchmarks.scale import run_scale_benchmark  # its imports cost seconds: only when run

    result = run_scale_benchmark(
        [float(s) for s in scales.split(",")],
        base=base,
        partitions=partitions,
        workers=workers,
        run_timeout=run_timeout,
        engines=tuple(e.strip() for e in engines.split(",") if e.strip()),
    )
    if as_json:
        emit_json(result)
        return
    typer.echo(
        f"base: demo --scale {base} (built in {result['base_build_seconds']} s), tiled; {result['cpu_count']} cores"
    )
    for run in result["runs"]:
        if "error" in run:
            typer.echo(f"scale {run['scale']:>6g} {run['engine']:>6}: {run['error']}")
            continue
        typer.echo(
            f"scale {run['scale']:>6g} {run['engine']:>6}: {run['street_km']:>9,.0f} km street, "
            f"{run['assets']:>10,} assets, {run['findings']:>8,} findings, "
            f"{run['seconds']:>8.2f} s ({run['cpu_seconds']:,.0f} s CPU), "
            f"driver peak {run['driver_peak_rss_mb']:>7,.0f} MB, worker peak {run['worker_peak_rss_mb']:>7,.0f} MB, "
            f"load {run['load_1min']:.1f}"
        )
    for engine, figures in result["growth"].items():
        typer.echo(
            f"growth {engine} {figures['from_km']:,.0f} → {figures['to_km']:,.0f} km: "
            f"time ∝ km^{figures['seconds_exponent']}, "
            f"driver memory ∝ km^{figures['driver_memory_exponent']} (1 = linear)"
        )
    extrapolated = result["extrapolation"]
    single, dask = extrapolated.get("single"), extrapolated.get("dask")
    km = extrapolated["netherlands_street_km"]
    if single:
        typer.echo(
            f"Netherlands ({km:,.0f} km), one process: ≈ {single['netherlands_seconds']:,} s and "
            f"≈ {single['netherlands_driver_peak_gb']:,} GB in one process"
        )
    if dask and "netherlands_partitions" in dask:
        typer.echo(
            f"Netherlands ({km:,.0f} km), Dask: {dask['netherlands_partitions']:,} partitions of "
            f"{dask['km_per_partition']:,.0f} km at {dask['partition_seconds']} s "
            f"and ≤ {dask['worker_peak_mb']:,.0f} MB "
            f"per worker = {dask['netherlands_worker_cpu_seconds']:,} worker-seconds; on "
            f"{extrapolated['cluster_workers']} workers ≈ {dask['netherlands_cluster_seconds']:,} s "
            f"(of which the driver {dask['netherlands_driver_seconds']:,} s, {dask['netherlands_driver_peak_gb']} GB)"
        )
