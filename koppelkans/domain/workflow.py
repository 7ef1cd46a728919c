"""The coupling workflow (PRODUCT.md C3) as a pure state machine: proposed → under review → accepted /
declined (with a reason) → realised, each member organisation responding, a deadline per step after which
the coupling escalates to the coordinator, and the agreed cost split. Time is an argument (`now`), so the
deadlines are tested with a controllable clock.

The deadlines follow Flanders' GIPOD synergy procedure: members respond within 15 days of the proposal
(the review step shares that deadline: answering does not extend it), and an accepted coupling is realised
(its works combined) within 45 days. Both are settings (`coupling_respond_days`, `coupling_realise_days`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from koppelkans.domain.audit import timestamp
from koppelkans.domain.vocabulary import CouplingStatus, Vocabulary
from koppelkans.errors import InputError, WorkflowRefused

__all__ = [
    "Answer",
    "CouplingWorkflow",
    "Deadlines",
    "MemberResponse",
    "Step",
    "days_left",
    "escalate",
    "is_overdue",
    "open_steps",
    "propose",
    "realise",
    "respond",
    "split_costs",
]

_SHARE_TOLERANCE = 0.01
"""How far the shares of a cost split may sum from 100 % (rounding of percentages with decimals)."""


class Answer(Vocabulary):
    ACCEPT = "accept"
    DECLINE = "decline"


class Step(Vocabulary):
    """A step taken on a proposed coupling (proposing it opens the workflow; escalating depends on the clock)."""

    RESPOND = "respond"
    COST_SPLIT = "cost_split"
    REALISE = "realise"


_OPEN_STEPS: dict[CouplingStatus, frozenset[Step]] = {
    CouplingStatus.PROPOSED: frozenset({Step.RESPOND, Step.COST_SPLIT}),
    CouplingStatus.UNDER_REVIEW: frozenset({Step.RESPOND, Step.COST_SPLIT}),
    CouplingStatus.ACCEPTED: frozenset({Step.COST_SPLIT, Step.REALISE}),
    CouplingStatus.DECLINED: frozenset(),
    CouplingStatus.REALISED: frozenset(),
}
"""The steps each status allows: members respond while it is proposed or under review, the cost split
may change until it is declined or realised, and only an accepted coupling is realised."""


@dataclass(frozen=True, kw_only=True)
class Deadlines:
    """Days allowed per step (GIPOD synergy procedure: 15 to respond, 45 to realise after acceptance)."""

    respond_days: int = 15
    realise_days: int = 45


@dataclass(frozen=True, kw_only=True)
class MemberResponse:
    """One member organisation's answer to a proposed coupling."""

    organisation: str
    answer: Answer
    reason: str | None
    at: str
    by: str

    def as_dict(self) -> dict[str, Any]:
        return {"answer": self.answer.value, "reason": self.reason, "at": self.at, "by": self.by}


