"""What makes our SQLite file a GeoPackage (OGC 12-128r18, version 1.4): the system tables, the
registration of every layer, and the geometry blob encoding (GP header + WKB)."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import shapely
from pyproj import CRS as ProjCRS
from sqlalchemy import Connection, Table, text

from koppelkans.store.schema import GEOMETRY_COLUMN, SRID, Geometry

__all__ = [
    "APPLICATION_ID",
    "USER_VERSION",
    "add_spatial_index",
    "blobs_from_geometries",
    "create_system_tables",
    "geometries_from_blobs",
    "register_functions",
    "register_layer",
    "update_extent",
]

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10400  # GeoPackage 1.4

_SYSTEM_TABLES = (
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT uk_gc_table_name UNIQUE (table_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
)


def create_system_tables(conn: Connection) -> None:
    """Create the GeoPackage system tables with the required and our own reference systems."""
    conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.exec_driver_sql(f"PRAGMA user_version = {USER_VERSION}")
    for ddl in _SYSTEM_TABLES:
        conn.exec_driver_sql(ddl)
    rows = [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            4326,
            ProjCRS.from_epsg(4326).to_wkt("WKT1_GDAL"),
            "longitude/latitude WGS 84",
        ),
        ("Amersfoort / RD New", SRID, "EPSG", SRID, ProjCRS.from_epsg(SRID).to_wkt("WKT1_GDAL"), "RD New"),
    ]
    conn.execute(
        text(
            "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (:name, :id, :org, :org_id, :definition, :description)"
        ),
        [dict(zip(("name", "id", "org", "org_id", "definition", "description"), r)) for r in rows],
    )


def register_layer(conn: Connection, table: Table) -> None:
    """Register a table in gpkg_contents (and gpkg_geometry_columns when it has geometry)."""
    geometry = table.c.get(GEOMETRY_COLUMN)
    data_type = "features" if geometry is not None else "attributes"
    conn.execute(
        text(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
            "VALUES (:t, :d, :t, :desc, :srs)"
        ),
        {
            "t": table.name,
            "d": data_type,
            "desc": f"Koppelkans {table.name}",
            "srs": SRID if geometry is not None else None,
        },
    )
    if geometry is not None:
        assert isinstance(geometry.type, Geometry)
        conn.execute(
            text("INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (:t, :c, :g, :srs, 0, 0)"),
            {"t": table.name, "c": GEOMETRY_COLUMN, "g": geometry.type.geometry_type, "srs": SRID},
        )


_HEADER = struct.Struct("<2sBBi4d")
_FLAGS_LE_XY_ENVELOPE = 0b0000_0011  # little-endian, envelope code 1 (minx, maxx, miny, maxy)


def blobs_from_geometries(geoms: np.ndarray) -> list[bytes | None]:
    """Encode geometries as GeoPackage binary: the 'GP' header with the envelope, then WKB."""
    wkb = shapely.to_wkb(geoms, byte_order=1, output_dimension=2)
    bounds = shapely.bounds(geoms)
    return [
        None if w is None else _HEADER.pack(b"GP", 0, _FLAGS_LE_XY_ENVELOPE, SRID, b[0], b[2], b[1], b[3]) + w
        for w, b in zip(wkb, bounds)
    ]


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def geometries_from_blobs(blobs: list[bytes | None]) -> np.ndarray:
    """Decode GeoPackage binary geometries (any envelope, as written by us, GDAL or QGIS)."""
    wkb = [None if b is None else bytes(b[8 + _ENVELOPE_BYTES[(b[3] >> 1) & 0b111] :]) for b in blobs]
    return shapely.from_wkb(np.array(wkb, dtype=object))


def update_extent(conn: Connection, table: str, bounds: tuple[float, float, float, float]) -> None:
    """Grow the informative extent of a layer in gpkg_contents to cover new geometries."""
    minx, miny, maxx, maxy = bounds
    conn.execute(
        text(
            "UPDATE gpkg_contents SET "
            "min_x = min(coalesce(min_x, :minx), :minx), min_y = min(coalesce(min_y, :miny), :miny), "
            "max_x = max(coalesce(max_x, :maxx), :maxx), max_y = max(coalesce(max_y, :maxy), :maxy), "
            "last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = :t"
        ),
        {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "t": table},
    )


# -- spatial index (GeoPackage RTree extension, spec clause F.3) ------------------------------------
_EXTENSIONS_DDL = """CREATE TABLE IF NOT EXISTS gpkg_extensions (
    table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
    scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))"""

_RTREE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS "rtree_{t}_{c}_insert" AFTER INSERT ON "{t}"
    WHEN (new."{c}" NOT NULL AND NOT ST_IsEmpty(NEW."{c}"))
    BEGIN INSERT OR REPLACE INTO "rtree_{t}_{c}" VALUES (NEW."{i}",
      ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}")); END""",
    """CREATE TRIGGER IF NOT EXISTS "rtree_{t}_{c}_update1" AFTER UPDATE OF "{c}" ON "{t}"
    WHEN OLD."{i}" = NEW."{i}" AND (NEW."{c}" NOTNULL AND NOT ST_IsEmpty(NEW."{c}"))
    BEGIN INSERT OR REPLACE INTO "rtree_{t}_{c}" VALUES (NEW."{i}",
      ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}")); END""",
    """CREATE TRIGGER IF NOT EXISTS "rtree_{t}_{c}_update2" AFTER UPDATE OF "{c}" ON "{t}"
    WHEN OLD."{i}" = NEW."{i}" AND (NEW."{c}" ISNULL OR ST_IsEmpty(NEW."{c}"))
    BEGIN DELETE FROM "rtree_{t}_{c}" WHERE id = OLD."{i}"; END""",
    """CREATE TRIGGER IF NOT EXISTS "rtree_{t}_{c}_update3" AFTER UPDATE ON "{t}"
    WHEN OLD."{i}" != NEW."{i}" AND (NEW."{c}" NOTNULL AND NOT ST_IsEmpty(NEW."{c}"))
    BEGIN DELETE FROM "rtree_{t}_{c}" WHERE id = OLD."{i}";
      INSERT OR REPLACE INTO "rtree_{t}_{c}" VALUES (NEW."{i}",
      ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}")); END""",
    """CREATE TRIGGER IF NOT EXISTS "rtree_{t}_{c}_update4" AFTER UPDATE ON "{t}"
    WHEN OLD."{i}" != NEW."{i}" AND (NEW."{c}" ISNULL OR ST_IsEmpty(NEW."{c}"))
    BEGIN DELETE FROM "rtree_{t}_{c}" WHERE id IN (OLD."{i}", NEW."{i}"); END""",
    """CREATE TRIGGER IF NOT EXISTS "rtree_{t}_{c}_delete" AFTER DELETE ON "{t}"
    WHEN old."{c}" NOT NULL
    BEGIN DELETE FROM "rtree_{t}_{c}" WHERE id = OLD."{i}"; END""",
)


