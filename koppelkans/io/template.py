"""Empty exchange templates a user fills in by hand: XLSX with drop-downs, or CSV.

The XLSX has the kind's sheet first (so `koppelkans import KIND file.xlsx` reads it as it is): the
exchange columns in schema order, required ones shaded, each header with a comment saying what
goes in it, one example row, and data validation on 1,000 rows — drop-downs from the vocabularies
(discipline, work kind, status, …) and number/year ranges from the schema. A `columns` sheet
documents every column; the drop-down values live on a hidden `lists` sheet (Excel limits
inline lists to 255 characters). The CSV variant is the header and the example row.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from koppelkans.domain.records import ColumnSpec, KindSpec, kind_spec
from koppelkans.errors import InputError

__all__ = ["EXAMPLE_ROWS", "template_columns", "write_template"]

TEMPLATE_ROWS = 1000
"""Rows that carry the data validation in the XLSX template."""

EXAMPLE_ROWS: dict[str, dict[str, Any]] = {
    "organisations": {
        "code": "GM0153-RIO",
        "name": "Gemeente Enschede - riolering",
        "kind": "municipality",
        "parent_code": "GM0153",
        "disciplines": "sewer",
    },
    "areas": {
        "code": "BU01530310",
        "name": "Roombeek",
        "level": "buurt",
        "parent_code": "WK015303",
        "geometry": "POLYGON ((257380 472480, 257820 472480, 257820 472720, 257380 472720, 257380 472480))",
    },
    "segments": {
        "id": "GM0153:S1",
        "name": "Roomweg",
        "area_code": "BU01530310",
        "width_m": 14,
        "geometry": "LINESTRING (257400 472500, 257600 472500)",
    },
    "assets": {
        "id": "GM0153-RIO:R1",
        "organisation": "GM0153-RIO",
        "discipline": "sewer",
        "asset_type": "gemengd riool",
        "material": "beton",
        "diameter_mm": 400,
        "depth_m": 2.1,
        "install_year": 1962,
        "condition": 4,
        "condition_year": 2023,
        "replacement_cost_eur": 86000,
        "geometry": "LINESTRING (257400 472501, 257600 472501)",
    },
    "works": {
        "id": "GM0153-RIO:W1",
        "organisation": "GM0153-RIO",
        "discipline": "sewer",
        "kind": "replace",
        "title": "Vervangen riolering Roomweg",
        "earliest_start": 2027,
        "latest_start": 2029,
        "preferred_start": 2028,
        "duration_months": 6,
        "status": "planned",
        "phase": "pve",
        "cost_eur": 450000,
        "project_type": "beheer",
        "dig_free_years": 5,
        "asset_ids": "GM0153-RIO:R1",
        "geometry": "LINESTRING (257400 472501, 257600 472501)",
    },
    "tasks": {
        "id": "GM0153:T1",
        "theme": "energy_transition",
        "target_year": 2035,
        "area_code": "BU01530310",
        "organisation": "GM0153",
        "intensity": 0.8,
        "description": "Aardgasvrij volgens de Transitievisie Warmte",
    },
}
"""One realistic row per kind (Enschede, Roombeek), shown in every template."""


def template_columns(spec: KindSpec) -> list[str]:
    """The template's columns: the schema's, plus `geometry` (WKT) for spatial kinds."""
    return [*spec.column_names, *(["geometry"] if spec.spatial else [])]


def _describe(spec: KindSpec, column: ColumnSpec | None) -> tuple[str, str, str]:
    """(type, allowed values or range, description) of a template column."""
    if column is None:
        kinds = ", ".join(sorted(spec.geometry_types))
        need = "required" if spec.geometry == "required" else "optional"
        return (
            "WKT",
            kinds,
            f"{need}; coordinates in RD New (EPSG:28992), e.g. LINESTRING (257400 472500, 257600 472500)",
        )
    if column.vocabulary is not None:
        allowed = ", ".join(column.vocabulary.codes())
    elif column.minimum is not None or column.maximum is not None:
        low = "" if column.minimum is None else f"{column.minimum:g}"
        high = "" if column.maximum is None else f"{column.maximum:g}"
        allowed = f"{low} … {high}"
    else:
        allowed = ""
    reference = spec.references.get(column.name)
    doc = column.doc or (f"the {reference[:-1]} it belongs to (its code or id)" if reference else "")
    return column.dtype, allowed, ("required; " if column.required else "") + doc


def write_template(kind: str, path: str | Path) -> Path:
    """Write the exchange template of `kind` as .xlsx (with drop-downs) or .csv; returns the path."""
    spec = kind_spec(kind)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(f"{path.name}: a template is a .xlsx or .csv file")
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = template_columns(spec)
    example = EXAMPLE_ROWS.get(spec.name, {})
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerow([example.get(c, "") for c in columns])
        return path
    _write_xlsx(spec, columns, example, path)
    return path


def _write_xlsx(spec: KindSpec, columns: list[str], example: dict[str, Any], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = spec.name
    lists = book.create_sheet("lists")
    docs = book.create_sheet("columns")
    docs.append(["column", "required", "type", "allowed values", "description"])
    specs = {c.name: c for c in spec.columns}
    required_fill = PatternFill("solid", fgColor="FFE699")
    list_column = 0
    for index, name in enumerate(columns, start=1):
        column = specs.get(name)
        dtype, allowed, description = _describe(spec, column)
        required = name in spec.required
        cell = sheet.cell(row=1, column=index, value=name)
        cell.font = Font(bold=True)
        if required:
            cell.fill = required_fill
        cell.comment = Comment(f"{description or dtype}" + (f"\nallowed: {allowed}" if allowed else ""), "koppelkans")
        sheet.cell(row=2, column=index, value=example.get(name))
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(60, len(str(example.get(name, ""))) + 2, len(name) + 4))
        docs.append([name, "yes" if required else "no", dtype, allowed, description])
        cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        validation = None
        if column is not None and column.vocabulary is not None and column.dtype != "list":
            list_column += 1
            codes = column.vocabulary.codes()
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=name)
            for row, code in enumerate(codes, start=2):
                lists.cell(row=row, column=list_column, value=code)
            source = f"{quote_sheetname('lists')}!${list_letter}$2:${list_letter}${len(codes) + 1}"
            validation = DataValidation(type="list", formula1=source, allow_blank=not column.required)
            validation.error = f"{name}: choose one of {', '.join(codes)}"
        elif column is not None and column.dtype in ("int", "year", "float"):
            low = column.minimum if column.minimum is not None else -1e12
            high = column.maximum if column.maximum is not None else (2200 if column.dtype == "year" else 1e12)
            whole = column.dtype in ("int", "year")
            validation = DataValidation(
                type="whole" if whole else "decimal",
                operator="between",
                formula1=str(int(low) if whole else low),
                formula2=str(int(high) if whole else high),
                allow_blank=not column.required,
            )
            validation.error = f"{name}: a {'whole ' if whole else ''}number between {low:g} and {high:g}"
        if validation is not None:
            validation.errorTitle = "koppelkans"
            validation.showErrorMessage = True
            sheet.add_data_validation(validation)
            validation.add(cells)
    sheet.freeze_panes = "A2"
    lists.sheet_state = "hidden"
    for letter, width in (("A", 22), ("B", 10), ("C", 8), ("D", 60), ("E", 80)):
        docs.column_dimensions[letter].width = width
    book.save(path)
