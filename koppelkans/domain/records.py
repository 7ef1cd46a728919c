"""The records of the shared register (PRODUCT.md §5) as typed, frozen value objects.

Each record type declares its columns once, with their type, whether they are required and which
vocabulary they draw from; `KINDS` derives the exchange schema, validation and storage from that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry

from koppelkans.domain.vocabulary import (
    AreaLevel,
    Discipline,
    OrganisationKind,
    Phase,
    ProjectType,
    TaskTheme,
    Vocabulary,
    WorkKind,
    WorkStatus,
)

__all__ = [
    "KINDS",
    "Area",
    "AreaTask",
    "Asset",
    "ColumnSpec",
    "KindSpec",
    "Organisation",
    "Segment",
    "Work",
    "kind_spec",
]

DType = Literal["str", "int", "year", "float", "list", "date"]
"""`date` holds an ISO 8601 day (`2024-03-15`) as text."""


def _col(
    dtype: DType,
    *,
    required: bool = False,
    vocabulary: type[Vocabulary] | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    doc: str = "",
) -> Any:
    """A dataclass field that also describes its exchange column."""
    meta = {
        "column": True,
        "dtype": dtype,
        "required": required,
        "vocabulary": vocabulary,
        "minimum": minimum,
        "maximum": maximum,
        "doc": doc,
    }
    if required:
        return field(metadata=meta)
    return field(default=() if dtype == "list" else None, metadata=meta)


@dataclass(frozen=True, kw_only=True)
class ColumnSpec:
    """One column of the exchange schema."""

    name: str
    dtype: DType
    required: bool
    vocabulary: type[Vocabulary] | None
    minimum: float | None
    maximum: float | None
    doc: str


@dataclass(frozen=True, kw_only=True)
class Organisation:
    """A party that owns assets or plans works: municipality (or one of its departments), utility."""

    code: str = _col("str", required=True)
    name: str = _col("str", required=True)
    kind: OrganisationKind = _col("str", required=True, vocabulary=OrganisationKind)
    parent_code: str | None = _col("str", doc="the organisation this is a department of")
    disciplines: tuple[str, ...] = _col("list", vocabulary=Discipline, doc="';'-separated")
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Area:
    """A CBS area: gemeente (GM…), wijk (WK…) or buurt (BU…)."""

    code: str = _col("str", required=True)
    name: str = _col("str", required=True)
    level: AreaLevel | None = _col("str", vocabulary=AreaLevel)
    parent_code: str | None = _col("str")
    geometry: BaseGeometry | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A street segment (centreline): the unit of opening the street."""

    id: str = _col("str", required=True)
    name: str | None = _col("str")
    area_code: str | None = _col("str")
    width_m: float | None = _col("float", minimum=0.5, maximum=200.0, doc="building line to building line")
    geometry: BaseGeometry
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Asset:
    """A physical object in or under the street: pipe, cable, road section, tree, lamp post."""

    id: str = _col("str", required=True)
    organisation: str = _col("str", required=True)
    discipline: Discipline = _col("str", required=True, vocabulary=Discipline)
    asset_type: str | None = _col("str")
    material: str | None = _col("str")
    diameter_mm: float | None = _col("float", minimum=0.0, maximum=5000.0)
    depth_m: float | None = _col("float", minimum=0.0, maximum=30.0)
    install_year: int = _col("year", required=True, minimum=1800)
    condition: int | None = _col("int", minimum=1, maximum=6, doc="NEN 2767: 1 excellent … 6 very poor")
    condition_year: int | None = _col("year", minimum=1800)
    replacement_cost_eur: float | None = _col("float", minimum=0.0)
    geometry: BaseGeometry
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Work:
    """A planned intervention in the public space, with its time window in years."""

    id: str = _col("str", required=True)
    organisation: str = _col("str", required=True)
    discipline: Discipline = _col("str", required=True, vocabulary=Discipline)
    kind: WorkKind = _col("str", required=True, vocabulary=WorkKind)
    title: str | None = _col("str")
    earliest_start: int = _col("year", required=True, minimum=1900, maximum=2200)
    latest_start: int = _col("year", required=True, minimum=1900, maximum=2200)
    preferred_start: int | None = _col("year", minimum=1900, maximum=2200)
    duration_months: float | None = _col("float", minimum=0.0, maximum=240.0)
    status: WorkStatus | None = _col("str", vocabulary=WorkStatus)
    phase: Phase | None = _col("str", vocabulary=Phase)
    cost_eur: float | None = _col("float", minimum=0.0)
    project_type: ProjectType | None = _col("str", vocabulary=ProjectType)
    dig_free_years: int | None = _col("int", minimum=0, maximum=50)
    asset_ids: tuple[str, ...] = _col("list", doc="';'-separated ids of the assets it renews")
    actual_start: str | None = _col(
        "date", doc="ISO 8601 day execution started (status in_progress or done); not in the future"
    )
    actual_cost: float | None = _col("float", minimum=0.0, doc="EUR excl. VAT the work cost (status done)")
    geometry: BaseGeometry
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def window(self) -> range:
        """The years in which the work may start."""
        return range(self.earliest_start, self.latest_start + 1)


