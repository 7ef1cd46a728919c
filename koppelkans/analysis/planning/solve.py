"""Choose every item's year: exact per component where it is small, LNS with an LP bound where it is large.

Steps: split the instance into independent components (items that share no opening, exclusion,
neighbourhood or — when budgets are set — organisation never interact) → items alone take their
cheapest year → the rest become parts (`parts_of`): batches of small components, each solved
exactly with HiGHS as one block-diagonal MILP, and each large component, which gets its LP
relaxation (the bound), an LP-rounded start, district by district re-optimisation (`heuristic`)
and, with its time left, HiGHS on the whole component from that schedule (raising the bound past
the LP's) → a runner solves the parts (in this process, or on Dask: `koppelkans.scale.planning`)
→ with budgets, the districts are re-solved once more with the budget rows. The bound is the sum
of the parts' bounds; dropping budget rows only lowers it, so it stays valid.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import pandas as pd

from koppelkans.analysis.planning.baseline import baseline_years
from koppelkans.analysis.planning.heuristic import improve_by_districts
from koppelkans.analysis.planning.instance import PlanningInstance
from koppelkans.analysis.planning.milp import (
    SolveProgress,
    build_model,
    components_of,
    relative_gap,
    solve_model,
    solve_singletons,
)
from koppelkans.analysis.planning.objective import Evaluation, evaluate_years

__all__ = [
    "EXACT_COLUMNS",
    "Part",
    "PartResult",
    "PartRunner",
    "PartSettings",
    "PartTracker",
    "Schedule",
    "budget_penalty_bound",
    "parts_of",
    "planned_seconds",
    "solve_instance",
    "solve_monolithic",
    "solve_part",
    "solve_parts_in_process",
]

EXACT_COLUMNS = 600
"""Components with at most this many year choices are solved exactly; larger ones by LNS + bound."""
_BATCH_COLUMNS = 600
_BATCH_SECONDS = 5.0
"""A batch of small components that HiGHS has not closed by then keeps its best solution and bound."""

Progress = Callable[[SolveProgress], None]


def _quiet(_: SolveProgress) -> None:
    """Default progress callback: say nothing."""


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """A chosen year per item, its score, the proven lower bound and how it was found."""

    years: np.ndarray
    evaluation: Evaluation
    bound: float
    method: str
    seconds: float
    components: int
    largest_component: int
    status: str = "solved"

    @property
    def objective(self) -> float:
        return self.evaluation.objective

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)


def solve_instance(
    instance: PlanningInstance,
    *,
    time_limit: float = 120.0,
    progress: Progress = _quiet,
    gap: float = 1e-3,
    start: np.ndarray | None = None,
    runner: PartRunner | None = None,
) -> Schedule:
    """The synchronised schedule of an instance within `time_limit` seconds, with its bound.

    `start` is a schedule that keeps every hard constraint (from `explain.feasibility_of`); with
    hard groups the search starts there, so that re-solving a district never has to repair others.
    `runner` solves the independent parts (default: one after another in this process; the Dask
    engine passes one that solves them on a cluster, with the same time and gap per part).
    """
    started = time.perf_counter()
    with_budgets = not instance.budgets.empty
    if with_budgets and len(instance.candidates) <= EXACT_COLUMNS:
        # budgets tie every organisation's items together; a small instance is solved whole and exactly
        return replace(solve_monolithic(instance, time_limit=time_limit, gap=gap), method="exact")
    # with budgets, the last part of the time re-solves the districts against them
    seconds = time_limit * (0.6 if with_budgets else 1.0)
    hard = bool(instance.options.hard) and start is not None
    years = (np.asarray(start, dtype=np.int64) if hard else baseline_years(instance)).copy()
    labels = components_of(instance, with_budgets=False)
    sizes = np.bincount(labels)
    single, parts = parts_of(instance, labels, seconds=seconds)
    n_large = sum(not p.exact for p in parts)
    tracker = PartTracker(progress=progress, total=len(parts) + 1)

    rows, value = solve_singletons(instance, single)
    years[single] = instance.candidates["year"].to_numpy()[rows]
    tracker.add("items alone", value, value)

    settings = PartSettings(seconds=seconds - (time.perf_counter() - started), gap=gap, round_start=not hard)
    results = (runner or solve_parts_in_process)(instance, years, parts, settings=settings, tracker=tracker)
    for result in results:
        years[result.items] = result.years
    bound = value + math.fsum(r.bound for r in results)

    method = "exact" if not n_large else "lns"
    if not instance.budgets.empty:
        if hard and "budget" in instance.options.hard and evaluate_years(instance, years).budget_excess_eur > 0.5:
            years = np.asarray(start, dtype=np.int64).copy()
        left = started + time_limit - time.perf_counter()
        if left > 1.0:
            result = improve_by_districts(
                instance, years, np.arange(instance.n_items), time_limit=left, with_budgets=True
            )
            years = result.years
        method += "+budgets"
    evaluation = evaluate_years(instance, years)
    bound = min(bound + budget_penalty_bound(instance), evaluation.objective)
    return Schedule(
        years=years,
        evaluation=evaluation,
        bound=bound,
        method=method,
        seconds=time.perf_counter() - started,
        components=len(sizes),
        largest_component=int(sizes.max()) if len(sizes) else 0,
    )


@dataclass(frozen=True, kw_only=True)
class Part:
    """An independent piece of an instance: a batch of small components (solved exactly) or one large component."""

    items: np.ndarray
    exact: bool
    columns: float
    """Its year choices: a large part's share of the time is in proportion to them."""
    seconds: float = 0.0
    """The fixed time of an exact batch (a large part gets its share from the runner)."""


