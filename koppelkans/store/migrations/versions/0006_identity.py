"""Users, API tokens, web sessions and login attempts (K11: identity and access).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from koppelkans.store.schema import IDENTITY_TABLES, metadata

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    # Not registered in gpkg_contents: credentials are no layer QGIS should offer.
    metadata.create_all(conn, tables=list(IDENTITY_TABLES.values()))


def downgrade() -> None:
    conn = op.get_bind()
    metadata.drop_all(conn, tables=list(IDENTITY_TABLES.values()))
