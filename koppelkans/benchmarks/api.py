"""The API under load: 1 km² bbox item queries and vector tiles against a real server on 127.0.0.1.

Builds the `--scale` demo into a scratch GeoPackage (or serves a given store), starts `uvicorn` in
its own process, and drives it with concurrent clients for a bounded number of requests and a
bounded time. Reports p50/p95 latency and requests/s per workload and layer; as the alternatives a
user would pick, the same bbox reads made directly on the repository in-process (what HTTP, JSON
and the API add), and, with `postgis_url`, the same run served from PostGIS.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import numpy as np
import shapely

from koppelkans.config import CRS
from koppelkans.domain.crs import transform_bounds, transformer
from koppelkans.errors import InputError, StoreError
from koppelkans.store import Repository, open_store

__all__ = ["run_api_benchmark"]

BOX_M = 1_000.0
"""Side of the query box: 1 km²."""
TILE_ZOOM = 15
"""About 0.75 km wide at Twente's latitude: the zoom a street map is read at."""
LAYERS = ("assets", "works", "segments")
TARGET_P95_MS = 100.0
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_TO_LONLAT = transformer(CRS, "OGC:CRS84")

Box = tuple[float, float, float, float]
T = TypeVar("T")


def run_api_benchmark(
    *,
    scale: float = 1.0,
    seed: int | None = None,
    store: str | None = None,
    url: str | None = None,
    postgis_url: str | None = None,
    clients: int = 4,
    workers: int = 1,
    requests: int = 300,
    seconds: float = 60.0,
) -> dict[str, Any]:
    """Drive the API with `clients` concurrent clients: at most `requests` per workload and layer, and
    at most `seconds` per store in all.

    With `url`, a server already running on this machine is driven (`store` names what it serves,
    for the direct reads); otherwise the demo is built into a scratch GeoPackage and served here.
    With `postgis_url` (a server to make a scratch database on), the demo is also built there and the
    same requests are run against it.
    """
    if url is not None and urlsplit(url).hostname not in _LOOPBACK:
        raise InputError(f"bench api only drives a server on this machine (127.0.0.1), not {url}", field="url")
    options = {"clients": clients, "workers": workers, "requests": requests, "seconds": seconds, "seed": seed or 0}
    stores = []
    with _demo_store(store, scale=scale, seed=seed) as db:
        stores.append(_run_on_store(db, url, **options))
    if postgis_url is not None and url is None:
        from koppelkans.store.postgis import scratch_database

        with scratch_database(postgis_url, prefix="koppelkans_bench_api") as pg:
            _build_demo(pg, scale=scale, seed=seed)
            stores.append(_run_on_store(pg, None, **options))
    result: dict[str, Any] = {
        "scale": scale,
        "clients": clients,
        "workers": workers,
        "box_m2": BOX_M**2,
        "tile_zoom": TILE_ZOOM,
        "target_p95_ms": TARGET_P95_MS,
        "stores": stores,
    }
    if len(stores) == 2:
        result["geopackage_over_postgis_items_p95"] = _ratio(stores[0], stores[1], "items")
    return result


def _ratio(first: dict[str, Any], second: dict[str, Any], workload: str) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for layer in LAYERS:
        a, b = first["runs"][workload][layer]["p95_ms"], second["runs"][workload][layer]["p95_ms"]
        out[layer] = round(a / b, 2) if a and b else None
    return out


