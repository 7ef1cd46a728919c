"""The server provider: PostgreSQL 15 + PostGIS 3 for multi-user installations."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from koppelkans.errors import StoreError
from koppelkans.store.repository import SqlRepository, db_rows
from koppelkans.store.schema import GEOMETRY_COLUMN, SRID, table_named

__all__ = ["PostGISRepository", "scratch_database"]


class PostGISRepository(SqlRepository):
    """The register in a PostGIS database; bulk loads go through COPY."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url).set(drivername="postgresql+psycopg")
        self.url = parsed.render_as_string(hide_password=True)
        self.engine = create_engine(parsed, pool_pre_ping=True)

    def _geometry_select(self, table_name: str) -> Any:
        return func.ST_AsBinary(table_named(table_name).c[GEOMETRY_COLUMN])

    def _spatial_clause(self, table_name: str, geometry: shapely.Geometry) -> tuple[Any, bool]:
        """ST_Intersects on the GiST index: exact in the database."""
        wkb = shapely.to_wkb(geometry, output_dimension=2)
        column = table_named(table_name).c[GEOMETRY_COLUMN]
        return func.ST_Intersects(column, func.ST_GeomFromWKB(wkb, SRID)), False

    def _decode(self, values: list[Any]) -> np.ndarray:
        return shapely.from_wkb(np.array([None if v is None else bytes(v) for v in values], dtype=object))

    def _bulk_insert(self, conn: Connection, table: str, rows: pd.DataFrame, geoms: np.ndarray | None) -> None:
        if geoms is not None:
            ewkb = shapely.to_wkb(shapely.set_srid(geoms, SRID), hex=True, include_srid=True, output_dimension=2)
            rows = rows.assign(**{GEOMETRY_COLUMN: ewkb})
        columns = ", ".join(f'"{c}"' for c in rows.columns)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for row in db_rows(rows):
                copy.write_row(row)

    def extent(self, kind: str) -> tuple[float, float, float, float] | None:
        column = table_named(kind).c[GEOMETRY_COLUMN]
        query = select(
            func.ST_XMin(func.ST_Extent(column)),
            func.ST_YMin(func.ST_Extent(column)),
            func.ST_XMax(func.ST_Extent(column)),
            func.ST_YMax(func.ST_Extent(column)),
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one()
        if row[0] is None:
            return None
        return tuple(float(v) for v in row)  # type: ignore[return-value]


@contextmanager
def scratch_database(server_url: str, *, prefix: str = "koppelkans_scratch") -> Iterator[str]:
    """A throw-away database on a PostgreSQL server (for tests and benchmarks), dropped afterwards."""
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        raise StoreError(f"cannot reach PostgreSQL at {url.render_as_string(hide_password=True)}: {exc.orig}") from None
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
