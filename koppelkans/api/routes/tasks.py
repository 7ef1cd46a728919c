"""`/api/tasks`: area tasks (opgaven) with their target years."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from koppelkans.api.deps import CrsDep, PrincipalDep, StoreDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.api.query import Selection
from koppelkans.api.routes.params import AreaFilter, BBoxDep, OrganisationFilter, PageDep, YearsDep, where_of
from koppelkans.api.routes.records import add_record_routes, list_page
from koppelkans.api.schemas import TaskPage
from koppelkans.domain.vocabulary import TaskTheme

__all__ = ["router"]

router = APIRouter(prefix="/api/tasks", tags=["tasks"])


@router.get("", response_model=TaskPage, name="list_tasks", responses=ERROR_RESPONSES)
def list_tasks(
    store: StoreDep,
    principal: PrincipalDep,
    crs: CrsDep,
    page: PageDep,
    bbox: BBoxDep,
    years: YearsDep,
    organisation: OrganisationFilter = None,
    theme: Annotated[list[TaskTheme] | None, Query(description="theme(s)")] = None,
    area: AreaFilter = None,
) -> Response:
    """Area tasks, filtered by box, organisation, theme, target year or area, one page at a time."""
    selection = Selection(intersects=bbox, where=where_of(organisation=organisation, theme=theme), years=years)
    return list_page(store, "tasks", selection, page=page, crs=crs, area=area, principal=principal)


add_record_routes(router, "tasks", singular="task")
