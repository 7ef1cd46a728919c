"""Works carry when their execution started and what they cost (K12): validated, stored and exchanged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from sqlalchemy import text

from koppelkans.api.schemas import models_of
from koppelkans.domain.validation import Known, validate_records
from koppelkans.register import export_file, import_file, import_records
from koppelkans.store import SqlRepository

from .register_helpers import load_roombeek

TODAY = date(2026, 11, 23)
KNOWN = Known(organisations=frozenset({"ENEXIS"}))
LINE = "LINESTRING (257400 472500, 257600 472500)"


def work(**overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "ENEXIS:W1",
        "organisation": "ENEXIS",
        "discipline": "electricity_lv",
        "kind": "replace",
        "earliest_start": "2023",
        "latest_start": "2024",
        "status": "done",
        "actual_start": "2024-03-15",
        "actual_cost": "81000",
        "geometry": LINE,
    }
    record.update(overrides)
    return record


def problems_of(*rows: dict[str, object]) -> list[tuple[str | None, str | None, str]]:
    validated = validate_records("works", pd.DataFrame(rows), source_crs="EPSG:28992", known=KNOWN, today=TODAY)
    return [(p.record, p.field, p.reason) for p in validated.problems]


def test_done_work_keeps_its_actual_start_day_and_cost() -> None:
    validated = validate_records("works", pd.DataFrame([work()]), source_crs="EPSG:28992", known=KNOWN, today=TODAY)
    assert validated.ok
    record = validated.records.iloc[0]
    assert (record["actual_start"], record["actual_cost"]) == ("2024-03-15", 81000.0)


def test_spreadsheet_timestamp_is_read_as_its_day() -> None:
    validated = validate_records(
        "works",
        pd.DataFrame([work(actual_start=pd.Timestamp("2024-03-15"))]),
        source_crs="EPSG:28992",
        known=KNOWN,
        today=TODAY,
    )
    assert validated.records.iloc[0]["actual_start"] == "2024-03-15"


def test_actual_start_must_be_a_day_not_in_the_future() -> None:
    assert problems_of(work(actual_start="maart 2024"), work(id="ENEXIS:W2", actual_start="2026-11-24")) == [
        ("ENEXIS:W1", "actual_start", "not a date (expected an ISO 8601 day, e.g. 2024-03-15)"),
        ("ENEXIS:W2", "actual_start", "actual_start 2026-11-24 lies in the future (after 2026-11-23)"),
    ]


def test_actual_fields_need_a_work_that_started() -> None:
    assert problems_of(work(status="planned"), work(id="ENEXIS:W2", status="in_progress")) == [
        (
            "ENEXIS:W1",
            "actual_start",
            "actual_start is recorded only for a work in_progress or done (status is 'planned')",
        ),
        ("ENEXIS:W1", "actual_cost", "actual_cost is recorded only for a work that is done (status is 'planned')"),
        ("ENEXIS:W2", "actual_cost", "actual_cost is recorded only for a work that is done (status is 'in_progress')"),
    ]


def test_actual_cost_is_not_negative() -> None:
    assert problems_of(work(actual_cost="-5")) == [
        ("ENEXIS:W1", "actual_cost", "-5.0 is out of range: actual_cost must be at least 0")
    ]


def test_api_work_models_carry_the_actual_fields_as_a_date_and_a_bounded_amount() -> None:
    create, _, public, _ = models_of("works")
    schema = create.model_json_schema()["properties"]
    assert schema["actual_start"]["anyOf"][0] == {"format": "date", "type": "string"}
    assert schema["actual_cost"]["anyOf"][0]["minimum"] == 0.0
    assert "actual_start" in public.model_fields


def test_actual_fields_survive_the_store_and_a_geopackage_and_xlsx_round_trip(
    store: SqlRepository, tmp_path: Path
) -> None:
    load_roombeek(store, until="assets")
    import_records(store, "works", pd.DataFrame([work(organisation="GM0153")]), source_crs="EPSG:28992", today=TODAY)
    stored = store.read("works").iloc[0]
    assert (stored["actual_start"], stored["actual_cost"]) == ("2024-03-15", 81000.0)
    with store.engine.connect() as conn:
        columns = set(conn.execute(text("SELECT * FROM works WHERE 1 = 0")).keys())
    assert {"actual_start", "actual_cost"} <= columns
    export_file(store, "works", tmp_path / "works.gpkg")
    export_file(store, "works", tmp_path / "works.xlsx")
    for name in ("works.gpkg", "works.xlsx"):
        import_file(store, "works", tmp_path / name, crs="EPSG:28992", replace=True)
        again = store.read("works").iloc[0]
        assert (again["actual_start"], again["actual_cost"]) == ("2024-03-15", 81000.0), name


def test_xlsx_date_cell_is_read_as_its_day(store: SqlRepository, tmp_path: Path) -> None:
    load_roombeek(store, until="assets")
    book = Workbook()
    sheet = book.active
    row = work(organisation="GM0153", actual_start=date(2024, 3, 15), geometry=LINE)
    sheet.append(list(row))
    sheet.append(list(row.values()))
    book.save(tmp_path / "works.xlsx")
    import_file(store, "works", tmp_path / "works.xlsx", crs="EPSG:28992")
    assert store.read("works").iloc[0]["actual_start"] == "2024-03-15"
