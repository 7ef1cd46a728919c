"""`koppelkans kpi`, GET /api/kpi and the dashboard (K12) on the Twente demo at scale 0.05 (with its history
of done works and decided couplings, and the coupling findings stored): the CLI's JSON, the workbook and the
report agree, the API returns the same JSON, and chromium draws the dashboard with the same numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page
from typer.testing import CliRunner

from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.cli import main
from koppelkans.couplings import find_couplings
from koppelkans.demo import build_demo
from koppelkans.identity import add_user, create_token
from koppelkans.store import open_store

from .api_server import ADMIN, running_server

SCALE = 0.05
PERIOD = ["--from", "2019", "--to", "2030"]
QUERY = "from=2019&to=2030"
PASSWORD = "kpi-dashboard-2026"
runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("kpi") / "demo.gpkg"
    store = open_store(str(path))
    store.initialise()
    build_demo(store, scale=SCALE)
    find_couplings(store, CouplingOptions(year_from=2027, year_to=2036), keep=True)
    add_user(store, ADMIN, organisation=None, role="admin", password=PASSWORD)
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def auth(demo: str) -> dict[str, str]:
    """The Authorization header of an API token of the demo's admin."""
    store = open_store(demo)
    try:
        return {"Authorization": f"Bearer {create_token(store, ADMIN).secret}"}
    finally:
        store.close()


