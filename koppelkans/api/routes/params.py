"""Query parameters the resource lists share: paging, bbox (with bbox-crs), year window, filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from shapely.geometry.base import BaseGeometry

from koppelkans.api.crs import CRS84_URI, RD_URI, bbox_polygon, crs_from_request
from koppelkans.domain.vocabulary import Discipline, WorkStatus
from koppelkans.errors import InputError

__all__ = [
    "AreaFilter",
    "BBoxDep",
    "DisciplineFilter",
    "OrganisationFilter",
    "Page",
    "PageDep",
    "StatusFilter",
    "YearsDep",
    "where_of",
]

MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True, kw_only=True)
class Page:
    limit: int
    offset: int


def get_page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="records per page")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="records to skip (in insertion order)")] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)


def get_bbox(
    bbox: Annotated[
        str | None,
        Query(
            description="minx,miny,maxx,maxy: records whose geometry intersects the box",
            examples=["6.886,52.230,6.893,52.233"],
        ),
    ] = None,
    bbox_crs: Annotated[
        str | None, Query(alias="bbox-crs", description=f"CRS of bbox: {CRS84_URI} (default) or {RD_URI}")
    ] = None,
) -> BaseGeometry | None:
    """The bbox as a polygon in EPSG:28992 (None when not asked)."""
    if bbox is None:
        return None
    return bbox_polygon(bbox, crs_from_request(bbox_crs, field="bbox-crs"))


def get_years(
    year_from: Annotated[int | None, Query(ge=1800, le=2200, description="first year of the window")] = None,
    year_to: Annotated[int | None, Query(ge=1800, le=2200, description="last year of the window")] = None,
) -> tuple[int, int] | None:
    """Works whose start window meets these years; tasks whose target year lies in them."""
    if year_from is None and year_to is None:
        return None
    first, last = year_from if year_from is not None else 1800, year_to if year_to is not None else 2200
    if first > last:
        raise InputError(f"year_to {last} is before year_from {first}", field="year_to")
    return first, last


def where_of(**filters: list[str] | str | None) -> dict[str, list[str]]:
    """Column filters that were given, as column → list of accepted values."""
    out: dict[str, list[str]] = {}
    for column, value in filters.items():
        if value is None or value == []:
            continue
        out[column] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return out


PageDep = Annotated[Page, Depends(get_page)]
BBoxDep = Annotated[BaseGeometry | None, Depends(get_bbox)]
YearsDep = Annotated[tuple[int, int] | None, Depends(get_years)]
OrganisationFilter = Annotated[list[str] | None, Query(description="organisation code(s); repeat for several")]
DisciplineFilter = Annotated[list[Discipline] | None, Query(description="discipline(s); repeat for several")]
StatusFilter = Annotated[list[WorkStatus] | None, Query(description="status(es); repeat for several")]
AreaFilter = Annotated[
    str | None, Query(description="an area code (gemeente, wijk or buurt): records in it and in the areas below it")
]
