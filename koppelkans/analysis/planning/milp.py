"""The exact model: a MILP over x[item, year] solved with HiGHS, per independent component.

Variables (all costs in euros):
  x[i, y]  binary, item i is done in year y (only its candidate years exist); cost = own work +
           capital destroyed by going early + deferral risk + bridging (+ λ·spend in a Lagrangian).
  z[s, y]  the cost of opening segment s in year y (street works, site set-up and nuisance): the
           largest value v[i,s] among the members there, i.e. what its largest member's opening
           would cost alone. Written as its convex envelope, with the members of (s, y) sorted by
           value: o[k] ≥ x[k], o[k] ≥ o[k-1] ("one of the k largest is there") and
           z = Σ_k (v[k] − v[k+1])·o[k]; this is much tighter in the LP than z ≥ v[i]·x[i] alone.
           z is the issue's opening variable, linked one-for-one to x (positive exactly when some
           member is there); an opening with one possible member folds into that member's cost.
  slacks   for soft constraint groups: euros over budget, works over capacity, dig-free breaches.
Rows: Σ_y x[i,y] = 1; opening links; x[f,y] + Σ_{y<y'≤y+D} x[t,y'] ≤ 1 (+ breach) for exclusion
pairs; Σ_{i in area} x[i,y] ≤ K (+ over); Σ_{i of org} spend_i·x[i,y] ≤ B (+ excess).

Items that share no opening, exclusion, area or budget never interact, so the instance splits
into connected components that are solved one at a time; an item alone is solved by inspection.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csc_matrix
from scipy.sparse.csgraph import connected_components

from koppelkans.analysis.planning.instance import PlanningInstance

__all__ = [
    "ComponentResult",
    "MilpModel",
    "SolveProgress",
    "build_model",
    "components_of",
    "solve_model",
    "solve_singletons",
]

INF = highspy.kHighsInf


@dataclass(frozen=True, kw_only=True)
class SolveProgress:
    """What a solve reports while it runs: the best objective, the bound and the gap so far."""

    stage: str
    objective: float
    bound: float
    done: int = 0
    total: int = 0

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)


Progress = Callable[[SolveProgress], None]


def relative_gap(objective: float, bound: float) -> float:
    """(objective − bound) / |objective|, 0 when both are 0; inf without a solution."""
    if not math.isfinite(objective):
        return math.inf
    if abs(objective) < 1e-9:
        return 0.0 if abs(bound) < 1e-6 else math.inf
    return max(objective - bound, 0.0) / abs(objective)


def components_of(instance: PlanningInstance, *, with_budgets: bool) -> np.ndarray:
    """Component label of every item: items linked by an opening, an exclusion, an area or a budget."""
    n, n_segments = instance.n_items, len(instance.segments)
    items = instance.items
    area = pd.factorize(items["area_code"].where(items["counts_capacity"]))[0]
    rows = [instance.openings["item"].to_numpy(), np.flatnonzero(area >= 0)]
    cols = [n + instance.openings["segment"].to_numpy(), n + n_segments + area[area >= 0]]
    offset = n + n_segments + max(area.max() + 1, 0)
    rows.append(instance.exclusions["first"].to_numpy(dtype=np.int64))
    cols.append(instance.exclusions["then"].to_numpy(dtype=np.int64))
    if with_budgets and not instance.budgets.empty:
        orgs = pd.Index(instance.budgets["organisation"].unique())
        org = orgs.get_indexer(items["organisation"])
        rows.append(np.flatnonzero(org >= 0))
        cols.append(offset + org[org >= 0])
        offset += len(orgs)
    r, c = np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(offset, offset))
    _, labels = connected_components(graph, directed=False)
    return pd.factorize(labels[:n])[0]


@dataclass(frozen=True, kw_only=True)
class MilpModel:
    """A model in HiGHS' column-wise form, with what each column means."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    matrix: csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    x_rows: np.ndarray
    """Index into instance.candidates of each x column (x columns come first)."""
    offset: float = 0.0
    slack_groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    """column, group, label (organisation/year, area/year or pair) of every slack column."""

    @property
    def n_x(self) -> int:
        return len(self.x_rows)


