"""The audit log (append-only), the coupling workflow and subscriptions (K11).

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from koppelkans.store import geopackage
from koppelkans.store.schema import K11_TABLES, metadata

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_POSTGRES_APPEND_ONLY = (
    """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log is append-only: %% refused', TG_OP; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
)
_SQLITE_APPEND_ONLY = (
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
)


def upgrade() -> None:
    conn = op.get_bind()
    tables = list(K11_TABLES.values())
    metadata.create_all(conn, tables=tables)
    if conn.dialect.name == "sqlite":
        for table in tables:
            geopackage.register_layer(conn, table)
            if "geom" in table.c:
                geopackage.add_spatial_index(conn, table.name)
    for ddl in _SQLITE_APPEND_ONLY if conn.dialect.name == "sqlite" else _POSTGRES_APPEND_ONLY:
        conn.exec_driver_sql(ddl)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS audit_log_append_only()")
    metadata.drop_all(conn, tables=list(K11_TABLES.values()))
    if conn.dialect.name == "sqlite":
        for name in K11_TABLES:
            conn.exec_driver_sql(f"DELETE FROM gpkg_contents WHERE table_name = '{name}'")
            conn.exec_driver_sql(f"DELETE FROM gpkg_geometry_columns WHERE table_name = '{name}'")
