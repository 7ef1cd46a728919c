"""For instances too large to solve in one piece: large-neighbourhood search with the MILP per district.

Start from a schedule (the sectoral baseline, or a better one), then free the items of one
district (buurt) at a time and re-solve them exactly with HiGHS while everything around them stays
where it is: the items that share a segment, an exclusion pair or the district's capacity with a
freed item enter the sub-model fixed, so every opening a freed item can touch is priced right, and
budgets hold the freed items against what the rest already spends. A district's new schedule is
kept only when it lowers the shared objective. The lower bound that makes the gap known comes from
the caller (the MILP or LP relaxation of each component, see `solve`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from koppelkans.analysis.planning.instance import PlanningInstance
from koppelkans.analysis.planning.milp import build_model, solve_model
from koppelkans.analysis.planning.objective import chosen_rows, evaluate_years, spend_by_organisation_year

__all__ = ["LnsResult", "districts_of", "improve_by_districts", "neighbours_of"]


@dataclass(frozen=True, kw_only=True)
class LnsResult:
    """The improved schedule, its objective, and how the search went."""

    years: np.ndarray
    objective: float
    passes: int
    improved: int
    seconds: float


def districts_of(instance: PlanningInstance, items: np.ndarray) -> list[np.ndarray]:
    """The items grouped by their neighbourhood (items without one form a group per 500)."""
    area = instance.items["area_code"].to_numpy()[items]
    known = pd.notna(area)
    groups = [g.to_numpy() for _, g in pd.Series(items[known]).groupby(area[known])]
    loose = items[~known]
    groups.extend(loose[i : i + 500] for i in range(0, len(loose), 500))
    return sorted(groups, key=len, reverse=True)


def neighbours_of(instance: PlanningInstance, free: np.ndarray) -> np.ndarray:
    """Items outside `free` that share a segment, an exclusion or a capacity area with it."""
    mask = np.zeros(instance.n_items, dtype=bool)
    mask[free] = True
    openings = instance.openings
    segments = np.unique(openings["segment"].to_numpy()[mask[openings["item"].to_numpy()]])
    on_segments = openings["item"].to_numpy()[np.isin(openings["segment"].to_numpy(), segments)]
    pairs = instance.exclusions
    first, then = pairs["first"].to_numpy(), pairs["then"].to_numpy()
    partners = np.concatenate([then[mask[first]], first[mask[then]]])
    items = instance.items
    areas = pd.unique(items["area_code"].to_numpy()[free][items["counts_capacity"].to_numpy()[free]])
    same_area = np.flatnonzero(items["counts_capacity"].to_numpy() & np.isin(items["area_code"].to_numpy(), areas))
    around = np.unique(np.concatenate([on_segments, partners, same_area]).astype(np.int64))
    return around[~mask[around]]


def improve_by_districts(
    instance: PlanningInstance,
    years: np.ndarray,
    items: np.ndarray,
    *,
    time_limit: float,
    with_budgets: bool = True,
    sub_time_limit: float = 5.0,
    progress: Callable[[float, int, int], None] | None = None,
) -> LnsResult:
    """Re-solve one district at a time (others fixed) until a full pass improves nothing or time runs out.

    `progress(objective, done, total)` is called after every district.
    """
    started = time.perf_counter()
    years = np.asarray(years, dtype=np.int64).copy()
    best = evaluate_years(instance, years).objective
    groups = districts_of(instance, items)
    passes = improved = 0
    while time.perf_counter() - started < time_limit:
        passes += 1
        changed = False
        for done, free in enumerate(groups, start=1):
            left = time_limit - (time.perf_counter() - started)
            if left <= 0.2:
                break
            candidate, gain = _resolve_district(
                instance, years, free, time_limit=min(sub_time_limit, left), with_budgets=with_budgets
            )
            # the sub-model holds every term a freed item touches, so its gain is the whole schedule's
            if candidate is not None and gain > 1e-7 * max(abs(best), 1.0):
                years, best, changed = candidate, best - gain, True
                improved += 1
            if progress is not None:
                progress(best, done, len(groups))
        best = evaluate_years(instance, years).objective
        if not changed:
            break
    return LnsResult(
        years=years, objective=best, passes=passes, improved=improved, seconds=time.perf_counter() - started
    )


def _resolve_district(
    instance: PlanningInstance, years: np.ndarray, free: np.ndarray, *, time_limit: float, with_budgets: bool
) -> tuple[np.ndarray | None, float]:
    """The best years for the free items with everything else where it is, and what that gains.

    Returns (None, 0) when HiGHS found nothing better than the current years.
    """
    around = neighbours_of(instance, free)
    members = np.concatenate([free, around])
    budgets = _residual_budgets(instance, years, members) if with_budgets else None
    model = build_model(instance, members, budgets=budgets)
    cand = instance.candidates.iloc[model.x_rows]
    item_of_x = cand["item"].to_numpy()
    current = (cand["year"].to_numpy() == years[item_of_x]).astype(float)
    is_free = np.zeros(instance.n_items, dtype=bool)
    is_free[free] = True
    before = solve_model(model, time_limit=time_limit, fixed=current)
    fixed = np.where(is_free[item_of_x], -1.0, current)
    result = solve_model(model, time_limit=time_limit, fixed=fixed, start=current, mip_gap=1e-4)
    if not result.feasible or not before.feasible or result.objective >= before.objective:
        return None, 0.0
    chosen = result.x_value > 0.5
    updated = years.copy()
    updated[item_of_x[chosen]] = cand["year"].to_numpy()[chosen]
    chosen_rows(instance, updated)  # every item still has exactly one candidate year
    return updated, before.objective - result.objective


def _residual_budgets(instance: PlanningInstance, years: np.ndarray, modelled: np.ndarray) -> pd.DataFrame | None:
    """Each organisation-year's budget less what the items outside the sub-model spend in it."""
    if instance.budgets.empty:
        return None
    spend_all = spend_by_organisation_year(instance, years)
    mask = np.zeros(instance.n_items, dtype=bool)
    mask[modelled] = True
    rows = instance.candidates.iloc[chosen_rows(instance, years)]
    freed = (
        pd.DataFrame(
            {
                "organisation": instance.items["organisation"].to_numpy()[mask],
                "year": years[mask],
                "spend_eur": (rows["own_eur"].to_numpy() + rows["bridging_eur"].to_numpy())[mask],
            }
        )
        .groupby(["organisation", "year"], as_index=False)["spend_eur"]
        .sum()
    )
    spend = spend_all.merge(freed, on=["organisation", "year"], how="left", suffixes=("", "_free")).fillna(0.0)
    spend["fixed_eur"] = spend["spend_eur"] - spend["spend_eur_free"]
    budgets = instance.budgets.merge(
        spend[["organisation", "year", "fixed_eur"]], on=["organisation", "year"], how="left"
    )
    budgets["budget_eur"] = budgets["budget_eur"] - budgets["fixed_eur"].fillna(0.0)
    return budgets[["organisation", "year", "budget_eur"]]
