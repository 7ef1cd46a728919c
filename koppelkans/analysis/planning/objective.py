"""The one objective: what a choice of years costs. Baseline, MILP and heuristic are all scored here.

total = own work costs + capital destroyed by renewing early + deferral risk + bridging measures
      + per opened (segment, year): what its largest member's opening would cost alone (its
        trench's street works, its site set-up and its days of nuisance): one trench, one set-up,
        one closure for everyone who works there that year
      + penalties of soft constraints: euros over budget, works over a neighbourhood's limit,
        new surfaces broken open within their dig-free period (the capital it destroys).
All terms are euros at the price level of the register (excl. VAT), undiscounted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from koppelkans.analysis.planning.instance import PlanningInstance
from koppelkans.errors import InputError

__all__ = ["Evaluation", "chosen_rows", "evaluate_years", "spend_by_organisation_year"]


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """The objective of one schedule and its parts (euros unless named otherwise)."""

    objective: float
    own_eur: float
    early_eur: float
    risk_eur: float
    bridging_eur: float
    opening_eur: float
    nuisance_eur: float
    budget_excess_eur: float
    budget_penalty_eur: float
    capacity_excess: float
    capacity_penalty_eur: float
    dig_free_breaches: int
    dig_free_penalty_eur: float
    openings: int
    nuisance_days: float
    hard_violations: tuple[str, ...] = ()

    @property
    def cost_eur(self) -> float:
        """The real cost: the objective without the penalties of soft budgets and capacity."""
        return self.objective - self.budget_penalty_eur - self.capacity_penalty_eur

    def as_dict(self) -> dict[str, object]:
        values = asdict(self)
        values["hard_violations"] = list(self.hard_violations)
        values["cost_eur"] = self.cost_eur
        return values


def chosen_rows(instance: PlanningInstance, years: np.ndarray) -> np.ndarray:
    """Index into `instance.candidates` of each item's chosen year; raises if a year is not a candidate."""
    candidates = instance.candidates
    key = candidates["item"].to_numpy(dtype=np.int64) * 10_000 + candidates["year"].to_numpy(dtype=np.int64)
    wanted = np.arange(instance.n_items, dtype=np.int64) * 10_000 + np.asarray(years, dtype=np.int64)
    order = np.argsort(key, kind="stable")
    position = np.searchsorted(key[order], wanted)
    position = np.minimum(position, len(key) - 1)
    found = key[order][position] == wanted
    if not found.all():
        bad = int(np.argmax(~found))
        record = str(instance.items["key"].iat[bad])
        raise InputError(f"{record}: {int(years[bad])} is not one of its candidate years", record=record, field="year")
    return order[position]


def evaluate_years(instance: PlanningInstance, years: np.ndarray) -> Evaluation:
    """Score a schedule (one year per item, in item order) with the plan's objective."""
    years = np.asarray(years, dtype=np.int64)
    rows = instance.candidates.iloc[chosen_rows(instance, years)]
    own, early = float(rows["own_eur"].sum()), float(rows["early_eur"].sum())
    risk, bridging = float(rows["risk_eur"].sum()), float(rows["bridging_eur"].sum())
    opening, nuisance, openings, days = _opening_terms(instance, years)
    excess, budget_penalty = _budget_terms(instance, years)
    over, capacity_penalty = _capacity_terms(instance, years)
    breaches, dig_free_penalty, breached_groups = _exclusion_terms(instance, years)
    hard = []
    if "budget" in instance.options.hard and excess > 0.5:
        hard.append("budget")
    if "capacity" in instance.options.hard and over > 0:
        hard.append("capacity")
    hard.extend(g for g in breached_groups if g in instance.options.hard)
    objective = own + early + risk + bridging + opening + nuisance + budget_penalty + capacity_penalty
    return Evaluation(
        objective=objective + dig_free_penalty,
        own_eur=own,
        early_eur=early,
        risk_eur=risk,
        bridging_eur=bridging,
        opening_eur=opening,
        nuisance_eur=nuisance,
        budget_excess_eur=excess,
        budget_penalty_eur=budget_penalty,
        capacity_excess=over,
        capacity_penalty_eur=capacity_penalty,
        dig_free_breaches=breaches,
        dig_free_penalty_eur=dig_free_penalty,
        openings=openings,
        nuisance_days=days,
        hard_violations=tuple(sorted(set(hard))),
    )


def _opening_terms(instance: PlanningInstance, years: np.ndarray) -> tuple[float, float, int, float]:
    """Per opened (segment, year): the street and nuisance cost of its largest member; days of the longest."""
    openings = instance.openings
    if openings.empty:
        return 0.0, 0.0, 0, 0.0
    frame = pd.DataFrame(
        {
            "segment": openings["segment"].to_numpy(),
            "year": years[openings["item"].to_numpy()],
            "value_eur": openings["value_eur"].to_numpy(),
            "opening_eur": openings["opening_eur"].to_numpy(),
            "nuisance_eur": openings["nuisance_eur"].to_numpy(),
            "days": openings["days"].to_numpy(),
        }
    )
    largest = frame.sort_values("value_eur", ascending=False, kind="stable").drop_duplicates(["segment", "year"])
    days = frame.groupby(["segment", "year"])["days"].max()
    return float(largest["opening_eur"].sum()), float(largest["nuisance_eur"].sum()), len(largest), float(days.sum())


def spend_by_organisation_year(instance: PlanningInstance, years: np.ndarray) -> pd.DataFrame:
    """Own work costs (and bridging) per organisation and year: what budgets are held against."""
    rows = instance.candidates.iloc[chosen_rows(instance, np.asarray(years, dtype=np.int64))]
    frame = pd.DataFrame(
        {
            "organisation": instance.items["organisation"].to_numpy(),
            "year": np.asarray(years, dtype=int),
            "spend_eur": rows["own_eur"].to_numpy() + rows["bridging_eur"].to_numpy(),
        }
    )
    return frame.groupby(["organisation", "year"], as_index=False)["spend_eur"].sum()


def _budget_terms(instance: PlanningInstance, years: np.ndarray) -> tuple[float, float]:
    if instance.budgets.empty:
        return 0.0, 0.0
    spend = spend_by_organisation_year(instance, years)
    joined = instance.budgets.merge(spend, on=["organisation", "year"], how="left").fillna({"spend_eur": 0.0})
    excess = float(np.maximum(joined["spend_eur"] - joined["budget_eur"], 0.0).sum())
    penalty = instance.penalty("budget")
    return excess, excess * (penalty or 0.0)


def _capacity_terms(instance: PlanningInstance, years: np.ndarray) -> tuple[float, float]:
    counts = instance.items["counts_capacity"].to_numpy()
    if not counts.any():
        return 0.0, 0.0
    frame = pd.DataFrame({"area": instance.items["area_code"].to_numpy()[counts], "year": years[counts]})
    n = frame.groupby(["area", "year"]).size().to_numpy()
    over = float(np.maximum(n - instance.options.capacity, 0.0).sum())
    penalty = instance.penalty("capacity")
    return over, over * (penalty or 0.0)


def _exclusion_terms(instance: PlanningInstance, years: np.ndarray) -> tuple[int, float, set[str]]:
    pairs = instance.exclusions
    if pairs.empty:
        return 0, 0.0, set()
    gap = years[pairs["then"].to_numpy()] - years[pairs["first"].to_numpy()]
    hit = (gap >= 1) & (gap <= pairs["years"].to_numpy())
    return int(hit.sum()), float(pairs["penalty_eur"].to_numpy()[hit].sum()), set(pairs["group"].to_numpy()[hit])
