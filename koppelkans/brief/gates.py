"""The gate rule (PRODUCT.md C1): a project may not pass a gate while couplings whose last chance that
gate is are still undecided, unless someone overrides it with a reason, which the phase log keeps.

Pure: the project, its couplings and its decisions in; a check, a log entry or a refusal out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from koppelkans.brief.phases import LAST_CHANCE, phases_passed, position_of
from koppelkans.brief.project import CouplingDecision, GateDecision, Project, ProjectCoupling
from koppelkans.domain.vocabulary import GateOutcome, Phase
from koppelkans.errors import InputError, KoppelkansError

__all__ = ["GateCheck", "GateRefused", "gate_check", "gate_decision", "open_couplings"]


@dataclass(frozen=True, kw_only=True)
class GateCheck:
    """What moving a project to `target` means: the gates it passes and the couplings that block it."""

    project: Project
    target: Phase
    passed: tuple[Phase, ...]
    """The phases whose gates the move passes (empty when it goes back)."""
    blocking: tuple[tuple[ProjectCoupling, Phase], ...]
    """Undecided couplings with the phase whose gate was their last chance."""

    @property
    def forward(self) -> bool:
        return position_of(self.target) > position_of(self.project.phase)

    @property
    def allowed(self) -> bool:
        return not self.blocking


class GateRefused(KoppelkansError):
    """A project cannot pass a gate: couplings that this gate was the last chance for are undecided."""

    code = "gate_refused"
    http_status = 409
    exit_code = 6

    def __init__(self, check: GateCheck) -> None:
        self.check = check
        project = check.project
        kinds = sorted({coupling.kind.value for coupling, _ in check.blocking})
        listed = "; ".join(_describe(coupling, phase) for coupling, phase in check.blocking)
        n = len(check.blocking)
        message = (
            f"project {project.id} cannot move from {project.phase.value} to {check.target.value}: "
            f"{n} coupling{'s' if n > 1 else ''} ({', '.join(kinds)}) "
            f"{'are' if n > 1 else 'is'} undecided and the gate passed was the last chance to decide "
            f"{'them' if n > 1 else 'it'}: {listed}. Decide each with `koppelkans project decide {project.id} "
            f"COUPLING --accept|--decline --reason TEXT`, or pass with --override REASON"
        )
        super().__init__(message, record=project.id, field="phase")

    def as_dict(self) -> dict[str, Any]:
        payload = super().as_dict()
        payload["error"]["undecided"] = [
            {
                "coupling": coupling.id,
                "kind": coupling.kind.value,
                "last_phase": phase.value,
                "members": [{"type": t, "id": i} for t, i in coupling.members],
                "saving_eur": coupling.saving_eur,
            }
            for coupling, phase in self.check.blocking
        ]
        return payload


def _describe(coupling: ProjectCoupling, phase: Phase) -> str:
    others = ", ".join(i for _, i in coupling.members[:3]) + (" …" if len(coupling.members) > 3 else "")
    saving = f"saving € {coupling.saving_eur:,.0f}"
    return f"{coupling.kind.value} {coupling.id} (last chance: {phase.value} gate; {others}; {saving})"


def open_couplings(
    couplings: Iterable[ProjectCoupling], decisions: Mapping[str, CouplingDecision]
) -> list[ProjectCoupling]:
    """The couplings without a decision (accepted, declined or realised)."""
    return [c for c in couplings if c.id not in decisions or not decisions[c.id].decided]


def gate_check(
    project: Project,
    target: Phase | str,
    couplings: Iterable[ProjectCoupling],
    decisions: Mapping[str, CouplingDecision],
) -> GateCheck:
    """Which gates moving `project` to `target` passes, and which undecided couplings had their last chance there."""
    try:
        target = Phase(target)
    except ValueError:
        raise InputError(
            f"project {project.id}: unknown phase {target!r}; expected one of {', '.join(Phase.codes())}",
            record=project.id,
            field="phase",
        ) from None
    if target == project.phase:
        raise InputError(f"project {project.id} is already in phase {target.value}", record=project.id, field="phase")
    passed = tuple(spec.phase for spec in phases_passed(project.phase, target))
    blocking = tuple(
        (coupling, LAST_CHANCE[coupling.kind])
        for coupling in open_couplings(couplings, decisions)
        if LAST_CHANCE.get(coupling.kind) in passed
    )
    return GateCheck(project=project, target=target, passed=passed, blocking=blocking)


def gate_decision(check: GateCheck, *, by: str, at: str, override_reason: str | None = None) -> GateDecision:
    """The phase-log entry of a move; refuses (GateRefused) a blocked move unless it is overridden with a reason."""
    reason = (override_reason or "").strip() or None
    if override_reason is not None and reason is None:
        raise InputError(
            f"project {check.project.id}: an override needs a reason", record=check.project.id, field="override"
        )
    if not check.allowed and reason is None:
        raise GateRefused(check)
    if not check.forward:
        outcome = GateOutcome.REOPENED
    elif check.allowed:
        outcome = GateOutcome.PASSED
    else:
        outcome = GateOutcome.OVERRIDDEN
    return GateDecision(
        project_id=check.project.id,
        from_phase=check.project.phase,
        to_phase=check.target,
        outcome=outcome,
        decided_at=at,
        decided_by=by,
        override_reason=reason,
        undecided=tuple(coupling.id for coupling, _ in check.blocking),
    )
