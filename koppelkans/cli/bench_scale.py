"""`koppelkans bench scale`: how time and memory grow with the register, single process against Dask."""

from __future__ import annotations

import typer

from koppelkans.benchmarks.scale import run_scale_benchmark
from koppelkans.cli.shell import emit_json

__all__ = ["bench_scale"]


def bench_scale(
    scales: str = typer.Option("0.25,1,4", "--scales", help="comma-separated scales (1 ≈ Enschede)"),
    base: float = typer.Option(0.25, "--base", help="demo scale that is generated once and tiled"),
    partitions: int = typer.Option(None, "--partitions", help="Dask partitions (default: four per worker)"),
    workers: int = typer.Option(2, "--workers", help="LocalCluster worker processes"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Coupling engine time and peak memory per scale, single process vs a Dask LocalCluster."""
    result = run_scale_benchmark(
        [float(s) for s in scales.split(",")], base=base, partitions=partitions, workers=workers
    )
    if as_json:
        emit_json(result)
        return
    typer.echo(f"base: demo --scale {base} (built in {result['base_build_seconds']} s), tiled")
    for run in result["runs"]:
        typer.echo(
            f"scale {run['scale']:>6g} {run['engine']:>6}: {run['street_km']:>9,.0f} km street, "
            f"{run['assets']:>10,} assets, {run['findings']:>8,} findings, {run['seconds']:>8.2f} s, "
            f"driver peak {run['driver_peak_rss_mb']:>7,.0f} MB, worker peak {run['worker_peak_rss_mb']:>7,.0f} MB"
        )
    for engine, figures in result["extrapolation"].items():
        if isinstance(figures, dict):
            typer.echo(
                f"Netherlands ({result['extrapolation']['netherlands_street_km']:,.0f} km), {engine}: "
                f"{figures['seconds_per_1000_km']} s and {figures['peak_mb_per_1000_km']} MB per 1,000 km → "
                f"≈ {figures['netherlands_cpu_seconds']:,} s on one core"
            )