def _run_on_store(
    db: str, url: str | None, *, clients: int, workers: int, requests: int, seconds: float, seed: int
) -> dict[str, Any]:
    """Serve `db` (or drive `url`), run every workload × layer, and time the same reads on the repository."""
    repository = open_store(db)
    boxes = _boxes(repository, count=requests, seed=seed)
    batches = {("items", layer): [_items_path(layer, box) for box in boxes] for layer in LAYERS} | {
        ("tiles", layer): [_tile_path(layer, box) for box in boxes] for layer in LAYERS
    }
    runs: dict[str, dict[str, Any]] = {"items": {}, "tiles": {}}
    headers = _credentials(repository, url)
    with _server(db, url, workers=workers, headers=headers) as base:
        for (workload, layer), paths in batches.items():
            runs[workload][layer] = _in_own_loop(
                _drive(base, paths, clients=clients, seconds=seconds / len(batches), headers=headers)
            )
    direct = {layer: _direct_p50_ms(repository, layer, boxes[:30]) for layer in LAYERS}
    counts = {layer: repository.count(layer) for layer in LAYERS}
    kind = "postgis" if repository.engine.dialect.name == "postgresql" else "geopackage"  # type: ignore[attr-defined]
    out = {"store": kind, "records": counts, "runs": runs, "direct_items_p50_ms": direct}
    if kind == "geopackage":
        out["asset_tile_encoding"] = _encoders(repository, boxes[:20])
    repository.close()
    return out


# -- setup -------------------------------------------------------------------------------------
def _build_demo(db: str, *, scale: float, seed: int | None) -> None:
    from koppelkans.demo import DEFAULT_SEED, build_demo

    repository = open_store(db)
    repository.initialise()
    build_demo(repository, scale=scale, seed=DEFAULT_SEED if seed is None else seed)
    repository.close()


@contextmanager
def _demo_store(store: str | None, *, scale: float, seed: int | None) -> Iterator[str]:
    """The store to serve: the given one, or the demo built into a scratch GeoPackage."""
    if store is not None:
        yield store
        return
    with tempfile.TemporaryDirectory(prefix="koppelkans-bench-api-") as tmp:
        path = str(Path(tmp) / "demo.gpkg")
        _build_demo(path, scale=scale, seed=seed)
        yield path


def _serve(db: str, port: int, workers: int) -> None:
    """The server process: the API on `db`, on 127.0.0.1:`port`, with `workers` processes."""
    import os

    import uvicorn

    os.environ["KOPPELKANS_DB"] = db
    uvicorn.run(
        "koppelkans.api.app:app_from_environment",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
    )


@contextmanager
def _server(db: str, url: str | None, *, workers: int, headers: dict[str, str]) -> Iterator[str]:
    """A base URL to drive: the given server, or one started in its own process until the block ends
    (ready once it answers an authenticated request: the API has no anonymous access by default)."""
    if url is not None:
        yield url.rstrip("/")
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = f"from koppelkans.benchmarks.api import _serve; _serve({db!r}, {port}, {workers})"
    process = subprocess.Popen([sys.executable, "-c", code])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/ogc/conformance", timeout=2, headers=headers).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise StoreError(f"the API server on {db} did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _boxes(store: Repository, *, count: int, seed: int) -> list[Box]:
    """1 km boxes (RD New) centred on randomly drawn street segments: where a map user looks."""
    segments = store.read("segments")
    if segments.empty:
        raise StoreError("the store has no street segments to query around; build the demo first")
    picked = np.random.default_rng(seed).integers(len(segments), size=count)
    centres = shapely.centroid(np.asarray(segments.geometry.to_numpy(), dtype=object)[picked])
    half = BOX_M / 2
    return [(c.x - half, c.y - half, c.x + half, c.y + half) for c in centres]


def _items_path(layer: str, box: Box) -> str:
    west, south, east, north = transform_bounds(box, CRS, "OGC:CRS84")
    return f"/ogc/collections/{layer}/items?bbox={west:.6f},{south:.6f},{east:.6f},{north:.6f}&limit=100"


