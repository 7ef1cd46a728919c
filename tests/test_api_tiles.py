"""Vector tiles on a real server: PostGIS builds them with ST_AsMVT, the embedded store in Python;
both decode to the same features, attributes and (to a grid unit) the same geometry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mapbox_vector_tile
import pytest
from pyproj import Transformer

from koppelkans.api.tiles import EXTENT, tile_bounds

if TYPE_CHECKING:
    from .api_server import ApiServer

pytest_plugins = ["tests.api_server"]  # the `api` fixture: a real server on the test store

ROOMBEEK = (14, 8505, 5394)  # the z14 tile holding the whole Roombeek fixture
RD_TO_MERCATOR = Transformer.from_crs("EPSG:28992", "EPSG:3857", always_xy=True)


def decoded(api: ApiServer, layer: str, z: int, x: int, y: int) -> list[dict]:
    response = api.client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.content)[layer]["features"]


def grid(x: float, y: float) -> list[float]:
    """RD New → the tile's 4096 grid (y up, as mapbox_vector_tile decodes)."""
    minx, miny, maxx, maxy = tile_bounds(*ROOMBEEK)
    mx, my = RD_TO_MERCATOR.transform(x, y)
    return [(mx - minx) / (maxx - minx) * EXTENT, (my - miny) / (maxy - miny) * EXTENT]


def test_works_tile_has_every_work_with_its_attributes(api: ApiServer) -> None:
    features = {f["properties"]["id"]: f for f in decoded(api, "works", *ROOMBEEK)}
    assert sorted(features) == sorted(api.store.keys("works"))
    assert features["GM0153-RIO:W1"]["properties"] == {
        "id": "GM0153-RIO:W1",
        "organisation": "GM0153-RIO",
        "discipline": "sewer",
        "kind": "replace",
        "title": "Vervanging riool Roomweg",
        "status": "planned",
        "phase": "pve",
        "earliest_start": 2027,
        "latest_start": 2029,
        "preferred_start": 2028,
    }
    assert "preferred_start" not in features["GM0153:W6"]["properties"]  # missing values are left out
    line = features["GM0153-RIO:W1"]["geometry"]
    assert line["type"] == "LineString"
    expected = grid(257400, 472500) + grid(257800, 472500)
    assert [v for point in line["coordinates"] for v in point] == pytest.approx(expected, abs=1.5)
    assert features["GM0153:W6"]["geometry"]["type"] == "Polygon"


def test_segments_and_tasks_tiles_carry_the_same_attributes_on_both_back_ends(api: ApiServer) -> None:
    segments = {f["properties"]["id"]: f["properties"] for f in decoded(api, "segments", *ROOMBEEK)}
    assert segments["S3"] == {"id": "S3", "name": "Lasondersingel", "area_code": "BU01530311", "width_m": 16.0}
    assert len(segments) == 7
    tasks = {f["properties"]["id"]: f for f in decoded(api, "tasks", *ROOMBEEK)}
    assert tasks["GM0153:T1"]["properties"] == {
        "id": "GM0153:T1",
        "theme": "energy_transition",
        "target_year": 2030,
        "area_code": "BU01530311",
        "organisation": "GM0153",
        "intensity": 0.8,
    }
    assert tasks["GM0153:T2"]["geometry"]["type"] == "Polygon"  # drawn with its buurt's polygon
    areas = {f["properties"]["code"] for f in decoded(api, "areas", *ROOMBEEK)}
    assert areas == {"GM0153", "BU01530311", "BU01530312"}


def test_empty_and_impossible_tiles(api: ApiServer) -> None:
    empty = api.client.get("/tiles/works/14/0/0.pbf")
    assert (empty.status_code, empty.content) == (204, b"")
    assert api.client.get("/tiles/works/3/8/0.pbf").json()["error"]["field"] == "x"
    assert api.client.get("/tiles/pipes/14/8505/5394.pbf").json()["error"]["code"] == "invalid_input"
