"""`/api/subscriptions`: organisations watching an area (C4), told by e-mail digest and signed webhook.

The area is a drawn polygon (`POST /api/subscriptions`, JSON): a GeoJSON geometry, Feature or FeatureCollection
in the request's CRS (CRS84 unless `crs` names EPSG:28992); or an uploaded file (`POST /api/subscriptions/upload`,
multipart/form-data): a GeoJSON file, a GeoPackage or a zipped Shapefile of polygons in any CRS it names, at most
`upload_max_mb` large. An editor subscribes its own organisation, a coordinator any.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
import shapely
import shapely.geometry
from fastapi import APIRouter, File, Form, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from koppelkans.access import Action, require
from koppelkans.api.crs import to_rd
from koppelkans.api.deps import ActorDep, CrsDep, PrincipalDep, StoreDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.errors import InputError, NotFound
from koppelkans.notifications import (
    AREA_FORMATS,
    area_from_upload,
    contacts_shown_to,
    subscribe,
    subscription_as_json,
    subscriptions_of,
    unsubscribe,
)

__all__ = ["UPLOAD_PATH", "router"]

router = APIRouter(prefix="/api/subscriptions", tags=["subscriptions"])
Language = Literal["nl", "en"]
UPLOAD_PATH = "/api/subscriptions/upload"
"""The one path that takes bodies larger than the API's usual limit (up to the `upload_max_mb` setting)."""


class SubscriptionBody(BaseModel):
    """A new subscription."""

    model_config = ConfigDict(extra="forbid")
    organisation: str = Field(description="code of the subscribing organisation")
    area: dict[str, Any] = Field(description="GeoJSON Polygon/MultiPolygon, Feature or FeatureCollection")
    email: str | None = Field(default=None, description="send the digest to this address")
    webhook_url: str | None = Field(default=None, description="POST the digest (JSON, signed) to this URL")
    secret: str | None = Field(default=None, description="the webhook's HMAC-SHA256 signing secret")
    language: Language = Field(default="nl", description="language of the e-mail digest: nl (default) or en")


def _area(geojson: dict[str, Any], crs: str) -> shapely.Geometry:
    """The drawn area as one geometry in EPSG:28992; the error names the field."""
    try:
        features = geojson.get("features") if geojson.get("type") == "FeatureCollection" else [geojson]
        shapes = [shapely.geometry.shape(f.get("geometry", f) if f.get("type") == "Feature" else f) for f in features]
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.ShapelyError) as exc:
        raise InputError(f"the area is not GeoJSON: {exc}", field="area") from None
    if not shapes:
        raise InputError("the area has no polygons", field="area")
    return shapely.union_all(to_rd(np.array(shapes, dtype=object), crs))


@router.post("", response_class=JSONResponse, responses=ERROR_RESPONSES, status_code=201, name="subscribe")
def create_subscription(
    body: SubscriptionBody, store: StoreDep, crs: CrsDep, actor: ActorDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Watch an area: be told of new works, changed start windows and new couplings and conflicts there
    (an editor for its own organisation, a coordinator for any)."""
    require(principal, Action.CREATE, "subscriptions", body.organisation)
    created = subscribe(
        store,
        body.organisation,
        _area(body.area, crs),
        email=body.email,
        webhook_url=body.webhook_url,
        secret=body.secret,
        language=body.language,
        actor=actor,
    )
    return subscription_as_json(created)


@router.post(
    "/upload", response_class=JSONResponse, responses=ERROR_RESPONSES, status_code=201, name="subscribe_with_file"
)
def create_subscription_from_file(
    store: StoreDep,
    actor: ActorDep,
    principal: PrincipalDep,
    organisation: Annotated[str, Form(description="code of the subscribing organisation")],
    area: Annotated[UploadFile, File(description=f"the interest area: {AREA_FORMATS} of polygons")],
    email: Annotated[str | None, Form(description="send the digest to this address")] = None,
    webhook_url: Annotated[str | None, Form(description="POST the digest (JSON, signed) to this URL")] = None,
    secret: Annotated[str | None, Form(description="the webhook's HMAC-SHA256 signing secret")] = None,
    language: Annotated[Language, Form(description="language of the e-mail digest: nl (default) or en")] = "nl",
    layer: Annotated[str | None, Form(description="the layer to read, when the file has several")] = None,
) -> dict[str, Any]:
    """Watch the area in an uploaded file (its polygons together, reprojected to EPSG:28992); like `POST
    /api/subscriptions` otherwise. The file's format is told by its content, never by its name."""
    require(principal, Action.CREATE, "subscriptions", organisation)
    created = subscribe(
        store,
        organisation,
        area_from_upload(area.file.read(), layer=layer),
        email=email,
        webhook_url=webhook_url,
        secret=secret,
        language=language,
        actor=actor,
    )
    return subscription_as_json(created)


@router.get("", response_class=JSONResponse, name="list_subscriptions")
def list_subscriptions(store: StoreDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Every subscription (area as WKT in EPSG:28992; secrets are never shown, e-mail addresses and webhook
    URLs only to its own organisation and coordinators)."""
    return [
        subscription_as_json(s, contacts=contacts_shown_to(principal, s.organisation)) for s in subscriptions_of(store)
    ]


@router.get(
    "/{subscription_id}/deliveries", response_class=JSONResponse, responses=ERROR_RESPONSES, name="list_deliveries"
)
def list_deliveries(subscription_id: str, store: StoreDep) -> list[dict[str, Any]]:
    """Every attempt to deliver this subscription's digests (each webhook retry its own entry)."""
    if not subscriptions_of(store, ids=[subscription_id]):
        raise NotFound(f"no subscription {subscription_id!r}", record=subscription_id)
    return store.read_deliveries(subscription_id=subscription_id)


@router.delete("/{subscription_id}", responses=ERROR_RESPONSES, status_code=204, name="unsubscribe")
def delete_subscription(subscription_id: str, store: StoreDep, actor: ActorDep, principal: PrincipalDep) -> Response:
    """Stop a subscription (an editor its own organisation's, a coordinator any)."""
    watched = subscriptions_of(store, ids=[subscription_id])
    owner = watched[0].organisation if watched else None
    require(principal, Action.DELETE, "subscriptions", owner, record=subscription_id)
    unsubscribe(store, subscription_id, actor=actor)
    return Response(status_code=204)
