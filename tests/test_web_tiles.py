"""What the web map needs from the vector tiles: assets carry their stored due year, and the tile cache of
the embedded store never serves a tile older than the register (a write through the API or by another
process shows on the next request)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mapbox_vector_tile
import pytest

from koppelkans.analysis.lifecycle import due_year_findings, forecast_from_assets
from koppelkans.store import open_store

if TYPE_CHECKING:
    from .api_server import ApiServer

pytest_plugins = ["tests.api_server"]  # the `api` fixture: a real server on the Roombeek register

ROOMBEEK = (14, 8505, 5394)  # the z14 tile holding the whole Roombeek fixture
NEW_WORK = {
    "id": "GLASVEZEL:W50",
    "organisation": "GLASVEZEL",
    "discipline": "fibre",
    "kind": "construct",
    "earliest_start": 2027,
    "latest_start": 2028,
    "geometry": {"type": "LineString", "coordinates": [[257600, 472500], [257600, 472700]]},
}


def features(api: ApiServer, layer: str) -> dict[str, dict]:
    response = api.client.get(f"/tiles/{layer}/{'/'.join(map(str, ROOMBEEK))}.pbf")
    assert response.status_code == 200, response.text
    return {
        f["properties"]["id"]: f["properties"] for f in mapbox_vector_tile.decode(response.content)[layer]["features"]
    }


def test_assets_carry_the_stored_due_year_on_both_back_ends(api: ApiServer) -> None:
    assert all("due_year" not in p for p in features(api, "assets").values())  # no forecast stored yet
    forecast = forecast_from_assets(api.store.read("assets"), year=2026, horizon=10)
    stored = due_year_findings(forecast, year=2026)
    with api.store.transaction() as tx:
        tx.replace_findings("due_years", stored)
    assets = features(api, "assets")
    assert {i: p["due_year"] for i, p in assets.items()} == dict(zip(stored["asset_id"], stored["p50"].astype(int)))


def test_a_work_added_through_the_api_is_in_the_next_tile(api: ApiServer) -> None:
    assert "GLASVEZEL:W50" not in features(api, "works")
    assert "GLASVEZEL:W50" not in features(api, "works")  # asked twice: the second answer may come from the cache
    created = api.client.post("/api/works", params={"crs": "EPSG:28992"}, json=NEW_WORK)
    assert created.status_code == 201, created.text
    assert features(api, "works")["GLASVEZEL:W50"]["discipline"] == "fibre"
    etag = created.headers["ETag"]
    deleted = api.client.delete("/api/works/GLASVEZEL:W50", headers={"If-Match": etag})
    assert deleted.status_code == 204
    assert "GLASVEZEL:W50" not in features(api, "works")


@pytest.mark.backends("geopackage")
def test_a_change_by_another_process_is_in_the_next_tile(api: ApiServer) -> None:
    before = features(api, "works")
    assert "GM0153:W6" in before
    other = open_store(api.store.url)  # as a CLI in another process would: its own connection
    with other.transaction() as tx:
        tx.delete("works", ["GM0153:W6"])
    other.close()
    assert set(features(api, "works")) == set(before) - {"GM0153:W6"}
