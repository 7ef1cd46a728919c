"""Column mappings (YAML) for a user's own files, the install-year policy, and the exchange templates."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from koppelkans.cli.formats import add_commands
from koppelkans.domain.records import KINDS
from koppelkans.domain.validation import Known, validate_records
from koppelkans.domain.vocabulary import Discipline, WorkKind
from koppelkans.errors import InputError
from koppelkans.io.exchange import read_table
from koppelkans.io.mapping import ColumnMapping, InstallYearPolicy, years_from_dates
from koppelkans.io.template import EXAMPLE_ROWS, template_columns, write_template
from koppelkans.register import import_file
from koppelkans.store import SqlRepository

from .conftest import FIXTURES
from .register_helpers import load_roombeek

MAPPING = FIXTURES / "mapping"
EXPORT = MAPPING / "rioolbeheer_export.csv"
RIOOL_MAPPING = MAPPING / "rioolbeheer_mapping.yaml"


def _export_rows() -> list[dict[str, str]]:
    with EXPORT.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def test_a_mapping_renames_translates_converts_and_fills_defaults():
    mapping = ColumnMapping.read(RIOOL_MAPPING)
    frame = mapping.apply(read_table(EXPORT).frame, kind="assets")
    rows = _export_rows()
    assert list(frame["id"]) == [r["Leiding ID"] for r in rows]
    assert list(frame["diameter_mm"]) == [float(r["Diameter (cm)"].replace(",", ".")) * 10 for r in rows]
    assert list(frame["depth_m"]) == [float(r["Diepte (cm)"]) / 100 for r in rows]
    assert list(frame["material"]) == ["beton", "beton", "PVC", "gres"]
    assert list(frame["organisation"]) == ["GM0153-RIO"] * 4  # RB-0004 had an empty cell
    assert set(frame["discipline"]) == {"sewer"}
    assert "Stelsel" in frame.columns  # unmapped columns are kept (they become attributes)


def test_import_through_a_mapping(store: SqlRepository):
    load_roombeek(store, until="segments")
    report = import_file(store, "assets", EXPORT, mapping=ColumnMapping.read(RIOOL_MAPPING))
    assert report.stored == 4 and report.crs == "EPSG:28992"
    stored = store.read("assets", ids=["RB-0003"]).iloc[0]
    assert (stored["diameter_mm"], stored["depth_m"], stored["material"]) == (315.0, 1.8, "PVC")
    assert stored["attributes"]["stelsel"] == "HWA"  # column names are lower-cased on import


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: assets\ncolumns: {Diameter: diamter_mm}\n", "did you mean diameter_mm"),
        ("kind: assets\nunits: {diameter_mm: furlong}\n", "unknown unit 'furlong'"),
        ("kind: assets\nunits: {material: cm}\n", "material has no unit"),
        ("kind: assets\ncolumnz: {}\n", "unknown section"),
        ("kind: assets\ncolumns: [a, b]\n", "section columns must map"),
        ("kind: assets\ncolumns: {a: [\n", "not valid YAML"),
        ("- just\n- a list\n", "a mapping file is a YAML mapping"),
        ("kind: hamsters\n", "unknown kind 'hamsters'"),
    ],
    ids=["typo", "unit", "unitless", "section", "list", "yaml", "not-a-mapping", "kind"],
)
def test_mapping_mistakes_are_named(tmp_path, text, message):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        ColumnMapping.read(path)


def test_a_mapped_column_missing_from_the_file_is_named():
    mapping = ColumnMapping(columns={"Aanlegdatum": "install_year"}, source="m.yaml")
    with pytest.raises(InputError, match="column 'Aanlegdatum' is not in the file"):
        mapping.apply(read_table(EXPORT).frame, kind="assets")
    with pytest.raises(InputError, match="maps works, not assets"):
        ColumnMapping(kind="works").apply(read_table(EXPORT).frame, kind="assets")


@pytest.mark.parametrize(
    ("value", "year", "why"),
    [
        ("1987-05-12T00:00:00+02:00", 1987, None),
        ("2014", 2014, None),
        ("9999-12-31T00:00:00+01:00", None, "9999-12-31T00:00:00+01:00 is a placeholder"),
        ("1000-01-01T00:00:00", None, "1000-01-01T00:00:00 is a placeholder"),
        ("1900-01-01", None, "1900-01-01 is a placeholder"),
        ("1970-01-01", None, "1970-01-01 is a placeholder"),
        ("1970-06-01", 1970, None),
        ("2031-01-01", None, "2031-01-01 is a placeholder"),
        ("05/04/2019", None, "'05/04/2019' is not a date"),
        (None, None, "no date given"),
    ],
)
def test_placeholder_dates_are_not_years(value, year, why):
    years, reasons = years_from_dates(pd.Series([value], dtype=object), today=date(2026, 1, 1))
    assert (None if pd.isna(years.iloc[0]) else int(years.iloc[0]), reasons.iloc[0]) == (year, why)


def test_the_install_year_policy_is_parsed_strictly():
    assert InstallYearPolicy.parse(None).mode == "reject"
    assert InstallYearPolicy.parse("registration").mode == "registration"
    assert InstallYearPolicy.parse("1975").year == 1975
    for bad in ("guess", "3000", "75"):
        with pytest.raises(InputError, match="use reject, registration or a year"):
            InstallYearPolicy.parse(bad)


# -- templates ---------------------------------------------------------------------------------
KNOWN = Known(
    organisations=frozenset({"GM0153", "GM0153-RIO"}),
    areas=frozenset({"BU01530310", "WK015303"}),
    assets=frozenset({"GM0153-RIO:R1"}),
)


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_csv_template_holds_the_schema_and_an_example_that_validates(tmp_path, kind):
    path = write_template(kind, tmp_path / f"{kind}.csv")
    with path.open(newline="") as handle:
        header, _example = list(csv.reader(handle))
    assert header == template_columns(KINDS[kind])
    frame = read_table(path).frame
    validated = validate_records(kind, frame, source_crs="EPSG:28992", known=KNOWN, replace=True)
    assert validated.problems == ()
    assert validated.records.iloc[0][KINDS[kind].key] == EXAMPLE_ROWS[kind][KINDS[kind].key]


def test_the_xlsx_template_has_drop_downs_from_the_vocabularies(tmp_path):
    path = write_template("works", tmp_path / "works.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["works", "lists", "columns"] and book["lists"].sheet_state == "hidden"
    sheet = book["works"]
    header = [c.value for c in sheet[1]]
    assert header == template_columns(KINDS["works"])
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    column = {name: chr(ord("A") + i) for i, name in enumerate(header)}
    discipline = validations[f"{column['discipline']}2:{column['discipline']}1001"]
    assert discipline.type == "list"
    lists = book["lists"]
    sheet_column, cells = discipline.formula1.split("!")[1].replace("$", "").split(":")[0][0], discipline.formula1
    values = [c.value for c in lists[sheet_column][1:] if c.value is not None]
    assert values == list(Discipline.codes()) and "lists" in cells
    kind = validations[f"{column['kind']}2:{column['kind']}1001"]
    kind_values = [c.value for c in lists[kind.formula1.split("!")[1].replace("$", "")[0]][1:] if c.value]
    assert kind_values == list(WorkKind.codes())
    year = validations[f"{column['earliest_start']}2:{column['earliest_start']}1001"]
    assert (year.type, year.formula1, year.formula2) == ("whole", "1900", "2200")
    assert [c.value for c in sheet[2]][: len(header)] == [EXAMPLE_ROWS["works"].get(h) for h in header]
    docs = {row[0].value: row for row in book["columns"].iter_rows(min_row=2)}
    assert docs["earliest_start"][1].value == "yes" and docs["title"][1].value == "no"


def test_the_xlsx_template_imports_like_the_csv(tmp_path):
    xlsx = read_table(write_template("assets", tmp_path / "assets.xlsx")).frame
    frame = validate_records("assets", xlsx, source_crs="EPSG:28992", known=KNOWN, replace=True)
    assert frame.problems == () and frame.records.iloc[0]["install_year"] == 1962


def test_template_command(tmp_path):
    app = typer.Typer()
    add_commands(app)

    @app.callback()
    def main() -> None:
        """koppelkans (test shell)."""

    result = CliRunner().invoke(app, ["template", "assets", str(tmp_path / "assets.xlsx")])
    assert result.exit_code == 0 and "wrote the assets template with drop-downs" in result.stdout
    result = CliRunner().invoke(app, ["template", "assets", str(tmp_path / "assets.json")])
    assert result.exit_code == 2 and "a template is a .xlsx or .csv file" in result.stderr
    result = CliRunner().invoke(app, ["template", "hamsters", str(tmp_path / "h.csv")])
    assert result.exit_code == 2 and "unknown kind 'hamsters'" in result.stderr


def test_a_template_is_written_where_asked(tmp_path: Path):
    path = write_template("tasks", tmp_path / "deeper" / "tasks.csv")
    assert path.exists() and path.read_text().startswith("id,theme,target_year")
