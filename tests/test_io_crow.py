"""CROW road inspections → NEN 2767 conditions of road assets, keeping the original scores."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from koppelkans.errors import InputError, ValidationFailed
from koppelkans.io.crow import (
    CONDITION_TABLES,
    conditions_from_inspections,
    nen2767_condition,
    read_crow,
)
from koppelkans.io.mapping import ColumnMapping
from koppelkans.register import import_crow, import_records
from koppelkans.store import SqlRepository

from .conftest import FIXTURES
from .register_helpers import load_roombeek

INSPECTIONS = FIXTURES / "crow" / "inspectie_roombeek_2024.csv"


def test_the_nen_2767_tables_grow_with_severity_intensity_and_extent():
    assert nen2767_condition("ernstig", 3, 5) == 6
    assert nen2767_condition("gering", 1, 1) == 1
    assert nen2767_condition("serieus", 2, 3) == 2
    for table in CONDITION_TABLES.values():
        for row, below in zip(table[1:], table[:-1]):
            assert all(a >= b for a, b in zip(row, below))
        for row in table:
            assert list(row) == sorted(row)
    for extent in range(1, 6):
        for intensity in (1, 2, 3):
            scores = [nen2767_condition(e, intensity, extent) for e in ("gering", "serieus", "ernstig")]
            assert scores == sorted(scores)


def test_each_asset_gets_the_worst_damage_of_its_latest_inspection():
    with INSPECTIONS.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    conditions, problems = conditions_from_inspections(read_crow(INSPECTIONS))
    assert problems == []
    result = conditions.set_index("asset_id")
    assert sorted(result.index) == sorted({r["asset_id"] for r in rows})
    v1 = result.loc["GM0153-WEG:V1"]
    # langsscheuren (ernstig) E → intensity 3, CROW extent 1 → NEN class 2: table ernstig[2][1] = 3
    assert (v1["condition"], v1["condition_year"], v1["crow_inspection_id"]) == (3, 2024, "GWI-2024-003")
    assert v1["crow_damages"] == "rafeling M2; langsscheuren E1" and v1["crow_worst"] == "langsscheuren E1"
    v2 = result.loc["GM0153-WEG:V2"]  # "geen" with a Dutch date 14-05-2024
    assert (v2["condition"], v2["crow_damages"], v2["crow_inspection_date"]) == (1, "geen", "2024-05-14")
    v3 = result.loc["GM0153-WEG:V3"]
    # spoorvorming (ernstig) M, 45 % → class 4: 4; randschade (gering) E, CROW 3 → class 4: 3
    assert (v3["condition"], v3["crow_worst"]) == (4, "spoorvorming M 45%")
    assert v3["crow_damages"] == "spoorvorming M 45%; randschade E3"


def _road_assets(store: SqlRepository) -> None:
    load_roombeek(store, until="assets")
    frame = pd.DataFrame(
        [
            {"id": f"GM0153-WEG:V{i}", "organisation": "GM0153-WEG", "discipline": "road", "install_year": 2001}
            | {"geometry": geometry}
            for i, geometry in (
                (2, "LINESTRING (257400 472700, 257600 472700)"),
                (3, "LINESTRING (257800 472500, 257800 472700)"),
            )
        ]
    )
    import_records(store, "assets", frame, source_crs="EPSG:28992")


def test_import_updates_conditions_and_keeps_the_originals(store: SqlRepository):
    _road_assets(store)
    before = store.read("assets", ids=["GM0153-WEG:V1"]).iloc[0]
    report = import_crow(store, INSPECTIONS)
    assert report.stored == 3
    after = store.read("assets", ids=["GM0153-WEG:V1", "GM0153-WEG:V3"]).set_index("id")
    v1 = after.loc["GM0153-WEG:V1"]
    assert (v1["condition"], v1["condition_year"]) == (3, 2024)
    assert v1["attributes"]["previous_condition"] == before["condition"] == 4
    assert v1["attributes"]["crow_damages"] == "rafeling M2; langsscheuren E1"
    assert v1["attributes"]["condition_source"] == "CROW visual inspection → NEN 2767"
    assert v1.geometry.equals(before.geometry) and v1["install_year"] == before["install_year"]
    assert after.loc["GM0153-WEG:V3", "condition"] == 4
    assert set(store.links("assets")["record_id"]) >= {"GM0153-WEG:V1", "GM0153-WEG:V3"}


def test_unknown_and_non_road_assets_are_rejected_and_nothing_changes(store: SqlRepository, tmp_path: Path):
    _road_assets(store)
    text = INSPECTIONS.read_text().replace("GM0153-WEG:V3", "GM0153-WEG:V9").replace("GM0153-WEG:V2", "VITENS:L1")
    path = tmp_path / "inspectie.csv"
    path.write_text(text)
    before = store.read("assets")
    with pytest.raises(ValidationFailed) as failure:
        import_crow(store, path)
    reasons = {(p.record, p.row): p.reason for p in failure.value.problems}
    assert reasons == {
        ("VITENS:L1", 5): "a water asset; CROW inspections rate road assets",
        ("GM0153-WEG:V9", 6): "no such asset in the register",
    }
    pd.testing.assert_frame_equal(
        pd.DataFrame(store.read("assets").drop(columns="geometry")), pd.DataFrame(before.drop(columns="geometry"))
    )


@pytest.mark.backends("geopackage")
def test_an_older_inspection_does_not_replace_a_later_condition(store: SqlRepository, tmp_path: Path):
    _road_assets(store)
    path = tmp_path / "oud.csv"
    path.write_text(
        "inspectie_id;inspectiedatum;asset_id;schadebeeld;ernst;omvang\nX;2019-06-01;GM0153-WEG:V1;rafeling;L;1\n"
    )
    with pytest.raises(ValidationFailed, match="holds a later condition"):
        import_crow(store, path)


def test_bad_rows_name_their_line_and_field(tmp_path):
    path = tmp_path / "fout.csv"
    path.write_text(
        "inspectie_id,inspectiedatum,asset_id,schadebeeld,ernst,omvang,omvang_pct\n"
        "A,2024-13-45,GM0153-WEG:V1,rafeling,M,2,\n"
        "A,2024-05-01,GM0153-WEG:V1,gaten,M,2,\n"
        "A,2024-05-01,GM0153-WEG:V1,rafeling,X,2,\n"
        "A,2024-05-01,GM0153-WEG:V1,rafeling,M,,\n"
        "A,2024-05-01,,rafeling,M,2,\n"
    )
    _, problems = conditions_from_inspections(read_crow(path))
    assert [(p.row, p.field) for p in sorted(problems, key=lambda p: p.row)] == [
        (2, "inspectiedatum"),
        (3, "schadebeeld"),
        (4, "ernst"),
        (5, "omvang"),
        (6, "asset_id"),
    ]
    assert "'gaten' is not a known CROW damage type" in next(p.reason for p in problems if p.row == 3)


def test_unreadable_files_are_a_clear_input_error(tmp_path):
    empty = tmp_path / "leeg.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="is empty"):
        read_crow(empty)
    other = tmp_path / "ander.csv"
    other.write_text("a;b\n1;2\n")
    with pytest.raises(InputError, match="column\\(s\\) asset_id, inspectiedatum, schadebeeld missing"):
        read_crow(other)
    with pytest.raises(InputError, match=r"\.csv"):
        read_crow(tmp_path / "inspectie.json")


def test_a_mapping_renames_a_packages_columns(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("Wegvak;Datum;Schade;Ernst;Omvang\nRoomweg;2024-05-14;Rafeling;M;2\n")
    mapping_file = tmp_path / "crow.yaml"
    mapping_file.write_text(
        "columns: {Wegvak: asset_id, Datum: inspectiedatum, Schade: schadebeeld}\n"
        "values: {asset_id: {Roomweg: 'GM0153-WEG:V1'}}\n"
    )
    mapping = ColumnMapping.read(mapping_file)  # no `kind:`, so its targets are CROW columns
    conditions, problems = conditions_from_inspections(read_crow(export, mapping=mapping))
    assert problems == [] and conditions.set_index("asset_id").loc["GM0153-WEG:V1", "condition"] == 2