@dataclass(frozen=True, kw_only=True)
class CouplingWorkflow:
    """Where a coupling stands between its member organisations."""

    coupling_id: str
    members: tuple[str, ...]
    status: CouplingStatus
    proposed_at: str
    proposed_by: str
    deadline: str | None
    escalated: bool = False
    escalated_at: str | None = None
    responses: Mapping[str, MemberResponse] = field(default_factory=dict)
    cost_split: Mapping[str, float] = field(default_factory=dict)
    realised_at: str | None = None

    @property
    def waiting_for(self) -> tuple[str, ...]:
        """Members that have not answered yet."""
        return tuple(m for m in self.members if m not in self.responses)

    def as_row(self) -> dict[str, Any]:
        """The workflow as JSON-ready values (its stored row; responses and split as objects)."""
        return {
            "coupling_id": self.coupling_id,
            "members": list(self.members),
            "status": self.status.value,
            "proposed_at": self.proposed_at,
            "proposed_by": self.proposed_by,
            "deadline": self.deadline,
            "escalated": self.escalated,
            "escalated_at": self.escalated_at,
            "responses": {org: r.as_dict() for org, r in self.responses.items()},
            "cost_split": dict(self.cost_split),
            "realised_at": self.realised_at,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CouplingWorkflow:
        responses = {
            org: MemberResponse(
                organisation=org, answer=Answer(r["answer"]), reason=r["reason"], at=r["at"], by=r["by"]
            )
            for org, r in (row.get("responses") or {}).items()
        }
        return cls(
            coupling_id=row["coupling_id"],
            members=tuple(row["members"]),
            status=CouplingStatus(row["status"]),
            proposed_at=row["proposed_at"],
            proposed_by=row["proposed_by"],
            deadline=row.get("deadline"),
            escalated=bool(row.get("escalated")),
            escalated_at=row.get("escalated_at"),
            responses=responses,
            cost_split={org: float(share) for org, share in (row.get("cost_split") or {}).items()},
            realised_at=row.get("realised_at"),
        )


def open_steps(workflow: CouplingWorkflow) -> frozenset[Step]:
    """The steps the workflow's status allows now (each step checks it; the web app offers only these)."""
    return _OPEN_STEPS[workflow.status]


def _after(now: datetime, days: int) -> str:
    return timestamp(now + timedelta(days=days))


def propose(
    coupling_id: str, members: Sequence[str], *, now: datetime, by: str, deadlines: Deadlines
) -> CouplingWorkflow:
    """Open the workflow of a coupling between at least two organisations; they respond within the deadline."""
    distinct = tuple(dict.fromkeys(members))
    if len(distinct) < 2:
        raise WorkflowRefused(
            f"coupling {coupling_id} has {len(distinct)} member organisation(s); a coupling needs two or more",
            record=coupling_id,
            field="members",
        )
    return CouplingWorkflow(
        coupling_id=coupling_id,
        members=distinct,
        status=CouplingStatus.PROPOSED,
        proposed_at=timestamp(now),
        proposed_by=by,
        deadline=_after(now, deadlines.respond_days),
    )


def respond(
    workflow: CouplingWorkflow,
    organisation: str,
    answer: Answer | str,
    *,
    reason: str | None,
    now: datetime,
    by: str,
    deadlines: Deadlines,
) -> CouplingWorkflow:
    """Record a member's answer: accepted when all accepted, declined as soon as one declines (with a reason)."""
    record = workflow.coupling_id
    try:
        answer = Answer(answer)
    except ValueError:
        raise InputError(
            f"unknown answer {answer!r}; expected one of {', '.join(Answer.codes())}", record=record, field="answer"
        ) from None
    if Step.RESPOND not in open_steps(workflow):
        raise WorkflowRefused(
            f"coupling {record} is {workflow.status.value}; members respond while it is proposed or under review",
            record=record,
            field="status",
        )
    if organisation not in workflow.members:
        raise InputError(
            f"{organisation} is not a member of coupling {record} (members: {', '.join(workflow.members)})",
            record=record,
            field="organisation",
        )
    reason = (reason or "").strip() or None
    if answer is Answer.DECLINE and reason is None:
        raise InputError(f"coupling {record}: declining needs a reason", record=record, field="reason")
    responses = {
        **workflow.responses,
        organisation: MemberResponse(organisation=organisation, answer=answer, reason=reason, at=timestamp(now), by=by),
    }
    changed = replace(workflow, responses=responses)
    if answer is Answer.DECLINE:
        return replace(changed, status=CouplingStatus.DECLINED, deadline=None)
    if not changed.waiting_for:  # a new step with its own deadline: it may escalate again
        accepted = replace(changed, status=CouplingStatus.ACCEPTED, deadline=_after(now, deadlines.realise_days))
        return replace(accepted, escalated=False, escalated_at=None)
    return replace(changed, status=CouplingStatus.UNDER_REVIEW)


def split_costs(workflow: CouplingWorkflow, shares: Mapping[str, float]) -> CouplingWorkflow:
    """Record the agreed cost split: a share in % per member organisation, summing to 100 %."""
    record = workflow.coupling_id
    if Step.COST_SPLIT not in open_steps(workflow):
        raise WorkflowRefused(
            f"coupling {record} is {workflow.status.value}; its cost split can no longer change",
            record=record,
            field="status",
        )
    for org, share in shares.items():
        if org not in workflow.members:
            raise InputError(
                f"{org} is not a member of coupling {record} (members: {', '.join(workflow.members)})",
                record=record,
                field=f"cost_split.{org}",
            )
        if not math.isfinite(share) or share < 0 or share > 100:
            raise InputError(
                f"the share of {org} must be a percentage from 0 to 100, got {share}",
                record=record,
                field=f"cost_split.{org}",
            )
    total = sum(shares.values())
    if abs(total - 100.0) > _SHARE_TOLERANCE:
        raise InputError(
            f"the shares of coupling {record} sum to {total:g} %, not 100 %", record=record, field="cost_split"
        )
    return replace(workflow, cost_split=dict(shares))


def realise(workflow: CouplingWorkflow, *, now: datetime) -> CouplingWorkflow:
    """Mark an accepted coupling as realised (its works carried out together); needs the agreed cost split."""
    record = workflow.coupling_id
    if Step.REALISE not in open_steps(workflow):
        raise WorkflowRefused(
            f"coupling {record} is {workflow.status.value}; only an accepted coupling can be realised",
            record=record,
            field="status",
        )
    if not workflow.cost_split:
        raise InputError(
            f"coupling {record}: record the agreed cost split before realising it", record=record, field="cost_split"
        )
    return replace(workflow, status=CouplingStatus.REALISED, realised_at=timestamp(now), deadline=None)


def is_overdue(workflow: CouplingWorkflow, now: datetime) -> bool:
    """Whether the current step's deadline has passed (declined and realised couplings have none)."""
    return workflow.deadline is not None and timestamp(now) > workflow.deadline


def days_left(workflow: CouplingWorkflow, now: datetime) -> int | None:
    """Calendar days (UTC) from `now` to the current step's deadline: 0 on its day, negative after it; None
    when the coupling has no deadline (declined, realised)."""
    if workflow.deadline is None:
        return None
    return (datetime.fromisoformat(workflow.deadline).date() - now.astimezone(UTC).date()).days


def escalate(workflow: CouplingWorkflow, now: datetime) -> CouplingWorkflow | None:
    """The workflow escalated to the coordinator when its current step is overdue and was not escalated yet,
    else None (accepting starts the realise step, which may escalate in its turn)."""
    if workflow.escalated or not is_overdue(workflow, now):
        return None
    return replace(workflow, escalated=True, escalated_at=timestamp(now))
