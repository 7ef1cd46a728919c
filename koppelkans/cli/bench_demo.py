"""`koppelkans bench demo`: how fast the demo builds and how much memory it takes."""

from __future__ import annotations

import typer

from koppelkans.cli.shell import emit_json

__all__ = ["bench_demo"]


def bench_demo(
    scale: float = typer.Option(1.0, "--scale", help="1 ≈ Enschede; 10 ≈ a province"),
    seed: int = typer.Option(20261123, "--seed"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Wall time, peak memory and records/s of building the demo into a fresh embedded store."""
    from koppelkans.benchmarks.demo import run_demo_benchmark  # its imports cost seconds: only when run

    result = run_demo_benchmark(scale=scale, seed=seed)
    if as_json:
        emit_json(result)
        return
    typer.echo(
        f"demo --scale {result['scale']}: {result['towns']} town(s), {result['inhabitants']:,} inhabitants, "
        f"{result['records']:,} records in {result['seconds']:.1f} s ({result['records_per_second']:,} records/s), "
        f"peak RSS {result['peak_rss_mb']:,.0f} MB"
    )
    typer.echo(
        f"generating the first town alone (no store): {result['first_town_generate_seconds']:.1f} s for "
        f"{result['first_town_records']:,} records; storing with validation and linking takes the rest"
    )
