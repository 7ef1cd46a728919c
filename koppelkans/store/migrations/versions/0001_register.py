"""The shared register: one table per kind, segment links; GeoPackage system tables in the file.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from koppelkans.store import geopackage
from koppelkans.store.schema import LINKS, TABLES, metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The first revision creates the schema as declared in store/schema.py; later revisions change it
# step by step with op.* calls, so a store made by any release can be upgraded.


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    else:
        geopackage.create_system_tables(conn)
    metadata.create_all(conn, tables=[*TABLES.values(), LINKS])
    if conn.dialect.name == "sqlite":
        for table in [*TABLES.values(), LINKS]:
            geopackage.register_layer(conn, table)


def downgrade() -> None:
    conn = op.get_bind()
    metadata.drop_all(conn, tables=[*TABLES.values(), LINKS])
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DELETE FROM gpkg_geometry_columns")
        conn.exec_driver_sql("DELETE FROM gpkg_contents")
