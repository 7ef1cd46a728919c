"""A works plan: the chosen execution year of every work, and what it costs compared to a baseline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Plan", "PlannedWork"]


@dataclass(frozen=True, kw_only=True)
class PlannedWork:
    """One work placed in a year, with the cost it carries in that plan."""

    work_id: str
    year: int
    cost_eur: float
    shared_opening: bool = False


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A synchronised (or sectoral) works plan over a horizon of years."""

    name: str
    horizon: tuple[int, int]
    works: tuple[PlannedWork, ...]
    total_cost_eur: float
    openings: int
    bound_eur: float | None = None
    """A proven lower bound on the total cost (equal to it when solved to optimality)."""
    cost_by_year: Mapping[int, float] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """Relative optimality gap, when a bound is known."""
        if self.bound_eur is None or self.total_cost_eur == 0:
            return None
        return (self.total_cost_eur - self.bound_eur) / self.total_cost_eur
