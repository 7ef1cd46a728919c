"""Optimiser benchmark: ours (decomposition, LP bound, district LNS) against ONE monolithic HiGHS MILP.

Both get the same instance (the demo at a scale, sectoral horizon) and the same time limit, and
both are scored by the same objective; the ratio of gaps and of times is what a user gains over
handing the whole model to HiGHS.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from koppelkans.analysis.planning import (
    PlanOptions,
    evaluate_baseline,
    instance_from_snapshot,
    solve_instance,
    solve_monolithic,
)
from koppelkans.register import snapshot_of
from koppelkans.store import open_store

__all__ = ["run_plan_benchmark"]


def run_plan_benchmark(
    *,
    scale: float = 1.0,
    time_limit: float = 120.0,
    seed: int | None = None,
    store_path: str | None = None,
    year_from: int = 2027,
    year_to: int = 2036,
) -> dict[str, Any]:
    """Solve time, objective, bound and gap of ours and of the monolithic MILP on the demo."""
    with tempfile.TemporaryDirectory(prefix="koppelkans-bench-plan-") as scratch:
        path = store_path or str(Path(scratch) / "demo.gpkg")
        store = open_store(path)
        started = time.perf_counter()
        if store_path is None:
            from koppelkans.demo import DEFAULT_SEED, build_demo

            store.initialise()
            build_demo(store, scale=scale, seed=DEFAULT_SEED if seed is None else seed)
        build_seconds = time.perf_counter() - started
        snapshot = snapshot_of(store)
        store.close()
    instance = instance_from_snapshot(snapshot, PlanOptions(year_from=year_from, year_to=year_to))
    _, baseline = evaluate_baseline(instance)
    ours = solve_instance(instance, time_limit=time_limit)
    mono = solve_monolithic(instance, time_limit=time_limit)

    def run(schedule: Any) -> dict[str, Any]:
        return {
            "method": schedule.method,
            "status": schedule.status,
            "seconds": round(schedule.seconds, 2),
            "objective": round(schedule.objective, 2),
            "bound": round(schedule.bound, 2) if schedule.bound > float("-inf") else None,
            "gap": round(schedule.gap, 6) if schedule.gap != float("inf") else None,
            "savings_pct": round(100.0 * (baseline.cost_eur - schedule.evaluation.cost_eur) / baseline.cost_eur, 3),
        }

    result_ours, result_mono = run(ours), run(mono)
    gap_ratio = (
        result_mono["gap"] / result_ours["gap"] if result_ours["gap"] and result_mono["gap"] is not None else None
    )
    return {
        "scale": scale,
        "items": instance.n_items,
        "year_choices": len(instance.candidates),
        "components": ours.components,
        "largest_component": ours.largest_component,
        "time_limit": time_limit,
        "demo_seconds": round(build_seconds, 1),
        "baseline_objective": round(baseline.objective, 2),
        "ours": result_ours,
        "monolithic": result_mono,
        "gap_ratio_monolithic_to_ours": round(gap_ratio, 2) if gap_ratio is not None else None,
        "time_ratio_monolithic_to_ours": round(mono.seconds / ours.seconds, 2) if ours.seconds else None,
    }
