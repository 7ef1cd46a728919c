"""README's user guide is executable: every `koppelkans …` line in its bash blocks runs, in order."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koppelkans.cli.main import app

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip().startswith("koppelkans ")]


def test_readme_has_an_example_for_every_command() -> None:
    commands = {" ".join(shlex.split(c)[1:3]) for c in readme_commands()}
    for expected in ("init", "import organisations", "org add", "info", "info --json", "export works", "bench import"):
        assert any(c == expected or c.startswith(expected) for c in commands), expected


def test_readme_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In one process (the CLI's imports cost seconds per command on a busy machine); `python -m
    koppelkans` itself is run once, so the entry point is covered too."""
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KOPPELKANS_DB", str(tmp_path / "koppelkans.gpkg"))
    runner = CliRunner()
    commands = readme_commands()
    first = subprocess.run(
        [sys.executable, "-m", "koppelkans", *shlex.split(commands[0])[1:]], capture_output=True, text=True, check=False
    )
    assert first.returncode == 0, f"{commands[0]}\n{first.stdout}\n{first.stderr}"
    for command in commands[1:]:
        result = runner.invoke(app, shlex.split(command)[1:])
        assert result.exit_code == 0, f"{command}\n{result.output}\n{result.exception!r}"
    assert (tmp_path / "works.geojson").exists() and (tmp_path / "assets.xlsx").exists()