@pytest.fixture(scope="module")
def kpi_json(demo: str) -> dict:
    result = runner.invoke(main.app, ["--db", demo, "kpi", *PERIOD, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def server(demo: str) -> Iterator[str]:
    with running_server(demo) as url:
        yield url


def test_kpi_json_shows_a_history_and_the_plan_ahead(kpi_json: dict) -> None:
    years = {y["year"]: y for y in kpi_json["years"]}
    assert sorted(years) == list(range(2019, 2031))
    assert all(years[y]["openings_realised"] > 0 and years[y]["openings_planned"] == 0 for y in range(2019, 2027))
    assert all(years[y]["openings_realised"] == 0 and years[y]["openings_planned"] > 0 for y in range(2027, 2031))
    totals = kpi_json["totals"]
    assert totals["couplings_realised"] > 0 and 0 < totals["share_realised"] < 1
    assert totals["realised_openings_avoided"] > 0 and totals["realised_saving_eur"] > 0
    assert totals["mean_delay_years"] > 0 and totals["share_late"] > 0
    assert totals["couplings_found"] > totals["couplings_accepted"]  # the engine's findings are undecided
    assert sum(d["works"] for d in kpi_json["delays"]) == totals["works_realised"]
    quality = kpi_json["data_quality"]
    assert quality["install_year_known"] == 1.0 and 0 < quality["condition_known"] < 1
    assert {d["code"] for d in kpi_json["definitions"]} >= {"openings_per_km", "share_realised", "data_quality"}


def test_kpi_history_is_not_known_before_the_demo_was_built(kpi_json: dict) -> None:
    """The demo's register (and so its audit log) was made today: earlier year ends are not known, not 0."""
    history, this_year = kpi_json["history"], kpi_json["scope"]["this_year"]
    rows = {r["year"]: r for r in history["years"]}
    assert sorted(rows) == list(range(2019, this_year + 1))  # no year end after now
    begun = int(history["known_from"][:4])
    assert all(not r["known"] and r["condition_known"] is None for y, r in rows.items() if y < begun)
    now = rows[this_year]
    assert now["known"] and now["assets"] == kpi_json["data_quality"]["assets"]
    assert now["condition_known"] == kpi_json["data_quality"]["condition_known"]
    assert 0 < now["couplings_realised"] <= now["couplings_accepted"] <= now["couplings_found"]


def test_kpi_for_an_area_and_an_organisation_is_a_part_of_the_whole(demo: str, kpi_json: dict) -> None:
    buurt = runner.invoke(main.app, ["--db", demo, "kpi", *PERIOD, "--area", "BU01530100", "--json"])
    org = runner.invoke(main.app, ["--db", demo, "kpi", *PERIOD, "--org", "GM0153", "--json"])
    part, municipal = json.loads(buurt.stdout), json.loads(org.stdout)
    assert 0 < part["street_km"] < kpi_json["street_km"]
    assert 0 < part["totals"]["openings_realised"] < kpi_json["totals"]["openings_realised"]
    assert 0 < municipal["totals"]["openings_realised"] <= kpi_json["totals"]["openings_realised"]
    assert municipal["data_quality"]["assets"] < kpi_json["data_quality"]["assets"]


def test_kpi_unknown_area_is_an_error_naming_it(demo: str) -> None:
    result = runner.invoke(main.app, ["--db", demo, "kpi", "--area", "BU9", "--json"])
    assert result.exit_code != 0
    assert json.loads(result.stdout)["error"]["record"] == "BU9"


def test_kpi_xlsx_and_html_carry_the_same_figures(demo: str, kpi_json: dict, tmp_path: Path) -> None:
    xlsx, html = tmp_path / "kpi.xlsx", tmp_path / "kpi.html"
    result = runner.invoke(main.app, ["--db", demo, "kpi", *PERIOD, "--xlsx", str(xlsx), "--html", str(html)])
    assert result.exit_code == 0, result.output
    book = load_workbook(xlsx, read_only=True)
    assert {"totals", "years", "delays", "streets", "definitions", "history"} <= set(book.sheetnames)
    rows = list(book["years"].iter_rows(values_only=True))
    header = list(rows[0])
    realised = [r[header.index("openings_realised")] for r in rows[1:]]
    assert realised == [y["openings_realised"] for y in kpi_json["years"]]
    totals = {k: v for k, v in list(book["totals"].iter_rows(values_only=True))[1:]}
    assert totals["realised_openings_avoided"] == kpi_json["totals"]["realised_openings_avoided"]
    text = html.read_text(encoding="utf-8")
    bars = [y for y in kpi_json["years"] if y["openings_realised"]]
    assert f'data-series="realised" data-year="{bars[0]["year"]}" data-value="{bars[0]["openings_realised"]}"' in text
    assert kpi_json["definitions"][1]["formula"] in text


def test_api_kpi_returns_the_cli_json(server: str, kpi_json: dict, auth: dict[str, str]) -> None:
    response = httpx.get(f"{server}/api/kpi?{QUERY}", headers=auth, timeout=60)
    assert response.status_code == 200
    assert response.json() == kpi_json
    openings = httpx.get(f"{server}/api/kpi/openings?{QUERY}", headers=auth, timeout=60).json()
    per_segment = sum(f["properties"]["openings"] for f in openings["features"])
    assert per_segment == sum(y["openings_realised"] + y["openings_planned"] for y in kpi_json["years"])
    error = httpx.get(f"{server}/api/kpi?org=NOPE", headers=auth, timeout=60)
    assert error.status_code == 400
    assert error.json()["error"]["field"] == "organisation"


def test_api_kpi_report_is_printable(server: str, auth: dict[str, str]) -> None:
    html = httpx.get(f"{server}/api/kpi/report.html?{QUERY}&lang=en", headers=auth, timeout=60)
    assert html.status_code == 200 and "Street openings per year" in html.text
    pdf = httpx.get(f"{server}/api/kpi/report.pdf?{QUERY}", headers=auth, timeout=120)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A page signed in through the login form as the demo's admin."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/login?next=/dashboard?{QUERY}")  # straight to the dashboard, as a bookmark would
    page.fill("#login-email", ADMIN)
    page.fill("#login-password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.mark.browser
def test_dashboard_draws_the_kpis_of_kpi_json(page: Page, server: str, kpi_json: dict) -> None:
    """The base map stays configured (PDOK, unreachable offline): its failing tiles must not keep the map from
    loading, which once left the heat map undrawn (map.js repaints after a tile error)."""
    page.goto(f"{server}/dashboard?{QUERY}")
    page.wait_for_selector("body[data-openings-loaded]", timeout=30_000)
    totals = kpi_json["totals"]
    for code in ("openings_realised", "couplings_found", "realised_openings_avoided", "share_realised"):
        value = page.get_attribute(f'.kpi-tile[data-kpi="{code}"]', "data-value")
        assert float(value) == pytest.approx(totals[code]), code
    bars = page.eval_on_selector_all(
        "#chart-openings rect.bar",
        "rects => rects.map(r => [r.dataset.series, +r.dataset.year, +r.dataset.value, r.getBBox().height])",
    )
    drawn = {(s, y): v for s, y, v, h in bars if h > 0}
    expected = {("realised", y["year"]): y["openings_realised"] for y in kpi_json["years"] if y["openings_realised"]}
    expected |= {("planned", y["year"]): y["openings_planned"] for y in kpi_json["years"] if y["openings_planned"]}
    assert drawn == expected
    streets = page.eval_on_selector_all(
        "#top-streets tbody tr td:first-child", "cells => cells.map(c => c.textContent)"
    )
    assert streets == [s["name"] for s in kpi_json["streets"]]
    history = page.eval_on_selector_all(
        "#chart-history-quality rect.bar", "rects => rects.map(r => [+r.dataset.year, +r.dataset.value])"
    )
    known = [r for r in kpi_json["history"]["years"] if r["known"]]
    assert history == [[r["year"], pytest.approx(round(100 * r["condition_known"], 1))] for r in known]
    assert kpi_json["history"]["known_from"][:10] in page.text_content("#history-note")
    page.wait_for_function("window.koppelkansMap.loaded() && window.koppelkansMap.areTilesLoaded()", timeout=30_000)
    page.evaluate("() => new Promise(r => { const m = window.koppelkansMap; m.once('idle', r); m.triggerRepaint(); })")
    heat = page.evaluate("() => window.koppelkansMap.queryRenderedFeatures({layers: ['openings-heat']}).length")
    assert heat > 0
    assert page.get_attribute("nav a[aria-current=page]", "href") == "/dashboard"
    assert page.get_attribute("#report-pdf", "href").startswith(f"/api/kpi/report.pdf?{QUERY}")
