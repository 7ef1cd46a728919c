"""README's guide to briefs, anatomy and projects is executable on its own: every `koppelkans …` line of
those sections runs, in order, on the Roombeek register as README's earlier examples leave it (register
imported, due years forecast, couplings found for 2026–2040), and leaves the files and phase log it says."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.cli.main import app
from koppelkans.couplings import find_couplings
from koppelkans.lifecycle import forecast_register
from koppelkans.store import open_store

from .register_helpers import load_roombeek

README = Path(__file__).resolve().parents[1] / "README.md"


def guide_commands() -> list[str]:
    text = README.read_text()
    guide = text[text.index("### The project brief") : text.index("### The web API")]
    blocks = re.findall(r"```bash\n(.*?)```", guide, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip().startswith("koppelkans ")]


def test_the_guide_shows_every_new_command() -> None:
    shown = {" ".join(shlex.split(c)[1:3]) for c in guide_commands()}
    for expected in ("brief --work", "brief --area", "brief --geometry", "brief --project", "anatomy --area"):
        assert expected in shown, expected
    for sub in ("add", "show", "decide", "gate", "list"):
        assert f"project {sub}" in shown, sub


def test_the_guide_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "koppelkans.gpkg"
    store = open_store(str(db))
    store.initialise()
    load_roombeek(store)
    forecast_register(store, first=2026, last=2055)
    find_couplings(store, CouplingOptions(year_from=2026, year_to=2040))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for command in guide_commands():
        result = runner.invoke(app, ["--db", str(db), *shlex.split(command)[1:]])
        assert result.exit_code == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    assert (tmp_path / "projectopdracht.pdf").read_bytes()[:5] == b"%PDF-"
    assert (tmp_path / "brief_roombeek_map.png").exists() and (tmp_path / "anatomie.html").exists()
    log = store.read_gate_decisions(project_id="roomweg")
    assert list(log["outcome"]) == ["started", "passed", "overridden"]
