"""OGC API – Features under `/ogc`, so QGIS and other GIS clients read the register directly.

Part 1 (Core, GeoJSON, OpenAPI 3.0) and Part 2 (CRS by reference) for CRS84 and EPSG:28992:
landing page, conformance, one collection per kind, items with bbox/bbox-crs/crs/limit/offset/
datetime and single items. Times are years here: `datetime` selects works whose start window
meets the interval and tasks whose target year lies in it; other collections have no time.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from koppelkans.access import visible_records
from koppelkans.api.crs import CRS84_URI, RD_URI, SUPPORTED_CRS, bbox_polygon, crs_from_request
from koppelkans.api.deps import PrincipalDep, StoreDep
from koppelkans.api.encoding import feature_collection_json
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.api.openapi30 import openapi30
from koppelkans.api.query import Selection, read_page
from koppelkans.config import CRS
from koppelkans.domain.crs import transform_bounds
from koppelkans.domain.records import KINDS, kind_spec
from koppelkans.errors import InputError, NotFound
from koppelkans.store import Repository

__all__ = ["CONFORMANCE", "router", "years_of"]

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
)
GEOJSON = "application/geo+json"
DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000
_TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
_TITLES = {
    "organisations": ("Organisations", "Municipalities, their departments and the utilities (no geometry)"),
    "areas": ("Areas", "CBS areas: gemeente, wijk, buurt"),
    "segments": ("Street segments", "Street centrelines: the unit of opening the street"),
    "assets": ("Assets", "Pipes, cables, road sections, trees, lamp posts"),
    "works": ("Works", "Planned works with their start window (earliest_start … latest_start)"),
    "tasks": ("Area tasks", "Policy tasks (opgaven) with a target year"),
}
_TEMPORAL = {"works": ("earliest_start", "latest_start"), "tasks": ("target_year", "target_year")}

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])


# -- documented shapes -------------------------------------------------------------------------
class Link(BaseModel):
    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class LandingPage(BaseModel):
    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    conformsTo: list[str]


class Collection(BaseModel):
    id: str
    title: str
    description: str
    itemType: str
    links: list[Link]
    extent: dict[str, Any] | None = None
    crs: list[str]
    storageCrs: str


class Collections(BaseModel):
    links: list[Link]
    collections: list[Collection]


class Feature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any] | None
    properties: dict[str, Any]
    links: list[Link] = Field(default_factory=list)


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[Feature]
    links: list[Link]
    numberMatched: int
    numberReturned: int
    timeStamp: str


def _geojson_response(model: type[BaseModel], description: str) -> dict[int | str, dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {
        **ERROR_RESPONSES,
        200: {"description": description, "content": {GEOJSON: {"schema": _inline(schema)}}},
    }


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its `$defs` resolved in place (the OpenAPI document has no room for them)."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                return resolve(defs[ref.rsplit("/", 1)[1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)  # type: ignore[no-any-return]


# -- helpers -----------------------------------------------------------------------------------
def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _only(request: Request, *allowed: str) -> None:
    """Core requirement /req/core/query-param-unknown: unknown query parameters are a 400."""
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        raise InputError(
            f"unknown query parameter(s) {', '.join(unknown)}; this endpoint takes {', '.join(allowed)}",
            field=unknown[0],
        )


def _collection_kind(collection_id: str) -> str:
    if collection_id not in KINDS:
        raise NotFound(f"no collection {collection_id!r}; the collections are {', '.join(KINDS)}", record=collection_id)
    return collection_id


def _spatial_extent(store: Repository, kind: str) -> list[float] | None:
    extent = store.extent(kind) if kind_spec(kind).spatial else None
    if extent is None:
        return None
    bounds = transform_bounds(extent, CRS, "OGC:CRS84")
    return [round(float(v), 7) for v in bounds]


def _temporal_extent(store: Repository, kind: str) -> list[str | None] | None:
    if kind not in _TEMPORAL:
        return None
    first_column, last_column = _TEMPORAL[kind]
    firsts = [int(y) for y in store.counts_by(kind, first_column) if y.lstrip("-").isdigit()]
    lasts = [int(y) for y in store.counts_by(kind, last_column) if y.lstrip("-").isdigit()]
    if not firsts:
        return None
    return [f"{min(firsts)}-01-01T00:00:00Z", f"{max(lasts)}-12-31T23:59:59Z"]


def _collection(store: Repository, kind: str, base: str) -> dict[str, Any]:
    title, description = _TITLES[kind]
    href = f"{base}/collections/{kind}"
    extent: dict[str, Any] = {}
    if (bbox := _spatial_extent(store, kind)) is not None:
        extent["spatial"] = {"bbox": [bbox], "crs": CRS84_URI}
    if (interval := _temporal_extent(store, kind)) is not None:
        extent["temporal"] = {"interval": [interval], "trs": _TRS}
    return {
        "id": kind,
        "title": title,
        "description": description,
        "itemType": "feature",
        "links": [
            {"href": href, "rel": "self", "type": "application/json", "title": title},
            {"href": f"{href}/items", "rel": "items", "type": GEOJSON, "title": f"{title} as GeoJSON"},
        ],
        "extent": extent or None,
        "crs": list(SUPPORTED_CRS),
        "storageCrs": RD_URI,
    }


_YEAR = re.compile(r"^(\d{4})(-\d{2}(-\d{2}([Tt ].*)?)?)?$")


def years_of(value: str) -> tuple[int, int] | None:
    """The years an RFC 3339 instant or interval (`a/b`, open ends `..` or empty) covers; None: all."""

    def year(part: str, *, open_as: int | None) -> int | None:
        part = part.strip()
        if part in ("", ".."):
            return open_as
        match = _YEAR.match(part)
        if match is None:
            raise InputError(f"datetime {value!r} is not an RFC 3339 date-time or interval", field="datetime")
        return int(match.group(1))

    parts = value.split("/")
    if len(parts) == 1:
        only = year(parts[0], open_as=None)
        if only is None:
            raise InputError("datetime must name a date-time or an interval", field="datetime")
        return only, only
    if len(parts) != 2:
        raise InputError(f"datetime {value!r} is not an RFC 3339 date-time or interval", field="datetime")
    first, last = year(parts[0], open_as=-9999), year(parts[1], open_as=9999)
    assert first is not None and last is not None
    if first > last:
        raise InputError(f"datetime {value!r} ends before it starts", field="datetime")
    return None if (first, last) == (-9999, 9999) else (first, last)


def _content_crs(response: Response, uri: str) -> None:
    response.headers["Content-Crs"] = f"<{uri}>"


CrsParam = Annotated[
    str | None, Query(description=f"CRS of the geometries returned: {CRS84_URI} (default) or {RD_URI}")
]
FormatParam = Annotated[Literal["json", "geojson"] | None, Query(description="the only encoding is (Geo)JSON")]


# -- routes ------------------------------------------------------------------------------------
@router.get("", response_model=LandingPage, responses=ERROR_RESPONSES, name="ogc_landing_page")
def landing_page(request: Request, f: FormatParam = None) -> dict[str, Any]:
    """The landing page: links to the API definition, the conformance classes and the collections."""
    _only(request, "f")
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return {
        "title": "Koppelkans",
        "description": "The shared register of assets, works and area tasks in the public space (OGC API - Features)",
        "links": [
            {"href": base, "rel": "self", "type": "application/json", "title": "this document"},
            {
                "href": f"{base}/api",
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.0",
                "title": "the API definition (OpenAPI 3.0)",
            },
            {
                "href": f"{root}/openapi.json",
                "rel": "service-desc",
                "type": "application/vnd.oai.openapi+json;version=3.1",
                "title": "the API definition (OpenAPI 3.1)",
            },
            {"href": f"{root}/docs", "rel": "service-doc", "type": "text/html", "title": "the API documentation"},
            {"href": f"{base}/conformance", "rel": "conformance", "type": "application/json", "title": "conformance"},
            {"href": f"{base}/collections", "rel": "data", "type": "application/json", "title": "the collections"},
        ],
    }


_OAS30 = "application/vnd.oai.openapi+json;version=3.0"


@router.get(
    "/api",
    response_class=JSONResponse,
    responses={
        **ERROR_RESPONSES,
        200: {"description": "OpenAPI 3.0", "content": {_OAS30: {"schema": {"type": "object"}}}},
    },
    name="ogc_api_definition",
)
def api_definition(request: Request, f: FormatParam = None) -> JSONResponse:
    """This API's definition in OpenAPI 3.0."""
    _only(request, "f")
    return JSONResponse(openapi30(request.app.openapi()), media_type=_OAS30)


