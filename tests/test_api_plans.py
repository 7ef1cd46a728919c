"""`/api/forecast`, `/api/plans` and `/api/jobs` on a real server, on both back-ends: the same JSON as the
CLI, plans run as background jobs with progress, kept in the store and compared."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import httpx
from typer.testing import CliRunner

from koppelkans.cli.main import app

from .api_server import store_url

if TYPE_CHECKING:
    from .api_server import ApiServer

pytest_plugins = ["tests.api_server"]


def cli_json(api: ApiServer, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["--db", store_url(api.store), *args, "--json"])
    assert result.exit_code == 0, result.stdout
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def finished(api: ApiServer, location: str, *, timeout: float = 240) -> dict[str, Any]:
    """Poll a job until it is done or failed; every state seen on the way must be a known one."""
    deadline = time.monotonic() + timeout
    while True:
        job = api.client.get(location).json()
        assert job["status"] in {"queued", "running", "done", "failed"}
        if job["status"] in {"done", "failed"}:
            return job  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def test_the_forecast_endpoint_answers_as_the_cli_and_stores_only_when_posted(api: ApiServer) -> None:
    got = api.client.get("/api/forecast", params={"year_from": 2026, "year_to": 2035, "organisation": "GM0153-RIO"})
    assert got.status_code == 200, got.text
    expected = cli_json(api, "forecast", "--from", "2026", "--to", "2035", "--org", "GM0153-RIO")
    assert got.json()["plan"] == expected["plan"] and got.json()["assets"] == expected["assets"]
    assert got.json()["due_years_stored"] == 0  # GET computes, it does not store
    with api.store.transaction() as tx:
        tx.replace_findings("due_years", api.store.read_findings("due_years").iloc[0:0])
    posted = api.client.post("/api/forecast", params={"year_from": 2026})
    assert posted.status_code == 200 and posted.json()["due_years_stored"] == len(api.store.read("assets"))
    assert len(api.store.read_findings("due_years")) == len(api.store.read("assets"))
    bad = api.client.get("/api/forecast", params={"discipline": "plumbing"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "discipline"


def test_a_plan_runs_as_a_job_is_kept_in_the_store_and_compared(api: ApiServer) -> None:
    run = {"year_from": 2027, "year_to": 2034, "time_limit": 20}
    started = api.client.post("/api/plans", json=run)
    assert started.status_code == 202, started.text
    assert started.json()["status"] in {"queued", "running"}
    job = finished(api, started.headers["location"])
    assert job["status"] == "done", job
    assert job["progress"]["stage"] and job["progress"]["gap"] is not None
    plan = httpx.get(job["result"], headers=api.headers).json()
    assert plan == api.store.read_plan("integrated")
    assert plan["savings"]["eur"] > 0 and plan["gap"] <= 1e-3
    assert {w["id"]: w["year"] for w in plan["works"]}["GM0153-WEG:W2"] == 2027  # committed: it stays

    sectoral = finished(api, api.client.post("/api/plans", json={**run, "scenario": "sectoral"}).headers["location"])
    assert sectoral["status"] == "done"
    assert [p["scenario"] for p in api.client.get("/api/plans").json()] == ["integrated", "sectoral"]
    compared = api.client.get("/api/plans/compare", params={"a": "sectoral", "b": "integrated"}).json()
    assert compared == cli_json(api, "scenario", "compare", "sectoral", "integrated")
    assert compared["difference"]["cost_eur"] < 0


def test_an_impossible_hard_budget_fails_the_job_naming_the_culprit(api: ApiServer) -> None:
    run = {
        "year_from": 2027,
        "year_to": 2032,
        "time_limit": 10,
        "hard": ["budget"],
        "budgets": [{"organisation": "GM0153-WEG", "year": 2027, "budget_eur": 1000}],
    }
    job = finished(api, api.client.post("/api/plans", json=run).headers["location"])
    assert job["status"] == "failed"
    assert job["error"]["code"] == "plan_infeasible" and job["error"]["field"] == "budget"
    assert "GM0153-WEG:W2" in job["error"]["culprits"][0]["explanation"]
    assert api.store.plans().empty


def test_bad_plan_runs_are_refused_before_a_job_starts(api: ApiServer) -> None:
    for body, field in (
        ({"year_from": 2030, "year_to": 2027}, "year_to"),
        ({"hard": ["weather"]}, "hard"),
        ({"budgets": [{"organisation": "X", "year": 2027, "budget_eur": -1}]}, None),
        ({"time_limit": 0}, None),
    ):
        response = api.client.post("/api/plans", json=body)
        assert 400 <= response.status_code < 500, (body, response.text)
        error = response.json()["error"]
        if field is not None:
            assert field in json.dumps(error), error
    unknown = api.client.post("/api/plans", json={"scenario": "utopia"})
    assert unknown.status_code == 400 and "sectoral" in unknown.json()["error"]["message"]
    assert api.client.get("/api/jobs/0123abcd").status_code == 404
    assert api.client.get("/api/jobs/nope").status_code == 422
    missing = api.client.get("/api/plans/integrated")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "scenario"
