"""`/api/areas`: CBS areas (gemeente, wijk, buurt) with their polygons."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from koppelkans.api.deps import CrsDep, PrincipalDep, StoreDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.api.query import Selection
from koppelkans.api.routes.params import AreaFilter, BBoxDep, PageDep, where_of
from koppelkans.api.routes.records import add_record_routes, list_page
from koppelkans.api.schemas import AreaPage
from koppelkans.domain.vocabulary import AreaLevel

__all__ = ["router"]

router = APIRouter(prefix="/api/areas", tags=["areas"])


@router.get("", response_model=AreaPage, name="list_areas", responses=ERROR_RESPONSES)
def list_areas(
    store: StoreDep,
    principal: PrincipalDep,
    crs: CrsDep,
    page: PageDep,
    bbox: BBoxDep,
    level: Annotated[list[AreaLevel] | None, Query(description="gemeente, wijk and/or buurt")] = None,
    area: AreaFilter = None,
) -> Response:
    """Areas, filtered by box, level or an area (itself and below), one page at a time."""
    selection = Selection(intersects=bbox, where=where_of(level=level))
    return list_page(store, "areas", selection, page=page, crs=crs, area=area, principal=principal)


add_record_routes(router, "areas", singular="area")
