"""What the analyses report: couplings between works/assets/tasks, and conflicts."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

from koppelkans.domain.vocabulary import ConflictKind, CouplingKind

__all__ = ["Conflict", "Coupling", "RecordRef", "Saving"]


@dataclass(frozen=True, kw_only=True, order=True)
class RecordRef:
    """A reference to one record of the register: `works:EN:W12`."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, kw_only=True)
class Saving:
    """An estimated saving of doing things together instead of apart."""

    money_eur: float = 0.0
    openings: int = 0
    nuisance_days: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Coupling:
    """A coupling opportunity (koppelkans, meekoppelkans or afstemming) between records."""

    id: str
    kind: CouplingKind
    members: tuple[RecordRef, ...]
    segment_ids: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    explanation: str = ""
    saving: Saving = field(default_factory=Saving)
    geometry: BaseGeometry | None = None


@dataclass(frozen=True, kw_only=True)
class Conflict:
    """A conflict: repeated opening, capital destruction, dig-free violation, overload, misfit."""

    id: str
    kind: ConflictKind
    members: tuple[RecordRef, ...]
    segment_ids: tuple[str, ...] = ()
    year: int | None = None
    explanation: str = ""
    geometry: BaseGeometry | None = None
