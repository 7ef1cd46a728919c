"""The web application in a real browser: Debian's chromium driven by Playwright against a real server
on the Roombeek register (with its lifecycle forecast and coupling findings stored), no base map.

What the map shows is read from MapLibre itself (`window.koppelkansMap.queryRenderedFeatures`), not
from the DOM; what the form stores is read back from the store and the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from pyproj import Transformer

from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.analysis.lifecycle import due_year_findings, forecast_from_assets
from koppelkans.couplings import find_couplings
from koppelkans.identity import add_user
from koppelkans.store import SqlRepository

from .api_server import ADMIN, admin_headers, running_server, store_url
from .register_helpers import load_roombeek

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-dev-shm-usage"]
"""WebGL in headless chromium without a GPU: ANGLE on SwiftShader (what MapLibre needs to draw)."""

THIS_YEAR = date.today().year
WORK_LAYERS = [
    "works-line-idea",
    "works-line-planned",
    "works-line-firm",
    "works-line-past",
    "works-fill",
    "works-point",
]
LAYERS = {
    "areas": ["areas-line"],
    "tasks": ["tasks-fill"],
    "segments": ["segments-line"],
    "assets": ["assets-line", "assets-point", "assets-fill"],
    "due": ["due-halo-line", "due-halo-point"],
    "works": WORK_LAYERS,
}


@dataclass
class WebApp:
    """A served register: its URL, an HTTP client and the store behind it."""

    url: str
    client: httpx.Client
    store: SqlRepository


PASSWORD = "roombeek-2026"


@pytest.fixture
def page(browser: Browser, web: WebApp) -> Iterator[Page]:
    """A browser page logged in to the web app through its login form (as the admin)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{web.url}/login")
    page.fill("#login-email", ADMIN)
    page.fill("#login-password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.rstrip("/") == web.url, page.url
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def prepare(store: SqlRepository) -> None:
    """The Roombeek register with its forecast (due years) and couplings stored, as `make demo` leaves a store."""
    load_roombeek(store)
    forecast = forecast_from_assets(store.read("assets"), year=THIS_YEAR, horizon=16)
    with store.transaction() as tx:
        tx.replace_findings("due_years", due_year_findings(forecast, year=THIS_YEAR))
    find_couplings(store, CouplingOptions(year_from=THIS_YEAR, year_to=THIS_YEAR + 15), keep=True)


@pytest.fixture
def web(store: SqlRepository, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebApp]:
    monkeypatch.setenv("KOPPELKANS_BASEMAP_URL", "")  # offline: our own layers only
    prepare(store)
    headers = admin_headers(store)
    add_user(store, ADMIN, organisation=None, role="admin", password=PASSWORD)
    with running_server(store_url(store)) as url, httpx.Client(base_url=url, timeout=30, headers=headers) as client:
        yield WebApp(url=url, client=client, store=store)


# -- helpers -----------------------------------------------------------------------------------
def open_map(page: Page, url: str) -> None:
    """Open a page with a map and wait until the map has drawn everything it asked for."""
    page.goto(url)
    page.wait_for_function(
        "window.koppelkansMap && window.koppelkansMap.loaded() && window.koppelkansMap.areTilesLoaded()",
        timeout=30_000,
    )
    idle(page)


def idle(page: Page) -> None:
    """Wait for the map to finish drawing after a change."""
    page.evaluate(
        """() => new Promise(resolve => {
            const map = window.koppelkansMap; map.once('idle', resolve); map.triggerRepaint();
        })"""
    )


def rendered(page: Page, layers: list[str]) -> set[str]:
    """The ids of the features the map has drawn in these layers (as MapLibre itself reports them)."""
    return set(
        page.evaluate(
            """layers => window.koppelkansMap
                .queryRenderedFeatures({layers: layers.filter(id => window.koppelkansMap.getLayer(id))})
                .map(f => String(f.properties.id ?? f.properties.code))""",
            layers,
        )
    )


def set_year(page: Page, year: int) -> None:
    page.eval_on_selector(
        "#year", "(input, year) => { input.value = year; input.dispatchEvent(new Event('input')); }", year
    )
    idle(page)


def flat(coordinates: list[list[float]]) -> list[float]:
    return [value for point in coordinates for value in point]


def due_by(store: SqlRepository, year: int) -> set[str]:
    due = store.read_findings("due_years")
    return {str(a) for a, p in zip(due["asset_id"], due["p50"]) if p is not None and int(p) <= year}


# -- the map -----------------------------------------------------------------------------------
@pytest.mark.backends("geopackage", "postgis")
def test_map_draws_features_of_every_layer(web: WebApp, page: Page) -> None:
    open_map(page, f"{web.url}/")
    shown = {name: rendered(page, layers) for name, layers in LAYERS.items()}
    assert shown["areas"] == {"BU01530311", "BU01530312"}  # the gemeente outline is not drawn
    assert shown["tasks"] == {"GM0153:T1", "GM0153:T2"}
    assert shown["segments"] == set(web.store.keys("segments"))
    assert shown["assets"] == set(web.store.keys("assets"))
    assert shown["due"] == due_by(web.store, THIS_YEAR)
    in_window = {
        w
        for w, a, b in zip(*(web.store.read("works")[c] for c in ("id", "earliest_start", "latest_start")))
        if a <= THIS_YEAR <= b
    }
    assert shown["works"] == in_window and in_window
    last = THIS_YEAR + 15
    set_year(page, last)
    assert rendered(page, LAYERS["due"]) == due_by(web.store, last)
    assert due_by(web.store, last)  # assets due for renewal by the slider's last year are highlighted


@pytest.mark.backends("geopackage")
def test_year_slider_changes_the_works_and_due_assets_shown(web: WebApp, page: Page) -> None:
    open_map(page, f"{web.url}/")
    set_year(page, 2028)
    assert rendered(page, WORK_LAYERS) == {
        "GM0153-RIO:W1",
        "VITENS:W3",
        "GLASVEZEL:W4",
        "GM0153-RIO:W5",
        "GM0153:W6",
    }
    set_year(page, 2031)
    assert rendered(page, WORK_LAYERS) == {"VITENS:W3", "GM0153:W6"}
    assert page.locator("#year-value").inner_text() == "2031"
    middle = THIS_YEAR + 6
    set_year(page, middle)
    assert rendered(page, LAYERS["due"]) == due_by(web.store, middle)
    set_year(page, THIS_YEAR + 15)
    assert rendered(page, LAYERS["due"]) == due_by(web.store, THIS_YEAR + 15)
    assert due_by(web.store, middle) != due_by(web.store, THIS_YEAR + 15)  # so the slider must have changed them


@pytest.mark.backends("geopackage")
def test_clicking_a_work_opens_its_details_and_couplings(web: WebApp, page: Page) -> None:
    open_map(page, f"{web.url}/")
    set_year(page, 2028)
    lonlat = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True).transform(257500, 472500)
    point = page.evaluate(
        "lonlat => { const p = window.koppelkansMap.project(lonlat); return [p.x, p.y]; }", list(lonlat)
    )  # on the Roomweg, where the sewer GM0153-RIO:W1 lies
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    panel = page.locator("#panel-body")
    expect(panel.locator(".panel-id")).to_have_text("GM0153-RIO:W1")
    expect(panel).to_contain_text("Vervanging riool Roomweg")
    couplings = web.client.get("/web/api/couplings", params={"member": "GM0153-RIO:W1"}).json()
    assert couplings["total"] > 0
    expect(panel.locator(".panel-findings").first.locator(".finding")).to_have_count(couplings["total"])
    history = panel.locator(".panel-history .history-entry")  # the audit log: who stored it, when
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("system · insert")
    brief = panel.get_by_role("link", name="Projectopdracht met omgevingsanalyse")
    response = web.client.get(brief.get_attribute("href"))
    assert response.status_code == 200 and "Vervanging riool Roomweg" in response.text