def _tile_path(layer: str, box: Box) -> str:
    lon, lat = _TO_LONLAT.transform((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    n = 2**TILE_ZOOM
    x = int((lon + 180) / 360 * n)
    y = int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n)
    return f"/tiles/{layer}/{TILE_ZOOM}/{x}/{y}.pbf"


# -- load --------------------------------------------------------------------------------------
def _credentials(store: Repository, url: str | None) -> dict[str, str]:
    """The Authorization header to drive the API with: a token of a benchmark admin in the store it serves
    itself, or `KOPPELKANS_TOKEN` for a server already running."""
    if url is not None:
        token = os.environ.get("KOPPELKANS_TOKEN")
        return {"Authorization": f"Bearer {token}"} if token else {}
    from koppelkans.identity import add_user, create_token

    add_user(store, "bench@koppelkans.invalid", organisation=None, role="admin", password=None)
    return {"Authorization": f"Bearer {create_token(store, 'bench@koppelkans.invalid', scope='read').secret}"}


def _in_own_loop(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end in a thread with its own event loop, so the bench also runs where a loop
    is already running (a notebook, a test process that drives a browser)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


async def _drive(
    base: str, paths: list[str], *, clients: int, seconds: float, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """GET the paths with `clients` concurrent clients until they are done or `seconds` have passed."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    latencies: list[float] = []
    failures: list[int] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers or {}) as http:
            while not queue.empty() and time.perf_counter() < deadline:
                path = queue.get_nowait()
                started = time.perf_counter()
                response = await http.get(path)
                await response.aread()
                latencies.append(time.perf_counter() - started)
                if response.status_code not in (200, 204):
                    failures.append(response.status_code)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    ms = np.array(latencies) * 1000

    def percentile(q: float) -> float | None:
        return round(float(np.percentile(ms, q)), 1) if len(ms) else None

    return {
        "requests": len(latencies),
        "failures": len(failures),
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": percentile(50),
        "p95_ms": percentile(95),
        "max_ms": percentile(100),
    }


def _direct_p50_ms(store: Repository, layer: str, boxes: list[Box]) -> float | None:
    """p50 of the same bbox page + count made on the repository in-process (no HTTP), in ms."""
    timings = []
    for box in boxes:
        polygon = shapely.box(*box)
        started = time.perf_counter()
        store.read(layer, intersects=polygon, limit=100)
        store.count(layer, intersects=polygon)
        timings.append(time.perf_counter() - started)
    return round(float(np.percentile(np.array(timings) * 1000, 50)), 1) if timings else None


def _encoders(store: Repository, boxes: list[Box]) -> dict[str, Any]:
    """The embedded store's asset tiles encoded by our column-at-a-time encoder and by `mapbox-vector-tile`
    (the per-feature encoder it replaced), from the same features: p50 per tile in ms and the ratio."""
    import mapbox_vector_tile

    from koppelkans.api.mvt import encode_layer
    from koppelkans.api.tiles import EXTENT, tile_features

    ours, theirs, sizes = [], [], []
    for box in boxes:
        z, x, y = (int(v) for v in _tile_path("assets", box).removesuffix(".pbf").split("/")[-3:])
        geoms, properties = tile_features(store, "assets", z, x, y)
        started = time.perf_counter()
        encode_layer("assets", geoms, properties, extent=EXTENT)
        ours.append(time.perf_counter() - started)
        features = [
            {"geometry": g, "properties": {k: v[i] for k, v in properties.items() if v[i] is not None}}
            for i, g in enumerate(geoms)
            if g is not None
        ]
        started = time.perf_counter()
        mapbox_vector_tile.encode([{"name": "assets", "features": features}], default_options={"extents": EXTENT})
        theirs.append(time.perf_counter() - started)
        sizes.append(len(features))
    ours_ms, theirs_ms = (round(float(np.percentile(np.array(t) * 1000, 50)), 1) for t in (ours, theirs))
    return {
        "tiles": len(boxes),
        "features_p50": int(np.percentile(sizes, 50)),
        "ours_p50_ms": ours_ms,
        "mapbox_vector_tile_p50_ms": theirs_ms,
        "speedup": round(theirs_ms / ours_ms, 1) if ours_ms else None,
    }