def build_model(
    instance: PlanningInstance,
    items: np.ndarray,
    *,
    budgets: pd.DataFrame | None = None,
    multipliers: pd.DataFrame | None = None,
    elastic: bool = False,
) -> MilpModel:
    """The MILP of a set of items (a component), vectorised into one sparse matrix.

    budgets      organisation, year, budget_eur to hold these items' spend against (None: no rows)
    multipliers  organisation, year, lambda: a Lagrangian price on spend instead of budget rows
    elastic      every row gets slack, hard groups' at a unit weight (budgets relative to the
                 budget), soft ones free, and costs are zeroed: the least violation of the hard
                 groups, to explain why the hard model is infeasible
    """
    selected = np.zeros(instance.n_items, dtype=bool)
    selected[items] = True
    candidates = instance.candidates
    x_rows = np.flatnonzero(selected[candidates["item"].to_numpy()])
    cand = candidates.iloc[x_rows]
    item_of_x = cand["item"].to_numpy()
    year_of_x = cand["year"].to_numpy()
    x_cost = cand["cost_eur"].to_numpy(dtype=float).copy()
    spend = cand["own_eur"].to_numpy() + cand["bridging_eur"].to_numpy()
    if multipliers is not None and len(multipliers):
        price = _price_of(instance, item_of_x, year_of_x, multipliers)
        x_cost += price * spend
    if elastic:
        x_cost[:] = 0.0
    builder = _Builder(n_x=len(x_rows), x_cost=x_cost)
    builder.assignment(item_of_x)
    if not elastic:
        builder.openings(instance, selected, item_of_x, year_of_x, len(x_rows))
    builder.exclusions(instance, selected, item_of_x, year_of_x, elastic=elastic)
    builder.capacity(instance, item_of_x, year_of_x, elastic=elastic)
    if budgets is not None and len(budgets):
        builder.budgets(instance, item_of_x, year_of_x, spend, budgets, elastic=elastic)
    return builder.model(x_rows)


def _price_of(
    instance: PlanningInstance, item_of_x: np.ndarray, year_of_x: np.ndarray, multipliers: pd.DataFrame
) -> np.ndarray:
    """λ of each x column's organisation-year (0 where none)."""
    key = pd.MultiIndex.from_arrays([instance.items["organisation"].to_numpy()[item_of_x], year_of_x])
    lam = multipliers.set_index(["organisation", "year"])["lambda"]
    return lam.reindex(key).fillna(0.0).to_numpy()


