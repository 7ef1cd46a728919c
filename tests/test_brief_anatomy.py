"""The area anatomy (K9, PRODUCT.md B6) on the Roombeek register: per buurt the three layers now and
desired, the networks summed from the assets that lie in it, the timeline and budgets; and the web
routes `/api/brief`, `/api/anatomy/{area}` and `/api/projects/{id}` the web app links to."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import shapely
import uvicorn
from typer.testing import CliRunner

from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.api import create_app
from koppelkans.brief.anatomy import anatomy_as_json
from koppelkans.briefing import anatomy_of_area, write_anatomy
from koppelkans.cli.main import app
from koppelkans.config import Settings
from koppelkans.couplings import find_couplings
from koppelkans.errors import InputError, NotFound
from koppelkans.lifecycle import forecast_register
from koppelkans.projects import add_project
from koppelkans.store import SqlRepository, open_store

from .api_server import admin_headers
from .register_helpers import load_roombeek

FIRST, LAST = 2026, 2036


@pytest.fixture
def roombeek(tmp_path: Path) -> SqlRepository:
    store = open_store(str(tmp_path / "roombeek.gpkg"))
    store.initialise()
    load_roombeek(store)
    forecast_register(store, first=FIRST, last=LAST)
    find_couplings(store, CouplingOptions(year_from=FIRST, year_to=2040))
    return store


def test_the_anatomy_of_enschede_has_a_section_per_buurt_with_three_layers(roombeek: SqlRepository) -> None:
    payload = anatomy_as_json(anatomy_of_area(roombeek, "GM0153", year_from=FIRST, year_to=LAST))
    assert payload["area"] == {"code": "GM0153", "name": "Enschede", "level": "gemeente"}
    buurten = {n["code"]: n for n in payload["neighbourhoods"]}
    assert set(buurten) == {"BU01530311", "BU01530312"}
    west = buurten["BU01530311"]
    assert [i["key"] for i in west["physical"]][:3] == ["energy", "paved", "green"]
    energy = west["physical"][0]
    assert energy["desired"] == "aardgasvrij: doeljaar 2030 — Aardgasvrij volgens Transitievisie Warmte"
    east = buurten["BU01530312"]
    paved = next(i for i in east["physical"] if i["key"] == "paved")
    assert paved["desired"] == "klimaatbestendig: doeljaar 2035 — Wateroverlast uit stresstest"
    assert next(i for i in west["physical"] if i["key"] == "paved")["desired"] is None  # nothing registered
    assert {i["key"] for i in west["technical"]} >= {"subsurface", "conflicts", "committed"}
    assert west["subsurface"]["segments"] >= 1


def test_the_networks_of_a_buurt_sum_the_assets_that_lie_in_it(roombeek: SqlRepository) -> None:
    payload = anatomy_as_json(anatomy_of_area(roombeek, "BU01530311", year_from=FIRST, year_to=LAST))
    (west,) = payload["neighbourhoods"]
    buurt = roombeek.read("areas", ids=["BU01530311"]).geometry.iloc[0]
    assets = roombeek.read("assets")
    inside = assets[shapely.intersects(buurt, shapely.point_on_surface(np.asarray(assets.geometry, dtype=object)))]
    lines = inside[inside.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    expected = (lines.assign(km=lines.length / 1000).groupby("discipline")["km"].sum()).round(2).to_dict()
    got = {n["discipline"]: n["length_km"] for n in west["networks"] if n["length_km"]}
    assert got == expected


def test_the_timeline_holds_every_active_work_and_task_with_budgets(roombeek: SqlRepository) -> None:
    payload = anatomy_as_json(anatomy_of_area(roombeek, "GM0153", year_from=FIRST, year_to=LAST))
    works = {r["id"] for r in payload["timeline"] if r["kind"] == "work"}
    assert works == {"GM0153-RIO:W1", "GM0153-WEG:W2", "VITENS:W3", "GLASVEZEL:W4", "GM0153-RIO:W5", "GM0153:W6"}
    assert {r["id"] for r in payload["timeline"] if r["kind"] == "task"} == {"GM0153:T1", "GM0153:T2"}
    by_year = {(r["year"], r["discipline"], r["source"]): r["cost_eur"] for r in payload["budget_by_year"]}
    assert by_year[(2028, "sewer", "work")] == 172_000.0  # W1 at its preferred year
    assert by_year[(2030, "water", "work")] == 140_000.0


def test_the_anatomy_is_written_as_html_pdf_and_json(roombeek: SqlRepository, tmp_path: Path) -> None:
    anatomy = anatomy_of_area(roombeek, "GM0153", year_from=FIRST, year_to=LAST)
    html = write_anatomy(anatomy, tmp_path / "a.html", language="en").read_text()
    assert "Area anatomy" in html and "Roombeek-West" in html and "data:image/png;base64," in html
    assert write_anatomy(anatomy, tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    assert json.loads(write_anatomy(anatomy, tmp_path / "a.json").read_text())["area"]["code"] == "GM0153"
    with pytest.raises(InputError) as raised:
        write_anatomy(anatomy, tmp_path / "a.md")
    assert raised.value.field == "out"


def test_the_anatomy_of_an_unknown_area_is_refused(roombeek: SqlRepository) -> None:
    with pytest.raises(NotFound) as raised:
        anatomy_of_area(roombeek, "BU00000000")
    assert (raised.value.record, raised.value.field) == ("BU00000000", "area")


runner = CliRunner()


def test_brief_and_anatomy_commands(roombeek: SqlRepository, tmp_path: Path) -> None:
    db = str(tmp_path / "roombeek.gpkg")
    out = tmp_path / "brief.html"
    result = runner.invoke(app, ["--db", db, "brief", "--work", "GM0153-RIO:W1", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Project brief with environment analysis" in out.read_text()
    assert "4 works, 3 due assets, 2 area tasks, 1 conflicts" in result.stderr.replace("\n", " ")
    markdown = runner.invoke(app, ["--db", db, "brief", "--area", "BU01530311", "--buffer", "0"])
    assert markdown.exit_code == 0 and markdown.stdout.startswith("# Projectopdracht met omgevingsanalyse: Roombeek")
    both = runner.invoke(app, ["--db", db, "brief", "--work", "GM0153-RIO:W1", "--area", "BU01530311"])
    assert both.exit_code == 2 and "give exactly one of --work, --project, --area or --geometry" in both.stderr
    missing = runner.invoke(app, ["--db", db, "brief", "--work", "NOPE:W1", "--out", str(out)])
    assert missing.exit_code == 4 and missing.stderr.strip() == "error: work NOPE:W1 does not exist"
    anatomy = runner.invoke(app, ["--db", db, "anatomy", "--area", "BU01530312"])
    assert anatomy.exit_code == 0 and json.loads(anatomy.stdout)["neighbourhoods"][0]["code"] == "BU01530312"


@pytest.fixture
def client(roombeek: SqlRepository) -> Iterator[httpx.Client]:
    """A real uvicorn server on the API app (which includes the brief routes)."""
    api = create_app(Settings(db=str(Path(roombeek.engine.url.database))))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(api, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.01)
    headers = admin_headers(roombeek)
    with httpx.Client(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}", timeout=120, headers=headers) as http:
        yield http
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_the_api_serves_the_brief_the_anatomy_and_projects(client: httpx.Client, roombeek: SqlRepository) -> None:
    html = client.get("/api/brief", params={"work": "GM0153-RIO:W1"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Omgevingsanalyse" in html.text
    english = client.get("/api/brief", params={"work": "GM0153-RIO:W1", "lang": "en", "format": "json"})
    assert {w["id"] for w in english.json()["environment"]["works"]} == {
        "GM0153-RIO:W1",
        "GM0153-WEG:W2",
        "VITENS:W3",
        "GM0153:W6",
    }
    pdf = client.get("/api/brief", params={"area": "BU01530311", "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    anatomy = client.get("/api/anatomy/BU01530311")
    assert anatomy.status_code == 200 and anatomy.json()["neighbourhoods"][0]["code"] == "BU01530311"
    missing = client.get("/api/anatomy/BU00000000")
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "code": "not_found",
        "message": "area BU00000000 does not exist",
        "record": "BU00000000",
        "field": "area",
    }
    nothing = client.get("/api/brief")
    assert nothing.status_code == 400 and nothing.json()["error"]["field"] == "work"
    add_project(roombeek, "roomweg", work_ids=["GM0153-RIO:W1", "GM0153-WEG:W2"], project_type="beheer", by="t")
    project = client.get("/api/projects/roomweg").json()
    assert project["phase"]["code"] == "pve" and project["phase"]["next"] == "do"
    assert client.get("/api/projects").json()["projects"][0]["id"] == "roomweg"


def test_the_brief_routes_answer_as_their_schema_says(client: httpx.Client) -> None:
    """Schemathesis on the brief, anatomy and project operations (as `test_api_schema` does for all of them)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    base = str(client.base_url)
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations()]
    ours = [o for o in operations if o.path.startswith(("/api/brief", "/api/anatomy", "/api/projects"))]
    assert {o.path for o in ours} == {
        "/api/brief",
        "/api/anatomy/{area}",
        "/api/projects",
        "/api/projects/{project_id}",
    }
    for operation in ours:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=4, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
        )
        def answers_as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=base,
                headers={"Authorization": client.headers["Authorization"]},
                checks=[
                    not_a_server_error,
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )

        answers_as_documented()
