"""Turn a raw table (as read from any file) into canonical records, or say precisely what is wrong.

Pure: no I/O. Steps, each vectorised over the whole table: column names → key → typed columns →
rules between fields → references → geometry (parse, check, transform to EPSG:28992) → extra
columns kept as attributes. Every problem names the record and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS as ProjCRS

from koppelkans.config import CRS, NL_BOUNDS_RD
from koppelkans.domain.records import ColumnSpec, KindSpec, kind_spec
from koppelkans.domain.vocabulary import EXECUTED_STATUSES, WorkStatus
from koppelkans.errors import InputError, Problem

__all__ = ["GEOMETRY_COLUMN_NAMES", "Known", "Validated", "validate_records"]

GEOMETRY_COLUMN_NAMES = ("geometry", "wkt", "geom", "the_geom")
"""Column names that hold WKT geometry in CSV/XLSX input, in order of preference."""


@dataclass(frozen=True, kw_only=True)
class Known:
    """The keys the store already holds, for reference and duplicate checks."""

    organisations: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    assets: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    works: frozenset[str] = frozenset()
    tasks: frozenset[str] = frozenset()

    def of(self, kind: str) -> frozenset[str]:
        return getattr(self, kind)


@dataclass(frozen=True, kw_only=True)
class Validated:
    """Canonical records (EPSG:28992, typed columns, `attributes`) and every problem found."""

    kind: str
    records: pd.DataFrame
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_records(
    kind: str,
    raw: pd.DataFrame,
    *,
    source_crs: str | None,
    known: Known | None = None,
    today: date | None = None,
    replace: bool = False,
) -> Validated:
    """Check and convert a raw table of `kind` records.

    Parameters
    ----------
    raw
        A DataFrame of raw values (strings, numbers) or a GeoDataFrame; geometry either as the
        active geometry column or as WKT in a `geometry`/`wkt` column.
    source_crs
        The CRS of the geometries; required when the table has geometries.
    known
        Keys already in the store; references must name one of them (or a record in `raw`).
    replace
        Whether records whose key is already in the store may replace the stored ones.
    """
    spec = kind_spec(kind)
    known = known or Known()
    today = today or date.today()
    check = _Checker(spec=spec, frame=_normalise_columns(raw, spec))
    check.required_columns()
    check.key(existing=known.of(kind), replace=replace)
    typed = {column.name: check.typed_column(column) for column in spec.columns}
    check.field_rules(typed, this_year=today.year)
    check.execution_rules(typed, today=today)
    check.references(typed, known)
    geometry = check.geometry(source_crs) if spec.spatial else None
    attributes = check.attributes()
    records = _assemble(spec, typed, geometry, attributes)
    return Validated(kind=kind, records=records, problems=_in_reading_order(spec, check.problems))


def _in_reading_order(spec: KindSpec, problems: list[Problem]) -> tuple[Problem, ...]:
    """Problems by row, then by column as the schema lists them (whole-file problems first)."""
    order = {name: i for i, name in enumerate((*spec.column_names, "geometry"))}
    return tuple(sorted(problems, key=lambda p: (p.row or 0, order.get(p.field or "", -1))))


def _normalise_columns(raw: pd.DataFrame, spec: KindSpec) -> pd.DataFrame:
    """Strip and lower-case column names (spreadsheets carry trailing spaces and capitals)."""
    frame = raw.copy()
    if isinstance(frame, gpd.GeoDataFrame):
        geometry_name = frame.geometry.name
        frame = pd.DataFrame(frame).rename(columns={geometry_name: "__geometry__"})
        frame["__geometry__"] = frame["__geometry__"].astype(object)
    frame.columns = [str(c).strip().lower() if c != "__geometry__" else c for c in frame.columns]
    frame = frame.rename(columns=_untruncated(spec, list(frame.columns)))
    frame = frame.astype(object)
    return frame.where(frame.notna(), None).reset_index(drop=True)


_SHAPEFILE_NAME_LENGTH = 10


def _untruncated(spec: KindSpec, columns: list[str]) -> dict[str, str]:
    """Schema columns whose names a Shapefile cut to 10 characters (`preferred_` → `preferred_start`)."""
    names = spec.column_names
    renames = {}
    for column in columns:
        if len(column) == _SHAPEFILE_NAME_LENGTH and column not in names:
            matches = [n for n in names if n.startswith(column)]
            if len(matches) == 1 and matches[0] not in columns:
                renames[column] = matches[0]
    return renames


@dataclass
class _Checker:
    """Collects problems while converting one table; each method is one validation step."""

    spec: KindSpec
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        key = self.spec.key
        if key in self.frame.columns:
            values = _mapped(self.frame[key], _as_text)
            self.record_ids = [v if v is not None else None for v in values]
        else:
            self.record_ids = [None] * len(self.frame)

    # -- bookkeeping ---------------------------------------------------------------------------
    def report(self, rows: Iterable[int], column: str | None, reason: str | Mapping[int, str]) -> None:
        for row in rows:
            self.problems.append(
                Problem(
                    kind=self.spec.name,
                    record=self.record_ids[row],
                    field=column,
                    reason=reason[row] if isinstance(reason, Mapping) else reason,
                    row=row + 1,
                )
            )

    # -- steps ---------------------------------------------------------------------------------
    def required_columns(self) -> None:
        present = set(self.frame.columns)
        for name in self.spec.required:
            if name == "geometry":
                if "__geometry__" not in present and not present & set(GEOMETRY_COLUMN_NAMES):
                    self.problems.append(
                        Problem(kind=self.spec.name, record=None, field="geometry", reason="required column is missing")
                    )
            elif name not in present:
                self.problems.append(
                    Problem(kind=self.spec.name, record=None, field=name, reason="required column is missing")
                )

    def key(self, *, existing: frozenset[str], replace: bool) -> None:
        ids = pd.Series(self.record_ids, dtype=object)
        if self.spec.key not in self.frame.columns:
            return
        self.report(np.flatnonzero(ids.isna()), self.spec.key, "required value is missing")
        duplicated = ids.notna() & ids.duplicated(keep="first")
        self.report(np.flatnonzero(duplicated), self.spec.key, "duplicate id: it appears earlier in the input")
        if not replace and existing:
            stored = ids.notna() & ids.isin(existing) & ~duplicated
            self.report(
                np.flatnonzero(stored),
                self.spec.key,
                "duplicate id: already in the store (import with --replace to update it)",
            )

    def typed_column(self, column: ColumnSpec) -> pd.Series:
        n = len(self.frame)
        if column.name not in self.frame.columns:
            return _empty(column, n)
        raw = self.frame[column.name]
        text = _mapped(raw, _as_text)
        present = text.notna()
        if column.dtype in ("int", "year", "float"):
            values, bad = _numbers(text, column)
            self.report(np.flatnonzero(bad), column.name, _bad_number_reason(column))
            in_range = pd.Series(True, index=values.index)
            if column.minimum is not None:
                in_range &= ~(values < column.minimum).fillna(False)
            if column.maximum is not None:
                in_range &= ~(values > column.maximum).fillna(False)
            self.report(np.flatnonzero(~in_range), column.name, _range_reason(column, values))
        elif column.dtype == "date":
            values = _mapped(text, _as_iso_day)
            bad = values.isna() & present
            self.report(np.flatnonzero(bad), column.name, "not a date (expected an ISO 8601 day, e.g. 2024-03-15)")
        elif column.dtype == "list":
            values = _mapped(text, _as_list)
            if column.vocabulary is not None:
                allowed = set(column.vocabulary.codes())
                wrong = values.map(lambda v: isinstance(v, str) and not set(v.split(";")) <= allowed)
                self.report(np.flatnonzero(wrong), column.name, _vocabulary_reason(column))
        else:
            values = text
            if column.vocabulary is not None:
                values = _mapped(values, lambda v: _vocabulary_code(column, v))
                wrong = values.isna() & present
                self.report(
                    np.flatnonzero(wrong),
                    column.name,
                    {
                        i: f"{raw.iloc[i]!r} is not a known value; {_vocabulary_reason(column)}"
                        for i in np.flatnonzero(wrong)
                    },
                )
        if column.required:
            missing = ~present
            self.report(np.flatnonzero(missing), column.name, "required value is missing")
        return values

    def field_rules(self, typed: dict[str, pd.Series], *, this_year: int) -> None:
        """Rules between fields and against today's date."""
        if "earliest_start" in typed and "latest_start" in typed:
            early, late = typed["earliest_start"], typed["latest_start"]
            wrong = (early > late).fillna(False)
            self.report(
                np.flatnonzero(wrong),
                "latest_start",
                {
                    i: f"latest_start {late.iloc[i]} is before earliest_start {early.iloc[i]}"
                    for i in np.flatnonzero(wrong)
                },
            )
            if "preferred_start" in typed:
                pref = typed["preferred_start"]
                outside = ((pref < early) | (pref > late)).fillna(False) & ~wrong
                self.report(
                    np.flatnonzero(outside),
                    "preferred_start",
                    {
                        i: f"preferred_start {pref.iloc[i]} lies outside the window {early.iloc[i]}–{late.iloc[i]}"
                        for i in np.flatnonzero(outside)
                    },
                )
        for name in ("install_year", "condition_year"):
            if name in typed:
                future = (typed[name] > this_year).fillna(False)
                self.report(np.flatnonzero(future), name, f"{name} lies in the future (after {this_year})")
        if "condition_year" in typed and "install_year" in typed:
            before = (typed["condition_year"] < typed["install_year"]).fillna(False)
            self.report(np.flatnonzero(before), "condition_year", "condition_year is before install_year")
        if self.spec.name == "tasks":
            has_geometry = self._geometry_present()
            neither = typed["area_code"].isna() & ~has_geometry
            self.report(np.flatnonzero(neither), "area_code", "a task needs an area_code or a geometry")

    def execution_rules(self, typed: dict[str, pd.Series], *, today: date) -> None:
        """What a work recorded as executed may say: a start not in the future, and only once it started."""
        if "actual_start" not in typed:
            return
        start, status = typed["actual_start"], typed["status"]
        future = start.notna() & (start > today.isoformat())
        self.report(
            np.flatnonzero(future),
            "actual_start",
            {i: f"actual_start {start.iloc[i]} lies in the future (after {today})" for i in np.flatnonzero(future)},
        )
        executed = {s.value for s in EXECUTED_STATUSES}
        early = start.notna() & ~status.isin(executed)
        self.report(
            np.flatnonzero(early),
            "actual_start",
            {
                i: f"actual_start is recorded only for a work in_progress or done (status is {status.iloc[i]!r})"
                for i in np.flatnonzero(early)
            },
        )
        cost = typed["actual_cost"]
        unfinished = cost.notna() & (status != WorkStatus.DONE.value)
        self.report(
            np.flatnonzero(unfinished),
            "actual_cost",
            {
                i: f"actual_cost is recorded only for a work that is done (status is {status.iloc[i]!r})"
                for i in np.flatnonzero(unfinished)
            },
        )

    def references(self, typed: dict[str, pd.Series], known: Known) -> None:
        for column, target in self.spec.references.items():
            allowed = set(known.of(target))
            if target == self.spec.name:
                allowed |= {r for r in self.record_ids if r is not None}
            values = typed[column]
            if column == "asset_ids":
                unknown = values.map(lambda v, allowed=allowed: _missing_from(v, allowed))
                wrong = unknown.map(bool)
                self.report(
                    np.flatnonzero(wrong),
                    column,
                    {i: f"unknown {target[:-1]} {', '.join(unknown.iloc[i])}" for i in np.flatnonzero(wrong)},
                )
                continue
            wrong = values.notna() & ~values.isin(allowed)
            self.report(
                np.flatnonzero(wrong),
                column,
                {i: f"unknown {_singular(target)} {values.iloc[i]!r}" for i in np.flatnonzero(wrong)},
            )

    def geometry(self, source_crs: str | None) -> np.ndarray:
        geoms, unreadable = self._parsed_geometry()
        present = ~shapely.is_missing(geoms)
        if self.spec.geometry == "required":
            self.report(np.flatnonzero(~present & ~unreadable), "geometry", "required value is missing")
        if present.any() and source_crs is None:
            raise InputError(
                f"{self.spec.name}: the input has no coordinate reference system; "
                "name it with --crs (e.g. --crs EPSG:28992)",
                field="geometry",
            )
        empty = present & shapely.is_empty(geoms)
        self.report(np.flatnonzero(empty), "geometry", "geometry is empty")
        usable = present & ~empty
        geoms = np.where(usable, shapely.force_2d(geoms), None)
        invalid = usable & ~shapely.is_valid(geoms)
        reasons = shapely.is_valid_reason(geoms)
        self.report(
            np.flatnonzero(invalid), "geometry", {i: f"invalid geometry: {reasons[i]}" for i in np.flatnonzero(invalid)}
        )
        usable &= ~invalid
        if self.spec.name == "segments":
            geoms = _merge_lines(geoms, usable)
        types = shapely.get_type_id(geoms)
        names = np.array([_GEOMETRY_TYPE_NAMES.get(t, "?") for t in types])
        wrong_type = usable & ~np.isin(names, list(self.spec.geometry_types))
        allowed = ", ".join(sorted(self.spec.geometry_types))
        self.report(
            np.flatnonzero(wrong_type),
            "geometry",
            {i: f"geometry is a {names[i]}; expected {allowed}" for i in np.flatnonzero(wrong_type)},
        )
        usable &= ~wrong_type
        if source_crs is not None and usable.any():
            geoms = _to_rd(geoms, usable, source_crs)
            outside = usable & ~_inside_netherlands(geoms)
            self.report(
                np.flatnonzero(outside),
                "geometry",
                f"coordinates lie outside the Netherlands once in {CRS}; is the CRS ({source_crs}) right?",
            )
        return geoms

    def attributes(self) -> list[dict[str, Any]]:
        known = set(self.spec.column_names) | {"__geometry__", "attributes", *GEOMETRY_COLUMN_NAMES}
        extra = [c for c in self.frame.columns if c not in known and not str(c).startswith("unnamed:")]
        stored = self.frame["attributes"].map(_as_mapping) if "attributes" in self.frame.columns else None
        rows: list[dict[str, Any]] = []
        extras = self.frame[extra].to_dict("records") if extra else [{}] * len(self.frame)
        for i, values in enumerate(extras):
            merged = dict(stored.iloc[i]) if stored is not None else {}
            merged.update({str(k): _json_value(v) for k, v in values.items() if _json_value(v) is not None})
            rows.append(merged)
        return rows

    # -- geometry helpers ----------------------------------------------------------------------
    def _geometry_source(self) -> pd.Series | None:
        if "__geometry__" in self.frame.columns:
            return self.frame["__geometry__"]
        for name in GEOMETRY_COLUMN_NAMES:
            if name in self.frame.columns:
                return self.frame[name]
        return None

    def _geometry_present(self) -> pd.Series:
        source = self._geometry_source()
        if source is None:
            return pd.Series(False, index=self.frame.index)
        return source.map(lambda v: v is not None and not (isinstance(v, float) and math.isnan(v)) and v != "")

    def _parsed_geometry(self) -> tuple[np.ndarray, np.ndarray]:
        """Geometries (WKT parsed), and which rows held text that is not WKT (reported here)."""
        source = self._geometry_source()
        n = len(self.frame)
        bad = np.zeros(n, dtype=bool)
        if source is None:
            return np.full(n, None, dtype=object), bad
        values = source.to_numpy(dtype=object)
        texts = np.array([isinstance(v, str) for v in values])
        geoms = np.array([v if isinstance(v, shapely.Geometry) else None for v in values], dtype=object)
        if texts.any():
            strings = np.array([v.strip() if isinstance(v, str) else None for v in values], dtype=object)
            strings[np.array([s == "" for s in strings])] = None
            parsed = shapely.from_wkt(strings, on_invalid="ignore")
            bad = texts & (strings != None) & shapely.is_missing(parsed)  # noqa: E711
            self.report(np.flatnonzero(bad), "geometry", "not valid WKT")
            geoms = np.where(texts, parsed, geoms)
        return geoms, bad


