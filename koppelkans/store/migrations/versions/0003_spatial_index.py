"""Spatial index of every GeoPackage layer (RTree extension); PostGIS has its GiST indexes already.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import Connection, inspect

from koppelkans.store import geopackage
from koppelkans.store.schema import GEOMETRY_COLUMN, metadata

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _spatial_tables(conn: Connection) -> list[str]:
    """The spatial tables that exist at this revision (later migrations add more to the same metadata)."""
    existing = set(inspect(conn).get_table_names())
    return [name for name, table in metadata.tables.items() if GEOMETRY_COLUMN in table.c and name in existing]


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    for name in _spatial_tables(conn):
        geopackage.add_spatial_index(conn, name)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    for name in _spatial_tables(conn):
        for suffix in ("insert", "update1", "update2", "update3", "update4", "delete"):
            conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS "rtree_{name}_{GEOMETRY_COLUMN}_{suffix}"')
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "rtree_{name}_{GEOMETRY_COLUMN}"')
        conn.exec_driver_sql("DELETE FROM gpkg_extensions WHERE table_name = ?", (name,))
