"""Works record when execution started and what they cost (K12: planned vs actual, realised savings).

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_COLUMNS = (("actual_start", sa.Text()), ("actual_cost", sa.Float()))


def _present() -> set[str]:
    return set(op.get_bind().execute(sa.text("SELECT * FROM works WHERE 1 = 0")).keys())


def upgrade() -> None:
    # 0001 creates the works table as store/schema.py declares it today, so a new store has the columns
    # already; only a store made before this revision gets them added.
    present = _present()
    for name, sql_type in _COLUMNS:
        if name not in present:
            op.add_column("works", sa.Column(name, sql_type, nullable=True))


def downgrade() -> None:
    present = _present()
    for name, _ in _COLUMNS:
        if name in present:
            op.drop_column("works", name)
