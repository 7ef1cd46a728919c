"""`koppelkans bench api` end to end on a small demo: it builds the store, starts a real server, signs in
with a token of its own, and every request it times succeeds (a bench that counts 401s measures nothing)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from typer.testing import CliRunner

from koppelkans.benchmarks.api import LAYERS, run_api_benchmark
from koppelkans.cli.main import app


def test_bench_api_times_only_successful_requests_and_compares_the_tile_encoders() -> None:
    async def from_a_running_loop() -> dict[str, Any]:  # as in a notebook, or beside a browser test's loop
        return run_api_benchmark(scale=0.02, clients=2, requests=6, seconds=60)

    with ThreadPoolExecutor(max_workers=1) as thread:  # a loop of its own, whatever else this process runs
        result = thread.submit(asyncio.run, from_a_running_loop()).result()
    (run,) = result["stores"]
    assert run["store"] == "geopackage" and run["records"]["assets"] > 0
    for workload in ("items", "tiles"):
        for layer in LAYERS:
            timed = run["runs"][workload][layer]
            assert timed["failures"] == 0, (workload, layer, timed)
            assert timed["requests"] == 6
            assert 0 < timed["p50_ms"] <= timed["p95_ms"] <= timed["max_ms"]
    encoding = run["asset_tile_encoding"]
    assert encoding["features_p50"] > 0
    assert encoding["speedup"] == round(encoding["mapbox_vector_tile_p50_ms"] / encoding["ours_p50_ms"], 1)


def test_bench_api_refuses_a_server_on_another_machine() -> None:
    outcome = CliRunner().invoke(app, ["bench", "api", "--url", "http://example.org:8000", "--store", "x.gpkg"])
    assert outcome.exit_code != 0
    assert "127.0.0.1" in outcome.output