class _Builder:
    """Collects columns and rows as arrays; `model` assembles the CSC matrix once."""

    def __init__(self, *, n_x: int, x_cost: np.ndarray) -> None:
        self.n_cols = n_x
        self.costs = [x_cost]
        self.uppers = [np.ones(n_x)]
        self.integer = [np.ones(n_x, dtype=bool)]
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.row_lo: list[np.ndarray] = []
        self.row_hi: list[np.ndarray] = []
        self.n_rows = 0
        self.slacks: list[pd.DataFrame] = []

    def columns(self, cost: np.ndarray, *, upper: float = INF) -> np.ndarray:
        first = self.n_cols
        self.n_cols += len(cost)
        self.costs.append(np.asarray(cost, dtype=float))
        self.uppers.append(np.full(len(cost), upper))
        self.integer.append(np.zeros(len(cost), dtype=bool))
        return np.arange(first, self.n_cols)

    def rows(
        self, n: int, row: np.ndarray, col: np.ndarray, val: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        first = self.n_rows
        self.entries.append((row + first, col, np.asarray(val, dtype=float)))
        self.row_lo.append(np.broadcast_to(np.asarray(lo, dtype=float), (n,)))
        self.row_hi.append(np.broadcast_to(np.asarray(hi, dtype=float), (n,)))
        self.n_rows += n
        return np.arange(first, self.n_rows)

    def slack(self, row_ids: np.ndarray, cost: np.ndarray, group: str, labels: list[str], *, sign: float) -> None:
        cols = self.columns(cost)
        self.entries.append((row_ids, cols, np.full(len(cols), sign)))
        self.slacks.append(pd.DataFrame({"column": cols, "group": group, "label": labels}))

    def assignment(self, item_of_x: np.ndarray) -> None:
        local = pd.factorize(item_of_x)[0]
        n = int(local.max()) + 1 if len(local) else 0
        self.rows(n, local, np.arange(len(item_of_x)), np.ones(len(item_of_x)), 1.0, 1.0)

    def openings(
        self, instance: PlanningInstance, selected: np.ndarray, item_of_x: np.ndarray, year_of_x: np.ndarray, n_x: int
    ) -> None:
        openings = instance.openings[selected[instance.openings["item"].to_numpy()]]
        if openings.empty:
            return
        x_of = pd.DataFrame({"x": np.arange(n_x), "item": item_of_x, "year": year_of_x})
        links = openings.merge(x_of, on="item")
        key = links["segment"].to_numpy(dtype=np.int64) * 10_000 + links["year"].to_numpy(dtype=np.int64)
        codes, uniques = pd.factorize(key)
        members = np.bincount(codes, minlength=len(uniques))
        alone = members[codes] == 1
        # an opening only one column can make is that column's own cost
        np.add.at(self.costs[0], links["x"].to_numpy()[alone], links["value_eur"].to_numpy()[alone])
        shared = links[~alone].assign(code=codes[~alone])
        if shared.empty:
            return
        # max over members as its convex envelope (Lovász extension): members sorted by value,
        # o[k] = "one of the k largest is there" (o[k] ≥ o[k-1], o[k] ≥ x[k]), cost Σ (v[k] − v[k+1])·o[k]
        shared = shared.sort_values(["code", "value_eur"], ascending=[True, False], kind="stable")
        value = shared["value_eur"].to_numpy()
        code = shared["code"].to_numpy()
        last = np.r_[code[1:] != code[:-1], True]
        following = np.r_[value[1:], 0.0]
        step = value - np.where(last, 0.0, following)
        o = self.columns(step)
        n = len(shared)
        x = shared["x"].to_numpy()
        chained = np.flatnonzero(np.r_[False, code[1:] == code[:-1]])
        m = len(chained)
        self.rows(
            n + m,
            np.concatenate([np.arange(n), np.arange(n), n + np.arange(m), n + np.arange(m)]),
            np.concatenate([x, o, o[chained - 1], o[chained]]),
            np.concatenate([np.ones(n), -np.ones(n), np.ones(m), -np.ones(m)]),
            -INF,
            0.0,
        )

    def exclusions(
        self,
        instance: PlanningInstance,
        selected: np.ndarray,
        item_of_x: np.ndarray,
        year_of_x: np.ndarray,
        *,
        elastic: bool,
    ) -> None:
        pairs = instance.exclusions
        pairs = pairs[selected[pairs["first"].to_numpy()]].reset_index(drop=True)
        if pairs.empty:
            return
        x_of = pd.DataFrame({"x": np.arange(len(item_of_x)), "item": item_of_x, "year": year_of_x})
        first = pairs.reset_index(names="pair").merge(x_of, left_on="first", right_on="item")
        then = first.merge(x_of, left_on="then", right_on="item", suffixes=("_f", "_t"))
        gap = then["year_t"] - then["year_f"]
        then = then[(gap >= 1) & (gap <= then["years"])]
        if then.empty:
            return
        row_key = then["pair"].to_numpy(dtype=np.int64) * 10_000 + then["year_f"].to_numpy(dtype=np.int64)
        row_codes, row_uniques = pd.factorize(row_key)
        n = len(row_uniques)
        first_x = np.zeros(n, dtype=np.int64)
        first_x[row_codes] = then["x_f"].to_numpy()
        row_ids = self.rows(
            n,
            np.concatenate([np.arange(n), row_codes]),
            np.concatenate([first_x, then["x_t"].to_numpy()]),
            np.ones(n + len(then)),
            -INF,
            1.0,
        )
        pair_of_row = np.zeros(n, dtype=np.int64)
        pair_of_row[row_codes] = then["pair"].to_numpy()
        groups = pairs["group"].to_numpy()[pair_of_row]
        soft = np.array([g not in instance.options.hard for g in groups], dtype=bool)
        penalty = pairs["penalty_eur"].to_numpy()[pair_of_row]
        use = np.ones(n, dtype=bool) if elastic else soft
        if not use.any():
            return
        cost = (np.where(soft, 0.0, 1.0) if elastic else penalty)[use]
        keys = instance.items["key"].to_numpy()
        labels = [
            f"{keys[f]} → {keys[t]}"
            for f, t in zip(pairs["first"].to_numpy()[pair_of_row[use]], pairs["then"].to_numpy()[pair_of_row[use]])
        ]
        for group in np.unique(groups[use]):
            mine = groups[use] == group
            self.slack(
                row_ids[use][mine], cost[mine], str(group), [lab for lab, m in zip(labels, mine) if m], sign=-1.0
            )

    def capacity(
        self, instance: PlanningInstance, item_of_x: np.ndarray, year_of_x: np.ndarray, *, elastic: bool
    ) -> None:
        counts = instance.items["counts_capacity"].to_numpy()[item_of_x]
        if not counts.any():
            return
        area = instance.items["area_code"].to_numpy()[item_of_x][counts]
        frame = pd.DataFrame({"x": np.flatnonzero(counts), "area": area, "year": year_of_x[counts]})
        frame["row"] = pd.factorize(pd.MultiIndex.from_frame(frame[["area", "year"]]))[0]
        size = frame.groupby("row").size()
        limit = instance.options.capacity
        binding = size[size > limit].index.to_numpy()
        frame = frame[frame["row"].isin(binding)]
        if frame.empty:
            return
        frame["row"] = pd.factorize(frame["row"])[0]
        n = int(frame["row"].max()) + 1
        row_ids = self.rows(n, frame["row"].to_numpy(), frame["x"].to_numpy(), np.ones(len(frame)), -INF, limit)
        penalty = instance.penalty("capacity")
        if penalty is None and not elastic:
            return
        first = frame.drop_duplicates("row").sort_values("row")
        labels = [f"{a} {y}" for a, y in zip(first["area"], first["year"])]
        weight = (1.0 if penalty is None else 0.0) if elastic else penalty
        self.slack(row_ids, np.full(n, weight), "capacity", labels, sign=-1.0)

    def budgets(
        self,
        instance: PlanningInstance,
        item_of_x: np.ndarray,
        year_of_x: np.ndarray,
        spend: np.ndarray,
        budgets: pd.DataFrame,
        *,
        elastic: bool,
    ) -> None:
        frame = pd.DataFrame(
            {
                "x": np.arange(len(item_of_x)),
                "organisation": instance.items["organisation"].to_numpy()[item_of_x],
                "year": year_of_x,
                "spend": spend,
            }
        ).merge(budgets, on=["organisation", "year"])
        if frame.empty:
            return
        codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame[["organisation", "year"]]))
        n = len(uniques)
        limit = np.zeros(n)
        limit[codes] = frame["budget_eur"].to_numpy()
        row_ids = self.rows(n, codes, frame["x"].to_numpy(), frame["spend"].to_numpy(), -INF, limit)
        penalty = instance.penalty("budget")
        if penalty is None and not elastic:
            return
        labels = [f"{o} {y}" for o, y in uniques]
        if elastic:
            weight = 1.0 / np.maximum(np.abs(limit), 1.0) if penalty is None else np.zeros(n)
        else:
            weight = np.full(n, penalty)
        self.slack(row_ids, weight, "budget", labels, sign=-1.0)

    def model(self, x_rows: np.ndarray) -> MilpModel:
        if self.entries:
            row = np.concatenate([e[0] for e in self.entries])
            col = np.concatenate([e[1] for e in self.entries])
            val = np.concatenate([e[2] for e in self.entries])
        else:
            row = col = np.array([], dtype=np.int64)
            val = np.array([], dtype=float)
        matrix = csc_matrix((val, (row, col)), shape=(self.n_rows, self.n_cols))
        matrix.sum_duplicates()
        slacks = (
            pd.concat(self.slacks, ignore_index=True)
            if self.slacks
            else pd.DataFrame(columns=["column", "group", "label"])
        )
        return MilpModel(
            cost=np.concatenate(self.costs),
            lower=np.zeros(self.n_cols),
            upper=np.concatenate(self.uppers),
            integer=np.concatenate(self.integer),
            matrix=matrix,
            row_lower=np.concatenate(self.row_lo) if self.row_lo else np.zeros(0),
            row_upper=np.concatenate(self.row_hi) if self.row_hi else np.zeros(0),
            x_rows=x_rows,
            slack_groups=slacks,
        )


