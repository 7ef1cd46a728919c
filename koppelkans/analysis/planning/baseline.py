"""The sectoral baseline: everyone at their own preferred year, with no coordination.

It is scored with the same objective as the optimised plan (`evaluate_years`), so what a plan saves
is the difference of two numbers computed the same way; works of one sector that happen to fall in
the same street in the same year share their opening in the baseline too.
"""

from __future__ import annotations

import numpy as np

from koppelkans.analysis.planning.instance import PlanningInstance
from koppelkans.analysis.planning.objective import Evaluation, evaluate_years

__all__ = ["baseline_years", "evaluate_baseline"]


def baseline_years(instance: PlanningInstance) -> np.ndarray:
    """Each item's preferred year (a due asset's due year), moved into its candidate years if needed."""
    first, last = instance.candidate_range()
    return np.clip(instance.items["preferred"].to_numpy(dtype=np.int64), first, last)


def evaluate_baseline(instance: PlanningInstance) -> tuple[np.ndarray, Evaluation]:
    """The baseline schedule and its score."""
    years = baseline_years(instance)
    return years, evaluate_years(instance, years)