def add_spatial_index(conn: Connection, table: str, *, column: str = GEOMETRY_COLUMN, key: str = "fid") -> None:
    """Add the GeoPackage RTree index of a layer (table, triggers, registration) and fill it."""
    conn.exec_driver_sql(_EXTENSIONS_DDL)
    conn.exec_driver_sql(
        f'CREATE VIRTUAL TABLE IF NOT EXISTS "rtree_{table}_{column}" USING rtree(id, minx, maxx, miny, maxy)'
    )
    for trigger in _RTREE_TRIGGERS:
        conn.exec_driver_sql(trigger.format(t=table, c=column, i=key))
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', "
        "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        (table, column),
    )
    conn.exec_driver_sql(
        f'INSERT OR REPLACE INTO "rtree_{table}_{column}" SELECT "{key}", ST_MinX("{column}"), '
        f'ST_MaxX("{column}"), ST_MinY("{column}"), ST_MaxY("{column}") FROM "{table}" '
        f'WHERE "{column}" NOT NULL AND NOT ST_IsEmpty("{column}")'
    )


def register_functions(dbapi_connection: Any) -> None:
    """The SQL functions the RTree triggers call (GDAL and QGIS bring their own; we bring these)."""
    for name, function in (
        ("ST_IsEmpty", _is_empty),
        ("ST_MinX", lambda b: _envelope(b, 0)),
        ("ST_MaxX", lambda b: _envelope(b, 1)),
        ("ST_MinY", lambda b: _envelope(b, 2)),
        ("ST_MaxY", lambda b: _envelope(b, 3)),
    ):
        dbapi_connection.create_function(name, 1, function, deterministic=True)


def _is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return 1 if blob[3] & 0b0001_0000 else 0


def _envelope(blob: bytes | None, index: int) -> float | None:
    """minx, maxx, miny, maxy (index 0-3) from the blob's envelope, or computed when it has none."""
    if blob is None:
        return None
    flags = blob[3]
    if (flags >> 1) & 0b111:
        order = "<" if flags & 1 else ">"
        return struct.unpack_from(f"{order}d", blob, 8 + 8 * index)[0]
    geometry = geometries_from_blobs([blob])[0]
    minx, miny, maxx, maxy = shapely.bounds(geometry)
    return float((minx, maxx, miny, maxy)[index])