# -- couplings ---------------------------------------------------------------------------------
@pytest.mark.backends("geopackage")
def test_clicking_a_coupling_zooms_the_map_to_its_streets(web: WebApp, page: Page) -> None:
    open_map(page, f"{web.url}/couplings")
    first = web.client.get("/web/api/couplings").json()["items"][0]
    expect(page.locator("#findings-body tr").first).to_have_attribute("data-id", first["id"])
    before = page.evaluate("() => window.koppelkansMap.getCenter().toArray()")
    zoom_before = page.evaluate("() => window.koppelkansMap.getZoom()")
    page.locator("#findings-body tr").first.get_by_role("button").click()
    page.wait_for_function(
        "() => window.koppelkansMap.queryRenderedFeatures({layers: ['highlight-line', 'highlight-fill']}).length > 0"
    )
    idle(page)
    west, south, east, north = first["bbox"]
    center = page.evaluate("() => window.koppelkansMap.getCenter().toArray()")
    bounds = page.evaluate("() => window.koppelkansMap.getBounds().toArray().flat()")
    assert center == pytest.approx([(west + east) / 2, (south + north) / 2], abs=2e-4)
    assert (
        center != pytest.approx(before, abs=2e-4)
        or page.evaluate("() => window.koppelkansMap.getZoom()") != zoom_before
    )
    assert bounds[0] <= west and bounds[1] <= south and bounds[2] >= east and bounds[3] >= north
    assert rendered(page, ["highlight-line", "highlight-fill"]) == {first["id"]}
    streets = rendered(page, ["segments-line"])
    assert set(first["segments"]) <= streets


