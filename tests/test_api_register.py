"""The REST resources on a real server, on both back-ends: filters and paging with exact ids from
the Roombeek fixture, CRUD, optimistic concurrency, and bad input answered in the one error shape
with nothing stored."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from pyproj import Transformer

from koppelkans.api.errors import PreconditionFailed
from koppelkans.domain.records import KINDS

if TYPE_CHECKING:
    from .api_server import ApiServer

pytest_plugins = ["tests.api_server"]  # the `api` fixture: a real server on the test store

RD_TO_LONLAT = Transformer.from_crs("EPSG:28992", "OGC:CRS84", always_xy=True)
ALL_WORKS = ["GM0153-RIO:W1", "GM0153-WEG:W2", "VITENS:W3", "GLASVEZEL:W4", "GM0153-RIO:W5", "GM0153:W6"]


def ids(api: ApiServer, path: str) -> list[str]:
    response = api.client.get(path)
    assert response.status_code == 200, response.text
    body = response.json()
    key = "code" if path.startswith(("/api/areas", "/api/organisations")) else "id"
    return [item[key] for item in body["items"]]


def register_state(api: ApiServer) -> dict[str, str]:
    """Everything the store holds, as text, to assert that a refused request changed nothing."""
    state = {kind: api.store.read(kind).drop(columns="attributes").to_json() for kind in KINDS}
    state["attributes"] = json.dumps([list(api.store.read(kind)["attributes"]) for kind in KINDS], sort_keys=True)
    state["links"] = api.store.links().to_json()
    return state


def lonlat(*points: tuple[float, float]) -> list[list[float]]:
    return [list(RD_TO_LONLAT.transform(x, y)) for x, y in points]


def flat(points: list[list[float]]) -> list[float]:
    return [v for point in points for v in point]


def new_work(**changes: object) -> dict[str, object]:
    work: dict[str, object] = {
        "id": "ENEXIS:W9",
        "organisation": "ENEXIS",
        "discipline": "gas",
        "kind": "replace",
        "title": "Vervanging gasleiding Hoge Bothofstraat",
        "earliest_start": 2027,
        "latest_start": 2029,
        "status": "planned",
        "asset_ids": ["ENEXIS:G1"],
        "geometry": {"type": "LineString", "coordinates": lonlat((257800, 472500), (257800, 472700))},
        "attributes": {"budget_line": "GAS-27"},
    }
    work.update(changes)
    return work


def assert_error(response, status: int, code: str, *, record: str | None = None, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "record", "field"}
    assert error["code"] == code
    if record is not None:
        assert error["record"] == record
    if field is not None:
        assert error["field"] == field
    return error


# -- filters and paging ------------------------------------------------------------------------
def test_works_are_filtered_by_organisation_discipline_status_and_year_window(api: ApiServer) -> None:
    assert ids(api, "/api/works") == ALL_WORKS
    assert ids(api, "/api/works?organisation=GM0153-RIO") == ["GM0153-RIO:W1", "GM0153-RIO:W5"]
    assert ids(api, "/api/works?discipline=sewer&discipline=road") == [
        "GM0153-RIO:W1",
        "GM0153-WEG:W2",
        "GM0153-RIO:W5",
    ]
    assert ids(api, "/api/works?status=idea") == ["VITENS:W3", "GM0153-RIO:W5", "GM0153:W6"]
    assert ids(api, "/api/works?year_from=2031&year_to=2032") == ["VITENS:W3", "GM0153:W6"]
    assert ids(api, "/api/works?year_to=2026") == ["GM0153-WEG:W2", "GLASVEZEL:W4"]


def test_works_in_an_area_are_those_on_its_segments_or_unlinked_inside_it(api: ApiServer) -> None:
    oost = ["GM0153-RIO:W1", "GM0153-WEG:W2", "GLASVEZEL:W4", "GM0153-RIO:W5"]
    assert ids(api, "/api/works?area=BU01530312") == oost
    assert ids(api, "/api/works?area=BU01530311") == [
        "GM0153-RIO:W1",
        "GM0153-WEG:W2",
        "VITENS:W3",
        "GLASVEZEL:W4",
        "GM0153:W6",
    ]
    assert ids(api, "/api/works?area=GM0153") == ALL_WORKS
    assert ids(api, "/api/works?area=BU01530312&status=idea") == ["GM0153-RIO:W5"]
    assert ids(api, "/api/assets?area=BU01530312") == ["GM0153-RIO:R2", "GM0153-RIO:R3", "ENEXIS:G1", "GM0153-WEG:V1"]
    assert ids(api, "/api/segments?area=BU01530312") == ["S2", "S4", "S5"]
    assert ids(api, "/api/areas?area=GM0153") == ["GM0153", "BU01530311", "BU01530312"]
    assert ids(api, "/api/tasks?area=BU01530312") == ["GM0153:T2"]
    assert_error(api.client.get("/api/works?area=BU9999"), 400, "invalid_input", field="area")


def test_bbox_selects_in_crs84_by_default_and_in_rd_with_bbox_crs(api: ApiServer) -> None:
    park = (257440, 472550, 257560, 472650)  # around the wadi, clear of every street
    assert ids(api, f"/api/works?bbox={','.join(map(str, park))}&bbox-crs=EPSG:28992") == ["GM0153:W6"]
    west, south, east, north = RD_TO_LONLAT.transform_bounds(*park)
    assert ids(api, f"/api/works?bbox={west},{south},{east},{north}") == ["GM0153:W6"]
    roomweg = "257390,472490,257610,472510"
    assert ids(api, f"/api/works?bbox={roomweg}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/28992") == [
        "GM0153-RIO:W1",
        "GM0153-WEG:W2",
        "VITENS:W3",
    ]
    assert ids(api, f"/api/segments?bbox={roomweg}&bbox-crs=EPSG:28992") == ["S1", "S2", "S3", "S6"]
    assert_error(api.client.get("/api/works?bbox=1,2,3"), 400, "invalid_input", field="bbox")
    assert_error(api.client.get("/api/works?bbox=257390,472490,257610,472510"), 400, "invalid_input", field="bbox")
    assert_error(api.client.get("/api/works?bbox=6,52,7,53&bbox-crs=EPSG:3857"), 400, "invalid_input", field="bbox-crs")


def test_pages_carry_the_total_and_follow_insertion_order(api: ApiServer) -> None:
    page = api.client.get("/api/works?limit=2&offset=2").json()
    assert [w["id"] for w in page["items"]] == ["VITENS:W3", "GLASVEZEL:W4"]
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 2)
    assert ids(api, "/api/works?limit=4&offset=5") == ["GM0153:W6"]
    empty = api.client.get("/api/works?offset=10").json()
    assert (empty["items"], empty["total"]) == ([], 6)
    assert api.client.get("/api/works?status=idea&limit=1").json()["total"] == 3
    assert ids(api, "/api/organisations?kind=grid_operator") == ["ENEXIS"]
    assert ids(api, "/api/tasks?year_from=2031") == ["GM0153:T2"]
    assert_error(api.client.get("/api/works?limit=0"), 422, "validation_failed", field="limit")


def test_records_come_as_geojson_in_crs84_or_rd(api: ApiServer) -> None:
    rd = api.client.get("/api/works/GM0153-RIO:W1?crs=EPSG:28992").json()
    assert rd["geometry"]["type"] == "LineString"  # the fixture's works were drawn in lon/lat: mm-close in RD
    assert flat(rd["geometry"]["coordinates"]) == pytest.approx([257400, 472500, 257800, 472500], abs=0.001)
    assert rd["asset_ids"] == ["GM0153-RIO:R1", "GM0153-RIO:R2"]
    assert rd["attributes"] == {"budget_line": "RIO-2027-04"}
    assert (rd["earliest_start"], rd["latest_start"], rd["dig_free_years"]) == (2027, 2029, 5)
    wgs = api.client.get("/api/works/GM0153-RIO:W1").json()["geometry"]["coordinates"]
    assert flat(wgs) == pytest.approx(flat(lonlat((257400, 472500), (257800, 472500))), abs=1e-8)
    organisation = api.client.get("/api/organisations/GM0153-RIO").json()
    assert organisation == {
        "code": "GM0153-RIO",
        "name": "Gemeente Enschede - riolering",
        "kind": "municipality",
        "parent_code": "GM0153",
        "disciplines": ["sewer"],
        "attributes": {},
    }
    assert_error(api.client.get("/api/works/NOPE:W0"), 404, "not_found", record="NOPE:W0")
    assert_error(api.client.get("/api/nothing-here"), 404, "not_found")


# -- create, change, delete --------------------------------------------------------------------
def test_a_work_is_created_changed_and_deleted(api: ApiServer) -> None:
    created = api.client.post("/api/works", json=new_work())
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/works/ENEXIS:W9"
    etag = created.headers["etag"]
    stored = api.store.read("works", ids=["ENEXIS:W9"])
    assert list(stored.geometry.iloc[0].bounds) == pytest.approx([257800, 472500, 257800, 472700], abs=0.001)
    assert stored["attributes"].iloc[0] == {"budget_line": "GAS-27"}
    links = api.store.links("works")
    assert links.loc[links["record_id"] == "ENEXIS:W9", "segment_id"].tolist() == ["S5"]
    fetched = api.client.get("/api/works/ENEXIS:W9")
    assert fetched.headers["etag"] == etag
    assert fetched.json() == created.json()

    patched = api.client.patch(
        "/api/works/ENEXIS:W9", json={"title": "Gasleiding HB", "latest_start": 2030}, headers={"If-Match": etag}
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] != etag
    assert (patched.json()["title"], patched.json()["latest_start"], patched.json()["earliest_start"]) == (
        "Gasleiding HB",
        2030,
        2027,
    )
    assert api.store.read("works", ids=["ENEXIS:W9"])["title"].iloc[0] == "Gasleiding HB"

    replaced = api.client.put(
        "/api/works/ENEXIS:W9",
        json=new_work(status="committed", asset_ids=[]),
        headers={"If-Match": patched.headers["etag"]},
    )
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["title"], replaced.json()["status"], replaced.json()["asset_ids"]) == (
        "Vervanging gasleiding Hoge Bothofstraat",
        "committed",
        [],
    )

    gone = api.client.delete("/api/works/ENEXIS:W9", headers={"If-Match": replaced.headers["etag"]})
    assert gone.status_code == 204
    assert api.store.read("works", ids=["ENEXIS:W9"]).empty
    assert "ENEXIS:W9" not in set(api.store.links("works")["record_id"])
    assert_error(api.client.get("/api/works/ENEXIS:W9"), 404, "not_found")


def test_a_change_needs_the_current_etag(api: ApiServer) -> None:
    """Two planners read W1; the first saves; the second's save is refused, not silently lost."""
    etag = api.client.get("/api/works/GM0153-RIO:W1").headers["etag"]
    first = api.client.patch("/api/works/GM0153-RIO:W1", json={"cost_eur": 180000}, headers={"If-Match": etag})
    assert first.status_code == 200, first.text
    before = register_state(api)
    second = api.client.patch("/api/works/GM0153-RIO:W1", json={"cost_eur": 1}, headers={"If-Match": etag})
    assert_error(second, 412, "precondition_failed", record="GM0153-RIO:W1")
    assert_error(
        api.client.put("/api/works/GM0153-RIO:W1", json=new_work(id="GM0153-RIO:W1"), headers={"If-Match": etag}),
        412,
        "precondition_failed",
    )
    assert_error(api.client.delete("/api/works/GM0153-RIO:W1", headers={"If-Match": etag}), 412, "precondition_failed")
    assert_error(api.client.patch("/api/works/GM0153-RIO:W1", json={"cost_eur": 1}), 428, "precondition_required")
    assert_error(api.client.delete("/api/works/GM0153-RIO:W1"), 428, "precondition_required")
    assert register_state(api) == before
    assert api.store.read("works", ids=["GM0153-RIO:W1"])["cost_eur"].iloc[0] == 180000


