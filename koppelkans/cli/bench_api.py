"""`koppelkans bench api`: latency and throughput of the web API under concurrent clients."""

from __future__ import annotations

import typer

from koppelkans.cli.shell import emit_json, fail
from koppelkans.errors import KoppelkansError

__all__ = ["bench_api"]


def bench_api(
    scale: float = typer.Option(1.0, "--scale", help="demo scale to build and serve (1 ≈ Enschede)"),
    store: str = typer.Option(None, "--store", help="serve this store instead of building the demo"),
    url: str = typer.Option(None, "--url", help="drive this running server on 127.0.0.1 (name its --store too)"),
    postgis: str = typer.Option(
        None, "--postgis", envvar="KOPPELKANS_BENCH_POSTGIS", help="also run on PostGIS: a server for a scratch db"
    ),
    clients: int = typer.Option(4, "--clients", min=1, max=64, help="concurrent clients"),
    workers: int = typer.Option(1, "--workers", min=1, max=16, help="server processes"),
    requests: int = typer.Option(100, "--requests", min=1, max=100_000, help="requests per workload and layer"),
    seconds: float = typer.Option(60.0, "--seconds", min=1.0, max=600.0, help="time limit per store"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """p50/p95 latency and requests/s for 1 km² bbox item queries and z15 vector tiles (target p95 < 100 ms)."""
    try:
        from koppelkans.benchmarks.api import run_api_benchmark  # its imports cost seconds: only when run

        result = run_api_benchmark(
            scale=scale,
            store=store,
            url=url,
            postgis_url=postgis,
            clients=clients,
            workers=workers,
            requests=requests,
            seconds=seconds,
        )
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    if as_json:
        emit_json(result)
        return
    typer.echo(
        f"demo scale {result['scale']:g}; {result['clients']} clients, {result['workers']} server process(es); "
        f"items: 1 km² bbox, limit 100; tiles: z{result['tile_zoom']}"
    )
    for store_run in result["stores"]:
        records = ", ".join(f"{n:,} {kind}" for kind, n in store_run["records"].items())
        typer.echo(f"{store_run['store']} ({records})")
        for workload, layers in store_run["runs"].items():
            for layer, run in layers.items():
                typer.echo(
                    f"  {workload:<5} {layer:<8} {run['requests']:>5} req {run['requests_per_second']:7.1f} req/s  "
                    f"p50 {run['p50_ms']:7.1f} ms  p95 {run['p95_ms']:7.1f} ms  "
                    f"{'ok' if run['p95_ms'] < result['target_p95_ms'] else 'above target':<12} "
                    f"failures {run['failures']}"
                )
        direct = ", ".join(f"{layer} {ms} ms" for layer, ms in store_run["direct_items_p50_ms"].items())
        typer.echo(f"  the same bbox reads on the repository in-process (p50): {direct}")
        if "asset_tile_encoding" in store_run:
            enc = store_run["asset_tile_encoding"]
            typer.echo(
                f"  asset tile encoding in-process, {enc['tiles']} tiles of about {enc['features_p50']:,} features "
                f"(p50): ours {enc['ours_p50_ms']} ms, mapbox-vector-tile {enc['mapbox_vector_tile_p50_ms']} ms "
                f"({enc['speedup']}x)"
            )
    if "geopackage_over_postgis_items_p95" in result:
        ratios = ", ".join(f"{k} {v}x" for k, v in result["geopackage_over_postgis_items_p95"].items())
        typer.echo(f"items p95, embedded / PostGIS: {ratios}")
