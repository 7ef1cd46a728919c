"""README's user guide is executable: every `koppelkans …` line in its bash blocks runs, in order."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip().startswith("koppelkans ")]


def test_readme_has_an_example_for_every_command() -> None:
    commands = {" ".join(shlex.split(c)[1:3]) for c in readme_commands()}
    for expected in ("init", "import organisations", "org add", "info", "info --json", "export works", "bench import"):
        assert any(c == expected or c.startswith(expected) for c in commands), expected


def test_readme_examples_run_in_order(tmp_path: Path) -> None:
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    env = {**os.environ, "KOPPELKANS_DB": str(tmp_path / "koppelkans.gpkg")}
    for command in readme_commands():
        args = shlex.split(command)[1:]
        result = subprocess.run(
            [sys.executable, "-m", "koppelkans", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    assert (tmp_path / "works.geojson").exists() and (tmp_path / "assets.xlsx").exists()
