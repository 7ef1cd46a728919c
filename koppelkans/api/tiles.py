"""Mapbox Vector Tiles of the register for the map: `/tiles/{layer}/{z}/{x}/{y}.pbf` in Web Mercator.

On PostGIS the database builds the tile (ST_AsMVT over ST_AsMVTGeom, its GiST index selecting the
records); on the embedded store the records in the tile are read through the repository and
encoded in Python (`api.mvt`, whole columns at a time). Both clip to the tile plus a 64-unit buffer, quantise to
a 4096 grid and carry the same attributes (missing values are left out), so a map cannot tell them
apart. A tile without features is answered with 204 No Content (MapLibre shows it as empty).

Confidential assets of other organisations are drawn as occupied zones: geometry and an opaque id,
no attributes (`access.confidentiality`; in SQL on PostGIS, by `redact` in Python). A cached tile
is kept per view (everything, or one organisation's), so nobody is served another's view.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from typing import Annotated, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import select, text

from koppelkans.access import ANONYMOUS, Principal, redact
from koppelkans.access.confidentiality import VITAL_KLIC_THEMES
from koppelkans.api.deps import PrincipalDep, StoreDep
from koppelkans.api.encoding import plain_columns
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.api.mvt import encode_layer
from koppelkans.api.query import Selection, read_selection
from koppelkans.config import CRS
from koppelkans.domain.crs import transform_box, transform_geometries
from koppelkans.errors import InputError
from koppelkans.store import Repository
from koppelkans.store.schema import table_named

__all__ = ["EXTENT", "LAYERS", "MVT_MEDIA_TYPE", "TileCache", "router", "tile_bounds", "tile_features", "vector_tile"]

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
EXTENT = 4096
BUFFER = 64
"""Tile-grid units around the tile that are kept, so that lines and outlines join across tiles."""
MAX_ZOOM = 24
_HALF_WORLD = 20037508.342789244

LAYERS: dict[str, tuple[str, ...]] = {
    "areas": ("code", "name", "level", "parent_code"),
    "segments": ("id", "name", "area_code", "width_m"),
    "assets": ("id", "organisation", "discipline", "asset_type", "material", "install_year", "condition", "due_year"),
    "works": (
        "id",
        "organisation",
        "discipline",
        "kind",
        "title",
        "status",
        "phase",
        "earliest_start",
        "latest_start",
        "preferred_start",
    ),
    "tasks": ("id", "theme", "target_year", "area_code", "organisation", "intensity"),
}
"""The attributes each layer carries (what the map styles and filters on). Tasks without a geometry of
their own are drawn with their area's polygon. An asset's `due_year` is the P50 of the stored lifecycle
forecast (`koppelkans forecast`); without a stored forecast it is left out."""

DUE_YEAR = "due_year"
"""The one attribute that is not a column of its layer: joined from the stored forecast (`due_years`)."""

router = APIRouter(tags=["tiles"])


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The Web Mercator (EPSG:3857) bounds of a tile in the XYZ scheme (y = 0 at the top)."""
    size = 2 * _HALF_WORLD / 2**z
    minx = -_HALF_WORLD + x * size
    maxy = _HALF_WORLD - y * size
    return minx, maxy - size, minx + size, maxy


def view_of(principal: Principal, layer: str) -> str:
    """Which view of a layer `principal` gets: `all`, or `org:<code>` (confidential assets of others hidden)."""
    if layer != "assets" or principal.sees_all:
        return "all"
    return f"org:{principal.organisation or ''}"


def vector_tile(store: Repository, layer: str, z: int, x: int, y: int, *, principal: Principal = ANONYMOUS) -> bytes:
    """The encoded tile of one layer as `principal` may see it (empty bytes when no record lies in it)."""
    if layer not in LAYERS:
        raise InputError(f"unknown layer {layer!r}; expected one of {', '.join(LAYERS)}", field="layer")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise InputError(f"tile {z}/{x}/{y} does not exist: x and y run from 0 to {2**z - 1}", field="x")
    engine = getattr(store, "engine", None)
    if engine is not None and engine.dialect.name == "postgresql":
        return _postgis_tile(store, layer, z, x, y, view=view_of(principal, layer))
    return _python_tile(store, layer, z, x, y, principal=principal)


# -- PostGIS -----------------------------------------------------------------------------------
_FLAG = "lower(r.attributes::jsonb ->> '{name}') IN ('true', '1', 'yes', 'ja')"
_CONFIDENTIAL_SQL = (
    f"(r.attributes IS NOT NULL AND ({_FLAG.format(name='confidential')} OR {_FLAG.format(name='vital')} OR "
    f"r.attributes::jsonb ->> 'klic_thema' IN ({', '.join(repr(t) for t in sorted(VITAL_KLIC_THEMES))})))"
)
"""`access.confidentiality.is_confidential` in SQL."""


