"""Importing and exporting exchange files, on both back-ends: all-or-nothing, CRS, formats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from koppelkans.errors import InputError, ValidationFailed
from koppelkans.register import export_file, import_file
from koppelkans.store import SqlRepository

from .conftest import EXCHANGE
from .register_helpers import load_roombeek


def _assets_geojson(path: Path, n: int, *, bad_row: int | None = None) -> None:
    """N asset features in RD New (legacy GeoJSON with a crs member); one with condition 9."""
    features = []
    for i in range(n):
        x = 257_400 + (i % 40) * 10.0
        properties = {
            "id": f"ENEXIS:K{i}",
            "organisation": "ENEXIS",
            "discipline": "electricity_lv",
            "material": "XLPE",
            "install_year": 1960 + i % 60,
            "condition": 9 if i == bad_row else 1 + i % 6,
        }
        geometry = {"type": "LineString", "coordinates": [[x, 472_502.0], [x + 8.0, 472_502.0]]}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
        "features": features,
    }
    path.write_text(json.dumps(collection))


def _snapshot(store: SqlRepository) -> dict[str, pd.DataFrame]:
    return {kind: store.read(kind) for kind in ("organisations", "segments", "assets", "works")} | {
        "links": store.links()
    }


def test_one_bad_record_among_a_thousand_stores_nothing(store: SqlRepository, tmp_path: Path) -> None:
    load_roombeek(store)
    before = _snapshot(store)
    source = tmp_path / "kabels.geojson"
    _assets_geojson(source, 1001, bad_row=537)
    with pytest.raises(ValidationFailed) as failure:
        import_file(store, "assets", source)
    [problem] = failure.value.problems
    assert (problem.record, problem.field, problem.row) == ("ENEXIS:K537", "condition", 538)
    assert problem.reason == "9 is out of range: condition must be between 1 and 6"
    after = _snapshot(store)
    for kind, frame in before.items():
        pd.testing.assert_frame_equal(after[kind], frame)


def test_a_thousand_valid_records_are_stored_and_linked(store: SqlRepository, tmp_path: Path) -> None:
    load_roombeek(store)
    source = tmp_path / "kabels.geojson"
    _assets_geojson(source, 1000)
    report = import_file(store, "assets", source)
    assert (report.read, report.stored, report.crs) == (1000, 1000, "EPSG:28992")
    assert store.count("assets") == 1006
    cables = store.links("assets").query("record_id.str.startswith('ENEXIS:K')")
    assert cables["record_id"].nunique() == 1000 and report.unlinked == ()
    x_start = 257_400 + (cables["record_id"].str.removeprefix("ENEXIS:K").astype(int) % 40) * 10.0
    away_from_junctions = (x_start % 200 >= 20) & (x_start % 200 <= 170)
    expected = np.where(x_start < 257_600, "S1", "S2")
    assert (cables["segment_id"] == expected)[away_from_junctions].all()


def test_works_in_wgs84_are_stored_in_rd_new_within_a_centimetre(store: SqlRepository) -> None:
    load_roombeek(store)
    source = json.loads((EXCHANGE / "works.geojson").read_text())
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    stored = store.read("works").set_index("id")
    for feature in source["features"]:
        if feature["geometry"]["type"] != "LineString":
            continue
        expected = shapely.LineString([to_rd.transform(lon, lat) for lon, lat in feature["geometry"]["coordinates"]])
        got = stored.loc[feature["properties"]["id"], "geometry"]
        assert shapely.hausdorff_distance(got, expected) < 0.01


def test_csv_without_crs_is_refused_until_named(store: SqlRepository) -> None:
    load_roombeek(store, until="segments")
    with pytest.raises(InputError, match="no coordinate reference system"):
        import_file(store, "assets", EXCHANGE / "assets.csv")
    assert store.count("assets") == 0
    assert import_file(store, "assets", EXCHANGE / "assets.csv", crs="EPSG:28992").stored == 6


def test_crs_option_contradicting_the_file_is_refused(store: SqlRepository) -> None:
    load_roombeek(store, until="areas")
    with pytest.raises(InputError, match="declares EPSG:28992 but --crs says EPSG:4326"):
        import_file(store, "segments", EXCHANGE / "segments.geojson", crs="EPSG:4326")


def test_dry_run_checks_but_stores_nothing(store: SqlRepository) -> None:
    load_roombeek(store, until="segments")
    report = import_file(store, "assets", EXCHANGE / "assets.csv", crs="EPSG:28992", dry_run=True)
    assert (report.read, report.stored, report.dry_run) == (6, 0, True)
    assert store.count("assets") == 0


def test_work_off_the_streets_is_reported_not_dropped(store: SqlRepository) -> None:
    load_roombeek(store, until="assets")
    report = import_file(store, "works", EXCHANGE / "works.geojson")
    assert report.unlinked == ("GM0153:W6",)
    assert "GM0153:W6" in set(store.read("works")["id"])


def test_new_segments_relink_existing_works(store: SqlRepository, tmp_path: Path) -> None:
    load_roombeek(store)
    park_path = tmp_path / "park.csv"
    park_path.write_text('id,name,width_m,geometry\nS8,Parkpad,6,"LINESTRING (257450 472600, 257540 472600)"\n')
    import_file(store, "segments", park_path, crs="EPSG:28992")
    links = store.links("works")
    assert list(links.loc[links["record_id"] == "GM0153:W6", "segment_id"]) == ["S8"]
    assert len(links) == 9


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".csv", ".xlsx", ".shp"])
def test_export_then_import_keeps_every_record(store: SqlRepository, tmp_path: Path, suffix: str) -> None:
    load_roombeek(store)
    before = store.read("works")
    path = tmp_path / f"works{suffix}"
    assert export_file(store, "works", path) == 6
    crs = "EPSG:28992" if suffix in (".csv", ".xlsx") else None
    import_file(store, "works", path, crs=crs, replace=True)
    after = store.read("works").set_index("id").loc[list(before["id"])].reset_index()
    columns = [
        "id",
        "organisation",
        "kind",
        "earliest_start",
        "latest_start",
        "preferred_start",
        "cost_eur",
        "asset_ids",
        "status",
        "phase",
    ]
    pd.testing.assert_frame_equal(
        pd.DataFrame(after[columns]).astype(object), pd.DataFrame(before[columns]).astype(object)
    )
    if suffix != ".shp":  # Shapefile cuts field names to 10 characters: budget_line comes back as budget_lin
        assert list(after["attributes"]) == list(before["attributes"])
    distance = shapely.hausdorff_distance(after.geometry.to_numpy(), before.geometry.to_numpy())
    assert np.all(distance < 0.001)
