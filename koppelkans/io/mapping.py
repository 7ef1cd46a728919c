"""How a source file maps onto the exchange schema: what every importer of a foreign format shares.

Four things, all pure (storing mapped records is the register's job, `koppelkans.register.import_mapped`):

- `ColumnMapping`: a user's YAML file that renames their columns, translates their values and
  converts their units, for any table or GIS file (`koppelkans import KIND PATH --mapping M.yaml`).
- `OrganisationMap`: a CSV from a source's owner code (KLIC `bronhoudercode`, BGT `bronhouder`)
  to one of our organisation codes.
- `InstallYearPolicy`: what to do when a source gives no usable install year. Our schema requires
  one, and we never invent it silently: by default such records are rejected; the user may accept
  the registration date as an upper-bound estimate (`registration`) or name a year (`1975`); either
  way the record carries `install_year_source` and `install_year_estimated=true`.
- `MappedRecords`: a parsed file (or one chunk of a large one) as raw exchange records plus the
  problems the parser found, a summary of what was mapped to what, and advice per field.

A mapping file looks like this (every section optional)::

    kind: assets
    crs: EPSG:28992
    columns:            # their column: exchange column
      BEHEERDER: organisation
      MATERIAAL: material
      DIAMETER_CM: diameter_mm
      AANLEGJAAR: install_year
    values:             # exchange column: {their value: our value}
      discipline: {Riool: sewer, Water: water}
      material: {BET: beton, PVC: PVC}
    units:              # exchange column: the unit their numbers are in
      diameter_mm: cm
      depth_m: cm
    defaults:           # exchange column: value for missing columns and empty cells
      discipline: sewer
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from koppelkans.domain.records import kind_spec
from koppelkans.domain.validation import GEOMETRY_COLUMN_NAMES
from koppelkans.errors import InputError, Problem
from koppelkans.io.exchange import read_table

__all__ = [
    "PLACEHOLDER_DATES",
    "PLACEHOLDER_YEARS",
    "ColumnMapping",
    "InstallYearPolicy",
    "MappedRecords",
    "OrganisationMap",
    "years_from_dates",
]

PLACEHOLDER_YEARS = frozenset({1, 1000, 1111, 1900, 9999})
"""Years that registers write when they do not know (KLIC `9999-12-31`, `beginLifespanVersion` 1000/9999, 1900)."""

PLACEHOLDER_DATES = frozenset({"1970-01-01"})
"""Whole dates that are defaults, not facts (the Unix epoch: GWSW's Juinen example uses it on 24 objects)."""

EARLIEST_PLAUSIBLE_YEAR = 1800
"""The schema's lower bound for install_year; anything earlier is a placeholder."""


# -- dates and years ---------------------------------------------------------------------------
def years_from_dates(values: pd.Series, *, today: date | None = None) -> tuple[pd.Series, pd.Series]:
    """Years of ISO dates/datetimes (or bare years), and for each unusable one why it is unusable.

    Returns
    -------
    years
        Int64 series; <NA> where the value is missing, unreadable or a placeholder.
    why
        object series; None where the year is usable, else a short reason naming the value.
    """
    this_year = (today or date.today()).year
    text = values.astype(object).where(values.notna(), None).map(lambda v: None if v is None else str(v).strip())
    text = text.where(text != "", None)
    day = text.str.slice(0, 10)
    years = pd.to_numeric(text.str.extract(r"^(-?\d{1,4})(?:-|$|T)", expand=False), errors="coerce").astype("Int64")
    why = pd.Series([None] * len(values), index=values.index, dtype=object)
    why[text.isna()] = "no date given"
    unreadable = text.notna() & years.isna()
    why[unreadable] = text[unreadable].map(lambda v: f"{v!r} is not a date")
    placeholder = years.isin(PLACEHOLDER_YEARS).fillna(False) | day.isin(PLACEHOLDER_DATES).fillna(False)
    implausible = (years < EARLIEST_PLAUSIBLE_YEAR).fillna(False) | (years > this_year).fillna(False)
    bad = (placeholder | implausible) & ~unreadable
    why[bad] = text[bad].map(lambda v: f"{v} is a placeholder")
    years = years.mask(unreadable | bad | text.isna())
    return years, why


@dataclass(frozen=True, kw_only=True)
class InstallYearPolicy:
    """What to do with a record whose source gives no usable install year (see the module docstring)."""

    mode: Literal["reject", "registration", "year"] = "reject"
    year: int | None = None

    @classmethod
    def parse(cls, text: str | int | None) -> InstallYearPolicy:
        """`reject` (default), `registration`, or a year such as `1975`."""
        if text is None or str(text).strip().lower() in ("", "reject"):
            return cls()
        value = str(text).strip().lower()
        if value == "registration":
            return cls(mode="registration")
        if re.fullmatch(r"\d{4}", value) and EARLIEST_PLAUSIBLE_YEAR <= int(value) <= date.today().year:
            return cls(mode="year", year=int(value))
        raise InputError(
            f"--unknown-install-year {text!r}: use reject, registration or a year such as 1975",
            field="install_year",
        )

    @property
    def option(self) -> str:
        return str(self.year) if self.mode == "year" else self.mode

    def resolve(
        self,
        given: pd.Series,
        why: pd.Series,
        *,
        registration: pd.Series | None = None,
        registration_name: str = "registration date",
        source_name: str = "source",
    ) -> tuple[pd.DataFrame, pd.Series]:
        """Install years under this policy, with their provenance, and the reason for every record left without one.

        Parameters
        ----------
        given, why
            What `years_from_dates` made of the source's install date.
        registration
            Years of the registration date (an upper bound of the install year), where the format has one.

        Returns
        -------
        columns
            `install_year`, `install_year_source`, `install_year_estimated` (True or None).
        unknown
            object series: None where a year was found, else the reason the record is rejected.
        """
        years = given.astype("Int64").copy()
        source = pd.Series(np.where(years.notna(), source_name, None), index=given.index, dtype=object)
        estimated = pd.Series([None] * len(given), index=given.index, dtype=object)
        missing = years.isna()
        if self.mode == "registration" and registration is not None:
            usable = missing & registration.notna()
            years[usable] = registration[usable]
            source[usable] = registration_name
            estimated[usable] = True
        elif self.mode == "year":
            years[missing] = self.year
            source[missing] = f"assumed (--unknown-install-year {self.year})"
            estimated[missing] = True
        still = years.isna()
        unknown = pd.Series([None] * len(given), index=given.index, dtype=object)
        if still.any():
            if self.mode == "registration":
                has = "" if registration is not None else f"; {source_name} has no {registration_name}"
                hint = f"no usable {registration_name} either{has}; name a year with --unknown-install-year YEAR"
            else:
                hint = (
                    f"choose --unknown-install-year registration (the {registration_name} as an upper-bound "
                    "estimate) or --unknown-install-year YEAR"
                    if registration is not None
                    else "name a year with --unknown-install-year YEAR (it is flagged as an estimate)"
                )
            unknown[still] = why[still].map(lambda w: f"install year unknown ({w or 'no date given'}); {hint}")
        columns = pd.DataFrame(
            {"install_year": years, "install_year_source": source, "install_year_estimated": estimated}
        )
        return columns, unknown


# -- organisation maps -------------------------------------------------------------------------
_SOURCE_CODE_COLUMNS = ("bronhoudercode", "netbeheerder", "netbeheerdercode", "bronhouder", "code", "source")
_ORGANISATION_COLUMNS = ("organisation", "organisatie", "organization", "koppelkans", "target")


@dataclass(frozen=True, kw_only=True)
class OrganisationMap:
    """Owner codes of a source (KL1031, GM0153, G0153) → our organisation codes."""

    codes: Mapping[str, str] = field(default_factory=dict)
    source: str = "(none)"

    @classmethod
    def read(cls, path: str | Path) -> OrganisationMap:
        """Read a CSV with a code column (`bronhoudercode`, `netbeheerder`, …) and an `organisation` column."""
        path = Path(path)
        if not path.exists():
            raise InputError(f"no such org map: {path}", field="org_map")
        try:
            frame = read_table(path).frame if path.suffix.lower() in (".csv", ".xlsx") else None
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{path.name}: cannot read the org map: {exc}", field="org_map") from None
        if frame is None:
            raise InputError(f"{path.name}: an org map is a .csv or .xlsx file", field="org_map")
        columns = {str(c).strip().lower(): c for c in frame.columns}
        code = next((columns[c] for c in _SOURCE_CODE_COLUMNS if c in columns), None)
        target = next((columns[c] for c in _ORGANISATION_COLUMNS if c in columns), None)
        if code is None or target is None:
            raise InputError(
                f"{path.name}: an org map needs a column bronhoudercode (or netbeheerder) and a column organisation; "
                f"found {', '.join(map(str, frame.columns)) or 'no columns'}",
                field="org_map",
            )
        codes: dict[str, str] = {}
        for row, (key, value) in enumerate(zip(frame[code], frame[target]), start=2):
            key, value = _cell(key), _cell(value)
            if key is None and value is None:
                continue
            if key is None or value is None:
                raise InputError(f"{path.name} line {row}: both code and organisation are needed", field="org_map")
            if codes.get(key, value) != value:
                raise InputError(f"{path.name} line {row}: {key} is mapped twice", record=key, field="org_map")
            codes[key] = value
        return cls(codes=codes, source=path.name)

    def organisation_of(self, code: str | None) -> str | None:
        return None if code is None else self.codes.get(code)

    def resolve(self, codes: pd.Series, *, fallback: Callable[[str], str] | None = None) -> pd.Series:
        """Our organisation for every source code: the map, else `fallback(code)`, else the code itself."""
        lookup = {c: self.codes.get(c) or (fallback(c) if fallback else c) for c in pd.unique(codes.dropna())}
        return codes.map(lambda c: lookup.get(c) if c is not None else None).astype(object)


def _cell(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


# -- mapped records ----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class MappedRecords:
    """A foreign file (or one chunk of it) as raw exchange records of one kind (geometry in EPSG:28992),
    with what the parser found.

    `mapped` and `skipped` summarise what became what (`"Elektriciteitskabel, laagspanning → electricity_lv": 3`,
    `"Annotatie (no cable or pipe)": 5`); `hints` add advice to validation problems of a field.
    """

    kind: str
    source: str
    records: pd.DataFrame
    problems: tuple[Problem, ...] = ()
    mapped: Mapping[str, int] = field(default_factory=dict)
    skipped: Mapping[str, int] = field(default_factory=dict)
    hints: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def combined(cls, chunks: Iterable[MappedRecords]) -> MappedRecords:
        """The chunks of one file as one: records concatenated, problems in order, summaries added up."""
        chunks = list(chunks)
        if not chunks:
            raise ValueError("no chunks to combine")
        frames = [c.records for c in chunks if not c.records.empty]
        records = pd.concat(frames, ignore_index=True) if frames else chunks[0].records
        for name in records.columns:  # concat turns a chunk's all-None column into NaN
            if pd.api.types.is_object_dtype(records[name].dtype):
                records[name] = records[name].where(records[name].notna(), None)
        if frames and isinstance(frames[0], gpd.GeoDataFrame):
            records = gpd.GeoDataFrame(records, geometry=frames[0].geometry.name, crs=frames[0].crs)
        mapped: Counter[str] = Counter()
        skipped: Counter[str] = Counter()
        for chunk in chunks:
            mapped.update(chunk.mapped)
            skipped.update(chunk.skipped)
        return cls(
            kind=chunks[0].kind,
            source=chunks[0].source,
            records=records,
            problems=tuple(p for c in chunks for p in c.problems),
            mapped=dict(sorted(mapped.items())),
            skipped=dict(skipped),
            hints=dict(chunks[0].hints),
        )

    def with_hints(self, problems: Iterable[Problem]) -> tuple[Problem, ...]:
        """Problems with this format's advice appended to the reasons of the fields it has advice for."""
        out = []
        for problem in problems:
            hint = self.hints.get(problem.field or "")
            if hint and hint not in problem.reason:
                problem = Problem(
                    kind=problem.kind,
                    record=problem.record,
                    field=problem.field,
                    reason=f"{problem.reason}; {hint}",
                    row=problem.row,
                )
            out.append(problem)
        return tuple(out)


# -- column mapping (YAML) ---------------------------------------------------------------------
_UNIT_FACTORS: dict[str, dict[str, float]] = {
    "mm": {"mm": 1.0, "cm": 10.0, "dm": 100.0, "m": 1000.0, "inch": 25.4, "in": 25.4, '"': 25.4},
    "m": {"m": 1.0, "cm": 0.01, "mm": 0.001, "dm": 0.1, "km": 1000.0},
    "eur": {"eur": 1.0, "euro": 1.0, "keur": 1000.0, "k€": 1000.0, "meur": 1e6, "m€": 1e6, "mln": 1e6},
    "months": {"months": 1.0, "maanden": 1.0, "years": 12.0, "jaar": 12.0, "weeks": 12.0 / 52.0, "weken": 12.0 / 52.0},
}
"""The unit of an exchange column (from its name's suffix) → the units a mapping may name, as factors."""


def _column_unit(column: str) -> str | None:
    for suffix, unit in (("_mm", "mm"), ("_m", "m"), ("_eur", "eur"), ("_months", "months")):
        if column.endswith(suffix):
            return unit
    return None


@dataclass(frozen=True, kw_only=True)
class ColumnMapping:
    """A user's column mapping: renames, value translations, unit conversions and defaults (module docstring)."""

    kind: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    crs: str | None = None
    source: str = "(mapping)"

    @classmethod
    def read(cls, path: str | Path) -> ColumnMapping:
        """Read and check a mapping YAML file; every mistake is an InputError naming the entry."""
        import yaml

        path = Path(path)
        if not path.exists():
            raise InputError(f"no such mapping file: {path}", field="mapping")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise InputError(f"{path.name}: not valid YAML: {exc}".splitlines()[0], field="mapping") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise InputError(f"{path.name}: a mapping file is a YAML mapping with sections columns, values, …")
        unknown = set(loaded) - {"kind", "columns", "values", "units", "defaults", "crs"}
        if unknown:
            raise InputError(
                f"{path.name}: unknown section(s) {', '.join(sorted(map(str, unknown)))}; "
                "expected kind, crs, columns, values, units, defaults",
                field="mapping",
            )
        sections = {}
        for name in ("columns", "values", "units", "defaults"):
            section = loaded.get(name) or {}
            if not isinstance(section, dict):
                raise InputError(f"{path.name}: section {name} must map names to values", field=name)
            sections[name] = {str(k).strip(): v for k, v in section.items()}
        values = {}
        for column, table in sections["values"].items():
            if not isinstance(table, dict):
                raise InputError(f"{path.name}: values.{column} must map their values to ours", field=column)
            values[column] = {str(k).strip(): str(v).strip() for k, v in table.items()}
        mapping = cls(
            kind=None if loaded.get("kind") is None else str(loaded["kind"]),
            columns={k: str(v).strip() for k, v in sections["columns"].items()},
            values=values,
            units={k: str(v).strip() for k, v in sections["units"].items()},
            defaults=sections["defaults"],
            crs=None if loaded.get("crs") is None else str(loaded["crs"]),
            source=path.name,
        )
        if mapping.kind is not None:
            mapping.check(mapping.kind)
        return mapping

    def check(self, kind: str) -> None:
        """Every target names a column of `kind` and every unit is one we can convert."""
        spec = kind_spec(kind)
        if self.kind is not None and self.kind != spec.name:
            raise InputError(f"{self.source} maps {self.kind}, not {spec.name}", field="kind")
        names = (*spec.column_names, *GEOMETRY_COLUMN_NAMES)
        for section, targets in (
            ("columns", list(self.columns.values())),
            ("values", list(self.values)),
            ("units", list(self.units)),
            ("defaults", list(self.defaults)),
        ):
            for target in targets:
                if target not in names:
                    close = difflib.get_close_matches(target, names, n=1)
                    advice = f"; did you mean {close[0]}?" if close else f"; columns of {spec.name}: {', '.join(names)}"
                    raise InputError(
                        f"{self.source}: {section} names {target!r}, which is not a column of {spec.name}{advice}",
                        field=target,
                    )
        for column, unit in self.units.items():
            base = _column_unit(column)
            if base is None:
                raise InputError(f"{self.source}: units.{column}: {column} has no unit to convert to", field=column)
            if unit.lower() not in _UNIT_FACTORS[base]:
                known = ", ".join(_UNIT_FACTORS[base])
                raise InputError(
                    f"{self.source}: units.{column}: unknown unit {unit!r}; use one of {known}",
                    field=column,
                )

    def apply(self, frame: pd.DataFrame, *, kind: str) -> pd.DataFrame:
        """The frame in exchange columns: renamed, translated, converted, defaults filled; other columns kept."""
        self.check(kind)
        frame = frame.copy()
        present = {str(c).strip().lower(): c for c in frame.columns}
        renames = {}
        for theirs, ours in self.columns.items():
            column = present.get(theirs.lower())
            if column is None:
                raise InputError(
                    f"{self.source}: column {theirs!r} is not in the file; it has {', '.join(map(str, frame.columns))}",
                    field=ours,
                )
            renames[column] = ours
        frame = frame.rename(columns=renames)
        for column, table in self.values.items():
            if column in frame.columns:
                lowered = {k.lower(): v for k, v in table.items()}
                frame[column] = frame[column].map(lambda v, t=lowered: _translated(v, t)).astype(object)
        for column, unit in self.units.items():
            if column in frame.columns:
                factor = _UNIT_FACTORS[_column_unit(column) or ""][unit.lower()]
                frame[column] = frame[column].map(lambda v, f=factor: _converted(v, f)).astype(object)
        for column, value in self.defaults.items():
            if column not in frame.columns:
                frame[column] = value
            else:
                empty = frame[column].map(lambda v: _cell(v) is None)
                frame[column] = frame[column].astype(object).where(~empty, value)
        return frame


def _translated(value: Any, table: Mapping[str, str]) -> Any:
    text = _cell(value)
    return value if text is None else table.get(text.lower(), value)


def _converted(value: Any, factor: float) -> Any:
    """A number in the exchange unit; text that is not a number stays as it is (validation names it)."""
    text = _cell(value)
    if text is None:
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return value
    return round(number * factor, 6)
