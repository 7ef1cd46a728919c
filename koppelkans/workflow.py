"""Use case: run a coupling through its workflow (C3) in the store: propose it to its member organisations,
record their responses and the cost split, realise it, and escalate what is overdue. The rules are in
`koppelkans.domain.workflow`; this module reads the coupling, locks its workflow, applies a step and writes
it (with an event) in one transaction. `now` is an argument everywhere, so a clock can be set in tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from koppelkans.access import Action, Principal, may
from koppelkans.config import Settings
from koppelkans.domain.audit import timestamp
from koppelkans.domain.findings import members_from_text
from koppelkans.domain.records import KINDS
from koppelkans.domain.workflow import (
    CouplingWorkflow,
    Deadlines,
    Step,
    days_left,
    escalate,
    is_overdue,
    open_steps,
    propose,
    realise,
    respond,
    split_costs,
)
from koppelkans.errors import InputError, NotFound, WorkflowRefused
from koppelkans.notifications import announce_escalations
from koppelkans.store import SYSTEM_ACTOR, Repository

__all__ = [
    "coupling_members",
    "deadline_of",
    "escalate_overdue",
    "parse_shares",
    "propose_coupling",
    "realise_coupling",
    "respond_to_coupling",
    "split_coupling_costs",
    "steps_for",
    "workflow_as_json",
    "workflow_of",
]

_MEMBER_KINDS = {"work": "works", "asset": "assets", "due_asset": "assets", "task": "tasks"}


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def deadlines_from(settings: Settings) -> Deadlines:
    return Deadlines(respond_days=settings.coupling_respond_days, realise_days=settings.coupling_realise_days)


def coupling_members(store: Repository, coupling_id: str) -> list[str]:
    """The organisations of a stored coupling's members (its works, assets, tasks), in order of appearance."""
    couplings = store.read_findings("couplings")
    found = couplings[couplings["id"] == coupling_id]
    if found.empty:
        raise NotFound(
            f"no coupling {coupling_id!r}; run `koppelkans couplings` to find them", record=coupling_id, field="id"
        )
    members = members_from_text(found.iloc[0]["members"])
    ids_by_kind: dict[str, list[str]] = {}
    for member in members:
        kind = _MEMBER_KINDS.get(member["type"], f"{member['type']}s")
        if kind in KINDS and "organisation" in KINDS[kind].column_names:
            ids_by_kind.setdefault(kind, []).append(member["id"])
    organisations: list[str] = []
    for kind, ids in ids_by_kind.items():
        organisations += [o for o in store.read(kind, ids=ids)["organisation"] if o]
    return list(dict.fromkeys(organisations))


def workflow_of(store: Repository, coupling_id: str) -> CouplingWorkflow:
    """A coupling's workflow; NotFound when it was never proposed."""
    rows = store.read_coupling_workflows(ids=[coupling_id])
    if not rows:
        raise NotFound(
            f"coupling {coupling_id} has not been proposed; `koppelkans coupling propose {coupling_id}`",
            record=coupling_id,
            field="coupling_id",
        )
    return CouplingWorkflow.from_row(rows[0])


def _step(
    store: Repository,
    coupling_id: str,
    change: Any,
    *,
    event: str,
    detail: Mapping[str, Any],
    actor: str,
    now: datetime,
) -> CouplingWorkflow:
    """Apply `change` to the locked workflow and store the result with its event, all-or-nothing."""
    with store.transaction(actor=actor) as tx:
        row = tx.read_coupling_workflow_for_update(coupling_id)
        if row is None:
            workflow_of(store, coupling_id)  # raises NotFound with the advice
        changed = change(CouplingWorkflow.from_row(row))
        tx.save_coupling_workflow(changed.as_row())
        tx.log_coupling_event(coupling_id, event, {**detail, "status": changed.status.value}, at=timestamp(now))
    return changed


