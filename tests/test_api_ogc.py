"""OGC API – Features on a real server, read by an independent client (OWSLib), on both back-ends;
and the analysis endpoints, which must answer exactly what `koppelkans couplings --json` prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
import shapely
from owslib.ogcapi.features import Features
from pyproj import Transformer

from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.couplings import find_couplings, findings_as_json
from koppelkans.domain.records import KINDS

if TYPE_CHECKING:
    from .api_server import ApiServer

pytest_plugins = ["tests.api_server"]  # the `api` fixture: a real server on the test store

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
RD = "http://www.opengis.net/def/crs/EPSG/0/28992"
RD_TO_LONLAT = Transformer.from_crs("EPSG:28992", "OGC:CRS84", always_xy=True)


def store_count_in(api: ApiServer, kind: str, lonlat_box: tuple[float, float, float, float]) -> int:
    """How many records of a kind the store has in a lon/lat box (geopandas, independent of the API)."""
    records = api.store.read(kind)
    return int(records.to_crs("OGC:CRS84").intersects(shapely.box(*lonlat_box)).sum())


def test_owslib_lists_the_collections_and_reads_items_by_bbox(api: ApiServer) -> None:
    service = Features(f"{api.url}/ogc", headers=api.headers)
    assert set(service.feature_collections()) == set(KINDS)
    assert set(service.conformance()["conformsTo"]) >= {
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    }
    assert service.api()["openapi"] == "3.0.3"  # the oas30 class: the service-desc OWSLib looks for
    for kind in KINDS:
        everything = service.collection_items(kind, limit=1000)
        assert everything["numberMatched"] == everything["numberReturned"] == api.store.count(kind)
    roomweg = RD_TO_LONLAT.transform_bounds(257390, 472490, 257610, 472510)
    for kind in ("works", "assets", "segments", "areas"):
        found = service.collection_items(kind, bbox=list(roomweg), limit=1000)
        assert found["numberMatched"] == len(found["features"]) == store_count_in(api, kind, roomweg), kind
    works = service.collection_items("works", bbox=list(roomweg))
    assert [f["id"] for f in works["features"]] == ["GM0153-RIO:W1", "GM0153-WEG:W2", "VITENS:W3"]
    collection = service.collection("works")
    assert collection["storageCrs"] == RD and collection["crs"] == [CRS84, RD]
    assert collection["extent"]["temporal"]["interval"] == [["2026-01-01T00:00:00Z", "2032-12-31T23:59:59Z"]]
    stored = RD_TO_LONLAT.transform_bounds(*api.store.extent("works"))
    assert collection["extent"]["spatial"]["bbox"][0] == pytest.approx(list(stored), abs=1e-6)  # Roombeek, lon/lat
    assert service.collection_item("works", "GM0153:W6")["properties"]["kind"] == "construct"


def test_items_page_filter_by_datetime_and_answer_in_the_asked_crs(api: ApiServer) -> None:
    client = api.client
    page = client.get("/ogc/collections/works/items?limit=2&offset=2").json()
    assert [f["id"] for f in page["features"]] == ["VITENS:W3", "GLASVEZEL:W4"]
    assert (page["numberMatched"], page["numberReturned"]) == (6, 2)
    rels = {link["rel"]: link["href"] for link in page["links"]}
    assert set(rels) == {"self", "next", "prev"}
    following = httpx.get(rels["next"], headers=api.headers).json()
    assert [f["id"] for f in following["features"]] == ["GM0153-RIO:W5", "GM0153:W6"]

    def ids(query: str) -> list[str]:
        response = client.get(f"/ogc/collections/works/items?{query}")
        assert response.status_code == 200, response.text
        return [f["id"] for f in response.json()["features"]]

    assert ids("datetime=2031-01-01T00:00:00Z/2032-12-31T00:00:00Z") == ["VITENS:W3", "GM0153:W6"]
    assert ids("datetime=../2026-06-30") == ["GM0153-WEG:W2", "GLASVEZEL:W4"]
    assert ids("datetime=2029") == ["GM0153-RIO:W1", "VITENS:W3", "GM0153-RIO:W5", "GM0153:W6"]
    assert ids(f"bbox=257440,472550,257560,472650&bbox-crs={RD}") == ["GM0153:W6"]

    rd = client.get(f"/ogc/collections/segments/items/S1?crs={RD}")
    assert rd.headers["content-crs"] == f"<{RD}>"
    assert rd.headers["content-type"] == "application/geo+json"
    assert rd.json()["geometry"]["coordinates"] == [[257400.0, 472500.0], [257600.0, 472500.0]]
    default = client.get("/ogc/collections/segments/items?limit=1")
    assert default.headers["content-crs"] == f"<{CRS84}>"
    assert default.json()["features"][0]["geometry"]["coordinates"][0] == pytest.approx(
        list(RD_TO_LONLAT.transform(257400, 472500)), abs=1e-9
    )

    for query, field in (
        ("crs=EPSG:3857", "crs"),
        ("bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326&bbox=52,6,53,7", "bbox-crs"),
        ("datetime=yesterday", "datetime"),
        ("colour=red", "colour"),
    ):
        response = client.get(f"/ogc/collections/works/items?{query}")
        assert response.status_code == 400, response.text
        assert response.json()["error"]["field"] == field
    assert client.get("/ogc/collections/pipes/items").status_code == 404
    assert client.get("/ogc/collections/works/items/NOPE").json()["error"]["record"] == "NOPE"


def test_couplings_endpoint_answers_what_the_cli_prints(api: ApiServer) -> None:
    options = CouplingOptions(year_from=2026, year_to=2036)
    expected = findings_as_json(find_couplings(api.store, options, keep=False), language="nl")
    assert expected["couplings"], "the fixture has couplings"
    answer = api.client.get("/api/couplings?year_from=2026&year_to=2036")
    assert answer.status_code == 200, answer.text
    assert answer.json() == expected
    english = findings_as_json(find_couplings(api.store, options, keep=False), language="en")
    assert api.client.get("/api/couplings?year_from=2026&year_to=2036&language=en").json() == english
    conflicts = api.client.get("/api/conflicts?year_from=2026&year_to=2036").json()
    assert conflicts == {"conflicts": expected["conflicts"], "totals": expected["totals"]}
    assert api.store.read_findings("couplings").empty  # GET computes, it does not store

    stored = api.client.post("/api/couplings", json={"year_from": 2026, "year_to": 2036})
    assert stored.json() == expected
    assert sorted(api.store.read_findings("couplings")["id"]) == sorted(c["id"] for c in expected["couplings"])
    assert api.client.get("/api/couplings?area=BU9999").json()["error"]["field"] == "area"
