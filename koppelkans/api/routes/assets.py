"""`/api/assets`: the asset register (pipes, cables, road sections, trees, lamp posts)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from koppelkans.api.deps import CrsDep, PrincipalDep, StoreDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.api.query import Selection
from koppelkans.api.routes.params import AreaFilter, BBoxDep, DisciplineFilter, OrganisationFilter, PageDep, where_of
from koppelkans.api.routes.records import add_record_routes, list_page
from koppelkans.api.schemas import AssetPage

__all__ = ["router"]

router = APIRouter(prefix="/api/assets", tags=["assets"])


@router.get("", response_model=AssetPage, name="list_assets", responses=ERROR_RESPONSES)
def list_assets(
    store: StoreDep,
    principal: PrincipalDep,
    crs: CrsDep,
    page: PageDep,
    bbox: BBoxDep,
    organisation: OrganisationFilter = None,
    discipline: DisciplineFilter = None,
    area: AreaFilter = None,
) -> Response:
    """Assets, filtered by box, organisation, discipline or area, one page at a time."""
    selection = Selection(intersects=bbox, where=where_of(organisation=organisation, discipline=discipline))
    return list_page(store, "assets", selection, page=page, crs=crs, area=area, principal=principal)


add_record_routes(router, "assets", singular="asset")
