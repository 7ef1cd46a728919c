"""Why a plan is impossible: which budget, neighbourhood limit or precedence cannot be met, and by whom.

With hard constraint groups the model may have no solution. Instead of "infeasible", we solve the
elastic model: every hard row may be broken at a unit price (a budget relative to its size) and
every soft one freely, costs set aside; what it must break is the smallest set of reasons the plan
cannot exist. Each culprit is named with the records behind it: the organisation and year of a
budget with the fixed or window-bound works that overspend it, the neighbourhood and year of a
capacity limit, the two works of a precedence or dig-free pair with their windows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from koppelkans.analysis.planning.instance import PlanningInstance
from koppelkans.analysis.planning.milp import build_model, solve_model
from koppelkans.errors import KoppelkansError

__all__ = ["Culprit", "PlanInfeasible", "feasibility_of"]


@dataclass(frozen=True, kw_only=True)
class Culprit:
    """One hard constraint the plan cannot keep, how far it is off, and the records that force it."""

    group: str
    label: str
    violation: float
    records: tuple[str, ...]
    explanation: str

    def as_dict(self) -> dict[str, object]:
        return {
            "group": self.group,
            "label": self.label,
            "violation": self.violation,
            "records": list(self.records),
            "explanation": self.explanation,
        }


class PlanInfeasible(KoppelkansError):
    """The hard constraints cannot all hold; names the ones that break and the records behind them."""

    code = "plan_infeasible"
    http_status = 422
    exit_code = 5

    def __init__(self, culprits: list[Culprit]) -> None:
        self.culprits = tuple(culprits)
        first = self.culprits[0]
        more = len(self.culprits) - 1
        suffix = f" (and {more} more)" if more else ""
        super().__init__(
            f"no plan meets every hard constraint: {first.explanation}{suffix}", record=first.label, field=first.group
        )

    def as_dict(self) -> dict[str, object]:
        payload = super().as_dict()
        payload["error"]["culprits"] = [c.as_dict() for c in self.culprits]  # type: ignore[index]
        return payload


def feasibility_of(instance: PlanningInstance, *, time_limit: float = 60.0) -> tuple[np.ndarray | None, list[Culprit]]:
    """A schedule that keeps every hard constraint (None if there is none) and, if none, the culprits."""
    budgets = instance.budgets if not instance.budgets.empty else None
    model = build_model(instance, np.arange(instance.n_items), budgets=budgets, elastic=True)
    result = solve_model(model, time_limit=time_limit, mip_gap=0.0, scale=1.0)
    cand = instance.candidates.iloc[model.x_rows]
    if not result.feasible:
        return None, [Culprit(group="solver", label="", violation=np.inf, records=(), explanation=result.status)]
    chosen = result.x_value > 0.5
    years = np.zeros(instance.n_items, dtype=np.int64)
    years[cand["item"].to_numpy()[chosen]] = cand["year"].to_numpy()[chosen]
    slacks = model.slack_groups
    if slacks.empty or result.objective <= 1e-7:
        return years, []
    values = result.values[slacks["column"].to_numpy(dtype=int)]
    broken = slacks.assign(value=values)
    broken = broken[(broken["value"] > 1e-6) & broken["group"].isin(instance.options.hard)]
    if broken.empty:
        return years, []
    return None, [_culprit(instance, row.group, row.label, float(row.value)) for row in broken.itertuples()]


def _culprit(instance: PlanningInstance, group: str, label: str, violation: float) -> Culprit:
    items = instance.items
    if group == "budget":
        organisation, year = label.rsplit(" ", 1)
        return _budget_culprit(instance, organisation, int(year), violation)
    if group == "capacity":
        area, year = label.rsplit(" ", 1)
        mask = (items["area_code"] == area).to_numpy() & items["counts_capacity"].to_numpy()
        forced = items[mask & _only_year(instance, int(year))]
        records = tuple(forced["key"])
        return Culprit(
            group=group,
            label=label,
            violation=violation,
            records=records,
            explanation=f"neighbourhood {area} can take {instance.options.capacity:g} works in {year}, but "
            f"{len(records)} must happen then ({', '.join(forced['id'])}) and the others have no other year",
        )
    first, then = (part.strip() for part in label.split("→"))
    rows = items.set_index("key")
    windows = {k: f"{int(rows.at[k, 'window_start'])}-{int(rows.at[k, 'window_end'])}" for k in (first, then)}
    what = "must come before" if group == "precedence" else "may not follow within the dig-free period of"
    return Culprit(
        group=group,
        label=label,
        violation=violation,
        records=(first, then),
        explanation=f"{then} (window {windows[then]}) {what} {first} (window {windows[first]}), "
        "which their windows do not allow",
    )


def _only_year(instance: PlanningInstance, year: int) -> np.ndarray:
    """Items whose only candidate year is `year` (fixed works, or windows of one year)."""
    first, last = instance.candidate_range()
    return (first == year) & (last == year)


def _budget_culprit(instance: PlanningInstance, organisation: str, year: int, violation: float) -> Culprit:
    items = instance.items
    budget = instance.budgets.set_index(["organisation", "year"])["budget_eur"].get((organisation, year), 0.0)
    mine = (items["organisation"] == organisation).to_numpy()
    forced = mine & _only_year(instance, year)
    minimum = pd.Series(instance.candidates["own_eur"].to_numpy(), index=instance.candidates["item"].to_numpy())
    forced_cost = float(minimum.groupby(level=0).min().reindex(np.flatnonzero(forced)).sum())
    records = tuple(items["key"].to_numpy()[forced])
    over = violation
    return Culprit(
        group="budget",
        label=f"{organisation} {year}",
        violation=over,
        records=records,
        explanation=f"the {year} budget of {organisation} (EUR {float(budget):,.0f}) is EUR {over:,.0f} short: "
        f"{len(records)} works that can only be done in {year} cost EUR {forced_cost:,.0f}"
        + (f" ({', '.join(items['id'].to_numpy()[forced][:5])})" if records else "")
        + ", and the windows of the others leave no room",
    )