def test_the_version_check_holds_inside_the_write_transaction(api: ApiServer) -> None:
    """A writer in another process (a second worker, a CLI import) changes W1 after our If-Match check:
    the write transaction re-reads W1 under its lock and refuses, leaving the other change in place."""
    from koppelkans.api.records import unchanged_since
    from koppelkans.register import import_records

    version = api.store.read("works", ids=["GM0153-RIO:W1"])
    other = api.client.get("/api/works/GM0153-RIO:W1")
    changed = api.client.patch(
        "/api/works/GM0153-RIO:W1", json={"cost_eur": 222000}, headers={"If-Match": other.headers["etag"]}
    )
    assert changed.status_code == 200, changed.text
    ours = version.drop(columns="geometry").assign(cost_eur=1.0, geometry=version.geometry.to_wkt())
    before = register_state(api)
    with pytest.raises(PreconditionFailed, match="changed while your change was being stored"):
        import_records(
            api.store, "works", ours, source_crs="EPSG:28992", replace=True, guard=unchanged_since(version, "works")
        )
    assert register_state(api) == before
    assert api.store.read("works", ids=["GM0153-RIO:W1"])["cost_eur"].iloc[0] == 222000


# -- bad input: 4xx in the one shape, nothing stored --------------------------------------------
def test_bad_records_are_refused_naming_record_and_field_and_nothing_is_stored(api: ApiServer) -> None:
    before = register_state(api)
    bowtie = {"type": "Polygon", "coordinates": [lonlat((257450, 472560), (257540, 472640), (257540, 472560),
                                                        (257450, 472640), (257450, 472560))]}  # fmt: skip
    cases = [
        (new_work(geometry=bowtie), "geometry", "invalid geometry"),
        (new_work(earliest_start=2030, latest_start=2027), "latest_start", "latest_start 2027 is before"),
        (new_work(organisation="NOPE"), "organisation", "unknown organisation 'NOPE'"),
        (new_work(asset_ids=["ENEXIS:G1", "ENEXIS:G404"]), "asset_ids", "unknown asset ENEXIS:G404"),
        (new_work(discipline="plumbing"), "discipline", "discipline"),
        (new_work(latest_start="soon"), "latest_start", "latest_start"),
        (new_work(geometry={"type": "Point", "coordinates": [200.0, 95.0]}), "geometry", ""),
        (new_work(colour="red"), "colour", "colour"),
    ]
    for body, field, reason in cases:
        error = assert_error(
            api.client.post("/api/works", json=body), 422, "validation_failed", record="ENEXIS:W9", field=field
        )
        assert reason in error["problems"][0]["reason"], error
        assert error["problems"][0]["kind"] == "works"
    assert register_state(api) == before