@router.get("/conformance", response_model=Conformance, responses=ERROR_RESPONSES, name="ogc_conformance")
def conformance(request: Request, f: FormatParam = None) -> dict[str, Any]:
    """The conformance classes this API implements."""
    _only(request, "f")
    return {"conformsTo": list(CONFORMANCE)}


@router.get("/collections", response_model=Collections, responses=ERROR_RESPONSES, name="ogc_collections")
def collections(request: Request, store: StoreDep, f: FormatParam = None) -> dict[str, Any]:
    """One collection per kind of record."""
    _only(request, "f")
    base = _base(request)
    return {
        "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
        "collections": [_collection(store, kind, base) for kind in KINDS],
    }


CollectionId = Annotated[
    str,
    # Documented as an enum (clients and schemathesis see the real ids); any other id is a 404, as Core asks.
    Path(description=f"one of {', '.join(KINDS)}", json_schema_extra={"enum": list(KINDS)}),
]


@router.get("/collections/{collection_id}", response_model=Collection, responses=ERROR_RESPONSES, name="ogc_collection")
def collection(request: Request, store: StoreDep, collection_id: CollectionId, f: FormatParam = None) -> dict[str, Any]:
    """One collection's description: extent, CRSs, links to its items."""
    _only(request, "f")
    return _collection(store, _collection_kind(collection_id), _base(request))


