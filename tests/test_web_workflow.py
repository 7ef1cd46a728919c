"""The coupling workflow (C3) and the public works view in the web app, in a real browser: Debian's chromium
driven by Playwright against a real server on the Roombeek register, each user signed in through the login
form. What a step did is read back from the store, not only from the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, expect

from koppelkans.domain.workflow import CouplingWorkflow
from koppelkans.identity import add_user
from koppelkans.store import SqlRepository
from koppelkans.workflow import coupling_members, propose_coupling

from .api_server import admin_headers, running_server, store_url
from .test_web import THIS_YEAR, WORK_LAYERS, WebApp, open_map, prepare, rendered

pytestmark = pytest.mark.browser

PASSWORD = "roombeek-2026"
COORDINATOR = "pm@enschede.example"
VIEWER = "viewer@vitens.example"


@dataclass
class Coupling:
    """A coupling of the served register between two member organisations, each with an editor."""

    id: str
    members: list[str]
    editors: dict[str, str]
    """member organisation → the e-mail of its editor"""


@pytest.fixture
def web(store: SqlRepository, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebApp]:
    """The Roombeek register with its findings, a coordinator and a viewer, served without a base map."""
    monkeypatch.setenv("KOPPELKANS_BASEMAP_URL", "")
    prepare(store)
    headers = admin_headers(store)
    add_user(store, COORDINATOR, organisation="GM0153", role="coordinator", password=PASSWORD)
    add_user(store, VIEWER, organisation="VITENS", role="viewer", password=PASSWORD)
    with running_server(store_url(store)) as url, httpx.Client(base_url=url, timeout=30, headers=headers) as client:
        yield WebApp(url=url, client=client, store=store)


@pytest.fixture
def coupling(web: WebApp) -> Coupling:
    """The first listed coupling between two organisations, and an editor for each of them."""
    items = web.client.get("/web/api/couplings", params={"limit": 500}).json()["items"]
    found = next(c for c in items if len(c["organisations"]) == 2)
    members = coupling_members(web.store, found["id"])
    assert sorted(members) == sorted(found["organisations"])
    editors = {org: f"editor@{org.lower()}.example" for org in members}
    for org, email in editors.items():
        add_user(web.store, email, organisation=org, role="editor", password=PASSWORD)
    return Coupling(id=found["id"], members=members, editors=editors)


@contextmanager
def signed_in(browser: Browser, web: WebApp, email: str) -> Iterator[Page]:
    """A browser page signed in as `email` through the login form; no JavaScript error may occur on it."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{web.url}/login")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.rstrip("/") == web.url, page.url
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def workflow_in(store: SqlRepository, coupling_id: str) -> CouplingWorkflow | None:
    rows = store.read_coupling_workflows(ids=[coupling_id])
    return CouplingWorkflow.from_row(rows[0]) if rows else None


def open_coupling(page: Page, web: WebApp, coupling_id: str) -> None:
    """The couplings page with the coupling's row selected: its workflow panel open."""
    page.goto(f"{web.url}/couplings")
    page.locator(f"#findings-body tr[data-id='{coupling_id}'] button.show-on-map").click()
    expect(page.locator("#workflow-body .panel-id")).to_have_text(coupling_id)


def workflow_posts(page: Page) -> list[str]:
    """The URLs of the workflow steps the page sends from now on."""
    sent: list[str] = []

    def seen(request: Request) -> None:
        if request.method != "GET" and "/workflow" in request.url:
            sent.append(request.url)

    page.on("request", seen)
    return sent