@dataclass(frozen=True, kw_only=True)
class PartSettings:
    """What every part is solved with: the time the parts share, the MIP gap, whether LP rounding starts LNS."""

    seconds: float
    gap: float
    round_start: bool


@dataclass(frozen=True, kw_only=True)
class PartResult:
    """The years chosen for a part's items, their objective and proven bound."""

    items: np.ndarray
    years: np.ndarray
    objective: float
    bound: float
    stage: str


class PartRunner(Protocol):
    """Solves the parts (`solve_part` each) and returns their results in the order of `parts`."""

    def __call__(
        self,
        instance: PlanningInstance,
        years: np.ndarray,
        parts: list[Part],
        *,
        settings: PartSettings,
        tracker: PartTracker,
    ) -> list[PartResult]: ...


def parts_of(instance: PlanningInstance, labels: np.ndarray, *, seconds: float) -> tuple[np.ndarray, list[Part]]:
    """The items alone, and the parts: small components batched into block-diagonal MILPs, then each large one.

    Large components come largest first; each batch gets a fixed slice of the time, so that a part's
    settings do not depend on where or when it runs.
    """
    sizes = np.bincount(labels)
    x_per_item = np.bincount(instance.candidates["item"].to_numpy(), minlength=instance.n_items)
    columns = np.bincount(labels, weights=x_per_item)
    single = np.flatnonzero(sizes[labels] == 1)
    small = np.flatnonzero((sizes[labels] > 1) & (columns[labels] <= EXACT_COLUMNS))
    large_labels = np.flatnonzero((sizes > 1) & (columns > EXACT_COLUMNS))
    batches = _batches(small, labels, columns)
    batch_seconds = min(max(seconds / max(len(batches), 1) * 0.3, 0.5), _BATCH_SECONDS)
    parts = [
        Part(
            items=np.concatenate(b),
            exact=True,
            columns=float(columns[labels[np.concatenate(b)]].sum()),
            seconds=batch_seconds,
        )
        for b in batches
    ]
    for label in large_labels[np.argsort(-columns[large_labels], kind="stable")]:
        parts.append(Part(items=np.flatnonzero(labels == label), exact=False, columns=float(columns[label])))
    return single, parts


