"""`/api/couplings/{coupling_id}/workflow`: a coupling through its workflow between its member organisations (C3).

The responding organisation is a field of the request body for now; once requests are authenticated it is
the acting user's organisation (a coordinator may still answer for another).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from koppelkans.access import Action, require
from koppelkans.api.deps import ActorDep, PrincipalDep, SettingsDep, StoreDep
from koppelkans.api.errors import ERROR_RESPONSES, documented_error
from koppelkans.workflow import (
    escalate_overdue,
    propose_coupling,
    realise_coupling,
    respond_to_coupling,
    split_coupling_costs,
    workflow_as_json,
    workflow_of,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/couplings", tags=["coupling workflow"])

STEP_RESPONSES = {**ERROR_RESPONSES, 409: documented_error("The coupling's status does not allow this step")}


class ResponseBody(BaseModel):
    """A member organisation's answer to a proposed coupling."""

    model_config = ConfigDict(extra="forbid")
    organisation: str = Field(description="code of the responding member organisation")
    answer: Literal["accept", "decline"]
    reason: str | None = Field(default=None, description="why; required to decline")


class CostSplitBody(BaseModel):
    """The agreed split of the coupling's cost between its members."""

    model_config = ConfigDict(extra="forbid")
    shares: dict[str, float] = Field(description="share in % per member organisation code, summing to 100")


@router.get("/{coupling_id}/workflow", response_class=JSONResponse, responses=ERROR_RESPONSES, name="read_workflow")
def read_workflow(coupling_id: str, store: StoreDep) -> dict[str, Any]:
    """Where the coupling stands: status, deadline, escalation, responses, cost split and its events."""
    return workflow_as_json(store, workflow_of(store, coupling_id))


@router.post(
    "/{coupling_id}/workflow",
    response_class=JSONResponse,
    responses=STEP_RESPONSES,
    status_code=201,
    name="propose_coupling",
)
def propose(
    coupling_id: str, store: StoreDep, settings: SettingsDep, actor: ActorDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Propose a found coupling to its member organisations (the organisations of its works, assets, tasks)."""
    require(principal, Action.RUN, "couplings", record=coupling_id)
    return workflow_as_json(store, propose_coupling(store, coupling_id, actor=actor, settings=settings))


@router.post("/{coupling_id}/workflow/responses", response_class=JSONResponse, responses=STEP_RESPONSES, name="respond")
def respond(
    coupling_id: str,
    body: ResponseBody,
    store: StoreDep,
    settings: SettingsDep,
    actor: ActorDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """A member's answer: all accept → accepted; one declines (with a reason) → declined. An editor answers
    for its own organisation, a coordinator for any."""
    require(principal, Action.CREATE, "coupling_responses", body.organisation, record=coupling_id)
    workflow = respond_to_coupling(
        store, coupling_id, body.organisation, body.answer, reason=body.reason, actor=actor, settings=settings
    )
    return workflow_as_json(store, workflow)


@router.put(
    "/{coupling_id}/workflow/cost-split", response_class=JSONResponse, responses=STEP_RESPONSES, name="split_costs"
)
def split(
    coupling_id: str, body: CostSplitBody, store: StoreDep, actor: ActorDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Record the agreed cost split; a bad share is named in the error's field (`cost_split.ORG`)."""
    require(principal, Action.RUN, "couplings", record=coupling_id)
    return workflow_as_json(store, split_coupling_costs(store, coupling_id, body.shares, actor=actor))


@router.post("/{coupling_id}/workflow/realise", response_class=JSONResponse, responses=STEP_RESPONSES, name="realise")
def realise(coupling_id: str, store: StoreDep, actor: ActorDep, principal: PrincipalDep) -> dict[str, Any]:
    """Mark an accepted coupling (with its cost split) as realised."""
    require(principal, Action.RUN, "couplings", record=coupling_id)
    return workflow_as_json(store, realise_coupling(store, coupling_id, actor=actor))


@router.post("/escalate", response_class=JSONResponse, responses=ERROR_RESPONSES, name="escalate_overdue")
def escalate(store: StoreDep, settings: SettingsDep, actor: ActorDep, principal: PrincipalDep) -> dict[str, Any]:
    """Escalate every coupling past its step's deadline to the coordinator (each once); the coordinators are
    e-mailed and the subscriptions concerned get an `escalation` webhook event (each once)."""
    require(principal, Action.RUN, "couplings")
    return {"escalated": [w.as_row() for w in escalate_overdue(store, actor=actor, settings=settings)]}
