"""A project as the uniform way of working sees it: a group of works run together through the phases,
its coupling decisions and its phase log (PRODUCT.md C1, C3). Typed records, read from and written to
plain rows; no I/O."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from koppelkans.domain.vocabulary import (
    DECIDED_COUPLING_STATUSES,
    CouplingKind,
    CouplingStatus,
    GateOutcome,
    Phase,
    ProjectType,
)

__all__ = [
    "CouplingDecision",
    "GateDecision",
    "Project",
    "ProjectCoupling",
    "couplings_of_works",
    "members_of",
]


def _none(value: Any) -> Any:
    """None for missing values (None, NaN, NA), else the value."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value


@dataclass(frozen=True, kw_only=True)
class Project:
    """A project: its works, type, leading party and the phase it is in."""

    id: str
    name: str | None = None
    project_type: ProjectType
    phase: Phase
    leading_party: str | None = None
    work_ids: tuple[str, ...]
    area_code: str | None = None
    created_at: str
    created_by: str
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Project:
        return cls(
            id=str(row["id"]),
            name=_none(row.get("name")),
            project_type=ProjectType(row["project_type"]),
            phase=Phase(row["phase"]),
            leading_party=_none(row.get("leading_party")),
            work_ids=tuple(w for w in str(row.get("work_ids") or "").split(";") if w),
            area_code=_none(row.get("area_code")),
            created_at=str(row["created_at"]),
            created_by=str(row["created_by"]),
            attributes=dict(row.get("attributes") or {}),
        )

    def as_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "project_type": self.project_type.value,
            "phase": self.phase.value,
            "leading_party": self.leading_party,
            "work_ids": ";".join(self.work_ids),
            "area_code": self.area_code,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "attributes": dict(self.attributes),
        }


@dataclass(frozen=True, kw_only=True)
class ProjectCoupling:
    """A coupling (a finding of the coupling engine) that concerns a project's works."""

    id: str
    kind: CouplingKind
    members: tuple[tuple[str, str], ...]
    """(type, id) of every member: work, asset or task."""
    window: tuple[int, int] | None = None
    saving_eur: float = 0.0
    explanation_nl: str = ""
    explanation_en: str = ""

    def explanation(self, language: str) -> str:
        return self.explanation_en if language == "en" else self.explanation_nl


@dataclass(frozen=True, kw_only=True)
class CouplingDecision:
    """Where a project stands on one coupling, with the reason, who decided and when."""

    project_id: str
    coupling_id: str
    coupling_kind: CouplingKind
    status: CouplingStatus
    reason: str | None
    members: tuple[str, ...] = ()
    decided_at: str
    decided_by: str

    @property
    def decided(self) -> bool:
        return self.status in DECIDED_COUPLING_STATUSES

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CouplingDecision:
        return cls(
            project_id=str(row["project_id"]),
            coupling_id=str(row["coupling_id"]),
            coupling_kind=CouplingKind(row["coupling_kind"]),
            status=CouplingStatus(row["status"]),
            reason=_none(row.get("reason")),
            members=tuple(json.loads(row["members"])) if _none(row.get("members")) else (),
            decided_at=str(row["decided_at"]),
            decided_by=str(row["decided_by"]),
        )

    def as_row(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "coupling_id": self.coupling_id,
            "coupling_kind": self.coupling_kind.value,
            "status": self.status.value,
            "reason": self.reason,
            "members": json.dumps(list(self.members), ensure_ascii=False),
            "decided_at": self.decided_at,
            "decided_by": self.decided_by,
        }


@dataclass(frozen=True, kw_only=True)
class GateDecision:
    """One entry of a project's phase log: the move, its outcome, who decided, when, and why if overridden."""

    project_id: str
    from_phase: Phase | None
    to_phase: Phase
    outcome: GateOutcome
    decided_at: str
    decided_by: str
    override_reason: str | None = None
    undecided: tuple[str, ...] = ()
    """Couplings passed undecided (an override names them for the record)."""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> GateDecision:
        return cls(
            project_id=str(row["project_id"]),
            from_phase=Phase(row["from_phase"]) if _none(row.get("from_phase")) else None,
            to_phase=Phase(row["to_phase"]),
            outcome=GateOutcome(row["outcome"]),
            decided_at=str(row["decided_at"]),
            decided_by=str(row["decided_by"]),
            override_reason=_none(row.get("override_reason")),
            undecided=tuple(json.loads(row["undecided"])) if _none(row.get("undecided")) else (),
        )

    def as_row(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "from_phase": None if self.from_phase is None else self.from_phase.value,
            "to_phase": self.to_phase.value,
            "outcome": self.outcome.value,
            "decided_at": self.decided_at,
            "decided_by": self.decided_by,
            "override_reason": self.override_reason,
            "undecided": json.dumps(list(self.undecided)) if self.undecided else None,
        }


def members_of(value: Any) -> tuple[tuple[str, str], ...]:
    """The members of a finding as (type, id) pairs, whether stored (JSON text) or fresh from the engine."""
    if isinstance(value, str):
        value = json.loads(value)
    pairs = []
    for member in value:
        if isinstance(member, Mapping):
            pairs.append((str(member["type"]), str(member["id"])))
        else:
            kind, id_ = member
            pairs.append((str(kind), str(id_)))
    return tuple(pairs)


def couplings_of_works(couplings: pd.DataFrame, work_ids: Iterable[str]) -> list[ProjectCoupling]:
    """The couplings with at least one of these works among their members, in the engine's order."""
    wanted = set(work_ids)
    found = []
    for row in couplings.to_dict("records"):
        members = members_of(row["members"])
        if not any(kind == "work" and id_ in wanted for kind, id_ in members):
            continue
        start, end = _none(row.get("window_start")), _none(row.get("window_end"))
        found.append(
            ProjectCoupling(
                id=str(row["id"]),
                kind=CouplingKind(row["kind"]),
                members=members,
                window=None if start is None else (int(start), int(end if end is not None else start)),
                saving_eur=float(_none(row.get("saving_eur")) or 0.0),
                explanation_nl=str(row.get("explanation_nl") or ""),
                explanation_en=str(row.get("explanation_en") or ""),
            )
        )
    return found