_GEOMETRY_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def _merge_lines(geoms: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """A street centreline digitised as a multi-line whose parts join is one line."""
    multi = usable & (shapely.get_type_id(geoms) == 5)
    if multi.any():
        merged = shapely.line_merge(geoms[multi])
        geoms = geoms.copy()
        geoms[multi] = merged
    return geoms


def _to_rd(geoms: np.ndarray, usable: np.ndarray, source_crs: str) -> np.ndarray:
    crs = ProjCRS.from_user_input(source_crs)
    if crs.equals(ProjCRS.from_user_input(CRS)):
        return geoms
    series = gpd.GeoSeries(np.where(usable, geoms, None), crs=crs)
    return series.to_crs(CRS).to_numpy()


def _inside_netherlands(geoms: np.ndarray) -> np.ndarray:
    bounds = shapely.bounds(geoms)
    minx, miny, maxx, maxy = NL_BOUNDS_RD
    with np.errstate(invalid="ignore"):
        return (bounds[:, 0] >= minx) & (bounds[:, 1] >= miny) & (bounds[:, 2] <= maxx) & (bounds[:, 3] <= maxy)


# -- value coercion ----------------------------------------------------------------------------
def _as_text(value: Any) -> str | None:
    """A cell as text; empty cells and NaN are None; 12.0 from a spreadsheet is '12'."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (np.integer, np.floating)):
        return _as_text(value.item())
    text = str(value).strip()
    return text or None


_ISO_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ].*)?")


def _as_iso_day(text: str | None) -> str | None:
    """`2024-03-15` (also from a spreadsheet's `2024-03-15 00:00:00`) as that day; None when it is no day."""
    match = _ISO_DAY.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    try:
        return date.fromisoformat(match.group(1)).isoformat()
    except ValueError:
        return None


def _as_list(value: Any) -> str | None:
    text = _as_text(value)
    if text is None:
        return None
    parts = [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]
    return ";".join(parts) or None


def _as_mapping(value: Any) -> dict[str, Any]:
    import json

    if isinstance(value, Mapping):
        return dict(value)
    text = _as_text(value)
    if not text:
        return {}
    try:
        loaded = json.loads(text)
    except ValueError:
        return {"attributes": text}
    return loaded if isinstance(loaded, dict) else {"attributes": loaded}


def _mapped(series: pd.Series, function: Any) -> pd.Series:
    """`series.map(function)` evaluated once per distinct value (columns repeat their values a lot)."""
    values = series.to_numpy(dtype=object)
    try:
        uniques = pd.unique(values)
    except TypeError:  # unhashable cells (lists, dicts)
        return pd.Series([function(v) for v in values], dtype=object)
    if len(uniques) > len(values) // 2:
        return pd.Series([function(v) for v in values], dtype=object)
    lookup = {u: function(u) for u in uniques}
    return pd.Series([lookup[v] for v in values], dtype=object)


def _numbers(text: pd.Series, column: ColumnSpec) -> tuple[pd.Series, pd.Series]:
    """Parse numbers (decimal comma allowed; ISO dates give their year); return values and bad mask."""
    text = text.astype(object)
    present = text.notna()
    cleaned = text.str.replace(",", ".", regex=False)
    if column.dtype == "year":
        iso = cleaned.str.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", na=False)
        cleaned = cleaned.where(~iso, cleaned.str.slice(0, 4))
    values = pd.to_numeric(cleaned, errors="coerce")
    bad = present & values.isna()
    if column.dtype in ("int", "year"):
        fractional = values.notna() & (values != values.round())
        bad |= fractional
        values = values.where(~fractional)
        return values.astype("Int64"), bad
    return values.astype("float64"), bad


def _bad_number_reason(column: ColumnSpec) -> str:
    if column.dtype == "year":
        return "not a year (expected e.g. 2027 or 2027-03-01)"
    if column.dtype == "int":
        return "not a whole number"
    return "not a number"


def _range_reason(column: ColumnSpec, values: pd.Series) -> Mapping[int, str]:
    low = "" if column.minimum is None else f"{column.minimum:g}"
    high = "" if column.maximum is None else f"{column.maximum:g}"
    bounds = f"between {low} and {high}" if low and high else (f"at least {low}" if low else f"at most {high}")
    return _LazyReason(lambda i: f"{values.iloc[i]} is out of range: {column.name} must be {bounds}")


class _LazyReason(dict):  # type: ignore[type-arg]
    """A mapping row → reason computed on demand (only for the rows that are reported)."""

    def __init__(self, make: Any) -> None:
        super().__init__()
        self._make = make

    def __getitem__(self, row: int) -> str:
        return self._make(row)


def _vocabulary_code(column: ColumnSpec, value: str | None) -> str | None:
    if not isinstance(value, str) or column.vocabulary is None:
        return value
    lowered = value.strip().lower()
    for member in column.vocabulary:
        if lowered in (member.value, member.label.lower()):
            return member.value
    return None


def _vocabulary_reason(column: ColumnSpec) -> str:
    assert column.vocabulary is not None
    return f"expected one of {', '.join(column.vocabulary.codes())}"


def _missing_from(value: str | None, allowed: set[str]) -> list[str]:
    """The ids in a ';'-separated list that are not in `allowed`."""
    return [x for x in value.split(";") if x not in allowed] if isinstance(value, str) else []


def _singular(kind: str) -> str:
    return {"organisations": "organisation", "areas": "area", "assets": "asset"}.get(kind, kind)


def _json_value(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(float(value)) else float(value)
    if value is None or value is pd.NA or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, (pd.Timestamp, date)):
        return value.isoformat()
    return str(value)


def _empty(column: ColumnSpec, n: int) -> pd.Series:
    if column.dtype in ("int", "year"):
        return pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    if column.dtype == "float":
        return pd.Series(np.full(n, np.nan))
    return pd.Series([None] * n, dtype=object)


def _assemble(
    spec: KindSpec,
    typed: dict[str, pd.Series],
    geometry: np.ndarray | None,
    attributes: list[dict[str, Any]],
) -> pd.DataFrame:
    frame = pd.DataFrame(index=range(len(attributes)))
    for column in spec.columns:
        series = typed[column.name].reset_index(drop=True)
        if column.dtype in ("str", "list", "date"):
            series = series.astype(object)
            series = pd.Series(series.where(series.notna(), None).to_numpy(dtype=object), dtype=object)
        frame[column.name] = series
    frame["attributes"] = attributes
    if geometry is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=CRS), crs=CRS)