@pytest.mark.backends("geopackage")
def test_couplings_list_sorts_by_saving_and_filters_by_kind(web: WebApp, page: Page) -> None:
    page.goto(f"{web.url}/couplings")
    all_couplings = web.client.get("/web/api/couplings", params={"limit": 500}).json()["items"]
    expected = [c["id"] for c in sorted(all_couplings, key=lambda c: (-c["saving_eur"], c["id"]))]
    rows = page.locator("#findings-body tr[data-id]")
    expect(rows).to_have_count(len(expected))
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.id)") == expected
    page.locator("#sort-saving").click()
    expect(rows.first).to_have_attribute("data-id", expected[-1])
    kinds = {c["kind"] for c in all_couplings}
    kind = sorted(kinds)[0]
    page.select_option("#filter-kind", kind)
    expect(rows).to_have_count(sum(c["kind"] == kind for c in all_couplings))
    page.get_by_role("tab", name="Conflicten").click()
    conflicts = web.client.get("/web/api/conflicts").json()
    expect(page.locator("#findings-body tr[data-id]")).to_have_count(conflicts["total"])


@pytest.mark.backends("geopackage")
def test_couplings_list_shows_the_workflow_status_and_responses(web: WebApp, page: Page) -> None:
    items = web.client.get("/web/api/couplings", params={"limit": 500}).json()["items"]
    coupling = next(c for c in items if len(c["organisations"]) == 2)
    first, second = coupling["organisations"]
    assert web.client.post(f"/api/couplings/{coupling['id']}/workflow").status_code == 201
    answer = {"organisation": first, "answer": "accept"}
    assert web.client.post(f"/api/couplings/{coupling['id']}/workflow/responses", json=answer).status_code == 200
    page.goto(f"{web.url}/couplings")
    row = page.locator(f"#findings-body tr[data-id='{coupling['id']}']")
    expect(row.locator(".workflow-status")).to_have_text("in behandeling")
    expect(row.locator(f".workflow-responses li[data-org='{first}']")).to_contain_text("akkoord")
    expect(row.locator(f".workflow-responses li[data-org='{second}']")).to_contain_text("–")


