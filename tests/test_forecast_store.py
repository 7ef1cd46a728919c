"""Forecast and lifecycle fit on a real store (both back-ends): due years stored and read back, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from scipy import stats
from typer.testing import CliRunner

from koppelkans.analysis.lifecycle import due_year_findings, forecast_from_assets
from koppelkans.cli.lifecycle import add_commands
from koppelkans.cli.shell import Context
from koppelkans.config import Settings
from koppelkans.register import import_records
from koppelkans.store import SqlRepository

from .register_helpers import load_roombeek

runner = CliRunner()
YEAR = 2026

ROOMBEEK_DUE_YEARS = [
    # asset_id, p10, p50, p90, model
    ["GM0153-RIO:R1", 2026, 2030, 2040, "sewer/concrete/*"],
    ["GM0153-RIO:R2", 2027, 2036, 2053, "sewer/concrete/*"],
    ["GM0153-RIO:R3", 2042, 2079, 2122, "sewer/pvc/*"],
    ["VITENS:L1", 2029, 2044, 2071, "water/*/*"],
    ["ENEXIS:G1", 2029, 2044, 2070, "gas/*/*"],
    ["GM0153-WEG:V1", 2026, 2027, 2030, "road/asphalt/*"],
]
"""Sewers R1 (class 5) and R2 (class 4) inspected in 2023 are due soon; water main L1 was never inspected."""


def lifecycle_cli() -> typer.Typer:
    """The lifecycle commands on a Typer app of their own, with the main app's --db option."""
    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def main(ctx: typer.Context, db: str = typer.Option(..., "--db")) -> None:
        ctx.obj = Context(settings=Settings(db=db))

    add_commands(app)
    return app