def _batches(items: np.ndarray, labels: np.ndarray, columns: np.ndarray) -> list[list[np.ndarray]]:
    """Small components grouped into batches of at most `_BATCH_COLUMNS` year choices."""
    if not len(items):
        return []
    order = pd.Series(items).groupby(labels[items]).apply(lambda s: s.to_numpy())
    batches: list[list[np.ndarray]] = [[]]
    size = 0.0
    for label, members in order.items():
        if size + columns[label] > _BATCH_COLUMNS and batches[-1]:
            batches.append([])
            size = 0.0
        batches[-1].append(members)
        size += columns[label]
    return batches


def planned_seconds(parts: list[Part], *, seconds: float) -> list[float]:
    """Each part's time when every part before it takes exactly its own: what a runner gives parts it starts at once."""
    total = sum(p.columns for p in parts if not p.exact)
    return [p.seconds if p.exact else max(seconds * p.columns / max(total, 1.0), 1.0) for p in parts]


def solve_parts_in_process(
    instance: PlanningInstance,
    years: np.ndarray,
    parts: list[Part],
    *,
    settings: PartSettings,
    tracker: PartTracker,
) -> list[PartResult]:
    """The parts one after another in this process; each large part gets its share of the time left."""
    deadline = time.perf_counter() + settings.seconds
    remaining = sum(p.columns for p in parts if not p.exact)
    results = []
    for part in parts:
        left = deadline - time.perf_counter()
        seconds = part.seconds
        if not part.exact:
            seconds = max(left * part.columns / max(remaining, 1.0), 1.0)
            remaining -= part.columns
        result = solve_part(instance, years, part, seconds=seconds, until=left, settings=settings, tracker=tracker)
        tracker.add(result.stage, result.objective, result.bound)
        results.append(result)
    return results


def solve_part(
    instance: PlanningInstance,
    years: np.ndarray,
    part: Part,
    *,
    seconds: float,
    until: float,
    settings: PartSettings,
    tracker: PartTracker | None = None,
) -> PartResult:
    """One part: a batch exactly with HiGHS, or a large component by LP bound, LNS and HiGHS polish.

    `years` is a whole schedule whose part's items are changed in place; `seconds` is the
    part's time, `until` the seconds after which the LP relaxation gives up; `tracker` reports
    progress within a large part (only in the process that owns it).
    """
    items = part.items
    if part.exact:
        bound = _solve_batch(instance, years, items, seconds=seconds, gap=settings.gap)
        return PartResult(
            items=items,
            years=years[items],
            objective=_objective_of(instance, years, items),
            bound=bound,
            stage="small components",
        )
    started = time.perf_counter()
    bound = _solve_large(
        instance,
        years,
        items,
        time_limit=seconds,
        deadline=started + until,
        tracker=tracker,
        round_start=settings.round_start,
    )
    objective = _objective_of(instance, years, items)
    objective, bound = _polish(instance, years, items, objective, bound, deadline=started + seconds, gap=settings.gap)
    return PartResult(
        items=items, years=years[items], objective=objective, bound=bound, stage=f"component of {len(items):,} items"
    )


def solve_monolithic(instance: PlanningInstance, *, time_limit: float, gap: float = 1e-4) -> Schedule:
    """The whole instance as ONE HiGHS MILP (budget rows included): the alternative `bench plan` compares with."""
    started = time.perf_counter()
    budgets = instance.budgets if not instance.budgets.empty else None
    model = build_model(instance, np.arange(instance.n_items), budgets=budgets)
    result = solve_model(model, time_limit=max(time_limit - (time.perf_counter() - started), 1.0), mip_gap=gap)
    years = baseline_years(instance).copy()
    if result.feasible:
        chosen = result.x_value > 0.5
        cand = instance.candidates.iloc[model.x_rows]
        years[cand["item"].to_numpy()[chosen]] = cand["year"].to_numpy()[chosen]
    evaluation = evaluate_years(instance, years)
    bound = result.bound if math.isfinite(result.bound) else -math.inf
    return Schedule(
        years=years,
        evaluation=evaluation,
        bound=min(bound, evaluation.objective),
        method="monolithic",
        seconds=time.perf_counter() - started,
        components=1,
        largest_component=instance.n_items,
        status=result.status if result.feasible else f"{result.status} (no solution: baseline shown)",
    )


