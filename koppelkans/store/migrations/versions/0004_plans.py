"""Works plans kept per named scenario, in the store beside the register they were made from.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from koppelkans.store import geopackage
from koppelkans.store.schema import PLANS, metadata

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    metadata.create_all(conn, tables=[PLANS])
    if conn.dialect.name == "sqlite":
        geopackage.register_layer(conn, PLANS)


def downgrade() -> None:
    conn = op.get_bind()
    metadata.drop_all(conn, tables=[PLANS])
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("DELETE FROM gpkg_contents WHERE table_name = 'plans'")