# -- the steps -------------------------------------------------------------------------------------
@pytest.mark.backends("geopackage", "postgis")
def test_the_coordinator_proposes_and_a_member_declines_only_with_a_reason(
    web: WebApp, coupling: Coupling, browser: Browser
) -> None:
    with signed_in(browser, web, COORDINATOR) as page:
        open_coupling(page, web, coupling.id)
        panel = page.locator("#workflow-body")
        expect(panel.locator("#workflow-status")).to_have_text("Nog niet voorgesteld aan de betrokken organisaties.")
        panel.get_by_role("button", name="Voorstellen aan de betrokkenen").click()
        expect(panel.locator("#workflow-status .workflow-status")).to_have_text("voorgesteld")
        expect(panel.locator(".workflow-deadline")).to_contain_text("nog 15 dagen")
        expect(page.locator(f"#findings-body tr[data-id='{coupling.id}'] .workflow-status")).to_have_text("voorgesteld")
    proposed = workflow_in(web.store, coupling.id)
    assert proposed is not None and proposed.status.value == "proposed" and proposed.proposed_by == COORDINATOR
    assert list(proposed.members) == coupling.members

    first, second = coupling.members
    with signed_in(browser, web, coupling.editors[first]) as page:
        page.goto(f"{web.url}/couplings")
        row = page.locator(f"#findings-body tr[data-id='{coupling.id}']")
        expect(row.locator(".your-turn")).to_have_text("uw antwoord gevraagd")
        open_coupling(page, web, coupling.id)
        panel = page.locator("#workflow-body")
        # an editor answers for its own organisation only, and takes no coordinator's step
        assert panel.locator("#respond-organisation option").evaluate_all("os => os.map(o => o.value)") == [first]
        for absent in ("#workflow-propose", "#split-form", "#workflow-realise", "#workflow-escalate"):
            expect(panel.locator(absent)).to_have_count(0)
        expect(page.locator("#recompute")).to_have_count(0)
        sent = workflow_posts(page)
        panel.get_by_label("Afwijzen").check()
        panel.get_by_role("button", name="Antwoord versturen").click()
        expect(panel.locator("#respond-reason-error")).to_have_text("Geef een reden om af te wijzen.")
        expect(panel.locator("#respond-reason")).to_have_attribute("aria-invalid", "true")
        assert sent == []  # the page did not send it
        untouched = workflow_in(web.store, coupling.id)
        assert untouched is not None and untouched.status.value == "proposed" and not untouched.responses
        panel.locator("#respond-reason").fill("budget verschoven naar 2031")
        panel.get_by_role("button", name="Antwoord versturen").click()
        expect(panel.locator("#workflow-status .workflow-status")).to_have_text("afgewezen")
        expect(panel.locator(f".workflow-members li[data-org='{first}']")).to_contain_text(
            "afgewezen (budget verschoven naar 2031)"
        )
        expect(panel.locator(".form-ok")).to_have_text("Opgeslagen.")
        expect(row.locator(".workflow-status")).to_have_text("afgewezen")
        expect(panel.locator("#respond-form")).to_have_count(0)  # a declined coupling takes no more answers
    declined = workflow_in(web.store, coupling.id)
    assert declined is not None and declined.status.value == "declined"
    answer = declined.responses[first]
    assert (answer.answer.value, answer.reason, answer.by) == (
        "decline",
        "budget verschoven naar 2031",
        coupling.editors[first],
    )
    assert second not in declined.responses