def _postgis_column(layer: str, column: str, *, hide: bool) -> str:
    value = f'r."{column}"' if column != DUE_YEAR else "d.p50"
    if not hide:
        return f'{value} AS "{column}"'
    hidden = "r.organisation IS DISTINCT FROM :org AND " + _CONFIDENTIAL_SQL
    if column == "id":
        zone = "'zone:' || left(encode(sha256(convert_to(r.id, 'UTF8')), 'hex'), 16)"  # as access.zone_id
        return f'CASE WHEN {hidden} THEN {zone} ELSE r.id END AS "id"'
    return f'CASE WHEN {hidden} THEN NULL ELSE {value} END AS "{column}"'


def _postgis_sql(layer: str, *, hide: bool = False) -> str:
    columns = ", ".join(_postgis_column(layer, c, hide=hide) for c in LAYERS[layer])
    geometry = "COALESCE(r.geom, a.geom)" if layer == "tasks" else "r.geom"
    join = {
        "tasks": "LEFT JOIN areas a ON a.code = r.area_code",
        "assets": "LEFT JOIN due_years d ON d.asset_id = r.id",
    }.get(layer, "")
    return f"""
        WITH env AS (SELECT ST_TileEnvelope(:z, :x, :y) AS e),
        clip AS (
            SELECT ST_Transform(ST_Segmentize(ST_TileEnvelope(:z, :x, :y, margin => :margin), :step), {CRS[5:]}) AS b
        )
        SELECT ST_AsMVT(t, :layer, {EXTENT}, 'geom') FROM (
            SELECT {columns}, ST_AsMVTGeom(ST_Transform({geometry}, 3857), env.e, {EXTENT}, {BUFFER}, true) AS geom
            FROM "{layer}" r {join} CROSS JOIN env CROSS JOIN clip
            WHERE {geometry} && clip.b AND ST_Intersects({geometry}, clip.b)
        ) t WHERE t.geom IS NOT NULL
    """


def _postgis_tile(store: Repository, layer: str, z: int, x: int, y: int, *, view: str) -> bytes:
    size = 2 * _HALF_WORLD / 2**z
    params = {"z": z, "x": x, "y": y, "margin": BUFFER / EXTENT, "step": size / 16, "layer": layer}
    hide = view != "all"
    if hide:
        params["org"] = view.removeprefix("org:") or None
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        data = conn.execute(text(_postgis_sql(layer, hide=hide)), params).scalar_one()
    return bytes(data or b"")


# -- embedded store ----------------------------------------------------------------------------

MERCATOR = "EPSG:3857"
"""The tiles' CRS (Web Mercator)."""


def _records_in(store: Repository, layer: str, clip_rd: shapely.Geometry) -> pd.DataFrame:
    """The layer's records that meet the tile (tasks by their own geometry or their area's)."""
    if layer != "tasks":
        return read_selection(store, layer, Selection(intersects=clip_rd))
    tasks = store.read("tasks")
    areas = store.read("areas").set_index("code").geometry
    own = np.asarray(tasks.geometry.to_numpy(), dtype=object)
    of_area = np.array(
        [g if isinstance(g, shapely.Geometry) else None for g in tasks["area_code"].map(areas)], dtype=object
    )
    geoms = np.where(shapely.is_missing(own), of_area, own)
    tasks = tasks.set_geometry(gpd.GeoSeries(geoms, index=tasks.index, crs=CRS))
    return tasks[shapely.intersects(geoms, clip_rd)].reset_index(drop=True)


def _due_years(store: Repository, ids: list[str]) -> dict[str, int]:
    """The stored P50 due year of each asset that has one (one indexed lookup per chunk of ids)."""
    table = table_named("due_years")
    found: dict[str, int] = {}
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        for start in range(0, len(ids), 5_000):
            query = select(table.c.asset_id, table.c.p50).where(table.c.asset_id.in_(ids[start : start + 5_000]))
            found.update({a: int(p) for a, p in conn.execute(query) if p is not None})
    return found


