"""Subscriptions name the language of their e-mail digest (nl, the default, or en).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _present() -> set[str]:
    return set(op.get_bind().execute(sa.text("SELECT * FROM subscriptions WHERE 1 = 0")).keys())


def upgrade() -> None:
    # 0007 creates the subscriptions table as store/schema.py declares it today, so a new store has the
    # column already; a store made before this revision gets it, its subscriptions keeping Dutch.
    if "language" not in _present():
        op.add_column("subscriptions", sa.Column("language", sa.Text(), nullable=False, server_default="nl"))


def downgrade() -> None:
    if "language" in _present():
        op.drop_column("subscriptions", "language")
