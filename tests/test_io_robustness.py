"""Every importer through the real command line: corrupted files give one clear line, store nothing and
never a traceback; `--dry-run` stores nothing; `--report` names the element (gml:id or row) and the reason.

The store is a GeoPackage holding the organisations the samples need, so that the valid part of a
corrupted file *could* be stored: all-or-nothing is what keeps it out.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from koppelkans.cli.main import app
from koppelkans.register import import_records
from koppelkans.store import open_store

from .conftest import FIXTURES, SAMPLES
from .register_helpers import load_roombeek

IMKL = FIXTURES / "imkl" / "GI_gebiedsinformatielevering_24O0012345_1.xml"
ORG_MAP = FIXTURES / "imkl" / "org_map.csv"
BGT = SAMPLES / "bgt_imgeo" / "bgt_ondersteunendwegdeel_excerpt.gml"
TTL = SAMPLES / "gwsw_orox_ttl" / "juinen_voorbeeld_v1_6.ttl"
HYDX = SAMPLES / "gwsw_hydx"
CROW = FIXTURES / "crow" / "inspectie_roombeek_2024.csv"

OPTIONS = {
    "imkl": ["--org-map", str(ORG_MAP), "--unknown-install-year", "1980"],
    "bgt": ["--unknown-install-year", "registration"],
    "gwsw": ["--organisation", "GM0153-RIO", "--unknown-install-year", "1975"],
    "hydx": ["--organisation", "GM0153-RIO", "--unknown-install-year", "1975", "--offset", "257000,472000"],
    "crow": [],
}
runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with the Roombeek register (its road assets rated by the CROW fixture) and GM0518 (BGT's G0518)."""
    path = tmp_path_factory.mktemp("store") / "register.gpkg"
    store = open_store(str(path))
    store.initialise()
    load_roombeek(store, until="assets")
    roads = pd.DataFrame(
        [
            {"id": f"GM0153-WEG:V{i}", "organisation": "GM0153-WEG", "discipline": "road", "install_year": 2001}
            | {"geometry": geometry}
            for i, geometry in (
                (2, "LINESTRING (257400 472700, 257600 472700)"),
                (3, "LINESTRING (257800 472500, 257800 472700)"),
            )
        ]
    )
    import_records(store, "assets", roads, source_crs="EPSG:28992")
    import_records(
        store,
        "organisations",
        pd.DataFrame([{"code": "GM0518", "name": "Den Haag", "kind": "municipality"}]),
        source_crs=None,
    )
    store.close()
    return str(path)


def _state(db: str) -> tuple[pd.DataFrame, int]:
    store = open_store(db)
    try:
        return store.read("assets").drop(columns="geometry"), len(store.links())
    finally:
        store.close()


def _import(db: str, fmt: str, path: Path, *extra: str) -> Result:
    command = "gwsw" if fmt == "hydx" else fmt
    return runner.invoke(app, ["--db", db, "import", command, str(path), *OPTIONS[fmt], *extra])


def _refused(result: Result) -> None:
    """A user-facing refusal: exit code 1–3, one `error:` line first, no traceback, no stray exception."""
    assert result.exit_code in (1, 2, 3), result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stderr.lstrip().startswith("error: ") and "Traceback" not in result.output


