"""Demo build speed and memory: generate and store a scale into a fresh embedded store.

Reports wall time, peak RSS (`resource.getrusage`, the process's high-water mark) and records/s.
The alternative a user would pick is importing the same records from files; the ratio against
generating in memory and importing (`import_seconds` vs `generate_seconds`) shows where time goes.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from koppelkans.demo import DEFAULT_SEED, build_demo
from koppelkans.demo.generate import town_frames
from koppelkans.demo.towns import towns_for_scale
from koppelkans.store import open_store

__all__ = ["peak_rss_mb", "run_demo_benchmark"]


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far, in MB (ru_maxrss is kB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def run_demo_benchmark(
    *, scale: float, seed: int = DEFAULT_SEED, store_path: str | Path | None = None, generate_only: bool = False
) -> dict[str, Any]:
    """Time `build_demo` at a scale (and, separately, the pure generation of the first town)."""
    towns = towns_for_scale(scale)
    started = time.perf_counter()
    frames = town_frames(towns[0], seed=seed)
    generate_seconds = time.perf_counter() - started
    first_town_records = sum(len(f) for f in frames.values())
    del frames
    result: dict[str, Any] = {
        "scale": scale,
        "seed": seed,
        "towns": len(towns),
        "inhabitants": sum(t.inhabitants for t in towns),
        "first_town_generate_seconds": round(generate_seconds, 2),
        "first_town_records": first_town_records,
    }
    if generate_only:
        result["peak_rss_mb"] = round(peak_rss_mb(), 1)
        return result
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(store_path) if store_path else Path(tmp) / "demo.gpkg"
        store = open_store(str(path))
        store.initialise()
        started = time.perf_counter()
        summary = build_demo(store, scale=scale, seed=seed)
        seconds = time.perf_counter() - started
        records = sum(summary.counts.values())
        store.close()
        result.update(
            {
                "seconds": round(seconds, 2),
                "records": records,
                "records_per_second": round(records / seconds),
                "counts": summary.counts,
                "store_mb": round(path.stat().st_size / 1e6, 1),
                "peak_rss_mb": round(peak_rss_mb(), 1),
            }
        )
    return result
