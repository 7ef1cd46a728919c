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
        minx, miny, maxx, maxy = shapely.bounds(geometry)
        candidates = text(
            f'SELECT id FROM "rtree_{table_name}_{GEOMETRY_COLUMN}" '
            "WHERE minx <= :maxx AND maxx >= :minx AND miny <= :maxy AND maxy >= :miny"
        ).bindparams(minx=float(minx), miny=float(miny), maxx=float(maxx), maxy=float(maxy))
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
        """For an axis-aligned box, rows whose index box lies inside it hit without decoding a geometry
        (the RTree rounds its boxes outward), so only rows crossing its edge get the exact test: about
        a tenth of the rows of a 1 km² window. Any other shape takes the general path."""
        if ids is not None or not _is_box(intersects):
            return super()._intersecting_fids(kind, intersects, where=where, years=years, ids=ids)
        table = table_named(kind)
        minx, miny, maxx, maxy = (float(v) for v in shapely.bounds(intersects))
        box = {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy}
        rtree = f'"rtree_{kind}_{GEOMETRY_COLUMN}"'
        inside = "minx >= :minx AND maxx <= :maxx AND miny >= :miny AND maxy <= :maxy"
        meets = "minx <= :maxx AND maxx >= :minx AND miny <= :maxy AND maxy >= :miny"
        conditions = conditions_for(kind, where=where, years=years)
        edge_ids = text(f"SELECT id FROM {rtree} WHERE {meets} AND NOT ({inside})").bindparams(**box)
        edge = select(table.c.fid, table.c[GEOMETRY_COLUMN]).where(
            table.c.fid.in_(edge_ids.columns(id=Integer)), *conditions
        )
        with self.engine.connect() as conn:
            if conditions:
                inside_ids = text(f"SELECT id FROM {rtree} WHERE {inside}").bindparams(**box)
                query = select(table.c.fid).where(table.c.fid.in_(inside_ids.columns(id=Integer)), *conditions)
                certain = conn.execute(query).scalars().all()
            else:
                certain = conn.exec_driver_sql(f"SELECT id FROM {rtree} WHERE {inside}", box).scalars().all()
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


def _is_box(geometry: shapely.Geometry) -> bool:
    """Whether a geometry is an axis-aligned rectangle (a bbox query), so its envelope is itself."""
    if shapely.get_type_id(geometry) != 3 or shapely.get_num_interior_rings(geometry) > 0:  # 3: Polygon
        return False
    return bool(shapely.equals(geometry, shapely.box(*shapely.bounds(geometry))))


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Let SQLAlchemy, not the sqlite3 module, open transactions, so DDL and DML are both atomic;
    register the functions the GeoPackage RTree triggers call."""
    dbapi_connection.isolation_level = None
    geopackage.register_functions(dbapi_connection)


def _on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")