@router.get(
    "/collections/{collection_id}/items",
    response_class=Response,
    responses=_geojson_response(FeatureCollection, "the features, one page at a time"),
    name="ogc_items",
)
def items(
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    collection_id: CollectionId,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy (in bbox-crs, CRS84 by default)")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs", description=f"{CRS84_URI} or {RD_URI}")] = None,
    crs: CrsParam = None,
    datetime_: Annotated[
        str | None, Query(alias="datetime", description="RFC 3339 instant or interval (`a/b`, `..` for open)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    f: FormatParam = None,
) -> Response:
    """The collection's features (GeoJSON), filtered by bbox and datetime, with paging links."""
    _only(request, "bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "f")
    kind = _collection_kind(collection_id)
    uri = crs_from_request(crs)
    intersects = None
    if bbox is not None and kind_spec(kind).spatial:
        intersects = bbox_polygon(bbox, crs_from_request(bbox_crs, field="bbox-crs"))
    elif bbox_crs is not None:
        crs_from_request(bbox_crs, field="bbox-crs")
    years = years_of(datetime_) if datetime_ is not None else None
    selection = Selection(intersects=intersects, years=years if kind in _TEMPORAL else None)
    frame, matched = read_page(store, kind, selection, limit=limit, offset=offset)
    frame = visible_records(principal, kind, frame)
    base = _base(request)
    href = f"{base}/collections/{kind}/items"
    body = feature_collection_json(
        frame,
        kind,
        crs=uri,
        item_link=href + "/{id}",
        extra={
            "links": _paging_links(request, href, matched=matched, returned=len(frame), limit=limit, offset=offset),
            "numberMatched": matched,
            "numberReturned": len(frame),
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    response = Response(content=body, media_type=GEOJSON)
    _content_crs(response, uri)
    return response


def _paging_links(
    request: Request, href: str, *, matched: int, returned: int, limit: int, offset: int
) -> list[dict[str, str]]:
    """self, next (when more features match) and prev links, keeping the request's other parameters."""
    params = dict(request.query_params)

    def at(start: int) -> str:
        return href + "?" + urlencode({**params, "offset": start, "limit": limit})

    links = [{"href": at(offset), "rel": "self", "type": GEOJSON, "title": "this page"}]
    if offset + returned < matched:
        links.append({"href": at(offset + limit), "rel": "next", "type": GEOJSON, "title": "next page"})
    if offset > 0:
        links.append({"href": at(max(offset - limit, 0)), "rel": "prev", "type": GEOJSON, "title": "previous page"})
    return links


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    response_class=Response,
    responses=_geojson_response(Feature, "one feature"),
    name="ogc_item",
)
def item(
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    collection_id: CollectionId,
    feature_id: Annotated[str, Path(description="the record's id")],
    crs: CrsParam = None,
    f: FormatParam = None,
) -> Response:
    """One feature."""
    _only(request, "crs", "f")
    kind = _collection_kind(collection_id)
    uri = crs_from_request(crs)
    frame = store.read(kind, ids=[feature_id])
    if frame.empty:
        raise NotFound(f"no feature {feature_id!r} in {kind}", record=feature_id)
    frame = visible_records(principal, kind, frame)
    base = _base(request)
    collection_json = feature_collection_json(
        frame, kind, crs=uri, item_link=f"{base}/collections/{kind}/items/" + "{id}", extra={}
    )
    feature = json.loads(collection_json)["features"][0]
    feature["links"] += [
        {"href": f"{base}/collections/{kind}", "rel": "collection", "type": "application/json", "title": kind}
    ]
    response = Response(content=json.dumps(feature, ensure_ascii=False), media_type=GEOJSON)
    _content_crs(response, uri)
    return response
