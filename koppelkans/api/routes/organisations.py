"""`/api/organisations`: municipalities, their departments and the utilities (PRODUCT.md A1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from koppelkans.api.deps import PrincipalDep, StoreDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.api.query import Selection
from koppelkans.api.routes.params import PageDep, where_of
from koppelkans.api.routes.records import add_record_routes, list_page
from koppelkans.api.schemas import OrganisationPage
from koppelkans.domain.vocabulary import OrganisationKind

__all__ = ["router"]

router = APIRouter(prefix="/api/organisations", tags=["organisations"])


@router.get("", response_model=OrganisationPage, name="list_organisations", responses=ERROR_RESPONSES)
def list_organisations(
    store: StoreDep,
    principal: PrincipalDep,
    page: PageDep,
    kind: Annotated[list[OrganisationKind] | None, Query(description="organisation kind(s)")] = None,
    parent_code: Annotated[str | None, Query(description="departments of this organisation")] = None,
) -> Response:
    """Organisations, one page at a time."""
    selection = Selection(where=where_of(kind=kind, parent_code=parent_code))
    return list_page(store, "organisations", selection, page=page, crs=None, principal=principal)


add_record_routes(router, "organisations", singular="organisation")
