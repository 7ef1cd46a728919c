"""`/api/works`: the works register (planned interventions with their time windows)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from koppelkans.api.deps import CrsDep, PrincipalDep, StoreDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.api.query import Selection
from koppelkans.api.routes.params import (
    AreaFilter,
    BBoxDep,
    DisciplineFilter,
    OrganisationFilter,
    PageDep,
    StatusFilter,
    YearsDep,
    where_of,
)
from koppelkans.api.routes.records import add_record_routes, list_page
from koppelkans.api.schemas import WorkPage

__all__ = ["router"]

router = APIRouter(prefix="/api/works", tags=["works"])


@router.get("", response_model=WorkPage, name="list_works", responses=ERROR_RESPONSES)
def list_works(
    store: StoreDep,
    principal: PrincipalDep,
    crs: CrsDep,
    page: PageDep,
    bbox: BBoxDep,
    years: YearsDep,
    organisation: OrganisationFilter = None,
    discipline: DisciplineFilter = None,
    status: StatusFilter = None,
    area: AreaFilter = None,
) -> Response:
    """Works, filtered by box, organisation, discipline, status, year window (meets the start window) or area."""
    where = where_of(organisation=organisation, discipline=discipline, status=status)
    selection = Selection(intersects=bbox, where=where, years=years)
    return list_page(store, "works", selection, page=page, crs=crs, area=area, principal=principal)


add_record_routes(router, "works", singular="work")