# -- the works register ------------------------------------------------------------------------
def fill_work(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.locator(f"#work-form [name='{name}']")
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


@pytest.mark.backends("geopackage")
def test_adding_a_work_through_the_form_stores_it(web: WebApp, page: Page) -> None:
    open_map(page, f"{web.url}/works")
    page.get_by_role("button", name="+ Nieuw werk").click()
    fill_work(
        page,
        {
            "organisation": "GLASVEZEL",
            "id": "GLASVEZEL:W99",
            "title": "Glasvezel Lasondersingel",
            "discipline": "fibre",
            "kind": "construct",
            "earliest_start": "2027",
            "latest_start": "2029",
            "preferred_start": "2028",
            "duration_months": "2,5",
            "status": "planned",
            "cost_eur": "45000",
            "segments": "S3",
        },
    )
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#form-message")).to_have_text("Opgeslagen. GLASVEZEL:W99")
    stored = web.store.read("works", ids=["GLASVEZEL:W99"])
    assert len(stored) == 1
    work = web.client.get("/api/works/GLASVEZEL:W99", params={"crs": "EPSG:28992"}).json()
    assert {k: work[k] for k in ("organisation", "discipline", "kind", "title", "status")} == {
        "organisation": "GLASVEZEL",
        "discipline": "fibre",
        "kind": "construct",
        "title": "Glasvezel Lasondersingel",
        "status": "planned",
    }
    assert (work["earliest_start"], work["latest_start"], work["preferred_start"]) == (2027, 2029, 2028)
    assert (work["duration_months"], work["cost_eur"]) == (2.5, 45000.0)
    assert work["geometry"]["type"] == "LineString"
    assert flat(work["geometry"]["coordinates"]) == pytest.approx([257600, 472500, 257600, 472700], abs=0.01)
    links = web.store.links("works")
    assert set(links.loc[links["record_id"] == "GLASVEZEL:W99", "segment_id"]) == {"S3"}
    expect(page.locator("#works-body tr[data-id='GLASVEZEL:W99']")).to_have_count(1)


@pytest.mark.backends("geopackage")
def test_a_work_drawn_on_the_map_is_stored_with_that_line(web: WebApp, page: Page) -> None:
    open_map(page, f"{web.url}/works")
    fill_work(
        page,
        {"organisation": "VITENS", "id": "VITENS:W77", "discipline": "water", "kind": "replace"}
        | {"earliest_start": "2030", "latest_start": "2032"},
    )
    page.get_by_role("button", name="Lijn tekenen").click()
    page.locator("#form-map").scroll_into_view_if_needed()
    box = page.locator("#form-map canvas").bounding_box()
    assert box is not None
    clicks = [(60, 60), (160, 90), (220, 180)]
    for x, y in clicks:
        page.mouse.click(box["x"] + x, box["y"] + y)
    expected = page.evaluate(
        "points => points.map(([x, y]) => window.koppelkansMap.unproject([x, y]).toArray())", clicks
    )
    page.get_by_role("button", name="Lijn afronden").click()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#form-message")).to_have_text("Opgeslagen. VITENS:W77")
    work = web.client.get("/api/works/VITENS:W77").json()
    assert work["geometry"]["type"] == "LineString"
    assert flat(work["geometry"]["coordinates"]) == pytest.approx(flat(expected), abs=1e-5)


@pytest.mark.backends("geopackage")
def test_editing_a_work_changes_it_and_streets_can_be_picked_on_the_map(web: WebApp, page: Page) -> None:
    open_map(page, f"{web.url}/works?edit=GM0153-RIO:W1")
    expect(page.locator("#form-title")).to_contain_text("GM0153-RIO:W1")
    expect(page.locator("#work-title")).to_have_value("Vervanging riool Roomweg")
    page.locator("#work-title").fill("Vervanging riool Roomweg en Lasondersingel")
    page.get_by_role("button", name="Straten kiezen").click()
    page.locator("#form-map").scroll_into_view_if_needed()
    idle(page)
    lonlat = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True).transform(257600, 472650)
    point = page.evaluate(
        "lonlat => { const p = window.koppelkansMap.project(lonlat); return [p.x, p.y]; }", list(lonlat)
    )  # on the Lasondersingel, segment S3
    box = page.locator("#form-map canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    expect(page.locator("#work-segments")).to_have_value("S3")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#form-message")).to_have_text("Opgeslagen. GM0153-RIO:W1")
    work = web.client.get("/api/works/GM0153-RIO:W1", params={"crs": "EPSG:28992"}).json()
    assert work["title"] == "Vervanging riool Roomweg en Lasondersingel"
    assert flat(work["geometry"]["coordinates"]) == pytest.approx([257600, 472500, 257600, 472700], abs=0.01)
    assert work["attributes"] == {"budget_line": "RIO-2027-04"}  # what the form does not show is kept


@pytest.mark.backends("geopackage")
def test_a_bad_form_shows_the_field_error_the_api_gives(web: WebApp, page: Page) -> None:
    open_map(page, f"{web.url}/works")
    values = {
        "organisation": "VITENS",
        "id": "VITENS:W8",
        "discipline": "water",
        "kind": "replace",
        "earliest_start": "2030",
        "latest_start": "2027",
    }
    fill_work(page, values | {"segments": "S3"})
    page.get_by_role("button", name="Opslaan").click()
    geometry = web.client.get("/api/segments/S3").json()["geometry"]
    body: dict[str, Any] = {k: int(v) if k.endswith("_start") else v for k, v in values.items()}
    answer = web.client.post("/api/works", json=body | {"geometry": geometry})
    assert answer.status_code == 422
    problem = next(p for p in answer.json()["error"]["problems"] if p["field"] == "latest_start")
    expect(page.locator("#work-latest_start-error")).to_have_text(problem["reason"])
    expect(page.locator("#work-latest_start")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#form-message")).to_contain_text("Het werk is niet opgeslagen")
    assert web.store.read("works", ids=["VITENS:W8"]).empty


@pytest.mark.backends("geopackage")
def test_a_form_without_required_fields_names_each_of_them(web: WebApp, page: Page) -> None:
    open_map(page, f"{web.url}/works")
    fill_work(page, {"id": "VITENS:W9", "organisation": "VITENS"})
    page.get_by_role("button", name="Opslaan").click()
    for field in ("discipline", "kind", "earliest_start", "latest_start"):
        expect(page.locator(f"#work-{field}-error")).not_to_be_empty()
    expect(page.locator("#work-geometry-error")).not_to_be_empty()


# -- the timeline ------------------------------------------------------------------------------
@pytest.mark.backends("geopackage")
def test_timeline_shows_the_works_of_a_street_and_says_when_no_plan_is_kept(web: WebApp, page: Page) -> None:
    page.goto(f"{web.url}/timeline?street=Roomweg")
    rows = page.locator(".gantt-row[data-id]")
    expect(rows).to_have_count(2)
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.id)")) == {"GM0153-RIO:W1", "GM0153-WEG:W2"}
    expect(page.locator("#no-plan")).to_contain_text("koppelkans plan")
    expect(page.locator("#scenario-integrated")).to_be_disabled()
    sewer = page.locator(".gantt-row[data-id='GM0153-RIO:W1'] .bar-exec")
    expect(sewer).to_have_attribute("data-year", "2028")  # its preferred year: the sectoral view


@pytest.mark.backends("geopackage")
def test_timeline_integrated_view_marks_the_year_of_the_kept_plan(web: WebApp, page: Page) -> None:
    plan = {
        "scenario": "integrated",
        "horizon": [2026, 2035],
        "method": "milp",
        "gap": 0.0,
        "savings": {"eur": 12000.0, "pct": 3.5, "openings_avoided": 1},
        "works": [
            {"id": "GM0153-RIO:W1", "type": "work", "organisation": "GM0153-RIO", "year": 2027, "project": "P1"},
            {"id": "GM0153-WEG:W2", "type": "work", "organisation": "GM0153-WEG", "year": 2027, "project": "P1"},
        ],
        "store": web.store.url,
    }
    with web.store.transaction() as tx:
        tx.keep_plan(plan)
    page.goto(f"{web.url}/timeline?street=Roomweg")
    expect(page.locator("#no-plan")).to_have_count(0)
    sewer = page.locator(".gantt-row[data-id='GM0153-RIO:W1'] .bar-exec")
    expect(sewer).to_have_attribute("data-year", "2028")
    page.get_by_label(re.compile("Integraal")).check()
    expect(sewer).to_have_attribute("data-year", "2027")
    expect(sewer).to_have_class(re.compile("moved"))
    expect(page.locator("#plan-box")).to_contain_text("€ 12.000")


# -- language and accessibility ----------------------------------------------------------------
@pytest.mark.backends("geopackage")
def test_language_switch_shows_english_and_is_remembered(web: WebApp, page: Page) -> None:
    page.goto(f"{web.url}/")
    expect(page.get_by_role("link", name="Koppelkansen en conflicten")).to_be_visible()
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.get_by_role("link", name="Couplings and conflicts")).to_be_visible()
    expect(page.locator("label[for='organisation']")).to_have_text("Organisation")
    expect(page.locator("#disciplines")).to_contain_text("drinking water")
    page.get_by_role("link", name="Couplings and conflicts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Couplings and conflicts")
    assert page.evaluate("() => document.documentElement.lang") == "en"


@pytest.mark.backends("geopackage")
@pytest.mark.parametrize("path", ["/", "/couplings", "/timeline", "/works", "/subscriptions"])
def test_every_control_has_a_label_and_the_page_can_be_tabbed_through(web: WebApp, page: Page, path: str) -> None:
    page.goto(f"{web.url}{path}")
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()
                         && !e.getAttribute('title'))
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert unlabelled == []
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('.brand') !== null")
