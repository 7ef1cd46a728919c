"""The API's models, generated from the record specs (one source of truth): per resource a Base with
the columns, Create (with the key), Update (every field optional, for PATCH) and Public (what is
returned), full-stack-fastapi-template style. Geometry is a GeoJSON geometry object."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from koppelkans.domain.records import ColumnSpec, KindSpec, kind_spec

__all__ = [
    "GEOMETRY_MODELS",
    "AreaCreate",
    "AreaPage",
    "AreaPublic",
    "AreaUpdate",
    "AssetCreate",
    "AssetPage",
    "AssetPublic",
    "AssetUpdate",
    "OrganisationCreate",
    "OrganisationPage",
    "OrganisationPublic",
    "OrganisationUpdate",
    "SegmentCreate",
    "SegmentPage",
    "SegmentPublic",
    "SegmentUpdate",
    "TaskCreate",
    "TaskPage",
    "TaskPublic",
    "TaskUpdate",
    "WorkCreate",
    "WorkPage",
    "WorkPublic",
    "WorkUpdate",
    "models_of",
]

_MAX_TEXT = 2_000
Coordinate = Annotated[float, Field(allow_inf_nan=False)]
Position = Annotated[list[Coordinate], Field(min_length=2, max_length=3)]
Ring = Annotated[list[Position], Field(min_length=4)]


class _Geometry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Point(_Geometry):
    type: Literal["Point"]
    coordinates: Position


class MultiPoint(_Geometry):
    type: Literal["MultiPoint"]
    coordinates: Annotated[list[Position], Field(min_length=1)]


class LineString(_Geometry):
    type: Literal["LineString"]
    coordinates: Annotated[list[Position], Field(min_length=2)]


class MultiLineString(_Geometry):
    type: Literal["MultiLineString"]
    coordinates: Annotated[list[Annotated[list[Position], Field(min_length=2)]], Field(min_length=1)]


class Polygon(_Geometry):
    type: Literal["Polygon"]
    coordinates: Annotated[list[Ring], Field(min_length=1)]


class MultiPolygon(_Geometry):
    type: Literal["MultiPolygon"]
    coordinates: Annotated[list[Annotated[list[Ring], Field(min_length=1)]], Field(min_length=1)]


GEOMETRY_MODELS: dict[str, type[_Geometry]] = {
    m.__name__: m for m in (Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon)
}

AttributeValue = str | int | float | bool | None

_NAMES = {
    "organisations": "Organisation",
    "areas": "Area",
    "segments": "Segment",
    "assets": "Asset",
    "works": "Work",
    "tasks": "Task",
}


def _geometry_type(spec: KindSpec) -> Any:
    """The GeoJSON geometry types a kind allows, as one model or a union discriminated by `type`."""
    models = [GEOMETRY_MODELS[name] for name in sorted(spec.geometry_types)]
    if len(models) == 1:
        return models[0]
    union: Any = models[0]
    for model in models[1:]:
        union = union | model
    return Annotated[union, Field(discriminator="type")]


def _value_type(column: ColumnSpec) -> Any:
    """The Python type of a column: its vocabulary, a bounded number, text, or a list of codes."""
    if column.dtype == "list":
        item = column.vocabulary if column.vocabulary is not None else Annotated[str, Field(min_length=1)]
        return list[item]  # type: ignore[valid-type]
    if column.vocabulary is not None:
        return column.vocabulary
    bounds = {"ge": column.minimum, "le": column.maximum}
    if column.dtype in ("int", "year"):
        return Annotated[int, Field(**bounds)]
    if column.dtype == "float":
        return Annotated[float, Field(allow_inf_nan=False, **bounds)]
    if column.dtype == "date":
        return date
    return Annotated[str, Field(min_length=1, max_length=_MAX_TEXT)]


def _field(column: ColumnSpec, *, required: bool) -> tuple[Any, Any]:
    value = _value_type(column)
    description = column.doc or None
    if required:
        return value, Field(..., description=description)
    default: Any = [] if column.dtype == "list" else None
    return value | None, Field(default, description=description)  # type: ignore[operator]


_OCCUPIED_ZONE_NOTE = " A confidential one of another organisation is an occupied zone: geometry only."


def models_of(kind: str) -> tuple[type[BaseModel], type[BaseModel], type[BaseModel], type[BaseModel]]:
    """Create, Update, Public and Page models of a kind, generated from its spec."""
    spec = kind_spec(kind)
    name = _NAMES[kind]
    config = ConfigDict(extra="forbid")
    columns = {c.name: c for c in spec.columns}
    geometry = _geometry_type(spec) if spec.spatial else None
    attributes = (dict[str, AttributeValue], Field(default_factory=dict, description="extra columns, kept as-is"))

    def fields(*, required: bool) -> dict[str, Any]:
        out = {n: _field(c, required=required and c.required) for n, c in columns.items() if n != spec.key}
        if geometry is not None:
            needed = required and spec.geometry == "required"
            out["geometry"] = (geometry, Field(...)) if needed else (geometry | None, Field(None))
        out["attributes"] = attributes
        return out

    key = (_value_type(columns[spec.key]), Field(..., description="the record's stable id"))
    base = create_model(f"{name}Base", __config__=config, __doc__=f"The fields of a {name.lower()}.")
    create = create_model(
        f"{name}Create", __base__=base, __doc__=f"A new {name.lower()}.", **{spec.key: key}, **fields(required=True)
    )
    update = create_model(
        f"{name}Update", __base__=base, __doc__=f"A partial change to a {name.lower()}.", **fields(required=False)
    )
    # An asset may be served as an occupied zone (a confidential asset of another organisation): only its
    # geometry, so its other fields cannot be required in the response.
    public = create_model(
        f"{name}Public",
        __base__=base,
        __doc__=f"A stored {name.lower()}." + (_OCCUPIED_ZONE_NOTE if kind == "assets" else ""),
        **{spec.key: key},
        **fields(required=kind != "assets"),
    )
    page = create_model(
        f"{name}Page",
        __doc__=f"One page of {kind}: `total` records match, `items` are those from `offset` on.",
        items=(list[public], ...),  # type: ignore[valid-type]
        total=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
    )
    return create, update, public, page


OrganisationCreate, OrganisationUpdate, OrganisationPublic, OrganisationPage = models_of("organisations")
AreaCreate, AreaUpdate, AreaPublic, AreaPage = models_of("areas")
SegmentCreate, SegmentUpdate, SegmentPublic, SegmentPage = models_of("segments")
AssetCreate, AssetUpdate, AssetPublic, AssetPage = models_of("assets")
WorkCreate, WorkUpdate, WorkPublic, WorkPage = models_of("works")
TaskCreate, TaskUpdate, TaskPublic, TaskPage = models_of("tasks")

MODELS: dict[str, tuple[type[BaseModel], type[BaseModel], type[BaseModel], type[BaseModel]]] = {
    "organisations": (OrganisationCreate, OrganisationUpdate, OrganisationPublic, OrganisationPage),
    "areas": (AreaCreate, AreaUpdate, AreaPublic, AreaPage),
    "segments": (SegmentCreate, SegmentUpdate, SegmentPublic, SegmentPage),
    "assets": (AssetCreate, AssetUpdate, AssetPublic, AssetPage),
    "works": (WorkCreate, WorkUpdate, WorkPublic, WorkPage),
    "tasks": (TaskCreate, TaskUpdate, TaskPublic, TaskPage),
}
"""Create, Update, Public, Page per resource."""
