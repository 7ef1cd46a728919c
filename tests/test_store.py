"""The shared repository suite: every test runs against the GeoPackage file and PostGIS."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import shapely.affinity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koppelkans.config import CRS
from koppelkans.domain.validation import validate_records
from koppelkans.errors import StoreError
from koppelkans.store import Excluding, Mentioning, SqlRepository
from koppelkans.store.embedded import GeoPackageRepository

from .register_helpers import load_roombeek


def test_uninitialised_store_is_refused_with_advice(new_store: SqlRepository) -> None:
    with pytest.raises(StoreError, match="koppelkans init"):
        new_store.require_current_schema()


def test_initialise_is_idempotent_and_reaches_head(new_store: SqlRepository) -> None:
    new_store.initialise()
    new_store.initialise()
    assert new_store.revision() == "0009"
    new_store.require_current_schema()


def test_geopackage_opens_in_gdal_with_a_layer_per_kind(tmp_path) -> None:
    store = GeoPackageRepository(tmp_path / "register.gpkg")
    store.initialise()
    load_roombeek(store)
    layers = dict(pyogrio.list_layers(tmp_path / "register.gpkg"))
    assert set(layers) == {
        "organisations",
        "areas",
        "segments",
        "assets",
        "works",
        "tasks",
        "segment_links",
        "due_years",
        "couplings",
        "conflicts",
        "plans",
        "projects",
        "gate_decisions",
        "coupling_decisions",
        "audit_log",
        "coupling_workflow",
        "coupling_events",
        "subscriptions",
        "notification_deliveries",
    }
    assert layers["segments"] == "LineString"
    works = pyogrio.read_dataframe(tmp_path / "register.gpkg", layer="works")
    assert works.crs.to_epsg() == 28992
    assert sorted(works["id"]) == sorted(store.read("works")["id"])
    info = pyogrio.read_info(tmp_path / "register.gpkg", layer="segments")
    assert info["features"] == 7
    assert info["total_bounds"] == pytest.approx((257400, 472500, 257800, 472700))


def test_records_read_back_equal_what_was_written(store: SqlRepository) -> None:
    load_roombeek(store)
    works = store.read("works")
    assert list(works["id"]) == [
        "GM0153-RIO:W1",
        "GM0153-WEG:W2",
        "VITENS:W3",
        "GLASVEZEL:W4",
        "GM0153-RIO:W5",
        "GM0153:W6",
    ]
    first = works.iloc[0]
    assert first["earliest_start"] == 2027 and first["latest_start"] == 2029 and first["preferred_start"] == 2028
    assert first["asset_ids"] == "GM0153-RIO:R1;GM0153-RIO:R2"
    assert first["attributes"] == {"budget_line": "RIO-2027-04"}
    assert works.crs.to_epsg() == 28992
    assets = store.read("assets", ids=["VITENS:L1"])
    assert len(assets) == 1 and pd.isna(assets.iloc[0]["condition"])
    assert assets.iloc[0]["material"] == "gietijzer"


def test_counts_extent_and_links(store: SqlRepository) -> None:
    load_roombeek(store)
    assert store.count("segments") == 7
    assert store.counts_by("works", "organisation") == {
        "GLASVEZEL": 1,
        "GM0153": 1,
        "GM0153-RIO": 2,
        "GM0153-WEG": 1,
        "VITENS": 1,
    }
    assert store.extent("segments") == pytest.approx((257400, 472500, 257800, 472700))
    links = store.links("works")
    by_work = links.groupby("record_id")["segment_id"].apply(sorted).to_dict()
    assert by_work["GM0153-RIO:W1"] == ["S1", "S2"]
    assert by_work["VITENS:W3"] == ["S3"]
    assert "GM0153:W6" not in by_work


def test_failed_transaction_leaves_the_store_unchanged(store: SqlRepository) -> None:
    load_roombeek(store, until="segments")
    before = store.read("segments")
    extra = validate_records(
        "segments",
        pd.DataFrame({"id": ["S8"], "geometry": ["LINESTRING (257800 472700, 257900 472700)"]}),
        source_crs=CRS,
    ).records
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.insert("segments", extra)
        raise RuntimeError("interrupted half-way")
    pd.testing.assert_frame_equal(store.read("segments"), before)


def test_replace_updates_a_record_and_its_links(store: SqlRepository) -> None:
    load_roombeek(store)
    works = store.read("works", ids=["VITENS:W3"])
    moved = works.assign(latest_start=[2033], geometry=[shapely.LineString([(257400, 472500), (257400, 472700)])])
    with store.transaction() as tx:
        tx.insert("works", moved, replace=True)
    again = store.read("works", ids=["VITENS:W3"])
    assert again.iloc[0]["latest_start"] == 2033
    assert store.count("works") == 6
    assert "VITENS:W3" not in set(store.links("works")["record_id"])


_ids = itertools.count()
_coordinate = st.integers(min_value=0, max_value=5_000_000).map(lambda mm: mm / 1000)
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda s: s.strip() == s and s != ""
)


@st.composite
def asset_frames(draw: st.DrawFn) -> gpd.GeoDataFrame:
    """Valid canonical asset records with arbitrary values, lines and points."""
    n = draw(st.integers(min_value=1, max_value=8))
    batch = next(_ids)
    rows = []
    for i in range(n):
        points = draw(st.lists(st.tuples(_coordinate, _coordinate), min_size=1, max_size=5, unique=True))
        if len(points) == 1:
            geometry = shapely.Point(200_000 + points[0][0], 450_000 + points[0][1])
        else:
            geometry = shapely.LineString([(200_000 + x, 450_000 + y) for x, y in points])
        rows.append(
            {
                "id": f"B{batch}:{i}",
                "organisation": "ORG",
                "discipline": draw(st.sampled_from(["sewer", "water", "gas", "fibre"])),
                "asset_type": draw(st.none() | _text),
                "material": draw(st.none() | _text),
                "diameter_mm": draw(st.none() | st.floats(min_value=1, max_value=2000, allow_nan=False)),
                "depth_m": draw(st.none() | st.floats(min_value=0, max_value=5, allow_nan=False)),
                "install_year": draw(st.integers(min_value=1850, max_value=2025)),
                "condition": draw(st.none() | st.integers(min_value=1, max_value=6)),
                "condition_year": None,
                "replacement_cost_eur": draw(st.none() | st.floats(min_value=0, max_value=1e7, allow_nan=False)),
                "attributes": draw(st.dictionaries(st.sampled_from(["note", "source", "x"]), _text, max_size=2)),
                "geometry": geometry,
            }
        )
    frame = pd.DataFrame(rows)
    validated = validate_records(
        "assets",
        gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS),
        source_crs=CRS,
        known=_known_orgs(),
    )
    assert validated.ok, validated.problems
    return validated.records


def _known_orgs():
    from koppelkans.domain.validation import Known

    return Known(organisations=frozenset({"ORG"}))


def test_any_valid_asset_set_reads_back_equal(store: SqlRepository) -> None:
    load_roombeek(store, until="organisations")
    from koppelkans.register import import_records

    import_records(
        store, "organisations", pd.DataFrame([{"code": "ORG", "name": "Org", "kind": "other"}]), source_crs=None
    )

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(records=asset_frames())
    def round_trip(records: gpd.GeoDataFrame) -> None:
        with store.transaction() as tx:
            tx.insert("assets", records)
        back = store.read("assets", ids=list(records["id"]))
        back = back.iloc[pd.Index(back["id"]).get_indexer(records["id"])].reset_index(drop=True)
        columns = [c for c in records.columns if c not in ("geometry",)]
        pd.testing.assert_frame_equal(pd.DataFrame(back[columns]), pd.DataFrame(records[columns]), check_dtype=True)
        distance = shapely.hausdorff_distance(back.geometry.to_numpy(), records.geometry.to_numpy())
        assert np.all(distance <= 0.001)

    round_trip()


def test_stored_works_become_typed_records(store: SqlRepository) -> None:
    from koppelkans.domain.records import Work, records_from_frame
    from koppelkans.domain.vocabulary import Phase, WorkKind

    load_roombeek(store)
    works = {w.id: w for w in records_from_frame("works", store.read("works"))}
    sewer = works["GM0153-RIO:W1"]
    assert isinstance(sewer, Work)
    assert (sewer.kind, sewer.phase, sewer.kind.label) == (WorkKind.REPLACE, Phase.PVE, "vervangen")
    assert sewer.asset_ids == ("GM0153-RIO:R1", "GM0153-RIO:R2")
    assert sewer.window == range(2027, 2030)
    assert works["GM0153:W6"].preferred_start is None and works["GM0153:W6"].dig_free_years is None


def test_findings_are_replaced_whole_and_read_back(store: SqlRepository) -> None:
    couplings = gpd.GeoDataFrame(
        {
            "id": ["C1", "C2"],
            "kind": ["meekoppelkans", "afstemming"],
            "members": ['[["works", "W1"], ["works", "W2"]]', '[["works", "W3"], ["works", "W4"]]'],
            "segment_ids": ["S1;S2", "S4"],
            "window_start": [2027, 2028],
            "window_end": [2028, 2028],
            "saving_eur": [41_000.0, 0.0],
            "attributes": [{"flex": 2}, {}],
        },
        geometry=[shapely.LineString([(257400, 472500), (257800, 472500)]), None],
        crs=CRS,
    )
    with store.transaction() as tx:
        assert tx.replace_findings("couplings", couplings) == 2
    with store.transaction() as tx:
        tx.replace_findings("couplings", couplings.iloc[:1])
    back = store.read_findings("couplings")
    assert list(back["id"]) == ["C1"] and back.iloc[0]["window_end"] == 2028
    assert back.iloc[0]["attributes"] == {"flex": 2} and back.iloc[0]["explanation_nl"] is None
    assert back.geometry.iloc[0].equals(couplings.geometry.iloc[0])
    due = pd.DataFrame({"asset_id": ["A1"], "p10": [2030], "p50": [2041], "p90": [2055], "model": ["weibull"]})
    with store.transaction() as tx:
        tx.replace_findings("due_years", due)
    assert store.read_findings("due_years").iloc[0]["p50"] == 2041


def test_a_store_at_the_first_revision_is_migrated_by_init(new_store: SqlRepository) -> None:
    from alembic import command

    with new_store.engine.begin() as conn:
        command.upgrade(new_store._alembic_config(conn), "0001")
    assert new_store.revision() == "0001"
    with pytest.raises(StoreError, match="run `koppelkans init` to migrate"):
        new_store.require_current_schema()
    new_store.initialise()
    assert new_store.revision() == "0009"
    assert new_store.read_findings("conflicts").empty


def test_filtered_reads_use_the_spatial_index_and_paginate(store: SqlRepository) -> None:
    load_roombeek(store)
    roomweg_west = shapely.box(257_390, 472_490, 257_590, 472_510)
    assert list(store.read("segments", intersects=roomweg_west)["id"]) == ["S1", "S6"]
    assert store.count("segments", intersects=roomweg_west) == 2
    assert list(store.read("segments", intersects=roomweg_west, limit=1, offset=1)["id"]) == ["S6"]
    junction = shapely.box(257_590, 472_490, 257_610, 472_510)
    assert list(store.read("segments", intersects=junction, limit=2, offset=1)["id"]) == ["S2", "S3"]
    # the box touches the bounding box of the park polygon's work W6 but not the polygon itself
    near_park = shapely.box(257_541, 472_641, 257_560, 472_660)
    assert store.read("works", intersects=near_park).empty
    works = store.read("works", where={"organisation": ["VITENS", "GLASVEZEL"]}, years=(2030, 2031))
    assert list(works["id"]) == ["VITENS:W3"]
    assert store.count("works", where={"status": "idea"}) == 3
    assert list(store.read("tasks", years=(2031, 2040))["id"]) == ["GM0153:T2"]


def test_filters_exclude_values_and_find_words_in_texts(store: SqlRepository) -> None:
    load_roombeek(store)
    every = list(store.read("works")["id"])
    others = store.read("works", where={"id": Excluding(("VITENS:W3", "GM0153-RIO:W1"))})
    assert list(others["id"]) == [w for w in every if w not in ("VITENS:W3", "GM0153-RIO:W1")]
    assert store.count("works", where={"id": Excluding(("VITENS:W3",)), "organisation": "VITENS"}) == 0
    marked = store.read("assets", ids=["ENEXIS:G1"]).assign(attributes=[{"klic_thema": "gasHogeDruk"}])
    with store.transaction() as tx:
        tx.insert("assets", marked, replace=True)
    found = store.read("assets", where={"attributes": Mentioning(("vital", "klic_thema"))})
    assert list(found["id"]) == ["ENEXIS:G1"]
    assert store.read("assets", where={"attributes": Mentioning(("klic%thema",))}).empty  # no LIKE wildcards


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    x=st.floats(257_300, 257_900),
    y=st.floats(472_400, 472_800),
    size=st.floats(0.5, 300),
    turn=st.one_of(st.just(0.0), st.floats(0, 90)),  # 0: a bbox, which the GeoPackage answers from its index
    status=st.sampled_from([None, ["idea", "planned"]]),
)
def test_spatial_reads_equal_an_exact_test_on_every_record(
    store: SqlRepository, x: float, y: float, size: float, turn: float, status: list[str] | None
) -> None:
    """Any (turned) window: the index path returns exactly the records whose geometry meets it, in order."""
    if store.count("segments") == 0:
        load_roombeek(store)
    window = shapely.affinity.rotate(shapely.box(x, y, x + size, y + size / 2), turn)
    for kind in ("segments", "assets", "works"):
        where = {"status": status} if status and kind == "works" else None
        everything = store.read(kind, where=where)
        expected = list(everything.loc[shapely.intersects(everything.geometry.to_numpy(), window), "id"])
        assert list(store.read(kind, intersects=window, where=where)["id"]) == expected
        assert store.count(kind, intersects=window, where=where) == len(expected)
        assert list(store.read(kind, intersects=window, where=where, limit=2, offset=1)["id"]) == expected[1:3]
        page, total = store.page(kind, intersects=window, where=where, limit=2, offset=1)
        assert list(page["id"]) == expected[1:3] and total == len(expected)


def test_gdal_edits_keep_the_geopackage_index_in_step(tmp_path) -> None:
    path = tmp_path / "register.gpkg"
    store = GeoPackageRepository(path)
    store.initialise()
    load_roombeek(store, until="segments")
    extra = gpd.GeoDataFrame(
        {"id": ["S9"], "name": ["QGIS-straat"]},
        geometry=[shapely.LineString([(258_000, 473_000), (258_100, 473_000)])],
        crs=CRS,
    )
    pyogrio.write_dataframe(extra, path, layer="segments", append=True)
    found = store.read("segments", intersects=shapely.box(257_990, 472_990, 258_010, 473_010))
    assert list(found["id"]) == ["S9"]
