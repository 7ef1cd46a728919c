"""Import throughput: N assets from a GeoPackage file into the embedded store and into PostGIS."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.config import CRS, Settings
from koppelkans.io.exchange import write_table
from koppelkans.register import import_file, import_records
from koppelkans.store import Repository, open_store

__all__ = ["run_import_benchmark", "synthetic_assets"]


def synthetic_assets(n: int, *, seed: int = 1) -> gpd.GeoDataFrame:
    """N pipe-like line assets on a 2 km street grid near Enschede (deterministic)."""
    rng = np.random.default_rng(seed)
    x0 = 256_000 + rng.integers(0, 20, n) * 100.0
    y0 = 470_000 + rng.integers(0, 20, n) * 100.0 + rng.uniform(-3, 3, n)
    start = rng.uniform(0, 50, n)
    lines = shapely.linestrings(
        np.stack(
            [np.stack([x0 + start, y0], axis=1), np.stack([x0 + start + rng.uniform(20, 50, n), y0], axis=1)], axis=1
        )
    )
    disciplines = np.array(["sewer", "water", "gas", "electricity_lv", "fibre"])
    return gpd.GeoDataFrame(
        {
            "id": [f"BENCH:A{i}" for i in range(n)],
            "organisation": "BENCH",
            "discipline": disciplines[rng.integers(0, len(disciplines), n)],
            "material": "PVC",
            "diameter_mm": rng.choice([110.0, 160.0, 315.0], n),
            "install_year": rng.integers(1950, 2024, n),
            "condition": rng.integers(1, 7, n),
            "geometry": lines,
        },
        crs=CRS,
    )


def _street_grid() -> pd.DataFrame:
    rows = []
    for i in range(20):
        for j in range(20):
            x, y = 256_000 + i * 100.0, 470_000 + j * 100.0
            rows.append({"id": f"BENCH:S{i}_{j}", "width_m": 10.0, "geometry": f"LINESTRING ({x} {y}, {x + 100} {y})"})
    return pd.DataFrame(rows)


def _timed_import(store: Repository, path: Path, settings: Settings) -> dict[str, Any]:
    store.initialise()
    import_records(
        store, "organisations", pd.DataFrame([{"code": "BENCH", "name": "Bench", "kind": "other"}]), source_crs=None
    )
    import_records(store, "segments", _street_grid(), source_crs=CRS)
    started = time.perf_counter()
    report = import_file(store, "assets", path, settings=settings)
    seconds = time.perf_counter() - started
    return {"records": report.stored, "seconds": seconds, "records_per_second": report.stored / seconds}


def run_import_benchmark(*, n: int, postgis_url: str | None, settings: Settings) -> dict[str, Any]:
    """Time the full import (read, validate, link, store) of N assets on both back-ends."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "assets.gpkg"
        write_table(synthetic_assets(n).assign(attributes=[{}] * n), source, kind="assets")
        gpkg = open_store(str(Path(tmp) / "bench.gpkg"))
        runs.append({"store": "geopackage", **_timed_import(gpkg, source, settings)})
        gpkg.close()
        if postgis_url:
            from koppelkans.store.postgis import scratch_database

            with scratch_database(postgis_url, prefix="koppelkans_bench") as url:
                pg = open_store(url)
                runs.append({"store": "postgis", **_timed_import(pg, source, settings)})
                pg.close()
    result: dict[str, Any] = {"n": n, "runs": runs}
    if len(runs) == 2:
        result["ratio_gpkg_to_postgis"] = runs[0]["records_per_second"] / runs[1]["records_per_second"]
    return result