def budget_penalty_bound(instance: PlanningInstance) -> float:
    """A lower bound on the soft budget penalty that no schedule escapes.

    Whatever must be done by year t (items whose last candidate year is ≤ t, at their cheapest)
    cannot be paid from more than the budgets of the years up to t; the excess over the horizon is
    at least the largest such shortfall. Added to the components' bounds (which leave budgets
    out), it is still a valid bound: the minimum of a sum is at least the sum of the minima.
    """
    penalty = instance.penalty("budget")
    if instance.budgets.empty or not penalty:
        return 0.0
    candidates = instance.candidates
    spend = candidates["own_eur"] + candidates["bridging_eur"]
    cheapest = spend.groupby(candidates["item"]).min().to_numpy()
    _, last = instance.candidate_range()
    forced = pd.DataFrame(
        {"organisation": instance.items["organisation"].to_numpy(), "year": last, "spend_eur": cheapest}
    )
    # only organisations with a budget in every year: elsewhere work can move to an unbudgeted year
    budgets = instance.budgets
    years_budgeted = budgets.groupby("organisation")["year"].nunique()
    complete = years_budgeted[years_budgeted == len(instance.years)].index
    budgets = budgets[budgets["organisation"].isin(complete)]
    if budgets.empty:
        return 0.0
    forced = forced[forced["organisation"].isin(complete)]
    grid = pd.MultiIndex.from_product([complete, instance.years], names=["organisation", "year"])
    by_year = forced.groupby(["organisation", "year"])["spend_eur"].sum().reindex(grid, fill_value=0.0)
    budget = budgets.set_index(["organisation", "year"])["budget_eur"].reindex(grid, fill_value=0.0)
    shortfall = (by_year.groupby(level=0).cumsum() - budget.groupby(level=0).cumsum()).clip(lower=0.0)
    return float(penalty * shortfall.groupby(level=0).max().sum())


@dataclass
class PartTracker:
    """Running objective and bound over the parts solved so far, reported to `progress` after each part."""

    progress: Progress
    total: int
    objective: float = 0.0
    bound: float = 0.0
    done: int = 0

    def add(self, stage: str, objective: float, bound: float) -> None:
        self.objective += objective
        self.bound += bound
        self.done += 1
        self.progress(
            SolveProgress(stage=stage, objective=self.objective, bound=self.bound, done=self.done, total=self.total)
        )

    def whole(self, stage: str, objective: float, bound: float) -> None:
        """Report the objective of the whole schedule as it stands (parts not solved yet at the baseline)."""
        self.progress(
            SolveProgress(stage=stage, objective=objective, bound=self.bound + bound, done=self.done, total=self.total)
        )

    def peek(self, stage: str, objective: float, bound: float) -> None:
        self.progress(
            SolveProgress(
                stage=stage,
                objective=self.objective + objective,
                bound=self.bound + bound,
                done=self.done,
                total=self.total,
            )
        )


def _objective_of(instance: PlanningInstance, years: np.ndarray, items: np.ndarray) -> float:
    """The model objective of a set of items whose interactions stay within the set (fixed solve)."""
    if not len(items):
        return 0.0
    model = build_model(instance, items)
    cand = instance.candidates.iloc[model.x_rows]
    current = (cand["year"].to_numpy() == years[cand["item"].to_numpy()]).astype(float)
    return solve_model(model, time_limit=60.0, fixed=current).objective


def _solve_batch(
    instance: PlanningInstance, years: np.ndarray, items: np.ndarray, *, seconds: float, gap: float
) -> float:
    """Small components solved exactly as one block-diagonal MILP into `years`; returns their bound."""
    model = build_model(instance, items)
    result = solve_model(model, time_limit=seconds, mip_gap=gap)
    if result.feasible:
        _apply(instance, years, model.x_rows, result.x_value)
    return result.bound if math.isfinite(result.bound) else solve_model(model, time_limit=seconds, relax=True).bound


