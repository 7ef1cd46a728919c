"""`koppelkans fit` as a user runs it, on a store holding the exchange fixtures (embedded GeoPackage)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koppelkans.cli.main import app

from .conftest import EXCHANGE

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = str(tmp_path / "k.gpkg")
    for args in (
        ["init"],
        ["import", "organisations", str(EXCHANGE / "organisations.csv")],
        ["import", "areas", str(EXCHANGE / "areas.geojson")],
        ["import", "segments", str(EXCHANGE / "segments.geojson")],
        ["import", "assets", str(EXCHANGE / "assets.csv"), "--crs", "EPSG:28992"],
    ):
        result = runner.invoke(app, ["--db", url, *args])
        assert result.exit_code == 0, result.stdout + result.stderr
    return url


def fit(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, "fit", *args])
    return result.exit_code, result.stdout, result.stderr


def test_fit_one_segment_prints_the_contract(db: str) -> None:
    code, out, _ = fit(db, "--segment", "S1", "--claim", "heat", "--json")
    assert code == 0
    result = json.loads(out)
    assert {"segment", "verdict", "free_width_m", "blocking", "misfit_m", "move_cost_eur"} <= set(result)
    assert result["segment"] == "S1" and result["verdict"] == "fits"
    assert result["claim"]["kind"] == "heat" and result["claim"]["width_m"] == 0.6
    sewer = [o for o in result["section"]["occupants"] if o["discipline"] == "sewer"]
    assert sewer and sewer[0]["position"] == "measured" and sewer[0]["bottom_m"] == 2.1


def test_fit_draws_the_cross_section(db: str, tmp_path: Path) -> None:
    svg = tmp_path / "profiel.svg"
    code, out, _ = fit(db, "--segment", "S1", "--at", "100", "--claim", "heat", "--width", "1.2", "--svg", str(svg))
    assert code == 0, out
    text = svg.read_text()
    assert text.startswith("<svg") and "Dwarsprofiel Roomweg (S1) op 100,0 m" in text and "1,20 m" in text


def test_fit_an_area_with_shares_and_misfit_pieces(db: str, tmp_path: Path) -> None:
    pieces = tmp_path / "misfit.geojson"
    code, out, _ = fit(db, "--area", "GM0153", "--claim", "water_storage", "--json", "--geojson", str(pieces))
    assert code == 0
    result = json.loads(out)
    assert len(result["segments"]) == 7
    assert {a["area"] for a in result["areas"]} == {"BU01530311", "BU01530312"}
    assert sum(a["segments"] for a in result["areas"]) == 7
    collection = json.loads(pieces.read_text())
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"][0]
        assert 3 < lon < 8 and 50 < lat < 54


def test_unknown_segment_is_not_found(db: str) -> None:
    code, _, err = fit(db, "--segment", "NOPE", "--claim", "heat")
    assert code == 4
    assert err.strip() == "error: segment NOPE does not exist"
    code, out, _ = fit(db, "--segment", "NOPE", "--claim", "heat", "--json")
    assert json.loads(out)["error"] == {
        "code": "not_found",
        "message": "segment NOPE does not exist",
        "record": "NOPE",
        "field": "segment",
    }


def test_unknown_claim_kind_is_bad_input(db: str) -> None:
    code, out, _ = fit(db, "--segment", "S1", "--claim", "hydrogen", "--json")
    assert code == 2
    assert json.loads(out)["error"]["field"] == "claim"


def test_at_beyond_the_segment_is_bad_input(db: str) -> None:
    code, out, _ = fit(db, "--segment", "S1", "--at", "500", "--claim", "heat", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert (error["record"], error["field"]) == ("S1", "at")
    assert error["message"] == "--at 500 m lies beyond segment S1 (its length is 200.0 m)"


def test_couplings_refuse_an_unknown_subsurface_claim(db: str) -> None:
    result = runner.invoke(app, ["--db", db, "couplings", "--subsurface", "hydrogen", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["field"] == "claim"
