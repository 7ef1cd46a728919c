"""What routes get injected (full-stack-fastapi-template's `deps.py`): the store, the settings, the
lock that makes check-then-write atomic, and the CRS a request asks for."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Query, Request

from koppelkans.access import ANONYMOUS, Principal
from koppelkans.api.crs import CRS84_URI, RD_URI, crs_from_request
from koppelkans.config import Settings
from koppelkans.store import Repository

__all__ = ["ActorDep", "CrsDep", "PrincipalDep", "SettingsDep", "StoreDep", "VisibleStoreDep", "WriteLockDep"]


def get_store(request: Request) -> Repository:
    """The store the app was created on (one engine and connection pool per app)."""
    return request.app.state.store  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_write_lock(request: Request) -> threading.Lock:
    """Serialises writes in this server, so an If-Match check and the write it guards are one step."""
    return request.app.state.write_lock  # type: ignore[no-any-return]


def get_actor(request: Request) -> str:
    """Who makes this request's changes, for the audit log: the authenticated principal's e-mail."""
    return get_principal(request).actor


def get_crs(
    crs: Annotated[
        str | None,
        Query(
            description=f"CRS of geometries in the request and the response: {CRS84_URI} (lon/lat, the default; "
            f"EPSG:4326 and CRS84 are read as lon/lat) or {RD_URI} (EPSG:28992, RD New)",
        ),
    ] = None,
) -> str:
    return crs_from_request(crs)


StoreDep = Annotated[Repository, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
WriteLockDep = Annotated[threading.Lock, Depends(get_write_lock)]
CrsDep = Annotated[str, Depends(get_crs)]


def get_principal(request: Request) -> Principal:
    """Who makes the request, as the authentication middleware (`api.auth.Authentication`) found it."""
    return getattr(request.state, "principal", ANONYMOUS)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
"""The request's principal: routes pass it to `may`/`require` and its e-mail to `store.transaction(actor=…)`."""


ActorDep = Annotated[str, Depends(get_actor)]


def get_visible_store(request: Request) -> Repository:
    """The store as the request's principal may see it, for analyses that read assets (`as_seen_by`)."""
    from koppelkans.identity import as_seen_by  # here: identity imports the store, as deps does

    return as_seen_by(get_principal(request), get_store(request))


VisibleStoreDep = Annotated[Repository, Depends(get_visible_store)]
