"""The web API: REST resources under /api, OGC API – Features under /ogc, vector tiles under /tiles,
OpenAPI at /openapi.json and its documentation at /docs."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.routing import APIRoute

from koppelkans.api import ogc, tiles
from koppelkans.api.auth import Authentication
from koppelkans.api.errors import install_error_handlers
from koppelkans.api.routes import (
    analysis,
    areas,
    assets,
    brief,
    history,
    kpi,
    organisations,
    plans,
    segments,
    subscriptions,
    tasks,
    workflow,
    works,
)
from koppelkans.config import Settings
from koppelkans.store import Repository, open_store

__all__ = ["app_from_environment", "create_app"]

DESCRIPTION = """
The shared register of assets, planned works and area tasks in the public space, and the coupling
opportunities and conflicts between them.

* **/api/…**: the register's resources with filters and paging; changes need `If-Match` with the
  record's `ETag`. Geometry is GeoJSON in CRS84 (lon/lat) unless `crs` names EPSG:28992.
* **/ogc**: OGC API – Features (Part 1 Core, GeoJSON, Part 2 CRS) for QGIS and other GIS clients.
* **/tiles/{layer}/{z}/{x}/{y}.pbf**: Mapbox Vector Tiles for the map.

Authenticate with `Authorization: Bearer <token>` (`koppelkans token create EMAIL`) or the web
login's session cookie (then unsafe requests carry `X-CSRF-Token`). Without, 401. A change the
user's role or organisation does not allow is refused with 403; confidential assets (KLIC-derived,
vital infrastructure) of other organisations are served as occupied zones without attributes.

Every error has one shape: `{"error": {"code", "message", "record", "field"}}`.
"""


def _operation_id(route: APIRoute) -> str:
    """OpenAPI operation ids are the route names (`list_works`, `ogc_items`): short and stable."""
    return route.name


def create_app(settings: Settings | None = None, *, store: Repository | None = None) -> FastAPI:
    """The API on the store named by `settings.db` (or on `store`); refuses a store needing `koppelkans init`."""
    settings = settings or Settings()
    store = store or open_store(settings.db)
    store.require_current_schema()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if getattr(app.state, "jobs", None) is not None:
            app.state.jobs.shutdown()
        store.close()

    app = FastAPI(
        title="Koppelkans",
        version=version("koppelkans"),
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        openapi_tags=[
            {"name": "OGC API - Features", "description": "OGC API – Features Part 1 and 2"},
            {"name": "tiles", "description": "Mapbox Vector Tiles (Web Mercator)"},
        ],
    )
    app.state.store = store
    app.state.settings = settings
    app.state.write_lock = threading.Lock()
    install_error_handlers(app, uploads={subscriptions.UPLOAD_PATH: int(settings.upload_max_mb * 2**20)})
    app.add_middleware(Authentication, store=store, settings=settings)
    for module in (
        organisations,
        areas,
        segments,
        assets,
        works,
        tasks,
        analysis,
        plans,
        brief,
        kpi,
        history,
        workflow,
        subscriptions,
    ):
        app.include_router(module.router)
    app.include_router(ogc.router)
    app.include_router(tiles.router)
    from koppelkans.web import routes as web  # here, not at the top: the web modules import the API's own

    app.include_router(web.router)
    app.mount("/static", web.static_files(), name="static")
    return app


def app_from_environment() -> FastAPI:
    """The app on the settings in the environment (`KOPPELKANS_DB`, …): the factory uvicorn workers call."""
    return create_app(Settings())
