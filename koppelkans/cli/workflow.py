"""`koppelkans coupling …`: a found coupling through its workflow between the member organisations (C3)."""

from __future__ import annotations

from datetime import datetime

import typer

from koppelkans.access import Action
from koppelkans.cli.shell import context_of, emit_json, fail
from koppelkans.domain.audit import moment_of
from koppelkans.domain.workflow import Answer, CouplingWorkflow
from koppelkans.errors import KoppelkansError
from koppelkans.store import Repository
from koppelkans.workflow import (
    escalate_overdue,
    parse_shares,
    propose_coupling,
    realise_coupling,
    respond_to_coupling,
    split_coupling_costs,
    workflow_as_json,
    workflow_of,
)

__all__ = ["add_commands"]

_NOW_HELP = "act as if it were this moment (ISO 8601, UTC default): for replaying and tests"


def _moment(now: str | None) -> datetime | None:
    """The `--now` option as a moment (None: the real clock)."""
    return None if now is None else datetime.fromisoformat(moment_of(now, field="now"))


def _show(store: Repository, workflow: CouplingWorkflow, *, as_json: bool, now: datetime | None = None) -> None:
    payload = workflow_as_json(store, workflow, now=now)
    if as_json:
        emit_json(payload)
        return
    flag = "  ESCALATED to the coordinator" if payload["escalated"] else ""
    typer.echo(f"{payload['coupling_id']}: {payload['status']}{flag}")
    if payload["deadline"]:
        typer.echo(f"  deadline {payload['deadline']}" + ("  (overdue)" if payload["overdue"] else ""))
    for org in payload["members"]:
        response = payload["responses"].get(org)
        answer = "—" if response is None else response["answer"]
        if response is not None and response["reason"]:
            answer += f": {response['reason']}"
        share = payload["cost_split"].get(org)
        typer.echo(f"  {org:<20} {answer}" + ("" if share is None else f"  ({share:g} % of the cost)"))


def coupling_propose(
    ctx: typer.Context,
    coupling_id: str = typer.Argument(..., metavar="ID", help="a coupling found by `koppelkans couplings`"),
    now: str = typer.Option(None, "--now", help=_NOW_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Propose a coupling to its member organisations (they respond within the deadline)."""
    context = context_of(ctx)
    with context.authorised(Action.RUN, "couplings", as_json=as_json) as (store, principal):
        moment = _moment(now)
        workflow = propose_coupling(store, coupling_id, actor=principal.actor, settings=context.settings, now=moment)
    _show(store, workflow, as_json=as_json, now=moment)


def coupling_respond(
    ctx: typer.Context,
    coupling_id: str = typer.Argument(..., metavar="ID"),
    answer: Answer = typer.Argument(..., help="accept or decline"),
    organisation: str = typer.Option(..., "--org", help="the responding member organisation's code"),
    reason: str = typer.Option(None, "--reason", help="why (required to decline)"),
    now: str = typer.Option(None, "--now", help=_NOW_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record a member organisation's answer: all accept → accepted; one declines → declined."""
    context = context_of(ctx)
    with context.authorised(Action.CREATE, "coupling_responses", organisation, as_json=as_json) as (store, principal):
        moment = _moment(now)
        workflow = respond_to_coupling(
            store,
            coupling_id,
            organisation,
            answer.value,
            reason=reason,
            actor=principal.actor,
            settings=context.settings,
            now=moment,
        )
    _show(store, workflow, as_json=as_json, now=moment)


def coupling_split(
    ctx: typer.Context,
    coupling_id: str = typer.Argument(..., metavar="ID"),
    shares: list[str] = typer.Argument(..., metavar="ORG=SHARE…", help="each member's share of the cost in %"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record the agreed cost split between the members (shares in %, summing to 100)."""
    with context_of(ctx).authorised(Action.RUN, "couplings", as_json=as_json) as (store, principal):
        workflow = split_coupling_costs(store, coupling_id, parse_shares(shares), actor=principal.actor)
    _show(store, workflow, as_json=as_json)


def coupling_realise(
    ctx: typer.Context,
    coupling_id: str = typer.Argument(..., metavar="ID"),
    now: str = typer.Option(None, "--now", help=_NOW_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Mark an accepted coupling (with its cost split) as realised."""
    with context_of(ctx).authorised(Action.RUN, "couplings", as_json=as_json) as (store, principal):
        moment = _moment(now)
        workflow = realise_coupling(store, coupling_id, actor=principal.actor, now=moment)
    _show(store, workflow, as_json=as_json, now=moment)


def coupling_escalate(
    ctx: typer.Context,
    now: str = typer.Option(None, "--now", help=_NOW_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Escalate every coupling past its step's deadline to the coordinator (run it daily, e.g. from cron)."""
    context = context_of(ctx)
    with context.authorised(Action.RUN, "couplings", as_json=as_json) as (store, principal):
        escalated = escalate_overdue(store, actor=principal.actor, settings=context.settings, now=_moment(now))
    if as_json:
        emit_json({"escalated": [w.as_row() for w in escalated]})
        return
    for workflow in escalated:
        typer.echo(f"escalated {workflow.coupling_id} ({workflow.status.value}, deadline {workflow.deadline})")
    typer.echo(f"{len(escalated)} coupling(s) escalated")


def coupling_status(
    ctx: typer.Context,
    coupling_id: str = typer.Argument(..., metavar="ID"),
    now: str = typer.Option(None, "--now", help=_NOW_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Where a coupling stands: status, deadline, escalation, each member's answer and share."""
    store = context_of(ctx).store()
    try:
        moment = _moment(now)
        workflow = workflow_of(store, coupling_id)
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    _show(store, workflow, as_json=as_json, now=moment)


def add_commands(app: typer.Typer) -> None:
    """Attach the `coupling` group to the main app."""
    group = typer.Typer(help="A coupling through its workflow between the member organisations.", no_args_is_help=True)
    group.command("propose")(coupling_propose)
    group.command("respond")(coupling_respond)
    group.command("split")(coupling_split)
    group.command("realise")(coupling_realise)
    group.command("escalate")(coupling_escalate)
    group.command("status")(coupling_status)
    app.add_typer(group, name="coupling")
