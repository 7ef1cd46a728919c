"""Validation names the record and field of every problem (pure: no store)."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from koppelkans.domain.validation import Known, validate_records
from koppelkans.errors import InputError

TODAY = date(2026, 11, 23)
KNOWN = Known(
    organisations=frozenset({"GM0153", "ENEXIS"}),
    areas=frozenset({"BU01530311"}),
    assets=frozenset({"ENEXIS:A1", "ENEXIS:A2"}),
    works=frozenset({"ENEXIS:W0"}),
)
LINE = "LINESTRING (257400 472500, 257600 472500)"


def work(**overrides: object) -> dict[str, object]:
    record = {
        "id": "ENEXIS:W1",
        "organisation": "ENEXIS",
        "discipline": "electricity_lv",
        "kind": "replace",
        "earliest_start": "2027",
        "latest_start": "2029",
        "preferred_start": "2028",
        "geometry": LINE,
    }
    record.update(overrides)
    return record


def problems_of(
    kind: str, rows: list[dict[str, object]], **options: object
) -> list[tuple[str | None, str | None, str]]:
    validated = validate_records(
        kind, pd.DataFrame(rows), source_crs=options.pop("crs", "EPSG:28992"), known=KNOWN, today=TODAY, **options
    )
    return [(p.record, p.field, p.reason) for p in validated.problems]


def test_valid_work_passes_and_is_typed() -> None:
    validated = validate_records("works", pd.DataFrame([work()]), source_crs="EPSG:28992", known=KNOWN, today=TODAY)
    assert validated.ok
    record = validated.records.iloc[0]
    assert (record["earliest_start"], record["latest_start"], record["preferred_start"]) == (2027, 2029, 2028)
    assert validated.records.crs.to_epsg() == 28992


def test_missing_required_column_is_named() -> None:
    row = work()
    del row["latest_start"]
    assert ("ENEXIS:W1", "latest_start", "required value is missing") not in problems_of("works", [row])
    assert (None, "latest_start", "required column is missing") in problems_of("works", [row])


def test_unknown_vocabulary_value_lists_the_allowed_codes() -> None:
    [(record, field, reason)] = problems_of("works", [work(kind="dig")])
    assert (record, field) == ("ENEXIS:W1", "kind")
    assert reason.startswith("'dig' is not a known value; expected one of replace, renovate, reline")


def test_dutch_labels_are_accepted_for_vocabularies() -> None:
    validated = validate_records(
        "works",
        pd.DataFrame([work(kind="Vervangen", status="gepland")]),
        source_crs="EPSG:28992",
        known=KNOWN,
        today=TODAY,
    )
    assert validated.ok
    assert validated.records.iloc[0]["kind"] == "replace" and validated.records.iloc[0]["status"] == "planned"


def test_import_rejects_work_whose_window_is_reversed() -> None:
    assert problems_of("works", [work(earliest_start="2030", latest_start="2027", preferred_start=None)]) == [
        ("ENEXIS:W1", "latest_start", "latest_start 2027 is before earliest_start 2030")
    ]


def test_preferred_start_outside_the_window_is_rejected() -> None:
    assert problems_of("works", [work(preferred_start="2031")]) == [
        ("ENEXIS:W1", "preferred_start", "preferred_start 2031 lies outside the window 2027–2029")
    ]


def test_iso_dates_are_read_as_years() -> None:
    validated = validate_records(
        "works",
        pd.DataFrame([work(earliest_start="2027-03-01", latest_start="2029-12-31", preferred_start=None)]),
        source_crs="EPSG:28992",
        known=KNOWN,
        today=TODAY,
    )
    assert validated.ok and validated.records.iloc[0]["earliest_start"] == 2027


def asset(**overrides: object) -> dict[str, object]:
    record = {
        "id": "ENEXIS:A9",
        "organisation": "ENEXIS",
        "discipline": "gas",
        "install_year": "1975",
        "geometry": LINE,
    }
    record.update(overrides)
    return record


def test_condition_outside_nen2767_scale_is_rejected() -> None:
    assert problems_of("assets", [asset(condition="7")]) == [
        ("ENEXIS:A9", "condition", "7 is out of range: condition must be between 1 and 6")
    ]


def test_install_year_in_the_future_is_rejected() -> None:
    assert problems_of("assets", [asset(install_year="2031")]) == [
        ("ENEXIS:A9", "install_year", "install_year lies in the future (after 2026)")
    ]


def test_numbers_with_decimal_comma_are_read() -> None:
    validated = validate_records(
        "assets", pd.DataFrame([asset(depth_m="0,55")]), source_crs="EPSG:28992", known=KNOWN, today=TODAY
    )
    assert validated.records.iloc[0]["depth_m"] == pytest.approx(0.55)


def test_text_in_a_number_column_is_rejected() -> None:
    assert problems_of("assets", [asset(diameter_mm="groot")]) == [("ENEXIS:A9", "diameter_mm", "not a number")]


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        ("LINESTRING EMPTY", "geometry is empty"),
        (
            "POLYGON ((257400 472500, 257600 472600, 257600 472500, 257400 472600, 257400 472500))",
            "invalid geometry: Self-intersection[257500 472550]",
        ),
        ("LINESTRING (257400 472500", "not valid WKT"),
        ("", "required value is missing"),
    ],
)
def test_bad_geometry_is_named(geometry: str, reason: str) -> None:
    assert problems_of("assets", [asset(geometry=geometry)]) == [("ENEXIS:A9", "geometry", reason)]


def test_wrong_geometry_type_is_rejected() -> None:
    assert problems_of("segments", [{"id": "S1", "geometry": "POINT (257400 472500)"}]) == [
        ("S1", "geometry", "geometry is a Point; expected LineString")
    ]


def test_coordinates_in_the_wrong_crs_are_caught() -> None:
    [(record, field, reason)] = problems_of("assets", [asset()], crs="EPSG:4326")
    assert (record, field) == ("ENEXIS:A9", "geometry")
    assert "outside the Netherlands" in reason


def test_data_without_crs_is_refused_unless_named() -> None:
    with pytest.raises(InputError, match="--crs"):
        validate_records("assets", pd.DataFrame([asset()]), source_crs=None, known=KNOWN, today=TODAY)


def test_unknown_references_are_named() -> None:
    assert problems_of("works", [work(organisation="STEDIN", asset_ids="ENEXIS:A1;ENEXIS:A7")]) == [
        ("ENEXIS:W1", "organisation", "unknown organisation 'STEDIN'"),
        ("ENEXIS:W1", "asset_ids", "unknown asset ENEXIS:A7"),
    ]
    assert problems_of("tasks", [{"id": "T1", "theme": "social", "target_year": "2030", "area_code": "BU9"}]) == [
        ("T1", "area_code", "unknown area 'BU9'")
    ]


def test_task_needs_an_area_or_a_geometry() -> None:
    assert problems_of("tasks", [{"id": "T1", "theme": "social", "target_year": "2030"}]) == [
        ("T1", "area_code", "a task needs an area_code or a geometry")
    ]


def test_duplicate_ids_in_the_input_and_in_the_store() -> None:
    rows = [work(), work(), work(id="ENEXIS:W0")]
    assert problems_of("works", rows) == [
        ("ENEXIS:W1", "id", "duplicate id: it appears earlier in the input"),
        ("ENEXIS:W0", "id", "duplicate id: already in the store (import with --replace to update it)"),
    ]
    assert problems_of("works", [work(id="ENEXIS:W0")], replace=True) == []


def test_organisation_may_name_a_parent_in_the_same_input() -> None:
    rows = [
        {"code": "GM0164", "name": "Hengelo", "kind": "municipality"},
        {"code": "GM0164-RIO", "name": "Hengelo riolering", "kind": "municipality", "parent_code": "GM0164"},
    ]
    assert problems_of("organisations", rows, crs=None) == []


def test_extra_columns_are_kept_as_attributes() -> None:
    validated = validate_records(
        "works",
        pd.DataFrame([work(Budget_Line="RIO-2027", remark="")]),
        source_crs="EPSG:28992",
        known=KNOWN,
        today=TODAY,
    )
    assert validated.records.iloc[0]["attributes"] == {"budget_line": "RIO-2027"}


def test_wgs84_input_is_transformed_to_rd_new() -> None:
    from pyproj import Transformer

    lon, lat = 6.8937, 52.2215
    frame = gpd.GeoDataFrame([asset(geometry=None)], geometry=[shapely.Point(lon, lat)], crs="EPSG:4326")
    validated = validate_records("assets", frame, source_crs="EPSG:4326", known=KNOWN, today=TODAY)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True).transform(lon, lat)
    point = validated.records.geometry.iloc[0]
    assert point.distance(shapely.Point(x, y)) < 0.01


@settings(max_examples=60, deadline=None)
@given(
    earliest=st.integers(min_value=1990, max_value=2100),
    span=st.integers(min_value=-5, max_value=10),
    preferred_offset=st.integers(min_value=-3, max_value=13),
)
def test_window_rules_hold_for_any_years(earliest: int, span: int, preferred_offset: int) -> None:
    latest, preferred = earliest + span, earliest + preferred_offset
    found = problems_of("works", [work(earliest_start=earliest, latest_start=latest, preferred_start=preferred)])
    fields = {field for _, field, _ in found}
    assert ("latest_start" in fields) == (latest < earliest)
    assert ("preferred_start" in fields) == (latest >= earliest and not earliest <= preferred <= latest)
