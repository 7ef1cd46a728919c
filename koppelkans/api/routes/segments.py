"""`/api/segments`: street segments (centrelines), the unit of opening the street."""

from __future__ import annotations

from fastapi import APIRouter, Response

from koppelkans.api.deps import CrsDep, PrincipalDep, StoreDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.api.query import Selection
from koppelkans.api.routes.params import AreaFilter, BBoxDep, PageDep
from koppelkans.api.routes.records import add_record_routes, list_page
from koppelkans.api.schemas import SegmentPage

__all__ = ["router"]

router = APIRouter(prefix="/api/segments", tags=["segments"])


@router.get("", response_model=SegmentPage, name="list_segments", responses=ERROR_RESPONSES)
def list_segments(
    store: StoreDep, principal: PrincipalDep, crs: CrsDep, page: PageDep, bbox: BBoxDep, area: AreaFilter = None
) -> Response:
    """Street segments, filtered by box or area, one page at a time."""
    return list_page(store, "segments", Selection(intersects=bbox), page=page, crs=crs, area=area, principal=principal)


add_record_routes(router, "segments", singular="segment")
