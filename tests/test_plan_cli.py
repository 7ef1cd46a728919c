"""`koppelkans plan` and `koppelkans scenario compare` on the Roombeek fixture, on both back-ends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from koppelkans.cli import main
from koppelkans.store import SqlRepository

from .register_helpers import load_roombeek

runner = CliRunner()


def kk(store: SqlRepository, *args: str) -> tuple[int, str, str]:
    url = store.url if "postgresql" not in store.url else store.engine.url.render_as_string(hide_password=False)
    result = runner.invoke(main.app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_plan_couples_the_roombeek_works_and_reports_against_the_sectoral_baseline(
    store: SqlRepository, tmp_path: Path
) -> None:
    load_roombeek(store)
    common = ("--from", "2027", "--to", "2034", "--time-limit", "20")
    code, out, err = kk(store, "plan", "--json", *common)
    assert code == 0, err
    result = json.loads(out)
    assert set(result) >= {"objective", "bound", "gap", "baseline", "savings", "works", "projects", "by_year"}
    assert result["objective"] <= result["baseline"]["objective"]
    assert result["savings"]["eur"] > 0 and result["savings"]["openings_avoided"] >= 1
    assert result["gap"] <= 1e-3
    years = {w["id"]: w["year"] for w in result["works"]}
    assert years["GM0153-WEG:W2"] == 2027  # committed: it stays
    project_of = {w["id"]: w["project"] for w in result["works"]}
    joint = [p for p in result["projects"] if len(p["works"]) > 1]
    assert joint and all(project_of[w] == p["id"] for p in joint for w in p["works"])
    assert [row["year"] for row in result["by_year"]] == list(range(2027, 2035))
    assert store.read_plan("integrated") == result  # kept in the store, under the scenario's name

    code, out, err = kk(store, "plan", "--json", "--scenario", "sectoral", *common)
    assert code == 0, err
    assert json.loads(out)["savings"]["eur"] == 0.0
    code, out, err = kk(store, "scenario", "compare", "sectoral", "integrated", "--json")
    assert code == 0, err
    compared = json.loads(out)
    assert compared["difference"]["cost_eur"] == pytest.approx(-result["savings"]["eur"], abs=0.02)
    assert compared["b"]["openings"] < compared["a"]["openings"]
    code, out, _ = kk(store, "scenario", "compare", "sectoral", "integrated")
    assert code == 0 and "cost per year" in out


def test_plan_writes_excel_and_explains_an_impossible_hard_budget(store: SqlRepository, tmp_path: Path) -> None:
    load_roombeek(store)
    budgets = tmp_path / "budgets.csv"
    pd.DataFrame({"organisation": ["GM0153-WEG"], "year": [2027], "budget_eur": [1000]}).to_csv(budgets, index=False)
    workbook = tmp_path / "plan.xlsx"
    common = ("--from", "2027", "--to", "2032", "--time-limit", "10")
    code, _, err = kk(store, "plan", "--budgets", str(budgets), "--xlsx", str(workbook), *common)
    assert code == 0, err
    assert set(pd.ExcelFile(workbook).sheet_names) == {"summary", "works", "projects", "by_year"}
    code, out, _ = kk(store, "plan", "--json", "--budgets", str(budgets), "--hard", "budget", *common)
    assert code == 5
    error = json.loads(out)["error"]
    assert error["code"] == "plan_infeasible" and error["field"] == "budget"
    assert error["culprits"][0]["label"] == "GM0153-WEG 2027"
    assert "GM0153-WEG:W2" in error["culprits"][0]["explanation"]


def test_plan_names_the_row_and_field_of_a_bad_budget(store: SqlRepository, tmp_path: Path) -> None:
    budgets = tmp_path / "budgets.csv"
    budgets.write_text("organisation,year,budget_eur\nGM0153,2027,lots\n")
    code, out, _ = kk(store, "plan", "--json", "--budgets", str(budgets))
    assert code == 2
    assert json.loads(out)["error"]["problems"] == [
        {"kind": "budgets", "record": None, "field": "budget_eur", "reason": "not an amount ≥ 0", "row": 2}
    ]


def test_scenario_compare_says_which_plans_are_kept(store: SqlRepository) -> None:
    code, out, _ = kk(store, "scenario", "compare", "sectoral", "integrated", "--json")
    assert code == 4
    assert "koppelkans plan --scenario" in json.loads(out)["error"]["message"]


@pytest.mark.backends("geopackage")
def test_plan_json_on_a_real_stdout_is_nothing_but_json(store: SqlRepository) -> None:
    """HiGHS prints a banner on C-level stdout when first used; `--json` output must still parse."""
    load_roombeek(store)
    args = ["--db", store.url, "plan", "--json", "--from", "2027", "--to", "2030", "--time-limit", "5", "--no-keep"]
    result = subprocess.run(
        [sys.executable, "-m", "koppelkans", *args], capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["scenario"] == "integrated"
    assert store.plans().empty  # --no-keep