@pytest.mark.backends("geopackage")
def test_the_coordinator_escalates_answers_splits_the_cost_and_realises(
    web: WebApp, coupling: Coupling, browser: Browser
) -> None:
    first, second = coupling.members
    twenty_days_ago = datetime.now(UTC) - timedelta(days=20)
    propose_coupling(web.store, coupling.id, actor=COORDINATOR, now=twenty_days_ago)  # 15 days to respond: 5 late
    with signed_in(browser, web, COORDINATOR) as page:
        page.goto(f"{web.url}/couplings")
        row = page.locator(f"#findings-body tr[data-id='{coupling.id}']")
        expect(row.locator(".workflow-deadline")).to_contain_text("5 dagen te laat")
        open_coupling(page, web, coupling.id)
        panel = page.locator("#workflow-body")
        expect(panel.locator(".workflow-deadline.overdue")).to_contain_text("5 dagen te laat")
        panel.locator("#workflow-escalate").click()
        expect(panel.locator("#workflow-status")).to_contain_text("geëscaleerd")
        expect(panel.locator("#workflow-escalate")).to_have_count(0)
        escalated = workflow_in(web.store, coupling.id)
        assert escalated is not None and escalated.escalated

        # the coordinator answers for each member
        for org in (first, second):
            panel.locator("#respond-organisation").select_option(org)
            panel.get_by_label("Akkoord").check()
            panel.get_by_role("button", name="Antwoord versturen").click()
            expect(panel.locator(f".workflow-members li[data-org='{org}']")).to_contain_text("akkoord")
        expect(panel.locator("#workflow-status .workflow-status")).to_have_text("aanvaard")
        expect(panel.locator(".workflow-deadline")).to_contain_text("nog 45 dagen")
        expect(panel.locator("#workflow-realise")).to_be_disabled()

        # a split the server refuses: its message under the field it names, nothing stored
        split_url = f"/api/couplings/{coupling.id}/workflow/cost-split"
        for shares, field, shown_at in (
            ({first: 60, second: 30}, "cost_split", "#cost-split-error"),
            ({first: 150, second: -50}, f"cost_split.{first}", "#share-0-error"),
        ):
            refused = web.client.put(split_url, json={"shares": shares}).json()["error"]
            assert refused["field"] == field
            panel.locator("#share-0").fill(str(shares[first]))
            panel.locator("#share-1").fill(str(shares[second]))
            panel.get_by_role("button", name="Kostenverdeling vastleggen").click()
            expect(panel.locator(shown_at)).to_have_text(refused["message"])
            stored = workflow_in(web.store, coupling.id)
            assert stored is not None and stored.cost_split == {}
        panel.locator("#share-0").fill("70")
        panel.locator("#share-1").fill("30")
        expect(panel.locator("#cost-split-total")).to_have_text("Totaal 100 %")
        panel.get_by_role("button", name="Kostenverdeling vastleggen").click()
        expect(panel.locator(f".workflow-split li[data-org='{first}']")).to_contain_text("70 %")
        split = workflow_in(web.store, coupling.id)
        assert split is not None and split.cost_split == {first: 70.0, second: 30.0}

        panel.get_by_role("button", name="Markeren als gerealiseerd").click()
        expect(panel.locator("#workflow-status .workflow-status")).to_have_text("gerealiseerd")
        expect(row.locator(".workflow-status")).to_contain_text("gerealiseerd")
        for absent in ("#respond-form", "#split-form", "#workflow-realise"):
            expect(panel.locator(absent)).to_have_count(0)
        events = panel.locator(".workflow-events li").evaluate_all("items => items.map(i => i.dataset.event)")
        assert events == [
            "proposed",
            "escalated",
            "escalation_announced",
            "responded",
            "responded",
            "cost_split",
            "realised",
        ]
    realised = workflow_in(web.store, coupling.id)
    assert realised is not None and realised.status.value == "realised" and realised.realised_at is not None
    assert {org: r.by for org, r in realised.responses.items()} == {first: COORDINATOR, second: COORDINATOR}


@pytest.mark.backends("geopackage")
def test_a_step_refused_since_the_panel_opened_shows_the_servers_message(
    web: WebApp, coupling: Coupling, browser: Browser
) -> None:
    first, second = coupling.members
    propose_coupling(web.store, coupling.id, actor=COORDINATOR)
    with signed_in(browser, web, coupling.editors[second]) as page:
        open_coupling(page, web, coupling.id)
        panel = page.locator("#workflow-body")
        expect(panel.locator("#respond-form")).to_have_count(1)
        decline = {"organisation": first, "answer": "decline", "reason": "geen budget"}
        assert web.client.post(f"/api/couplings/{coupling.id}/workflow/responses", json=decline).status_code == 200
        refused = web.client.post(
            f"/api/couplings/{coupling.id}/workflow/responses", json={"organisation": second, "answer": "accept"}
        ).json()["error"]
        panel.get_by_role("button", name="Antwoord versturen").click()
        expect(panel.locator("#workflow-message [role=alert]")).to_have_text(f"Niet opgeslagen: {refused['message']}")
    declined = workflow_in(web.store, coupling.id)
    assert declined is not None and declined.status.value == "declined" and list(declined.responses) == [first]


