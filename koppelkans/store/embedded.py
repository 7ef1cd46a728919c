"""The embedded provider: one SQLite file that is a valid GeoPackage, needing no server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Integer, create_engine, event, select, text

from koppelkans.store import geopackage
from koppelkans.store.repository import SqlRepository, bounds_of, conditions_for, db_rows
from koppelkans.store.schema import GEOMETRY_COLUMN, table_named

__all__ = ["GeoPackageRepository"]


class GeoPackageRepository(SqlRepository):
    """The register in a GeoPackage file: QGIS and GDAL open its layers directly."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = str(self.path)
        self.engine = create_engine(f"sqlite:///{self.path}")
        event.listen(self.engine, "connect", _on_connect)
        event.listen(self.engine, "begin", _on_begin)

    def _geometry_select(self, table_name: str) -> Any:
        return table_named(table_name).c[GEOMETRY_COLUMN]

    def _spatial_clause(self, table_name: str, geometry: shapely.Geometry) -> tuple[Any, bool]:
        """Candidates from the GeoPackage RTree index by bounding box; the exact test follows in Python."""
        candidates = text(f"SELECT id FROM {_rtree(table_name)} WHERE {_MEETS}").bindparams(**_box(geometry))
        return table_named(table_name).c.fid.in_(candidates.columns(id=Integer)), True

    def _intersecting_fids(
        self,
        kind: str,
        intersects: shapely.Geometry,
        *,
        where: Mapping[str, Any] | None,
        years: tuple[int, int] | None,
        ids: Sequence[str] | None = None,
    ) -> list[int]:
        """Rows whose index box lies inside a rectangle within the window hit without decoding their
        geometry (the RTree rounds its boxes outward), so only the rows near the window's edge get the
        exact test: about a tenth of a 1 km² window's rows. A bbox is its own inner rectangle; a bbox
        given in lon/lat, slightly turned in RD New, has one just inside it. Other shapes take the
        general path."""
        inner = None if ids is not None else _inner_box(intersects)
        if inner is None:
            return super()._intersecting_fids(kind, intersects, where=where, years=years, ids=ids)
        table = table_named(kind)
        box = _box(intersects)
        inner_box = dict(zip(("inner_minx", "inner_miny", "inner_maxx", "inner_maxy"), inner, strict=True))
        rtree = _rtree(kind)
        inside = "minx >= :inner_minx AND maxx <= :inner_maxx AND miny >= :inner_miny AND maxy <= :inner_maxy"
        conditions = conditions_for(kind, where=where, years=years)
        edge_ids = text(f"SELECT id FROM {rtree} WHERE {_MEETS} AND NOT ({inside})").bindparams(**box, **inner_box)
        edge = select(table.c.fid, table.c[GEOMETRY_COLUMN]).where(
            table.c.fid.in_(edge_ids.columns(id=Integer)), *conditions
        )
        with self.engine.connect() as conn:
            if conditions:
                inside_ids = text(f"SELECT id FROM {rtree} WHERE {inside}").bindparams(**inner_box)
                query = select(table.c.fid).where(table.c.fid.in_(inside_ids.columns(id=Integer)), *conditions)
                certain = conn.execute(query).scalars().all()
            else:  # thousands of ids in a dense window: straight from sqlite3, without SQLAlchemy's row processing
                cursor = conn.connection.driver_connection.execute(f"SELECT id FROM {rtree} WHERE {inside}", inner_box)
                certain = [fid for (fid,) in cursor.fetchall()]
            crossing = conn.execute(edge).all()
        hits = np.asarray(certain, dtype=np.int64)
        if crossing:
            fids, blobs = zip(*crossing, strict=True)
            exact = shapely.intersects(self._decode(list(blobs)), intersects)
            hits = np.concatenate([hits, np.asarray(fids, dtype=np.int64)[exact]])
        return np.sort(hits).tolist()

    def _lock_for_update(self, conn: Connection, kind: str) -> None:
        """SQLite has no row locks: a no-change write takes the database's write lock for this transaction."""
        conn.exec_driver_sql("UPDATE gpkg_contents SET last_change = last_change WHERE table_name = ?", (kind,))

    def _decode(self, values: list[Any]) -> np.ndarray:
        return geopackage.geometries_from_blobs(values)

    def _bulk_insert(self, conn: Connection, table: str, rows: pd.DataFrame, geoms: np.ndarray | None) -> None:
        if geoms is not None:
            rows = rows.assign(**{GEOMETRY_COLUMN: geopackage.blobs_from_geometries(geoms)})
        columns = list(rows.columns)
        placeholders = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({placeholders})'
        conn.exec_driver_sql(sql, db_rows(rows))

    def _after_insert(self, conn: Connection, kind: str, geoms: np.ndarray | None) -> None:
        if geoms is not None and (bounds := bounds_of(geoms)) is not None:
            geopackage.update_extent(conn, kind, bounds)

    def extent(self, kind: str) -> tuple[float, float, float, float] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                text("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = :t"), {"t": kind}
            ).one_or_none()
        if row is None or row[0] is None:
            return None
        return tuple(float(v) for v in row)  # type: ignore[return-value]


_MEETS = "minx <= :maxx AND maxx >= :minx AND miny <= :maxy AND maxy >= :miny"
"""An RTree row's box meets the window's bounding box (bound by `_box`)."""


def _rtree(table_name: str) -> str:
    return f'"rtree_{table_name}_{GEOMETRY_COLUMN}"'


def _box(geometry: shapely.Geometry) -> dict[str, float]:
    """The bounding box of a window as the parameters of `_MEETS`."""
    return dict(zip(("minx", "miny", "maxx", "maxy"), (float(v) for v in shapely.bounds(geometry)), strict=True))


def _inner_box(geometry: shapely.Geometry) -> tuple[float, float, float, float] | None:
    """An axis-aligned rectangle inside a (near-)rectangular polygon, or None for any other shape.

    The polygon's corners (its ring simplified to 5 cm, which takes a densified edge back to a line)
    give the rectangle between the second-lowest and second-highest of their x and of their y; it is
    used only when the polygon is checked to contain it.
    """
    if shapely.get_type_id(geometry) != 3 or shapely.get_num_interior_rings(geometry) > 0:  # 3: Polygon
        return None
    corners = np.unique(shapely.get_coordinates(shapely.simplify(geometry.exterior, 0.05)), axis=0)
    if len(corners) != 4:
        return None
    xs, ys = np.sort(corners[:, 0]), np.sort(corners[:, 1])
    inner = (float(xs[1]), float(ys[1]), float(xs[2]), float(ys[2]))
    if inner[0] >= inner[2] or inner[1] >= inner[3] or not shapely.contains(geometry, shapely.box(*inner)):
        return None
    return inner


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Let SQLAlchemy, not the sqlite3 module, open transactions, so DDL and DML are both atomic;
    register the functions the GeoPackage RTree triggers call."""
    dbapi_connection.isolation_level = None
    geopackage.register_functions(dbapi_connection)


def _on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")
