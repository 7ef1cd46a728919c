"""The audit log (K11): every change logged in its transaction, append-only, and any record's state at any
past moment reconstructed from it exactly, on both back-ends."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
import shapely
import shapely.affinity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from koppelkans.access import Principal, Role
from koppelkans.cli.main import app
from koppelkans.domain.audit import AuditEntry, Operation, moment_of, record_states, state_at, timestamp
from koppelkans.errors import InputError
from koppelkans.register import import_file
from koppelkans.store import SqlRepository, open_store

from .api_server import ADMIN
from .conftest import EXCHANGE
from .register_helpers import load_roombeek

if TYPE_CHECKING:
    from .api_server import ApiServer

pytest_plugins = ["tests.api_server"]  # the `api` fixture: a real server on the test store


def _now() -> str:
    return timestamp(datetime.now(UTC))


def _stored_state(store: SqlRepository, kind: str, key: str) -> dict | None:
    found = store.read(kind, ids=[key])
    return record_states(kind, found)[0] if len(found) else None


def _entry(seq: int, at: str, new: dict | None) -> AuditEntry:
    return AuditEntry(
        seq=seq, at=at, actor="a", kind="works", record_id="W", operation=Operation.UPDATE, old=None, new=new
    )


def test_state_at_takes_the_last_change_at_or_before_the_moment() -> None:
    entries = [_entry(3, "2026-01-03", None), _entry(1, "2026-01-01", {"v": 1}), _entry(2, "2026-01-02", {"v": 2})]
    assert state_at(entries, "2025-12-31") is None
    assert state_at(entries, "2026-01-01") == {"v": 1}
    assert state_at(entries, "2026-01-02T12") == {"v": 2}
    assert state_at(entries, "2026-01-04") is None


def test_a_moment_without_zone_is_utc_and_a_date_means_its_end() -> None:
    assert moment_of("2026-11-23T10:00:00") == "2026-11-23T10:00:00.000000+00:00"
    assert moment_of("2026-11-23T11:00:00+01:00") == "2026-11-23T10:00:00.000000+00:00"
    assert moment_of("2026-11-23") == "2026-11-23T23:59:59.999999+00:00"
    with pytest.raises(InputError) as refused:
        moment_of("yesterday")
    assert refused.value.field == "at"


def test_every_write_is_logged_with_its_actor_and_states(store: SqlRepository) -> None:
    load_roombeek(store, until="assets")
    ann = Principal(email="ann@gemeente.nl", organisation="GM0153", role=Role.ADMIN, scope="write")
    import_file(store, "works", EXCHANGE / "works.geojson", principal=ann)
    work = store.read("works", ids=["VITENS:W3"])
    with store.transaction(actor="bob@vitens.nl") as tx:
        tx.insert("works", work.assign(latest_start=[2033]), replace=True)
    with store.transaction(actor="cor@vitens.nl") as tx:
        tx.delete("works", ["VITENS:W3"])
    entries = store.read_audit(kind="works", record_id="VITENS:W3")
    assert [(e.operation, e.actor) for e in entries] == [
        (Operation.INSERT, "ann@gemeente.nl"),
        (Operation.UPDATE, "bob@vitens.nl"),
        (Operation.DELETE, "cor@vitens.nl"),
    ]
    assert entries[1].as_dict()["changed"] == ["latest_start"]
    assert (entries[1].old["latest_start"], entries[1].new["latest_start"]) == (2031, 2033)
    assert entries[2].new is None and entries[2].old == entries[1].new
    assert len(store.read_audit(kind="works")) == 6 + 2


def test_a_rolled_back_change_leaves_no_audit_entry(store: SqlRepository) -> None:
    load_roombeek(store, until="works")
    before = len(store.read_audit())
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.delete("works", ["VITENS:W3"])
        raise RuntimeError("interrupted")
    assert len(store.read_audit()) == before


def test_the_audit_log_refuses_update_and_delete(store: SqlRepository) -> None:
    load_roombeek(store, until="organisations")
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert {e.actor for e in store.read_audit()} == {"system"}


_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["GM0153-RIO:W1", "VITENS:W3"]),
        st.sampled_from(["patch", "move", "delete", "create"]),
        st.integers(min_value=2027, max_value=2040),
    ),
    min_size=1,
    max_size=6,
)


def test_history_reconstructs_every_past_state_exactly(store: SqlRepository) -> None:
    """After any sequence of creates, patches and deletes, the state rebuilt from the log at each moment
    equals what the store held at that moment."""
    load_roombeek(store, until="works")
    originals = {key: store.read("works", ids=[key]) for key in ("GM0153-RIO:W1", "VITENS:W3")}

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(edits=_EDITS)
    def replay(edits: list[tuple[str, str, int]]) -> None:
        observed: list[tuple[str, str, dict | None]] = []
        for key, action, year in edits:
            current = store.read("works", ids=[key])
            with store.transaction(actor=f"hypothesis:{action}") as tx:
                if action == "delete":
                    tx.delete("works", [key])
                elif action == "create" or current.empty:
                    tx.insert("works", originals[key], replace=True)
                elif action == "patch":
                    attributes = [{**current.iloc[0]["attributes"], "note": f"edit {year}"}]
                    tx.insert("works", current.assign(latest_start=[year], attributes=attributes), replace=True)
                else:
                    moved = shapely.affinity.translate(current.geometry.iloc[0], year / 7, -year / 3)
                    tx.insert("works", current.set_geometry([moved], crs=current.crs), replace=True)
            observed.append((key, _now(), _stored_state(store, "works", key)))
        for key, moment, expected in observed:
            assert state_at(store.read_audit(kind="works", record_id=key), moment) == expected

    replay()


def test_history_command_lists_changes_and_shows_a_past_state(tmp_path) -> None:
    db = str(tmp_path / "history.gpkg")
    runner = CliRunner()
    store = open_store(db)
    store.initialise()
    load_roombeek(store, until="assets")
    store.close()
    works = EXCHANGE / "works.geojson"
    for email, org in (("ann@gemeente.nl", "GM0153"), ("bob@vitens.nl", "VITENS")):  # `--as` names users
        added = runner.invoke(
            app, ["--db", db, "user", "add", email, "--org", org, "--role", "coordinator", "--no-password"]
        )
        assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["--db", db, "--as", "ann@gemeente.nl", "import", "works", str(works)]).exit_code == 0
    between = _now()
    result = runner.invoke(app, ["--db", db, "--as", "bob@vitens.nl", "import", "works", str(works), "--replace"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(app, ["--db", db, "history", "works", "VITENS:W3", "--json"])
    assert listing.exit_code == 0, listing.output
    payload = json.loads(listing.stdout)
    assert [(e["operation"], e["actor"]) for e in payload["entries"]] == [
        ("insert", "ann@gemeente.nl"),
        ("update", "bob@vitens.nl"),
    ]
    past = runner.invoke(app, ["--db", db, "history", "works", "VITENS:W3", "--at", between, "--json"])
    assert json.loads(past.stdout)["state"]["organisation"] == "VITENS"
    text = runner.invoke(app, ["--db", db, "history", "works", "VITENS:W3"])
    assert "ann@gemeente.nl" in text.stdout and "insert" in text.stdout
    unknown = runner.invoke(app, ["--db", db, "history", "wurks", "X", "--json"])
    assert unknown.exit_code == 2 and json.loads(unknown.stdout)["error"]["field"] == "kind"


def test_states_of_stored_records_equal_the_logged_insert(store: SqlRepository) -> None:
    load_roombeek(store)
    for kind in ("segments", "assets", "works", "tasks"):
        logged = {e.record_id: e.new for e in store.read_audit(kind=kind)}
        stored = store.read(kind)
        key = "id"
        assert dict(zip(stored[key].astype(str), record_states(kind, stored), strict=True)) == logged
    assert store.read_audit()[0].at.endswith("+00:00")


def test_history_endpoint_lists_api_changes_and_a_past_state(api: ApiServer) -> None:
    path = "/api/works/VITENS:W3"
    etag = api.client.get(path).headers["etag"]
    between = _now()
    assert api.client.patch(path, json={"latest_start": 2034}, headers={"If-Match": etag}).status_code == 200
    history = api.client.get(f"{path}/history")
    assert history.status_code == 200
    entries = history.json()["entries"]
    assert [(e["operation"], e["actor"]) for e in entries] == [("insert", "system"), ("update", ADMIN)]
    assert entries[1]["changed"] == ["latest_start"] and entries[1]["new"]["latest_start"] == 2034
    past = api.client.get(f"{path}/history", params={"at": between}).json()
    assert past["exists"] and past["state"]["latest_start"] == 2031
    before = api.client.get(f"{path}/history", params={"at": "2000-01-01"}).json()
    assert before["state"] is None and before["exists"] is False
    missing = api.client.get("/api/works/NOPE:W0/history")
    assert missing.status_code == 404 and missing.json()["error"]["record"] == "NOPE:W0"
    wrong = api.client.get(f"{path}/history", params={"at": "soon"})
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "at"
