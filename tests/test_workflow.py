"""The coupling workflow (C3): the state machine with a controllable clock, its deadlines and escalation, the
cost split, and the same steps through the store (both back-ends), the CLI and the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from koppelkans.access import Principal, Role
from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.cli.main import app
from koppelkans.couplings import find_couplings
from koppelkans.domain.vocabulary import CouplingStatus
from koppelkans.domain.workflow import (
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
from koppelkans.errors import InputError, WorkflowRefused
from koppelkans.identity import add_user
from koppelkans.store import SqlRepository, open_store
from koppelkans.workflow import (
    escalate_overdue,
    propose_coupling,
    realise_coupling,
    respond_to_coupling,
    split_coupling_costs,
    steps_for,
)

from .api_server import ADMIN
from .register_helpers import load_roombeek

if TYPE_CHECKING:
    from .api_server import ApiServer

pytest_plugins = ["tests.api_server"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GIPOD = Deadlines(respond_days=15, realise_days=45)


def _day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def _proposed() -> object:
    return propose("MK-1", ["RIO", "WEG", "RIO"], now=T0, by="coordinator", deadlines=GIPOD)


# -- the pure state machine -------------------------------------------------------------------------
def test_proposal_waits_for_every_member_within_fifteen_days() -> None:
    workflow = _proposed()
    assert workflow.members == ("RIO", "WEG") and workflow.waiting_for == ("RIO", "WEG")
    assert workflow.status is CouplingStatus.PROPOSED
    assert workflow.deadline == "2026-03-17T09:00:00.000000+00:00"


def test_all_members_accepting_accepts_and_starts_the_realise_deadline() -> None:
    first = respond(_proposed(), "RIO", "accept", reason=None, now=_day(2), by="ann", deadlines=GIPOD)
    assert first.status is CouplingStatus.UNDER_REVIEW and first.waiting_for == ("WEG",)
    assert first.deadline == "2026-03-17T09:00:00.000000+00:00"  # answering does not extend the step
    both = respond(first, "WEG", "accept", reason=None, now=_day(5), by="bob", deadlines=GIPOD)
    assert both.status is CouplingStatus.ACCEPTED
    assert both.deadline == "2026-04-21T09:00:00.000000+00:00"  # 45 days after the last acceptance


def test_one_member_declining_declines_and_needs_a_reason() -> None:
    with pytest.raises(InputError) as refused:
        respond(_proposed(), "WEG", "decline", reason=" ", now=_day(1), by="bob", deadlines=GIPOD)
    assert refused.value.field == "reason"
    declined = respond(_proposed(), "WEG", "decline", reason="budget gone", now=_day(1), by="bob", deadlines=GIPOD)
    assert declined.status is CouplingStatus.DECLINED and declined.deadline is None
    assert declined.responses["WEG"].reason == "budget gone"
    with pytest.raises(WorkflowRefused):
        respond(declined, "RIO", "accept", reason=None, now=_day(2), by="ann", deadlines=GIPOD)


def test_only_members_respond_and_answers_are_accept_or_decline() -> None:
    with pytest.raises(InputError) as outsider:
        respond(_proposed(), "VITENS", "accept", reason=None, now=_day(1), by="x", deadlines=GIPOD)
    assert outsider.value.field == "organisation"
    with pytest.raises(InputError) as wrong:
        respond(_proposed(), "RIO", "maybe", reason=None, now=_day(1), by="x", deadlines=GIPOD)
    assert wrong.value.field == "answer"
    with pytest.raises(WorkflowRefused) as alone:
        propose("KK-1", ["GM0153", "GM0153"], now=T0, by="x", deadlines=GIPOD)
    assert alone.value.field == "members"


def test_an_unanswered_proposal_escalates_once_after_its_deadline() -> None:
    workflow = _proposed()
    assert not is_overdue(workflow, _day(15)) and escalate(workflow, _day(15)) is None
    escalated = escalate(workflow, _day(15) + timedelta(seconds=1))
    assert escalated is not None and escalated.escalated
    assert escalated.escalated_at == "2026-03-17T09:00:01.000000+00:00"
    assert escalate(escalated, _day(30)) is None


def test_an_accepted_coupling_not_realised_in_45_days_escalates() -> None:
    accepted = _proposed()
    for org in ("RIO", "WEG"):
        accepted = respond(accepted, org, "accept", reason=None, now=_day(10), by=org, deadlines=GIPOD)
    assert escalate(accepted, _day(54)) is None
    assert escalate(accepted, _day(55) + timedelta(seconds=1)) is not None


def test_a_late_proposal_once_accepted_may_escalate_again_in_its_realise_step() -> None:
    late = escalate(_proposed(), _day(16))
    assert late is not None
    for org in ("RIO", "WEG"):
        late = respond(late, org, "accept", reason=None, now=_day(20), by=org, deadlines=GIPOD)
    assert late.status.value == "accepted" and not late.escalated and late.escalated_at is None
    assert escalate(late, _day(64)) is None
    again = escalate(late, _day(66))
    assert again is not None and again.escalated_at == "2026-05-07T09:00:00.000000+00:00"


def test_cost_split_must_cover_the_members_and_sum_to_100_percent() -> None:
    workflow = _proposed()
    with pytest.raises(InputError) as short:
        split_costs(workflow, {"RIO": 60, "WEG": 30})
    assert short.value.field == "cost_split" and "90" in str(short.value)
    with pytest.raises(InputError) as outsider:
        split_costs(workflow, {"RIO": 50, "VITENS": 50})
    assert outsider.value.field == "cost_split.VITENS"
    with pytest.raises(InputError) as negative:
        split_costs(workflow, {"RIO": 120, "WEG": -20})
    assert negative.value.field == "cost_split.RIO"
    assert split_costs(workflow, {"RIO": 62.5, "WEG": 37.5}).cost_split == {"RIO": 62.5, "WEG": 37.5}


def test_only_an_accepted_coupling_with_a_cost_split_is_realised() -> None:
    with pytest.raises(WorkflowRefused):
        realise(_proposed(), now=_day(1))
    accepted = _proposed()
    for org in ("RIO", "WEG"):
        accepted = respond(accepted, org, "accept", reason=None, now=_day(1), by=org, deadlines=GIPOD)
    with pytest.raises(InputError) as no_split:
        realise(accepted, now=_day(2))
    assert no_split.value.field == "cost_split"
    done = realise(split_costs(accepted, {"RIO": 50, "WEG": 50}), now=_day(20))
    assert done.status is CouplingStatus.REALISED and done.deadline is None and not is_overdue(done, _day(400))


def test_each_status_opens_the_steps_its_transitions_allow() -> None:
    proposed = _proposed()
    under_review = respond(proposed, "RIO", "accept", reason=None, now=_day(1), by="ann", deadlines=GIPOD)
    accepted = respond(under_review, "WEG", "accept", reason=None, now=_day(2), by="bob", deadlines=GIPOD)
    declined = respond(proposed, "WEG", "decline", reason="no", now=_day(1), by="bob", deadlines=GIPOD)
    realised = realise(split_costs(accepted, {"RIO": 50, "WEG": 50}), now=_day(3))
    assert open_steps(proposed) == open_steps(under_review) == {Step.RESPOND, Step.COST_SPLIT}
    assert open_steps(accepted) == {Step.COST_SPLIT, Step.REALISE}
    assert open_steps(declined) == open_steps(realised) == frozenset()


def test_days_left_counts_calendar_days_to_the_deadline_and_below_zero_after_it() -> None:
    workflow = _proposed()  # deadline 2026-03-17 09:00 UTC
    assert days_left(workflow, T0) == 15
    assert days_left(workflow, _day(15) + timedelta(hours=10)) == 0 and is_overdue(workflow, _day(15.5))
    assert days_left(workflow, _day(20)) == -5
    declined = respond(workflow, "WEG", "decline", reason="no", now=_day(1), by="bob", deadlines=GIPOD)
    assert days_left(declined, _day(2)) is None


def _user(role: Role, organisation: str | None = "RIO", scope: str = "write") -> Principal:
    return Principal(email=f"{role.value}@x", organisation=organisation, role=role, scope=scope)


def test_steps_for_offers_each_role_only_what_it_may_do_now() -> None:
    coordinator, editor, viewer = _user(Role.COORDINATOR, "GM0153"), _user(Role.EDITOR), _user(Role.VIEWER)
    nothing = {"propose": False, "respond": [], "cost_split": False, "realise": False, "escalate": False}
    assert steps_for(coordinator, None) == nothing | {"propose": True}
    assert steps_for(editor, None) == steps_for(viewer, None) == nothing
    proposed = _proposed()
    assert steps_for(coordinator, proposed, now=_day(1)) == nothing | {"respond": ["RIO", "WEG"], "cost_split": True}
    assert steps_for(editor, proposed, now=_day(1)) == nothing | {"respond": ["RIO"]}
    assert steps_for(_user(Role.EDITOR, scope="read"), proposed, now=_day(1)) == nothing
    assert steps_for(viewer, proposed, now=_day(20)) == nothing
    assert steps_for(coordinator, proposed, now=_day(20))["escalate"]
    accepted = proposed
    for org in ("RIO", "WEG"):
        accepted = respond(accepted, org, "accept", reason=None, now=_day(1), by=org, deadlines=GIPOD)
    assert steps_for(coordinator, accepted, now=_day(2)) == nothing | {"cost_split": True, "realise": True}
    assert steps_for(editor, accepted, now=_day(2)) == nothing


# -- through the store ------------------------------------------------------------------------------
def _coupling_between(store: SqlRepository, *organisations: str) -> str:
    find_couplings(store, CouplingOptions(year_from=2026, year_to=2035))
    from koppelkans.workflow import coupling_members

    for coupling_id in store.read_findings("couplings")["id"]:
        if coupling_members(store, coupling_id) == list(organisations):
            return str(coupling_id)
    raise AssertionError(f"no coupling between {organisations}")


def test_workflow_in_the_store_escalates_on_the_clock(store: SqlRepository) -> None:
    load_roombeek(store)
    coupling = _coupling_between(store, "GM0153-RIO", "GM0153-WEG")
    propose_coupling(store, coupling, actor="coordinator@gemeente.nl", now=T0)
    with pytest.raises(WorkflowRefused):
        propose_coupling(store, coupling, now=_day(1))
    respond_to_coupling(store, coupling, "GM0153-RIO", "accept", actor="ann@rio.nl", now=_day(3))
    assert escalate_overdue(store, now=_day(10)) == []
    [escalated] = escalate_overdue(store, now=_day(16))
    assert escalated.coupling_id == coupling and escalated.status is CouplingStatus.UNDER_REVIEW
    assert escalate_overdue(store, now=_day(17)) == []
    events = store.read_coupling_events(coupling_id=coupling)
    assert [e["event"] for e in events] == ["proposed", "responded", "escalated", "escalation_announced"]
    assert events[2]["detail"]["waiting_for"] == ["GM0153-WEG"]
    assert events[3]["detail"] == {  # no coordinator, no subscriber: nobody
        "escalated_at": escalated.escalated_at,
        "deliveries": [],
        "complete": True,
    }
    accepted = respond_to_coupling(store, coupling, "GM0153-WEG", "accept", actor="bob@weg.nl", now=_day(18))
    assert accepted.status is CouplingStatus.ACCEPTED and not accepted.escalated  # a new step; the event stays
    split_coupling_costs(store, coupling, {"GM0153-RIO": 70, "GM0153-WEG": 30}, now=_day(19))
    realised = realise_coupling(store, coupling, actor="coordinator@gemeente.nl", now=_day(40))
    assert realised.status is CouplingStatus.REALISED
    history = store.read_audit(kind="coupling_workflow", record_id=coupling)
    assert [e.new["status"] for e in history] == [
        "proposed",
        "under_review",
        "under_review",
        "accepted",
        "accepted",
        "realised",
    ]
    assert history[1].actor == "ann@rio.nl"


def test_a_failed_step_changes_nothing(store: SqlRepository) -> None:
    load_roombeek(store)
    coupling = _coupling_between(store, "GM0153-RIO", "GM0153-WEG")
    propose_coupling(store, coupling, now=T0)
    before = store.read_coupling_workflows(ids=[coupling])
    with pytest.raises(InputError):
        split_coupling_costs(store, coupling, {"GM0153-RIO": 70, "GM0153-WEG": 20})
    assert store.read_coupling_workflows(ids=[coupling]) == before
    assert len(store.read_coupling_events(coupling_id=coupling)) == 1


# -- the CLI and the API ----------------------------------------------------------------------------
def test_coupling_commands_run_the_workflow(tmp_path) -> None:
    db = str(tmp_path / "workflow.gpkg")
    store = open_store(db)
    store.initialise()
    load_roombeek(store)
    coupling = _coupling_between(store, "GM0153-RIO", "GM0153-WEG")
    add_user(store, "coordinator@gemeente.nl", organisation="GM0153", role="coordinator", password=None)
    add_user(store, "ed@vitens.nl", organisation="VITENS", role="editor", password=None)
    store.close()
    runner = CliRunner()
    as_editor = ["--db", db, "--as", "ed@vitens.nl", "coupling"]
    refused = runner.invoke(app, [*as_editor, "propose", coupling, "--json"])
    assert refused.exit_code == 5 and json.loads(refused.stdout)["error"]["code"] == "forbidden"
    answer = runner.invoke(app, [*as_editor, "respond", coupling, "accept", "--org", "GM0153-RIO", "--json"])
    assert answer.exit_code == 5  # an editor answers for its own organisation only

    def run(*args: str) -> dict:
        result = runner.invoke(app, ["--db", db, "--as", "coordinator@gemeente.nl", "coupling", *args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert run("propose", coupling, "--now", "2026-03-02T09:00:00Z")["status"] == "proposed"
    declined = runner.invoke(
        app, ["--db", db, "coupling", "respond", coupling, "decline", "--org", "GM0153-WEG", "--json"]
    )
    assert declined.exit_code == 2 and json.loads(declined.stdout)["error"]["field"] == "reason"
    run("respond", coupling, "accept", "--org", "GM0153-RIO", "--now", "2026-03-03")
    assert run("escalate", "--now", "2026-03-10")["escalated"] == []
    [escalated] = run("escalate", "--now", "2026-03-18")["escalated"]
    assert escalated["coupling_id"] == coupling and escalated["escalated"]
    bad = runner.invoke(app, ["--db", db, "coupling", "split", coupling, "GM0153-RIO=80", "GM0153-WEG=30", "--json"])
    assert bad.exit_code == 2 and json.loads(bad.stdout)["error"]["field"] == "cost_split"
    status = run("split", coupling, "GM0153-RIO=80", "GM0153-WEG=20%")
    assert status["cost_split"] == {"GM0153-RIO": 80.0, "GM0153-WEG": 20.0}
    shown = runner.invoke(app, ["--db", db, "coupling", "status", coupling])
    assert "under_review" in shown.stdout and "ESCALATED" in shown.stdout and "80 %" in shown.stdout


def test_workflow_endpoints(api: ApiServer) -> None:
    coupling = _coupling_between(api.store, "GM0153-RIO", "GM0153-WEG")
    base = f"/api/couplings/{coupling}/workflow"
    assert api.client.get(base).status_code == 404
    proposed = api.client.post(base)
    assert proposed.status_code == 201 and proposed.json()["waiting_for"] == ["GM0153-RIO", "GM0153-WEG"]
    assert api.client.post(base).json()["error"]["code"] == "workflow_refused"
    no_reason = api.client.post(f"{base}/responses", json={"organisation": "GM0153-WEG", "answer": "decline"})
    assert no_reason.status_code == 400 and no_reason.json()["error"]["field"] == "reason"
    for org in ("GM0153-RIO", "GM0153-WEG"):
        answered = api.client.post(f"{base}/responses", json={"organisation": org, "answer": "accept"})
        assert answered.status_code == 200
    assert answered.json()["status"] == "accepted"
    bad = api.client.put(f"{base}/cost-split", json={"shares": {"GM0153-RIO": 50, "VITENS": 50}})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "cost_split.VITENS"
    assert api.client.put(f"{base}/cost-split", json={"shares": {"GM0153-RIO": 50, "GM0153-WEG": 50}}).is_success
    realised = api.client.post(f"{base}/realise")
    assert realised.status_code == 200 and realised.json()["status"] == "realised"
    events = api.client.get(base).json()["events"]
    assert [e["event"] for e in events][-1] == "realised" and {e["actor"] for e in events} == {ADMIN}
    assert api.client.post("/api/couplings/escalate").json() == {"escalated": []}
    history = api.client.get(f"/api/coupling_workflow/{coupling}/history").json()
    assert history["entries"][-1]["new"]["status"] == "realised"
