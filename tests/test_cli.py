"""The command line, driven as a user would (Typer's CliRunner), on both back-ends."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from typer.testing import CliRunner

from koppelkans.cli.main import app
from koppelkans.store import SqlRepository

from .conftest import EXCHANGE

runner = CliRunner()


def kk(store: SqlRepository | str, *args: str) -> tuple[int, str, str]:
    url = store if isinstance(store, str) else store.url if "postgresql" not in store.url else _full_url(store)
    result = runner.invoke(app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def _full_url(store: SqlRepository) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _minimal_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """orgs.csv, s.geojson, w.geojson as in the issue: segments without areas, works without assets."""
    orgs = tmp_path / "orgs.csv"
    orgs.write_text((EXCHANGE / "organisations.csv").read_text())
    segments = json.loads((EXCHANGE / "segments.geojson").read_text())
    for feature in segments["features"]:
        feature["properties"].pop("area_code")
    works = json.loads((EXCHANGE / "works.geojson").read_text())
    for feature in works["features"]:
        feature["properties"].pop("asset_ids", None)
    (tmp_path / "s.geojson").write_text(json.dumps(segments))
    (tmp_path / "w.geojson").write_text(json.dumps(works))
    return orgs, tmp_path / "s.geojson", tmp_path / "w.geojson"


def test_quickstart_sequence_works_on_both_backends(new_store: SqlRepository, tmp_path: Path) -> None:
    orgs, segments, works = _minimal_files(tmp_path)
    assert kk(new_store, "init")[0] == 0
    assert kk(new_store, "import", "organisations", str(orgs))[0] == 0
    assert kk(new_store, "import", "segments", str(segments))[0] == 0
    code, out, _ = kk(new_store, "import", "works", str(works))
    assert code == 0 and "stored 6 works from w.geojson (EPSG:4326)" in out
    assert "1 works lie on no street segment: GM0153:W6" in out
    code, out, _ = kk(new_store, "info", "--json")
    summary = json.loads(out)
    assert code == 0
    assert summary["counts"] == {
        "organisations": 6,
        "areas": 0,
        "segments": 7,
        "assets": 0,
        "works": 6,
        "tasks": 0,
        "works_unlinked": 1,
        "assets_unlinked": 0,
    }
    assert summary["by_organisation_discipline"]["works"]["GM0153-RIO/sewer"] == 2
    assert summary["extent_epsg28992"] == pytest.approx([257400.0, 472500.0, 257800.0, 472700.0], abs=0.01)


def test_geopackage_store_has_a_layer_per_kind_after_the_quickstart(tmp_path: Path) -> None:
    orgs, segments, works = _minimal_files(tmp_path)
    db = str(tmp_path / "koppelkans.gpkg")
    for args in (
        ["init"],
        ["import", "organisations", str(orgs)],
        ["import", "segments", str(segments)],
        ["import", "works", str(works)],
    ):
        assert kk(db, *args)[0] == 0
    layers = dict(pyogrio.list_layers(db))
    assert {"organisations", "areas", "segments", "assets", "works", "tasks"} <= set(layers)
    assert len(pyogrio.read_dataframe(db, layer="works")) == 6


def test_invalid_record_prints_one_line_per_problem_and_exits_2(store: SqlRepository, tmp_path: Path) -> None:
    kk(store, "import", "organisations", str(EXCHANGE / "organisations.csv"))
    bad = tmp_path / "works.csv"
    bad.write_text(
        "id,organisation,discipline,kind,earliest_start,latest_start,geometry\n"
        'W7,GM0153,sewer,replace,2030,2027,"LINESTRING (257400 472500, 257600 472500)"\n'
        'W8,GM0153,sewer,dig,2027,2028,"LINESTRING (257400 472500, 257600 472500)"\n'
    )
    report = tmp_path / "rejected.csv"
    code, out, err = kk(store, "import", "works", str(bad), "--crs", "EPSG:28992", "--report", str(report))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert (
        lines[0]
        == "error: works W7 field latest_start: latest_start 2027 is before earliest_start 2030 (and 1 more problem)"
    )
    assert lines[1].startswith("error: works W8 field kind: 'dig' is not a known value")
    rejected = pd.read_csv(report)
    assert list(rejected["record"]) == ["W7", "W8"] and list(rejected["field"]) == ["latest_start", "kind"]
    assert kk(store, "info", "--json")[1] and json.loads(kk(store, "info", "--json")[1])["counts"]["works"] == 0


def test_json_errors_have_one_shape(store: SqlRepository, tmp_path: Path) -> None:
    code, out, _ = kk(store, "import", "assets", str(EXCHANGE / "assets.csv"), "--crs", "EPSG:28992", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error["code"] == "validation_failed"
    assert (error["record"], error["field"]) == ("GM0153-RIO:R1", "organisation")
    assert {"code", "message", "record", "field"} <= set(error)


def test_missing_crs_is_a_one_line_error(store: SqlRepository) -> None:
    kk(store, "import", "organisations", str(EXCHANGE / "organisations.csv"))
    code, _, err = kk(store, "import", "assets", str(EXCHANGE / "assets.csv"))
    assert code == 2
    assert err.strip() == (
        "error: assets: the input has no coordinate reference system; name it with --crs (e.g. --crs EPSG:28992)"
    )


def test_uninitialised_store_tells_the_user_to_run_init(tmp_path: Path) -> None:
    code, _, err = kk(str(tmp_path / "new.gpkg"), "info")
    assert code == 3
    assert "not initialised; run `koppelkans init` first" in err


def test_org_add_and_duplicate(store: SqlRepository) -> None:
    code, out, _ = kk(store, "org", "add", "COTEQ", "Coteq Netbeheer", "--kind", "grid_operator")
    assert code == 0 and out.strip() == "added organisation COTEQ (Coteq Netbeheer, grid_operator)"
    code, _, err = kk(store, "org", "add", "COTEQ", "Coteq", "--kind", "grid_operator")
    assert code == 2
    assert err.strip() == (
        "error: organisations COTEQ field code: duplicate id: already in the store (import with --replace to update it)"
    )


def test_export_writes_the_format_of_the_extension(store: SqlRepository, tmp_path: Path) -> None:
    for kind, name in (
        ("organisations", "organisations.csv"),
        ("areas", "areas.geojson"),
        ("segments", "segments.geojson"),
    ):
        assert kk(store, "import", kind, str(EXCHANGE / name))[0] == 0
    code, out, _ = kk(store, "export", "segments", str(tmp_path / "straten.gpkg"))
    assert code == 0 and out.strip() == f"wrote 7 segments to {tmp_path / 'straten.gpkg'}"
    assert len(pyogrio.read_dataframe(tmp_path / "straten.gpkg")) == 7


def test_couplings_command_stores_and_prints_the_findings(store: SqlRepository, tmp_path: Path) -> None:
    from .register_helpers import load_roombeek

    load_roombeek(store)
    code, out, _ = kk(
        store, "couplings", "--from", "2026", "--to", "2040", "--json", "--geojson", str(tmp_path / "c.geojson")
    )
    assert code == 0
    result = json.loads(out)
    [trench] = [c for c in result["couplings"] if c["kind"] == "meekoppelkans"]
    assert [m["id"] for m in trench["members"]] == ["GM0153-RIO:W1", "GM0153-WEG:W2"]
    assert trench["window"] == [2027, 2027] and trench["segments"] == ["S1", "S2"]
    assert trench["explanation"] == (
        "Riool (2027–2029) en verharding (2026–2027) liggen in dezelfde straat (Roomweg); samen uitvoeren in 2027 "
        "bespaart 1 keer openbreken en herbestraten (€ 152.000)."
    )
    assert [c["type"] for c in result["conflicts"]] == ["dig_free_violation"]
    stored = store.read_findings("couplings")
    assert list(stored["id"]) == [c["id"] for c in result["couplings"]]
    assert json.loads(stored.iloc[0]["members"])[0] == {"type": "work", "id": "GM0153-RIO:W1"}
    features = json.loads((tmp_path / "c.geojson").read_text())["features"]
    assert len(features) == len(result["couplings"]) + len(result["conflicts"])
    again = json.loads(kk(store, "couplings", "--from", "2026", "--to", "2040", "--json")[1])
    assert again["couplings"] == result["couplings"]