def test_an_invalid_change_leaves_the_record_as_it_was(api: ApiServer) -> None:
    etag = api.client.get("/api/works/GM0153-RIO:W1").headers["etag"]
    before = register_state(api)
    reversed_window = api.client.patch(
        "/api/works/GM0153-RIO:W1", json={"latest_start": 2020}, headers={"If-Match": etag}
    )
    error = assert_error(reversed_window, 422, "validation_failed", record="GM0153-RIO:W1", field="latest_start")
    assert error["message"].startswith("works GM0153-RIO:W1 field latest_start: latest_start 2020 is before")
    cleared = api.client.patch("/api/works/GM0153-RIO:W1", json={"organisation": None}, headers={"If-Match": etag})
    assert_error(cleared, 422, "validation_failed", record="GM0153-RIO:W1", field="organisation")
    other_id = api.client.put("/api/works/GM0153-RIO:W1", json=new_work(), headers={"If-Match": etag})
    assert_error(other_id, 422, "validation_failed", field="id")
    assert register_state(api) == before


def test_malformed_and_oversized_bodies_are_refused_in_the_one_shape(api: ApiServer) -> None:
    before = register_state(api)
    headers = {"Content-Type": "application/json"}
    assert_error(api.client.post("/api/works", content=b'{"id": "X", ', headers=headers), 400, "malformed_json")
    assert_error(api.client.post("/api/works", content=b"[1, 2]", headers=headers), 422, "validation_failed")
    huge = json.dumps(new_work(title="x" * 3_000_000)).encode()
    assert_error(api.client.post("/api/works", content=huge, headers=headers), 413, "payload_too_large")

    def chunks():  # no Content-Length: the limit holds while streaming too
        for _ in range(40):
            yield b" " * 100_000

    assert_error(api.client.post("/api/works", content=chunks(), headers=headers), 413, "payload_too_large")
    assert_error(api.client.post("/api/works", json=new_work(id="GM0153-RIO:W1")), 409, "already_exists")
    assert register_state(api) == before


def test_records_still_named_by_others_cannot_be_deleted(api: ApiServer) -> None:
    before = register_state(api)
    for path, field in (
        ("/api/organisations/GLASVEZEL", "organisation"),
        ("/api/organisations/GM0153", "parent_code"),
        ("/api/assets/VITENS:L1", "asset_ids"),
        ("/api/areas/BU01530311", "area_code"),
        ("/api/segments/S1", None),
    ):
        etag = api.client.get(path).headers["etag"]
        assert_error(api.client.delete(path, headers={"If-Match": etag}), 409, "in_use", field=field)
    assert register_state(api) == before
    etag = api.client.get("/api/tasks/GM0153:T1").headers["etag"]
    assert api.client.delete("/api/tasks/GM0153:T1", headers={"If-Match": etag}).status_code == 204
    assert api.store.keys("tasks") == frozenset({"GM0153:T2"})
