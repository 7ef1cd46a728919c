"""The routes every register resource has besides its list: read, create, replace, patch, delete.

Their request and response models are generated per kind (`api.schemas`), so the endpoints are
built here once per kind; the list endpoint, whose filters differ per kind, lives in the
resource's own module and calls `list_page`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Path, Response
from pydantic import BaseModel

from koppelkans.access import Principal, visible_records
from koppelkans.api.deps import CrsDep, PrincipalDep, SettingsDep, StoreDep, WriteLockDep
from koppelkans.api.encoding import etag_of, page_json, public_records
from koppelkans.api.errors import ERROR_RESPONSES, documented_error
from koppelkans.api.query import Selection, read_page, visible_selection, with_area
from koppelkans.api.records import create_record, delete_record, patch_record, read_record, replace_record
from koppelkans.api.routes.params import Page
from koppelkans.api.schemas import MODELS
from koppelkans.domain.records import kind_spec
from koppelkans.store import Repository

__all__ = ["add_record_routes", "list_page"]

IfMatch = Annotated[
    str | None, Header(description="the ETag from GET; required to change or delete (428 without, 412 when stale)")
]
RecordId = Annotated[
    str, Path(pattern=r"^[^\x00]+$", description="the record's id (its code for organisations and areas)")
]


_CONFLICT = {409: documented_error("The id is taken, or the record is still in use")}
_VERSIONED = {
    412: documented_error("If-Match names an older version: someone changed the record in between"),
    428: documented_error("If-Match is missing"),
}


def list_page(
    store: Repository,
    kind: str,
    selection: Selection,
    *,
    page: Page,
    crs: str | None,
    principal: Principal,
    area: str | None = None,
) -> Response:
    """One page of a resource's records as its Page model describes it, as JSON text (see `page_json`),
    confidential assets as `principal` may see them."""
    if area is not None:
        selection = with_area(store, kind, selection, area)
    selection = visible_selection(store, kind, selection, principal)
    frame, total = read_page(store, kind, selection, limit=page.limit, offset=page.offset)
    frame = visible_records(principal, kind, frame)
    text = page_json(frame, kind, crs=crs, total=total, limit=page.limit, offset=page.offset)
    return Response(content=text, media_type="application/json")


def _typed(endpoint: Callable[..., Any], **types: Any) -> Callable[..., Any]:
    """Give an endpoint built per kind its real body model (its annotation is text under PEP 563)."""
    endpoint.__annotations__.update(types)
    return endpoint


def add_record_routes(router: APIRouter, kind: str, *, singular: str) -> None:
    """Add GET/PUT/PATCH/DELETE `/{record_id}` and POST `` for `kind` to its router."""
    create_model, update_model, public_model, _ = MODELS[kind]

    def respond(frame: Any, response: Response, crs: str) -> dict[str, Any]:
        response.headers["ETag"] = etag_of(frame, kind)
        return public_records(frame, kind, crs=crs)[0]

    def read(
        record_id: RecordId, store: StoreDep, crs: CrsDep, response: Response, principal: PrincipalDep
    ) -> dict[str, Any]:
        return respond(visible_records(principal, kind, read_record(store, kind, record_id)), response, crs)

    def create(
        body: BaseModel,
        store: StoreDep,
        settings: SettingsDep,
        lock: WriteLockDep,
        crs: CrsDep,
        response: Response,
        principal: PrincipalDep,
    ) -> dict[str, Any]:
        frame = create_record(store, kind, body, crs=crs, settings=settings, lock=lock, principal=principal)
        record = respond(frame, response, crs)
        response.headers["Location"] = f"{router.prefix}/{quote(str(record[kind_spec(kind).key]), safe=':')}"
        return record

    def change(records: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
        """A PUT or PATCH endpoint: the body goes to `records` (replace or patch) under the If-Match check."""

        def endpoint(
            record_id: RecordId,
            body: BaseModel,
            store: StoreDep,
            settings: SettingsDep,
            lock: WriteLockDep,
            crs: CrsDep,
            response: Response,
            principal: PrincipalDep,
            if_match: IfMatch = None,
        ) -> dict[str, Any]:
            frame = records(
                store,
                kind,
                record_id,
                body,
                if_match=if_match,
                crs=crs,
                settings=settings,
                lock=lock,
                principal=principal,
            )
            return respond(frame, response, crs)

        return endpoint

    replace, patch = change(replace_record), change(patch_record)

    def delete(
        record_id: RecordId, store: StoreDep, lock: WriteLockDep, principal: PrincipalDep, if_match: IfMatch = None
    ) -> Response:
        delete_record(store, kind, record_id, if_match=if_match, lock=lock, principal=principal)
        return Response(status_code=204)

    read.__doc__ = f"One {singular}, with its ETag."
    create.__doc__ = f"Add a {singular}; it is validated like an import (all-or-nothing)."
    replace.__doc__ = f"Replace a {singular} as a whole; needs If-Match with its ETag."
    patch.__doc__ = f"Change some fields of a {singular} (`null` clears one); needs If-Match with its ETag."
    delete.__doc__ = f"Delete a {singular} that nothing refers to; needs If-Match with its ETag."
    path = "/{record_id}"
    errors = ERROR_RESPONSES
    router.add_api_route(
        path, read, methods=["GET"], name=f"get_{singular}", response_model=public_model, responses=errors
    )
    router.add_api_route(
        "",
        _typed(create, body=create_model),
        methods=["POST"],
        name=f"create_{singular}",
        status_code=201,
        response_model=public_model,
        responses={**errors, **_CONFLICT},
    )
    router.add_api_route(
        path,
        _typed(replace, body=create_model),
        methods=["PUT"],
        name=f"replace_{singular}",
        response_model=public_model,
        responses={**errors, **_VERSIONED},
    )
    router.add_api_route(
        path,
        _typed(patch, body=update_model),
        methods=["PATCH"],
        name=f"patch_{singular}",
        response_model=public_model,
        responses={**errors, **_VERSIONED},
    )
    router.add_api_route(
        path,
        delete,
        methods=["DELETE"],
        name=f"delete_{singular}",
        status_code=204,
        response_class=Response,
        responses={**errors, **_VERSIONED, **_CONFLICT},
    )