@dataclass(frozen=True, kw_only=True)
class ComponentResult:
    """The outcome of one HiGHS solve: chosen x columns, objective, proven bound, status."""

    x_value: np.ndarray
    objective: float
    bound: float
    status: str
    seconds: float
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def feasible(self) -> bool:
        return math.isfinite(self.objective)


_BANNER_SHOWN = False


def _quiet_highs() -> highspy.Highs:
    """A HiGHS instance; the first one of a process prints a banner on C stdout, so that one is made with
    stdout pointed at stderr: `koppelkans plan --json` must print nothing but JSON."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        return highspy.Highs()
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_SHOWN = True
    return h


def solve_model(
    model: MilpModel,
    *,
    time_limit: float,
    relax: bool = False,
    fixed: np.ndarray | None = None,
    start: np.ndarray | None = None,
    mip_gap: float = 1e-4,
    progress: Callable[[float, float], None] | None = None,
    scale: float = 1e-3,
) -> ComponentResult:
    """Solve with HiGHS within a time limit; `fixed` pins x columns (−1 = free) for a neighbourhood search.

    `start` is a full x vector (0/1) handed to HiGHS as an incumbent; `progress(objective, bound)` is
    called on every improving solution. Costs go to HiGHS in thousands of euros (`scale`): the dual
    simplex is markedly faster on these models than with costs in euros.
    """
    started = time.perf_counter()
    h = _quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit), 0.05))
    h.setOptionValue("mip_rel_gap", mip_gap)
    h.setOptionValue("random_seed", 7)
    # one thread and a fixed seed: the same model gives the same solution in every process (the Dask engine)
    h.setOptionValue("threads", 1)
    if relax:
        h.setOptionValue("simplex_strategy", 1)  # dual simplex
    lower, upper = model.lower.copy(), model.upper.copy()
    if fixed is not None:
        pinned = fixed >= 0
        lower[: model.n_x][pinned] = fixed[pinned]
        upper[: model.n_x][pinned] = fixed[pinned]
    matrix = model.matrix
    integrality = np.where(model.integer & (not relax), 1, 0).astype(np.int32)
    h.passModel(
        int(matrix.shape[1]),
        int(matrix.shape[0]),
        int(matrix.nnz),
        1,  # column-wise
        1,  # minimise
        float(model.offset) * scale,
        model.cost * scale,
        lower,
        upper,
        model.row_lower,
        model.row_upper,
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(float),
        integrality,
    )
    if start is not None and not relax:
        cols = np.arange(model.n_x, dtype=np.int32)
        h.setSolution(len(cols), cols, np.asarray(start, dtype=float))
    if progress is not None and not relax:
        h.cbMipImprovingSolution.subscribe(
            lambda e: progress(e.data_out.objective_function_value / scale, e.data_out.mip_dual_bound / scale)
        )
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    values = np.asarray(h.getSolution().col_value, dtype=float)
    seconds = time.perf_counter() - started
    has_solution = info.primal_solution_status == 2 and len(values) == matrix.shape[1]
    if relax:
        bound = info.objective_function_value / scale if status == "Optimal" else -math.inf
        return ComponentResult(
            x_value=values[: model.n_x] if has_solution else np.zeros(model.n_x),
            objective=bound if has_solution else math.inf,
            bound=bound,
            status=status,
            seconds=seconds,
            values=values,
        )
    objective = info.objective_function_value / scale if has_solution else math.inf
    bound = info.mip_dual_bound / scale if math.isfinite(info.mip_dual_bound) else -math.inf
    if status == "Optimal":
        bound = max(bound, objective - abs(objective) * mip_gap)
    return ComponentResult(
        x_value=values[: model.n_x] if has_solution else np.zeros(model.n_x),
        objective=objective,
        bound=min(bound, objective),
        status=status,
        seconds=seconds,
        values=values if has_solution else np.zeros(0),
    )


def solve_singletons(
    instance: PlanningInstance, items: np.ndarray, *, multipliers: pd.DataFrame | None = None
) -> tuple[np.ndarray, float]:
    """Items that interact with nothing: each takes its cheapest year (own cost plus its own openings)."""
    candidates = instance.candidates
    selected = np.zeros(instance.n_items, dtype=bool)
    selected[items] = True
    rows = np.flatnonzero(selected[candidates["item"].to_numpy()])
    cand = candidates.iloc[rows]
    cost = cand["cost_eur"].to_numpy(dtype=float).copy()
    own_openings = instance.openings.groupby("item")["value_eur"].sum()
    cost += own_openings.reindex(cand["item"].to_numpy()).fillna(0.0).to_numpy()
    if multipliers is not None and len(multipliers):
        spend = cand["own_eur"].to_numpy() + cand["bridging_eur"].to_numpy()
        cost += _price_of(instance, cand["item"].to_numpy(), cand["year"].to_numpy(), multipliers) * spend
    frame = pd.DataFrame({"row": rows, "item": cand["item"].to_numpy(), "cost": cost})
    best = frame.sort_values(["item", "cost"], kind="stable").drop_duplicates("item")
    return best["row"].to_numpy(), float(best["cost"].sum())