@dataclass(frozen=True, kw_only=True)
class AreaTask:
    """A policy task (opgave) on an area with a target year: gas-free, climate-proof, liveable."""

    id: str = _col("str", required=True)
    theme: TaskTheme = _col("str", required=True, vocabulary=TaskTheme)
    target_year: int = _col("year", required=True, minimum=1900, maximum=2200)
    area_code: str | None = _col("str")
    organisation: str | None = _col("str")
    intensity: float | None = _col("float", minimum=0.0, maximum=1.0)
    description: str | None = _col("str")
    geometry: BaseGeometry | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


GeometryRule = Literal["none", "optional", "required"]


@dataclass(frozen=True, kw_only=True)
class KindSpec:
    """Everything the register knows about one kind of record."""

    name: str
    record_type: type
    key: str
    geometry: GeometryRule
    geometry_types: frozenset[str]
    references: Mapping[str, str]
    """column → kind it must name (organisations, areas, assets)."""

    @property
    def columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(
            ColumnSpec(name=f.name, **{k: v for k, v in f.metadata.items() if k != "column"})
            for f in fields(self.record_type)
            if f.metadata.get("column")
        )

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        names = [c.name for c in self.columns if c.required]
        if self.geometry == "required":
            names.append("geometry")
        return tuple(names)

    @property
    def spatial(self) -> bool:
        return self.geometry != "none"


_LINES = frozenset({"LineString", "MultiLineString"})
_POLYGONS = frozenset({"Polygon", "MultiPolygon"})
_POINTS = frozenset({"Point", "MultiPoint"})

KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(
            name="organisations",
            record_type=Organisation,
            key="code",
            geometry="none",
            geometry_types=frozenset(),
            references={"parent_code": "organisations"},
        ),
        KindSpec(
            name="areas",
            record_type=Area,
            key="code",
            geometry="optional",
            geometry_types=_POLYGONS,
            references={"parent_code": "areas"},
        ),
        KindSpec(
            name="segments",
            record_type=Segment,
            key="id",
            geometry="required",
            geometry_types=frozenset({"LineString"}),
            references={"area_code": "areas"},
        ),
        KindSpec(
            name="assets",
            record_type=Asset,
            key="id",
            geometry="required",
            geometry_types=_LINES | _POLYGONS | _POINTS,
            references={"organisation": "organisations"},
        ),
        KindSpec(
            name="works",
            record_type=Work,
            key="id",
            geometry="required",
            geometry_types=_LINES | _POLYGONS | _POINTS,
            references={"organisation": "organisations", "asset_ids": "assets"},
        ),
        KindSpec(
            name="tasks",
            record_type=AreaTask,
            key="id",
            geometry="optional",
            geometry_types=_POLYGONS,
            references={"area_code": "areas", "organisation": "organisations"},
        ),
    )
}
"""The kinds of the register, in the order they must be imported (references point backwards)."""


def kind_spec(kind: str) -> KindSpec:
    """The spec of a kind by its name; raises an InputError naming the known kinds."""
    from koppelkans.errors import InputError

    try:
        return KINDS[kind]
    except KeyError:
        raise InputError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}") from None


def records_from_frame(kind: str, frame: Any) -> list[Any]:
    """Typed record objects (Work, Asset, …) from canonical records, e.g. as a store reads them.

    Vocabulary columns become their enums, `;`-lists become tuples, missing values None.
    """
    import pandas as pd

    spec = kind_spec(kind)
    columns = spec.columns
    geometries = list(frame.geometry) if spec.spatial else [None] * len(frame)
    objects = []
    for row, geometry in zip(frame.to_dict("records"), geometries, strict=True):
        values: dict[str, Any] = {}
        for column in columns:
            value = row.get(column.name)
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                value = () if column.dtype == "list" else None
            elif column.dtype == "list":
                value = tuple(str(value).split(";"))
            elif column.vocabulary is not None:
                value = column.vocabulary(value)
            elif column.dtype in ("int", "year"):
                value = int(value)
            values[column.name] = value
        if spec.spatial:
            values["geometry"] = geometry
        values["attributes"] = dict(row.get("attributes") or {})
        objects.append(spec.record_type(**values))
    return objects
