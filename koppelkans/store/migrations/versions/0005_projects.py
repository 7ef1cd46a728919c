"""Projects with their phase log and coupling decisions (K9: uniform phases and gates).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

from koppelkans.store import geopackage
from koppelkans.store.schema import PROJECT_TABLES, metadata

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    tables = list(PROJECT_TABLES.values())
    metadata.create_all(conn, tables=tables)
    if conn.dialect.name == "sqlite":
        for table in tables:
            geopackage.register_layer(conn, table)


def downgrade() -> None:
    conn = op.get_bind()
    metadata.drop_all(conn, tables=list(PROJECT_TABLES.values()))
    if conn.dialect.name == "sqlite":
        for name in PROJECT_TABLES:
            conn.exec_driver_sql(f"DELETE FROM gpkg_contents WHERE table_name = '{name}'")