def propose_coupling(
    store: Repository,
    coupling_id: str,
    *,
    actor: str = SYSTEM_ACTOR,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> CouplingWorkflow:
    """Propose a found coupling to its member organisations; they have `coupling_respond_days` to respond."""
    settings, now = settings or Settings(), _now(now)
    store.require_current_schema()
    members = coupling_members(store, coupling_id)
    workflow = propose(coupling_id, members, now=now, by=actor, deadlines=deadlines_from(settings))
    with store.transaction(actor=actor) as tx:
        if tx.read_coupling_workflow_for_update(coupling_id) is not None:
            raise WorkflowRefused(f"coupling {coupling_id} is already proposed", record=coupling_id, field="status")
        tx.save_coupling_workflow(workflow.as_row())
        tx.log_coupling_event(coupling_id, "proposed", {"members": list(workflow.members)}, at=timestamp(now))
    return workflow


def respond_to_coupling(
    store: Repository,
    coupling_id: str,
    organisation: str,
    answer: str,
    *,
    reason: str | None = None,
    actor: str = SYSTEM_ACTOR,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> CouplingWorkflow:
    """Record a member organisation's answer (accept, or decline with a reason)."""
    settings, now = settings or Settings(), _now(now)
    deadlines = deadlines_from(settings)
    return _step(
        store,
        coupling_id,
        lambda w: respond(w, organisation, answer, reason=reason, now=now, by=actor, deadlines=deadlines),
        event="responded",
        detail={"organisation": organisation, "answer": answer, "reason": reason},
        actor=actor,
        now=now,
    )


def parse_shares(pairs: list[str]) -> dict[str, float]:
    """`ORG=SHARE` arguments (share in %, `%` optional) as a mapping; the error names the bad pair."""
    shares: dict[str, float] = {}
    for pair in pairs:
        org, sep, value = pair.partition("=")
        try:
            if not sep or not org.strip():
                raise ValueError
            shares[org.strip()] = float(value.strip().removesuffix("%"))
        except ValueError:
            raise InputError(f"{pair!r} is not ORG=SHARE (a percentage)", field=f"cost_split.{org.strip()}") from None
    return shares


def split_coupling_costs(
    store: Repository,
    coupling_id: str,
    shares: Mapping[str, float],
    *,
    actor: str = SYSTEM_ACTOR,
    now: datetime | None = None,
) -> CouplingWorkflow:
    """Record the agreed cost split (shares per member organisation in %, summing to 100)."""
    return _step(
        store,
        coupling_id,
        lambda w: split_costs(w, shares),
        event="cost_split",
        detail={"shares": dict(shares)},
        actor=actor,
        now=_now(now),
    )


def realise_coupling(
    store: Repository, coupling_id: str, *, actor: str = SYSTEM_ACTOR, now: datetime | None = None
) -> CouplingWorkflow:
    """Mark an accepted coupling (with its cost split) as realised."""
    now = _now(now)
    return _step(store, coupling_id, lambda w: realise(w, now=now), event="realised", detail={}, actor=actor, now=now)


def escalate_overdue(
    store: Repository,
    *,
    actor: str = SYSTEM_ACTOR,
    settings: Settings | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[CouplingWorkflow]:
    """Escalate to the coordinator every coupling whose step is overdue (once each): flag + `escalated` event;
    then tell of every escalation not yet told: the coordinators by e-mail, subscribers by webhook (once each)."""
    now = _now(now)
    store.require_current_schema()
    due = [CouplingWorkflow.from_row(r) for r in store.read_coupling_workflows()]
    escalated = []
    for workflow in due:
        if escalate(workflow, now) is None:
            continue
        detail = {"deadline": workflow.deadline, "waiting_for": list(workflow.waiting_for)}
        escalated.append(
            _step(
                store,
                workflow.coupling_id,
                lambda w: escalate(w, now) or w,
                event="escalated",
                detail=detail,
                actor=actor,
                now=now,
            )
        )
    announce_escalations(store, settings=settings, sleep=sleep, actor=actor, now=now)
    return escalated


def workflow_as_json(store: Repository, workflow: CouplingWorkflow, *, now: datetime | None = None) -> dict[str, Any]:
    """The JSON of a coupling's workflow: its row, whom it waits for, whether it is overdue, and its events."""
    return {
        **workflow.as_row(),
        "waiting_for": list(workflow.waiting_for),
        "overdue": is_overdue(workflow, _now(now)),
        "events": store.read_coupling_events(coupling_id=workflow.coupling_id),
    }


def steps_for(
    principal: Principal, workflow: CouplingWorkflow | None, *, now: datetime | None = None
) -> dict[str, Any]:
    """What `principal` may do on a coupling now (the web app offers only these; every step checks again):
    propose it, answer for which member organisations, record the cost split, realise it, escalate it."""
    run = may(principal, Action.RUN, "couplings")
    if workflow is None:
        return {"propose": run, "respond": [], "cost_split": False, "realise": False, "escalate": False}
    steps = open_steps(workflow)
    respond_for = [m for m in workflow.members if may(principal, Action.CREATE, "coupling_responses", m)]
    return {
        "propose": False,
        "respond": respond_for if Step.RESPOND in steps else [],
        "cost_split": run and Step.COST_SPLIT in steps,
        "realise": run and Step.REALISE in steps,
        "escalate": run and escalate(workflow, _now(now)) is not None,
    }


def deadline_of(workflow: CouplingWorkflow, *, now: datetime | None = None) -> dict[str, Any]:
    """The current step's deadline for a page: when, how many days are left (negative: late), overdue or not."""
    now = _now(now)
    return {"deadline": workflow.deadline, "days_left": days_left(workflow, now), "overdue": is_overdue(workflow, now)}
