"""The subscriptions page (C4) in a real browser: an organisation draws its interest area on the map or
uploads it as a file, and sees, and may delete, the subscriptions. What the page did is read back from the
store (the area in EPSG:28992), not only from the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import httpx
import numpy as np
import pytest
import shapely
from playwright.sync_api import Browser, Page, expect

from koppelkans.config import CRS, MAP_CRS
from koppelkans.domain.crs import transformer
from koppelkans.identity import add_user
from koppelkans.notifications import subscribe, subscriptions_of
from koppelkans.store import SqlRepository

from .api_server import admin_headers, running_server, store_url
from .conftest import FIXTURES
from .register_helpers import load_roombeek
from .test_web import WebApp, idle
from .test_web_workflow import COORDINATOR, PASSWORD, VIEWER, signed_in

pytestmark = pytest.mark.browser

EDITOR = "planning@vitens.example"
AREA_FILE = FIXTURES / "exchange" / "areas.geojson"
WRONG_FILE = FIXTURES / "exchange" / "assets.csv"


@pytest.fixture
def web(store: SqlRepository, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebApp]:
    """The Roombeek register with a coordinator, a Vitens editor and a viewer, served without a base map."""
    monkeypatch.setenv("KOPPELKANS_BASEMAP_URL", "")
    load_roombeek(store)
    headers = admin_headers(store)
    add_user(store, COORDINATOR, organisation="GM0153", role="coordinator", password=PASSWORD)
    add_user(store, EDITOR, organisation="VITENS", role="editor", password=PASSWORD)
    add_user(store, VIEWER, organisation="VITENS", role="viewer", password=PASSWORD)
    with running_server(store_url(store)) as url, httpx.Client(base_url=url, timeout=30, headers=headers) as client:
        yield WebApp(url=url, client=client, store=store)


def open_subscriptions(page: Page, web: WebApp) -> None:
    """The subscriptions page with its map loaded and the list filled."""
    page.goto(f"{web.url}/subscriptions")
    page.wait_for_function(
        "window.koppelkansMap && window.koppelkansMap.getLayer('subscriptions-fill')", timeout=30_000
    )
    idle(page)


def to_rd(lonlat: list[list[float]]) -> np.ndarray:
    """Points in lon/lat as EPSG:28992 coordinates."""
    x, y = transformer(MAP_CRS, CRS).transform(*np.array(lonlat).T)
    return np.column_stack([x, y])


@pytest.mark.backends("geopackage", "postgis")
def test_an_editor_draws_its_area_on_the_map_and_subscribes(web: WebApp, browser: Browser) -> None:
    with signed_in(browser, web, EDITOR) as page:
        open_subscriptions(page, web)
        organisation = page.locator("#sub-organisation")
        assert organisation.evaluate("s => [...s.options].map(o => o.value)") == ["VITENS"]
        expect(organisation).to_be_disabled()
        page.get_by_role("button", name="Gebied tekenen").click()
        box = page.locator("#subscriptions-map canvas").bounding_box()
        assert box is not None
        clicks = [(80, 60), (300, 80), (320, 220)]
        for x, y in clicks:
            page.mouse.click(box["x"] + x, box["y"] + y)
        expect(page.locator("#area-status")).to_have_text("3 hoekpunt(en) geklikt")
        last = (90, 240)
        page.mouse.dblclick(box["x"] + last[0], box["y"] + last[1])  # the last corner, closing the area
        expect(page.locator("#area-status")).to_have_text("Gebied getekend (4 hoekpunten)")
        corners = page.evaluate(
            "points => points.map(([x, y]) => window.koppelkansMap.unproject([x, y]).toArray())", [*clicks, last]
        )
        page.locator("#sub-email").fill("planning@vitens.example")
        page.locator("#sub-language").select_option("en")
        page.get_by_role("button", name="Abonneren").click()
        expect(page.locator("#form-message")).to_have_text("Abonnement aangemaakt.")
        row = page.locator("#subscriptions-body tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("planning@vitens.example")
        expect(row.locator("button.delete")).to_have_count(1)
    [stored] = subscriptions_of(web.store)
    assert (stored.organisation, stored.email, stored.language) == ("VITENS", "planning@vitens.example", "en")
    points = shapely.points(to_rd(corners))
    assert shapely.dwithin(stored.area, points, 0.05).all()  # each corner on the area's outline (±5 cm)
    drawn = shapely.Polygon(to_rd(corners))
    assert stored.area.contains(drawn.centroid)
    assert stored.area.symmetric_difference(drawn).area < 1e-4 * drawn.area


@pytest.mark.backends("geopackage")
def test_a_coordinator_uploads_an_area_file_for_any_organisation_and_deletes_it(web: WebApp, browser: Browser) -> None:
    with signed_in(browser, web, COORDINATOR) as page:
        open_subscriptions(page, web)
        organisations = page.locator("#sub-organisation option").evaluate_all("os => os.map(o => o.value)")
        assert sorted(organisations) == sorted(web.store.read("organisations")["code"])
        page.locator("#sub-organisation").select_option("GM0153")
        page.locator("#sub-area").set_input_files(AREA_FILE)
        expect(page.locator("#area-status")).to_have_text("areas.geojson")
        page.locator("#sub-webhook_url").fill("https://enschede.example/hooks/koppelkans")
        page.locator("#sub-secret").fill("s3cret")
        page.get_by_role("button", name="Abonneren").click()
        expect(page.locator("#form-message")).to_have_text("Abonnement aangemaakt.")
        [stored] = subscriptions_of(web.store)
        expected = shapely.union_all(gpd.read_file(AREA_FILE).to_crs(CRS).geometry.to_numpy())
        assert stored.organisation == "GM0153" and stored.secret == "s3cret"
        assert stored.area.symmetric_difference(expected).area < 1e-6 * expected.area
        row = page.locator(f"#subscriptions-body tr[data-id='{stored.id}']")
        expect(row.locator("td.num")).to_have_text(f"{stored.area.area / 1e6:.2f} km²".replace(".", ","))
        rendered = page.evaluate(
            "() => window.koppelkansMap.queryRenderedFeatures({layers: ['subscriptions-fill']})"
            ".map(f => f.properties.id)"
        )
        assert set(rendered) == {stored.id}
        page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Verwijderen").click()
        expect(page.locator("#subscriptions-body tr")).to_have_count(0)
    assert subscriptions_of(web.store) == []


@pytest.mark.backends("geopackage")
def test_a_wrong_file_shows_the_servers_message_at_the_area_and_stores_nothing(web: WebApp, browser: Browser) -> None:
    content = WRONG_FILE.read_bytes()
    refused = web.client.post(
        "/api/subscriptions/upload",
        data={"organisation": "VITENS", "email": "planning@vitens.example"},
        files={"area": (WRONG_FILE.name, content)},
    ).json()["error"]
    assert refused["field"] == "area"
    [reason] = [problem["reason"] for problem in refused["problems"] if problem["field"] == "area"]
    with signed_in(browser, web, EDITOR) as page:
        open_subscriptions(page, web)
        page.get_by_role("button", name="Abonneren").click()  # no area at all: said before anything is sent
        expect(page.locator("#sub-area-error")).to_have_text("Teken een gebied of kies een bestand.")
        page.locator("#sub-area").set_input_files(WRONG_FILE)
        page.locator("#sub-email").fill("planning@vitens.example")
        page.get_by_role("button", name="Abonneren").click()
        expect(page.locator("#sub-area-error")).to_have_text(reason)
        expect(page.locator("#sub-area")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#subscriptions-body tr")).to_have_count(0)
    assert subscriptions_of(web.store) == []


@pytest.mark.backends("geopackage")
def test_a_geopackage_of_several_layers_asks_for_the_layer_then_reads_that_one(
    web: WebApp, browser: Browser, tmp_path: Path
) -> None:
    gpkg = tmp_path / "netgebied.gpkg"
    east, west = shapely.box(257_600, 472_450, 257_850, 472_550), shapely.box(257_350, 472_450, 257_600, 472_550)
    gpd.GeoDataFrame(geometry=[west], crs=CRS).to_file(gpkg, layer="west", driver="GPKG")
    gpd.GeoDataFrame(geometry=[east], crs=CRS).to_file(gpkg, layer="oost", driver="GPKG")
    with signed_in(browser, web, EDITOR) as page:
        open_subscriptions(page, web)
        page.locator("#sub-area").set_input_files(gpkg)
        page.locator("#sub-email").fill("planning@vitens.example")
        page.get_by_role("button", name="Abonneren").click()
        expect(page.locator("#sub-layer-error")).to_contain_text("several layers: west, oost")
        expect(page.locator("#sub-layer")).to_have_attribute("aria-invalid", "true")
        assert subscriptions_of(web.store) == []
        page.locator("#sub-layer").fill("oost")
        page.get_by_role("button", name="Abonneren").click()
        expect(page.locator("#form-message")).to_have_text("Abonnement aangemaakt.")
    [stored] = subscriptions_of(web.store)
    assert stored.area.symmetric_difference(east).area < 1e-6 * east.area


@pytest.mark.backends("geopackage")
def test_a_viewer_sees_the_list_only_and_an_editor_deletes_only_its_own(web: WebApp, browser: Browser) -> None:
    area = shapely.box(257300, 472400, 257900, 472800)
    own = subscribe(web.store, "VITENS", area, email="planning@vitens.example")
    other = subscribe(web.store, "GM0153", area, email="gis@enschede.example")
    with signed_in(browser, web, VIEWER) as page:
        open_subscriptions(page, web)
        expect(page.locator("#subscriptions-body tr")).to_have_count(2)
        expect(page.locator("#subscription-form")).to_have_count(0)
        expect(page.locator("#read-only")).to_be_visible()
        expect(page.locator("#subscriptions-body button.delete")).to_have_count(0)
        expect(page.locator(".mainnav a[href='/subscriptions']")).to_have_text("Abonnementen")
    with signed_in(browser, web, EDITOR) as page:
        open_subscriptions(page, web)
        expect(page.locator(f"#subscriptions-body tr[data-id='{own['id']}'] button.delete")).to_have_count(1)
        expect(page.locator(f"#subscriptions-body tr[data-id='{other['id']}'] button.delete")).to_have_count(0)
    assert len(subscriptions_of(web.store)) == 2
