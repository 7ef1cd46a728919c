"""The embedded provider: one SQLite file that is a valid GeoPackage, needing no server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Integer, create_engine, event, text

from koppelkans.store import geopackage
from koppelkans.store.repository import SqlRepository, bounds_of, db_rows
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


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Let SQLAlchemy, not the sqlite3 module, open transactions, so DDL and DML are both atomic;
    register the functions the GeoPackage RTree triggers call."""
    dbapi_connection.isolation_level = None
    geopackage.register_functions(dbapi_connection)


def _on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")
