"""Findings of the analyses: due years per asset, couplings and conflicts (spatial layers).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from koppelkans.store import geopackage
from koppelkans.store.schema import FINDINGS, metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    metadata.create_all(conn, tables=list(FINDINGS.values()))
    if conn.dialect.name == "sqlite":
        for table in FINDINGS.values():
            geopackage.register_layer(conn, table)


def downgrade() -> None:
    conn = op.get_bind()
    metadata.drop_all(conn, tables=list(FINDINGS.values()))
    if conn.dialect.name == "sqlite":
        for name in FINDINGS:
            conn.exec_driver_sql("DELETE FROM gpkg_geometry_columns WHERE table_name = ?", (name,))
            conn.exec_driver_sql("DELETE FROM gpkg_contents WHERE table_name = ?", (name,))