def _on_grid(geoms: np.ndarray, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """Web Mercator → the tile's integer grid (y up; the encoder flips it), as ST_AsMVTGeom snaps."""
    minx, miny, maxx, maxy = bounds
    scale = np.array([EXTENT / (maxx - minx), EXTENT / (maxy - miny)])
    snapped = shapely.transform(geoms, lambda xy: np.round((xy - [minx, miny]) * scale))  # the encoder drops repeats
    dimension = shapely.get_dimensions(snapped)
    size = np.where(dimension == 1, shapely.length(snapped), shapely.area(snapped))
    collapsed = shapely.is_missing(snapped) | shapely.is_empty(snapped) | ((dimension > 0) & (size == 0))
    return np.where(collapsed, None, snapped)  # what collapses to less than a grid unit is dropped, as in PostGIS


def _python_tile(store: Repository, layer: str, z: int, x: int, y: int, *, principal: Principal) -> bytes:
    geoms, properties = tile_features(store, layer, z, x, y, principal=principal)
    return encode_layer(layer, geoms, properties, extent=EXTENT) if len(geoms) else b""


def tile_features(
    store: Repository, layer: str, z: int, x: int, y: int, *, principal: Principal = ANONYMOUS
) -> tuple[np.ndarray, dict[str, list[Any]]]:
    """What the embedded store's tile holds before encoding: geometries on the tile grid (y up; None
    where one collapsed) and the layer's attributes, one value per geometry (None when missing)."""
    bounds = tile_bounds(z, x, y)
    pad = (bounds[2] - bounds[0]) * BUFFER / EXTENT
    clip = (bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad)
    clip_rd = transform_box(clip, MERCATOR, CRS)
    records = _records_in(store, layer, clip_rd)
    if records.empty:
        return np.array([], dtype=object), {key: [] for key in LAYERS[layer]}
    if layer == "assets":
        records = redact(principal, records)
    mercator = transform_geometries(np.asarray(records.geometry.to_numpy(), dtype=object), CRS, MERCATOR)
    geoms = _on_grid(shapely.clip_by_rect(mercator, *clip), bounds)
    columns = plain_columns(records, layer)
    if layer == "assets":
        due = _due_years(store, columns["id"])
        columns[DUE_YEAR] = [due.get(i) for i in columns["id"]]
    return geoms, {key: columns[key] for key in LAYERS[layer]}


# -- cache -------------------------------------------------------------------------------------
class TileCache:
    """Encoded tiles of the embedded store, kept until anything in the store file changes.

    Building a tile in Python costs 10-500 ms, and a map asks for the same tiles again and again (every
    page load, every pan back). SQLite's `PRAGMA data_version`, read on a connection of the cache's own
    that never writes, changes whenever any other connection — this server's writes, a CLI import in
    another process — commits; the cache is then emptied. Tiles being built are built once: a second
    request for the same tile waits for the first. On PostGIS the database builds tiles fast enough and
    nothing is cached.
    """

    def __init__(self, *, max_bytes: int = 96 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[tuple[str, int, int, int, str], bytes] = OrderedDict()
        self._bytes = 0
        self._building: dict[tuple[str, int, int, int, str], threading.Event] = {}
        self._lock = threading.Lock()
        self._probe: sqlite3.Connection | None = None
        self._version: int | None = None

    def tile(self, store: Repository, layer: str, z: int, x: int, y: int, *, principal: Principal = ANONYMOUS) -> bytes:
        """The tile from the cache, or built (and kept) now; cached per view of the layer (see `view_of`)."""
        if not self._current(store):
            return vector_tile(store, layer, z, x, y, principal=principal)
        key = (layer, z, x, y, view_of(principal, layer))
        while True:
            with self._lock:
                if key in self._tiles:
                    self._tiles.move_to_end(key)
                    return self._tiles[key]
                waiting = self._building.get(key)
                if waiting is None:
                    self._building[key] = threading.Event()
                    break
            waiting.wait()
        try:
            data = vector_tile(store, layer, z, x, y, principal=principal)
            with self._lock:
                self._keep(key, data)
            return data
        finally:
            with self._lock:
                self._building.pop(key).set()

    def _keep(self, key: tuple[str, int, int, int, str], data: bytes) -> None:
        self._tiles[key] = data
        self._bytes += len(data)
        while self._bytes > self.max_bytes and self._tiles:
            _, dropped = self._tiles.popitem(last=False)
            self._bytes -= len(dropped)

    def _current(self, store: Repository) -> bool:
        """Whether the store can be cached (a GeoPackage file); empties the cache when the file changed."""
        path = getattr(store, "path", None)
        engine = getattr(store, "engine", None)
        if path is None or engine is None or engine.dialect.name != "sqlite":
            return False
        with self._lock:
            if self._probe is None:
                self._probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            version = self._probe.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:
                self._tiles.clear()
                self._bytes = 0
                self._version = version
        return True


def get_tile_cache(request: Request) -> TileCache:
    """The app's tile cache (made on first use)."""
    state = request.app.state
    with _CACHE_LOCK:
        if getattr(state, "tile_cache", None) is None:
            state.tile_cache = TileCache()
    return state.tile_cache  # type: ignore[no-any-return]


_CACHE_LOCK = threading.Lock()
TileCacheDep = Annotated[TileCache, Depends(get_tile_cache)]


# -- route -------------------------------------------------------------------------------------
@router.get(
    "/tiles/{layer}/{z}/{x}/{y}.pbf",
    response_class=Response,
    name="vector_tile",
    responses={
        **ERROR_RESPONSES,
        200: {"content": {MVT_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}, "description": "tile"},
        204: {"description": "no feature of the layer lies in this tile"},
    },
)
def tile(
    store: StoreDep,
    cache: TileCacheDep,
    principal: PrincipalDep,
    layer: Annotated[str, Path(description=f"one of {', '.join(LAYERS)}", json_schema_extra={"enum": list(LAYERS)})],
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
) -> Response:
    """One Mapbox Vector Tile (Web Mercator, XYZ scheme) of a register layer; 204 when it is empty."""
    data = cache.tile(store, layer, z, x, y, principal=principal)
    if not data:
        return Response(status_code=204)
    return Response(content=data, media_type=MVT_MEDIA_TYPE)
