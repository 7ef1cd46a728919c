"""The optimiser on Dask: the instance's independent parts are solved on the workers and combined.

Items that share no opening, exclusion, neighbourhood or budget never interact (`components_of`),
so the single engine already solves them part by part: small components in exact batches, each
large one by LP bound, district LNS and a HiGHS polish. Here every part is a Dask task that runs
the same `solve_part` with the same time and gap it would get in one process (HiGHS on one thread
with a fixed seed), so the combined schedule is the single engine's wherever the parts finish
within their time. The instance and the starting schedule go to each worker once.
"""

from __future__ import annotations

import numpy as np
from distributed import Client, Future, as_completed

from koppelkans.analysis.planning.instance import PlanningInstance
from koppelkans.analysis.planning.solve import (
    Part,
    PartResult,
    PartRunner,
    PartSettings,
    PartTracker,
    planned_seconds,
    solve_part,
)

__all__ = ["parts_on_dask"]


def parts_on_dask(client: Client) -> PartRunner:
    """A `PartRunner` for `solve_instance` that solves every part as a task on the cluster of `client`."""

    def run(
        instance: PlanningInstance,
        years: np.ndarray,
        parts: list[Part],
        *,
        settings: PartSettings,
        tracker: PartTracker,
    ) -> list[PartResult]:
        if not parts:
            return []
        shared_instance, shared_years = client.scatter([instance, years], broadcast=True)
        seconds = planned_seconds(parts, seconds=settings.seconds)
        futures: dict[str, int] = {}
        pending: list[Future] = []
        for index, (part, budget) in enumerate(zip(parts, seconds, strict=True)):
            future = client.submit(
                _solve_part_on_worker, shared_instance, shared_years, part, budget, settings, pure=False
            )
            futures[future.key] = index
            pending.append(future)
        results: list[PartResult | None] = [None] * len(parts)
        for done in as_completed(pending):
            result: PartResult = done.result()
            results[futures[done.key]] = result
            tracker.add(result.stage, result.objective, result.bound)
        return [r for r in results if r is not None]

    return run


def _solve_part_on_worker(
    instance: PlanningInstance, years: np.ndarray, part: Part, seconds: float, settings: PartSettings
) -> PartResult:
    """On a worker: `solve_part` on its own copy of the starting schedule (the scattered one is shared by tasks)."""
    return solve_part(instance, years.copy(), part, seconds=seconds, until=settings.seconds, settings=settings)