def _corrupted(tmp_path: Path, fmt: str, case: str) -> Path:
    """A named corruption of the format's sample (see the parametrisation below)."""
    if fmt == "hydx":
        folder = tmp_path / "hydx"
        shutil.copytree(HYDX, folder)
        knooppunt = folder / "Knooppunt.csv"
        lines = knooppunt.read_text().splitlines()
        if case == "empty file":
            knooppunt.write_text("")
        elif case == "missing geometry":  # a node without coordinates: the pipes to it have no line
            header = lines[0].split(";")
            x = header.index("KNP_XCO")
            row = lines[1].split(";")
            row[x] = ""
            knooppunt.write_text("\n".join([lines[0], ";".join(row), *lines[2:]]) + "\n")
        return folder
    source = {"imkl": IMKL, "bgt": BGT, "gwsw": TTL, "crow": CROW}[fmt]
    path = tmp_path / source.name
    if case == "0-byte zip":
        path = tmp_path / f"{fmt}.zip"
        path.write_bytes(b"")
        return path
    text = source.read_text(encoding="utf-8")
    replacements: dict[tuple[str, str], Callable[[], str]] = {
        ("imkl", "empty file"): lambda: "",
        ("imkl", "broken XML"): lambda: text[: len(text) // 2],
        ("imkl", "wrong namespace"): lambda: text.replace(
            "http://www.geostandaarden.nl/imkl/wibon", "http://www.geostandaarden.nl/imkl/2015/wion/1.2"
        ),
        ("imkl", "missing geometry"): lambda: text.replace(
            'gml:id="nl.imkl-KL1050.WL_00287_ulink.2"', 'gml:id="elders"'
        ),
        ("imkl", "unknown theme"): lambda: text.replace("Thema/water", "Thema/stroom"),
        ("bgt", "empty file"): lambda: "",
        ("bgt", "broken XML"): lambda: text[: len(text) // 2],
        ("bgt", "wrong namespace"): lambda: text.replace(
            "http://www.opengis.net/citygml/transportation/2.0", "http://www.opengis.net/citygml/transportation/1.0"
        ),
        ("bgt", "missing geometry"): lambda: _without_first_current_geometry(text),
        ("gwsw", "empty file"): lambda: "",
        ("gwsw", "broken XML"): lambda: text[: text.index("<gml:posList") + 20],  # a GML literal cut off
        ("gwsw", "wrong namespace"): lambda: text.replace("http://data.gwsw.nl/1.6/totaal/", "http://example.org/x/"),
        ("gwsw", "missing geometry"): lambda: text.replace(
            ":GemengdRiool_93_ori\n\tgwsw:hasAspect                _:Lijn_96 .", ""
        ),
        ("crow", "empty file"): lambda: "",
        ("crow", "unknown theme"): lambda: text.replace("langsscheuren", "gaten"),  # an unknown damage type
        ("crow", "wrong namespace"): lambda: text.replace("schadebeeld", "damage"),  # another package's columns
        ("crow", "no rows"): lambda: text.splitlines()[0] + "\n",
    }
    path.write_text(replacements[(fmt, case)](), encoding="utf-8")
    return path


def _without_first_current_geometry(text: str) -> str:
    """The BGT sample without the geometry of its first current road part (one without eindRegistratie)."""
    start = 0
    while True:
        start = text.index("<cityObjectMember>", start + 1)
        member = text[start : text.index("</cityObjectMember>", start)]
        if "eindRegistratie" not in member:
            break
    holder = "imgeo:geometrie2dOndersteunendWegdeel"
    begin = text.index(f"<{holder}>", start)
    end = text.index(f"</{holder}>", begin) + len(f"</{holder}>")
    return text[:begin] + text[end:]


CASES = [
    ("imkl", "empty file"),
    ("imkl", "0-byte zip"),
    ("imkl", "broken XML"),
    ("imkl", "wrong namespace"),
    ("imkl", "missing geometry"),
    ("imkl", "unknown theme"),
    ("bgt", "empty file"),
    ("bgt", "0-byte zip"),
    ("bgt", "broken XML"),
    ("bgt", "wrong namespace"),
    ("bgt", "missing geometry"),
    ("gwsw", "empty file"),
    ("gwsw", "0-byte zip"),
    ("gwsw", "broken XML"),
    ("gwsw", "wrong namespace"),
    ("gwsw", "missing geometry"),
    ("hydx", "empty file"),
    ("hydx", "missing geometry"),
    ("crow", "empty file"),
    ("crow", "unknown theme"),
    ("crow", "wrong namespace"),
    ("crow", "no rows"),
]


@pytest.mark.parametrize(("fmt", "case"), CASES, ids=[f"{f}-{c.replace(' ', '-')}" for f, c in CASES])
def test_a_corrupted_file_is_one_clear_error_and_stores_nothing(db: str, tmp_path: Path, fmt: str, case: str):
    before = _state(db)
    result = _import(db, fmt, _corrupted(tmp_path, fmt, case))
    _refused(result)
    after = _state(db)
    pd.testing.assert_frame_equal(after[0], before[0])
    assert after[1] == before[1]


@pytest.mark.parametrize("fmt", ["imkl", "bgt", "gwsw", "hydx", "crow"])
def test_every_importer_has_a_dry_run_that_stores_nothing(db: str, fmt: str):
    source = {"imkl": IMKL, "bgt": BGT, "gwsw": TTL, "hydx": HYDX, "crow": CROW}[fmt]
    before = _state(db)
    result = _import(db, fmt, source, "--dry-run")
    assert result.exit_code == 0, result.output
    expected = {"imkl": 9, "bgt": 20, "gwsw": 29, "hydx": 156, "crow": 3}[fmt]
    assert f"would store {expected} assets from {source.name}" in result.stdout
    pd.testing.assert_frame_equal(_state(db)[0], before[0])


@pytest.mark.parametrize(
    ("fmt", "case", "record", "row", "reason"),
    [
        ("imkl", "unknown theme", "nl.imkl-KL1050.WL_00287", None, "unknown IMKL theme 'stroom'"),
        ("imkl", "missing geometry", "nl.imkl-KL1050.WL_00287", None, "names no UtilityLink"),
        ("bgt", "missing geometry", "b", None, "no geometrie2dWegdeel"),
        ("hydx", "missing geometry", "GM0153-RIO:lei", None, "has no KNP_XCO/KNP_YCO"),
        ("crow", "unknown theme", "GM0153-WEG:V1", 4, "'gaten' is not a known CROW damage type"),
    ],
    ids=["imkl-theme", "imkl-geometry", "bgt-geometry", "hydx-geometry", "crow-row"],
)
def test_the_rejection_report_names_the_element_and_the_reason(
    db: str, tmp_path: Path, fmt: str, case: str, record: str, row: int | None, reason: str
):
    report = tmp_path / "afgewezen.csv"
    result = _import(db, fmt, _corrupted(tmp_path, fmt, case), "--report", str(report))
    _refused(result)
    with report.open(newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert rejected and set(rejected[0]) == {"kind", "record", "field", "reason", "row"}
    match = [r for r in rejected if r["record"].startswith(record) and reason in r["reason"]]
    assert match, rejected
    assert match[0]["row"] == ("" if row is None else str(row))
    if fmt == "bgt":  # a BGT gml:id is b + a UUID, unique per version
        assert len(match[0]["record"]) == 37


_FUZZED = {"imkl": IMKL, "bgt": BGT, "gwsw": TTL, "crow": CROW}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from(sorted(_FUZZED)),
    where=st.floats(min_value=0.0, max_value=1.0),
    junk=st.binary(max_size=12),
    truncate=st.booleans(),
)
def test_a_fuzzed_file_is_imported_or_refused_in_one_line(db: str, tmp_path_factory, fmt, where, junk, truncate):
    data = _FUZZED[fmt].read_bytes()
    cut = int(where * len(data))
    corrupted = data[:cut] + junk + (b"" if truncate else data[cut + len(junk) :])
    path = tmp_path_factory.mktemp("fuzz") / _FUZZED[fmt].name
    path.write_bytes(corrupted)
    result = _import(db, fmt, path, "--dry-run")
    if result.exit_code != 0:
        _refused(result)


def test_a_zipped_delivery_and_a_zipped_hydx_import_like_their_files(db: str, tmp_path: Path):
    delivery = tmp_path / "Levering_24O0012345_1.zip"
    with zipfile.ZipFile(delivery, "w") as archive:
        archive.write(IMKL, IMKL.name)
    hydx = tmp_path / "hydx.zip"
    with zipfile.ZipFile(hydx, "w") as archive:
        for path in HYDX.glob("*.csv"):
            archive.write(path, path.name)
    assert "would store 9 assets" in _import(db, "imkl", delivery, "--dry-run").stdout
    assert "would store 156 assets" in _import(db, "hydx", hydx, "--dry-run").stdout


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["Knooppunt.csv", "Verbinding.csv", "Profiel.csv"]),
    where=st.floats(min_value=0.0, max_value=1.0),
    junk=st.binary(max_size=12),
)
def test_a_fuzzed_hydx_folder_is_imported_or_refused_in_one_line(db: str, tmp_path_factory, name, where, junk):
    folder = tmp_path_factory.mktemp("fuzz") / "hydx"
    shutil.copytree(HYDX, folder)
    data = (folder / name).read_bytes()
    cut = int(where * len(data))
    (folder / name).write_bytes(data[:cut] + junk + data[cut + len(junk) :])
    result = _import(db, "hydx", folder, "--dry-run")
    if result.exit_code != 0:
        _refused(result)