@pytest.mark.backends("geopackage")
def test_a_viewer_is_offered_no_step_and_the_server_refuses_them(
    web: WebApp, coupling: Coupling, browser: Browser
) -> None:
    propose_coupling(web.store, coupling.id, actor=COORDINATOR)
    before = workflow_in(web.store, coupling.id)
    with signed_in(browser, web, VIEWER) as page:
        open_coupling(page, web, coupling.id)
        panel = page.locator("#workflow-body")
        expect(panel.locator("#workflow-status .workflow-status")).to_have_text("voorgesteld")
        expect(panel.locator(".workflow-deadline")).to_contain_text("nog 15 dagen")
        expect(panel.get_by_role("button")).to_have_count(0)
        expect(panel.locator("form")).to_have_count(0)
        expect(page.locator("#recompute")).to_have_count(0)
        expect(page.locator("#escalate")).to_have_count(0)
        expect(page.locator("#findings-body .your-turn")).to_have_count(0)
        statuses = page.evaluate(
            """async ([id, org]) => {
                const csrf = document.querySelector('meta[name="csrf-token"]').content;
                const send = (method, path, body) => fetch(`/api/couplings/${id}/workflow${path}`, {
                    method, body: body && JSON.stringify(body),
                    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}}).then(r => r.status);
                return [await send("POST", "/responses", {organisation: org, answer: "accept"}),
                        await send("PUT", "/cost-split", {shares: {[org]: 100}})];
            }""",
            [coupling.id, coupling.members[0]],
        )
        assert statuses == [403, 403]
    assert workflow_in(web.store, coupling.id) == before


# -- the public works view -------------------------------------------------------------------------
@pytest.mark.backends("geopackage")
def test_the_public_view_shows_anonymous_visitors_the_works_alone(
    store: SqlRepository, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOPPELKANS_BASEMAP_URL", "")
    prepare(store)
    with running_server(store_url(store)) as url:
        closed = httpx.get(f"{url}/")
        assert closed.status_code == 303 and closed.headers["location"] == "/login?next=/"
    monkeypatch.setenv("KOPPELKANS_PUBLIC_WORKS", "true")
    with running_server(store_url(store)) as url:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="nl-NL")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        answered: dict[str, int] = {}
        page.on("response", lambda response: answered.__setitem__(response.url.removeprefix(url), response.status))
        open_map(page, f"{url}/")
        works = store.read("works")
        in_window = {
            w for w, a, b in zip(works["id"], works["earliest_start"], works["latest_start"]) if a <= THIS_YEAR <= b
        }
        assert rendered(page, WORK_LAYERS) == in_window and in_window
        layers = page.evaluate("() => window.koppelkansMap.getStyle().layers.map(l => l.id)")
        assert not [layer for layer in layers if layer.split("-")[0] in ("assets", "due", "tasks", "segments", "areas")]
        assert {path.split("/")[2] for path in answered if path.startswith("/tiles/")} == {"works"}
        assert not [path for path in answered if path.startswith(("/api/assets", "/web/api"))]
        # what the page does not ask for stays closed to it
        tile = next(path for path in answered if path.startswith("/tiles/works/")).replace("/works/", "/assets/")
        assert page.evaluate("path => fetch(path).then(r => r.status)", tile) == 401
        assert page.evaluate("() => fetch('/api/assets').then(r => r.status)") == 401
        # the page offers the map alone, no edit actions, and a way to log in
        assert page.locator(".mainnav a").evaluate_all("links => links.map(a => a.getAttribute('href'))") == ["/"]
        expect(page.get_by_role("link", name="Inloggen")).to_have_attribute("href", "/login")
        expect(page.locator("#layers input")).to_have_count(1)
        expect(page.locator("#public-view")).to_be_visible()
        assert httpx.get(f"{url}/couplings").status_code == 303
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