def _solve_large(
    instance: PlanningInstance,
    years: np.ndarray,
    items: np.ndarray,
    *,
    time_limit: float,
    deadline: float,
    tracker: PartTracker | None,
    round_start: bool,
) -> float:
    """LP bound, LP-rounded start, then district LNS; updates `years` in place and returns the bound.

    The LP of the convex-envelope model is within a fraction of a percent of the optimum on the
    demo; HiGHS' own branch-and-bound on a whole town gains little over it in the same time.
    """
    started = time.perf_counter()
    model = build_model(instance, items)
    # the bound is what makes the gap known: the LP may take longer than this component's share
    relaxed = solve_model(model, time_limit=max(time_limit, deadline - started), relax=True)
    bound = relaxed.bound if math.isfinite(relaxed.bound) else _trivial_bound(instance, items)
    if relaxed.feasible and round_start:
        _round_into(instance, years, model.x_rows, relaxed.x_value)
    if tracker is not None:
        tracker.peek("LP relaxation", _objective_of(instance, years, items), bound)
    left = time_limit - (time.perf_counter() - started)
    if left > 1.0:
        result = improve_by_districts(
            instance,
            years,
            items,
            time_limit=left,
            with_budgets=False,
            progress=None
            if tracker is None
            else lambda objective, done, total: tracker.whole(f"districts {done}/{total}", objective, bound),
        )
        years[items] = result.years[items]
    return bound


def _polish(
    instance: PlanningInstance,
    years: np.ndarray,
    items: np.ndarray,
    objective: float,
    bound: float,
    *,
    deadline: float,
    gap: float,
) -> tuple[float, float]:
    """With time left, hand the component to HiGHS whole, starting from our schedule; the new objective and bound.

    Its branch-and-bound may find better years and raises the bound past the LP's.
    """
    left = deadline - time.perf_counter()
    if left < 2.0 or objective - bound <= gap * abs(objective):
        return objective, bound
    model = build_model(instance, items)
    cand = instance.candidates.iloc[model.x_rows]
    current = (cand["year"].to_numpy() == years[cand["item"].to_numpy()]).astype(float)
    result = solve_model(model, time_limit=min(left, 120.0), start=current, mip_gap=gap)
    if result.feasible and result.objective < objective - 1e-6 * abs(objective):
        _apply(instance, years, model.x_rows, result.x_value)
        objective = result.objective
    return objective, max(bound, result.bound) if math.isfinite(result.bound) else bound


def _trivial_bound(instance: PlanningInstance, items: np.ndarray) -> float:
    """A bound that needs no LP: every item at its cheapest year, every segment opened once by its largest member."""
    selected = np.zeros(instance.n_items, dtype=bool)
    selected[items] = True
    candidates = instance.candidates[selected[instance.candidates["item"].to_numpy()]]
    openings = instance.openings[selected[instance.openings["item"].to_numpy()]]
    own = candidates.groupby("item")["cost_eur"].min().sum()
    return float(own + openings.groupby("segment")["value_eur"].max().sum())


def _apply(instance: PlanningInstance, years: np.ndarray, x_rows: np.ndarray, x_value: np.ndarray) -> None:
    chosen = x_value > 0.5
    cand = instance.candidates.iloc[x_rows]
    years[cand["item"].to_numpy()[chosen]] = cand["year"].to_numpy()[chosen]


def _round_into(instance: PlanningInstance, years: np.ndarray, x_rows: np.ndarray, x_value: np.ndarray) -> None:
    """Each item takes the year its LP solution weighs most (ties: the cheaper year)."""
    cand = instance.candidates.iloc[x_rows]
    frame = pd.DataFrame(
        {"item": cand["item"].to_numpy(), "year": cand["year"].to_numpy(), "x": x_value, "cost": cand["cost_eur"]}
    )
    best = frame.sort_values(["item", "x", "cost"], ascending=[True, False, True], kind="stable")
    best = best.drop_duplicates("item")
    years[best["item"].to_numpy()] = best["year"].to_numpy()
