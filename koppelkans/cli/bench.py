"""`koppelkans bench …`: measured speed, always as a ratio against an alternative run alongside."""

from __future__ import annotations

import typer

from koppelkans.cli.shell import context_of, emit_json

__all__ = ["app"]

app = typer.Typer(
    help="Benchmarks that print ratios against the alternative, measured in the same run.", no_args_is_help=True
)


@app.command("import")
def bench_import(
    ctx: typer.Context,
    n: int = typer.Option(100_000, "--n", help="number of assets to import"),
    postgis: str = typer.Option(
        None, "--postgis", envvar="KOPPELKANS_BENCH_POSTGIS", help="postgresql://… URL of a scratch database"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Records/second importing N assets into the embedded store and PostGIS."""
    from koppelkans.benchmarks.imports import run_import_benchmark  # its imports cost seconds: only when run

    result = run_import_benchmark(n=n, postgis_url=postgis, settings=context_of(ctx).settings)
    if as_json:
        emit_json(result)
        return
    for row in result["runs"]:
        typer.echo(
            f"{row['store']:<10} {row['records']:>9,} assets  {row['seconds']:7.2f} s  "
            f"{row['records_per_second']:>10,.0f} records/s"
        )
    if result.get("ratio_gpkg_to_postgis"):
        typer.echo(f"embedded / PostGIS throughput: {result['ratio_gpkg_to_postgis']:.2f}x")


@app.command("couplings")
def bench_couplings(
    ctx: typer.Context,
    scales: str = typer.Option("1", "--scale", help="demo scale(s), comma-separated, e.g. 1,10"),
    postgis: str = typer.Option(
        "postgresql://postgres@127.0.0.1:5432/postgres",
        "--postgis",
        envvar="KOPPELKANS_BENCH_POSTGIS",
        help="postgresql://… server for the scratch database",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Trench matching: ours vs the same matching as a PostGIS query, on the demo at each scale."""
    from koppelkans.benchmarks.couplings import run_couplings_benchmark  # its imports cost seconds: only when run

    results = [
        run_couplings_benchmark(scale=float(s), postgis_url=postgis, settings=context_of(ctx).settings)
        for s in scales.split(",")
    ]
    if as_json:
        emit_json(results)
        return
    for r in results:
        typer.echo(
            f"scale {r['scale']:g}: {r['works']:,} works, {r['segments']:,} segments, "
            f"{r['pairs']:,} pairs (identical); "
            f"ours {r['ours_seconds']:.3f} s, PostGIS {r['postgis_seconds']:.3f} s, ours {r['speedup']:.1f}x faster"
        )