def kk(store: SqlRepository, *args: str) -> tuple[int, str, str]:
    url = store.engine.url.render_as_string(hide_password=False) if "postgresql" in store.url else store.url
    result = runner.invoke(lifecycle_cli(), ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_roombeek_forecast_is_stored_as_due_years_and_read_back(store: SqlRepository) -> None:
    load_roombeek(store, until="assets")
    result = forecast_from_assets(store.read("assets"), year=YEAR)
    with store.transaction() as tx:
        assert tx.replace_findings("due_years", due_year_findings(result, year=YEAR)) == 6
    stored = store.read_findings("due_years")
    assert stored[["asset_id", "p10", "p50", "p90", "model"]].values.tolist() == ROOMBEEK_DUE_YEARS
    assert set(stored["computed_year"]) == {YEAR}
    water = stored.set_index("asset_id").loc["VITENS:L1"]
    assert water["attributes"]["effective_age"] == water["attributes"]["age"] == 68.0  # no condition, no shift
    life = stats.weibull_min(3.0, scale=water["attributes"]["scale"])
    assert water["p50"] == YEAR + math.floor(life.isf(0.5 * life.sf(68.0)) - 68.0)


def test_the_forecast_command_prints_the_plan_and_stores_due_years(store: SqlRepository) -> None:
    load_roombeek(store, until="assets")
    code, out, _ = kk(store, "forecast", "--from", "2026", "--to", "2035")
    assert code == 0
    assert "expected replacement cost 2026-2035" in out
    assert "6 assets forecast from 2026; due years stored for 6; 3 past their median life" in out
    stored = store.read_findings("due_years")
    assert stored[["asset_id", "p50"]].values.tolist() == [[row[0], row[2]] for row in ROOMBEEK_DUE_YEARS]


def test_the_forecast_command_writes_json_excel_and_a_plot_of_one_organisations_plan(
    store: SqlRepository, tmp_path: Path
) -> None:
    load_roombeek(store, until="assets")
    xlsx, png = tmp_path / "plan.xlsx", tmp_path / "plan.png"
    code, out, _ = kk(
        store, "forecast", "--from", "2026", "--org", "GM0153-RIO", "--json", "--xlsx", str(xlsx), "--plot", str(png)
    )
    payload = json.loads(out)
    assert code == 0
    assert (payload["from"], payload["to"], payload["assets"], payload["due_years_stored"]) == (2026, 2055, 3, 6)
    assert {(row["organisation"], row["discipline"]) for row in payload["plan"]} == {("GM0153-RIO", "sewer")}
    assert len(payload["plan"]) == len(payload["totals"]) == 30
    assert sum(row["expected_eur"] for row in payload["plan"]) == pytest.approx(payload["expected_total_eur"])
    assert all(row["p10_eur"] <= row["expected_eur"] <= row["p90_eur"] for row in payload["totals"])
    assert pd.ExcelFile(xlsx).sheet_names == ["plan", "totals", "due_years"]
    assert pd.read_excel(xlsx, sheet_name="due_years")["asset_id"].tolist() == [
        "GM0153-RIO:R1",
        "GM0153-RIO:R2",
        "GM0153-RIO:R3",
    ]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_models_file_with_an_organisations_own_sewer_life_moves_its_due_years(
    store: SqlRepository, tmp_path: Path
) -> None:
    load_roombeek(store, until="assets")
    models = tmp_path / "models.csv"
    models.write_text("organisation,discipline,material,diameter_class,shape,scale,median,source\n")
    models.write_text(models.read_text() + "GM0153-RIO,sewer,,,3.0,,40,own inspections\n")
    code, _, _ = kk(store, "forecast", "--from", "2026", "--models", str(models))
    assert code == 0
    stored = store.read_findings("due_years").set_index("asset_id")
    assert stored.loc["GM0153-RIO:R3", "model"] == "GM0153-RIO:sewer/*/*"
    assert stored.loc["GM0153-RIO:R3", "p50"] < 2079
    assert stored.loc["VITENS:L1", "p50"] == 2044  # other organisations keep the defaults


def test_the_forecast_command_refuses_an_unknown_discipline_in_the_one_json_error_shape(store: SqlRepository) -> None:
    load_roombeek(store, until="assets")
    code, out, _ = kk(store, "forecast", "--discipline", "riool", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert (error["code"], error["field"]) == ("invalid_input", "discipline")
    assert store.read_findings("due_years").empty  # nothing half-written


def test_the_forecast_command_on_a_store_without_assets_asks_for_them(store: SqlRepository) -> None:
    code, _, err = kk(store, "forecast")
    assert code == 2
    assert "the store holds no assets; import some first" in err


def test_lifecycle_fit_names_the_groups_too_thin_to_fit(store: SqlRepository) -> None:
    load_roombeek(store, until="works")
    code, out, _ = kk(store, "lifecycle", "fit", "--year", "2026", "--json")
    fits = json.loads(out)["fits"]
    assert code == 0
    assert [(f["discipline"], f["material"], f["n"], f["left_censored"]) for f in fits] == [
        ("gas", "pe", 1, 0),
        ("road", "asphalt", 1, 0),
        ("sewer", "concrete", 2, 1),
        ("sewer", "pvc", 1, 0),
        ("water", "cast_iron", 1, 0),
    ]
    assert all(f["note"].startswith("a fit needs at least 10 renewals or end-of-life conditions") for f in fits)


def test_lifecycle_fit_writes_models_that_the_forecast_reads(store: SqlRepository, tmp_path: Path) -> None:
    load_roombeek(store, until="segments")
    rng = np.random.default_rng(4)
    n = 300
    install = rng.integers(1930, 2020, n)
    life = 70.0 / math.log(2.0) ** (1 / 3.0) * rng.weibull(3.0, n)
    poor = install + life <= 2024
    sewers = pd.DataFrame(
        {
            "id": [f"GM0153-RIO:S{i}" for i in range(n)],
            "organisation": "GM0153-RIO",
            "discipline": "sewer",
            "material": "beton",
            "install_year": install,
            "condition": np.where(poor, 5, 2),
            "condition_year": 2024,
            "geometry": [f"LINESTRING ({257400 + i} 472501, {257440 + i} 472501)" for i in range(n)],
        }
    )
    import_records(store, "assets", sewers, source_crs="EPSG:28992")
    models = tmp_path / "fitted.csv"
    code, out, _ = kk(
        store, "lifecycle", "fit", "--discipline", "sewer", "--year", "2026", "--json", "--write", str(models)
    )
    fit = json.loads(out)["fits"][0]
    assert code == 0
    assert (fit["n"], fit["left_censored"], fit["right_censored"], fit["note"]) == (
        n,
        int(poor.sum()),
        n - int(poor.sum()),
        "",
    )
    assert fit["median_ci"][0] < fit["median"] < fit["median_ci"][1]
    assert fit["warning"].startswith("no renewals recorded")  # inspections alone: survivors only
    written = pd.read_csv(models)
    assert written[["discipline", "material"]].values.tolist() == [["sewer", "concrete"]]
    assert written["median"].iloc[0] == pytest.approx(fit["median"])
    code, _, _ = kk(store, "forecast", "--from", "2026", "--models", str(models))
    assert code == 0
    assert set(store.read_findings("due_years")["model"]) == {"sewer/concrete/*"}
