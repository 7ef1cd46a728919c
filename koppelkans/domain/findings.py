"""What the analyses report: couplings between works/assets/tasks, and conflicts; and how a finding's
members are written to the store and read back (one codec for the writer and every reader)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from koppelkans.domain.vocabulary import ConflictKind, CouplingKind

__all__ = ["Conflict", "Coupling", "RecordRef", "Saving", "members_as_json", "members_as_text", "members_from_text"]


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


def members_as_json(members: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """A finding's members (`(type, id)` pairs from the engine) as `[{"type", "id"}, …]`, in their order."""
    return [{"type": str(kind), "id": str(key)} for kind, key in members]


def members_as_text(members: Iterable[tuple[str, str]]) -> str:
    """A finding's members as the store keeps them: the JSON text of `members_as_json`."""
    return json.dumps(members_as_json(members))


def members_from_text(value: str | Iterable[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """A stored finding's members as `[{"type", "id"}, …]`: the JSON text `members_as_text` wrote (a list
    already parsed, as some readers hand it over, passes through; nothing stored is no members)."""
    if not isinstance(value, (str, Iterable)):  # None, or the NaN of a missing value in a frame
        return []
    parsed = json.loads(value) if isinstance(value, str) else value
    return [{"type": str(m["type"]), "id": str(m["id"])} for m in parsed]
