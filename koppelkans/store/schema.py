"""The tables of the store, derived from the record specs: one table per kind plus segment links.

The same tables serve both providers; only the geometry column's declared type differs (a
GeoPackage geometry type name in the embedded file, `geometry(<type>, 28992)` in PostGIS).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, Table, Text, UniqueConstraint
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import UserDefinedType

from koppelkans.domain.records import KINDS, ColumnSpec, KindSpec

__all__ = ["GEOMETRY_COLUMN", "LINKS", "SRID", "TABLES", "Geometry", "geometry_type_of", "metadata"]

SRID = 28992
GEOMETRY_COLUMN = "geom"
metadata = MetaData()


class Geometry(UserDefinedType):  # type: ignore[type-arg]
    """A geometry column; values are encoded by the provider (GeoPackage blob or PostGIS WKB)."""

    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY") -> None:
        self.geometry_type = geometry_type

    def get_col_spec(self, **kw: object) -> str:
        return self.geometry_type


@compiles(Geometry, "postgresql")
def _postgis_geometry(element: Geometry, compiler: object, **kw: object) -> str:
    return f"geometry({element.geometry_type}, {SRID})"


def geometry_type_of(spec: KindSpec) -> str:
    """The declared geometry type of a kind's table."""
    return "LINESTRING" if spec.geometry_types == frozenset({"LineString"}) else "GEOMETRY"


def _column(column: ColumnSpec, spec: KindSpec) -> Column:  # type: ignore[type-arg]
    sql_type = {"str": Text, "list": Text, "date": Text, "int": Integer, "year": Integer, "float": Float}[column.dtype]
    return Column(column.name, sql_type(), nullable=column.name != spec.key)


def _table(spec: KindSpec) -> Table:
    columns: list[Column] = [Column("fid", Integer, primary_key=True, autoincrement=True)]  # type: ignore[type-arg]
    columns += [_column(c, spec) for c in spec.columns]
    columns.append(Column("attributes", Text, nullable=True))
    if spec.spatial:
        columns.append(Column(GEOMETRY_COLUMN, Geometry(geometry_type_of(spec)), nullable=spec.geometry != "required"))
    table = Table(
        spec.name,
        metadata,
        *columns,
        UniqueConstraint(spec.key, name=f"uq_{spec.name}_{spec.key}"),
        sqlite_autoincrement=True,
    )
    if spec.spatial:
        Index(f"ix_{spec.name}_geom", table.c[GEOMETRY_COLUMN], postgresql_using="gist").ddl_if(dialect="postgresql")
    for name in ("organisation", "discipline", "area_code"):
        if name in table.c:
            Index(f"ix_{spec.name}_{name}", table.c[name])
    return table


TABLES: dict[str, Table] = {name: _table(spec) for name, spec in KINDS.items()}

LINKS = Table(
    "segment_links",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("segment_id", Text, nullable=False),
    Column("overlap_m", Float, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_segment_links_record", LINKS.c.kind, LINKS.c.record_id)
Index("ix_segment_links_segment", LINKS.c.segment_id)


def _findings_table(name: str, *columns: Column, key: str = "id", spatial: bool = False) -> Table:  # type: ignore[type-arg]
    """A table of analysis results: replaced as a whole each time the analysis runs."""
    extra: list[Column] = [Column("attributes", Text, nullable=True)]  # type: ignore[type-arg]
    if spatial:
        extra.append(Column(GEOMETRY_COLUMN, Geometry("GEOMETRY"), nullable=True))
    table = Table(
        name,
        metadata,
        Column("fid", Integer, primary_key=True, autoincrement=True),
        *columns,
        *extra,
        UniqueConstraint(key, name=f"uq_{name}_{key}"),
        sqlite_autoincrement=True,
    )
    if spatial:
        Index(f"ix_{name}_geom", table.c[GEOMETRY_COLUMN], postgresql_using="gist").ddl_if(dialect="postgresql")
    return table


DUE_YEARS = _findings_table(
    "due_years",
    Column("asset_id", Text, nullable=False),
    Column("p10", Integer),
    Column("p50", Integer),
    Column("p90", Integer),
    Column("model", Text),
    Column("computed_year", Integer),
    key="asset_id",
)
COUPLINGS = _findings_table(
    "couplings",
    Column("id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("members", Text, nullable=False),
    Column("segment_ids", Text),
    Column("window_start", Integer),
    Column("window_end", Integer),
    Column("saving_eur", Float),
    Column("openings_avoided", Integer),
    Column("nuisance_days_avoided", Float),
    Column("explanation_nl", Text),
    Column("explanation_en", Text),
    spatial=True,
)
CONFLICTS = _findings_table(
    "conflicts",
    Column("id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("members", Text, nullable=False),
    Column("segment_ids", Text),
    Column("years", Text),
    Column("explanation_nl", Text),
    Column("explanation_en", Text),
    spatial=True,
)
FINDINGS: dict[str, Table] = {t.name: t for t in (DUE_YEARS, COUPLINGS, CONFLICTS)}
"""Tables the analyses write (due years, couplings, conflicts); read and replaced whole."""

PLANS = Table(
    "plans",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("scenario", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("horizon_from", Integer),
    Column("horizon_to", Integer),
    Column("objective_eur", Float),
    Column("gap", Float),
    Column("payload", Text, nullable=False),
    UniqueConstraint("scenario", name="uq_plans_scenario"),
    sqlite_autoincrement=True,
)
"""Works plans kept per named scenario (the JSON of `koppelkans plan`), so scenarios can be compared."""

PROJECTS = Table(
    "projects",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("id", Text, nullable=False),
    Column("name", Text),
    Column("project_type", Text, nullable=False),
    Column("phase", Text, nullable=False),
    Column("leading_party", Text),
    Column("work_ids", Text, nullable=False),
    Column("area_code", Text),
    Column("created_at", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("attributes", Text, nullable=True),
    UniqueConstraint("id", name="uq_projects_id"),
    sqlite_autoincrement=True,
)
"""Projects (K9): a group of works run together through the phases, with its type, leading party and phase."""

GATE_DECISIONS = Table(
    "gate_decisions",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Text, nullable=False),
    Column("from_phase", Text),
    Column("to_phase", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("decided_at", Text, nullable=False),
    Column("decided_by", Text, nullable=False),
    Column("override_reason", Text),
    Column("undecided", Text),
    sqlite_autoincrement=True,
)
"""The phase log of every project: each gate passed (or passed by override, with the reason and the
couplings left undecided), who decided and when. Appended to, never rewritten."""
Index("ix_gate_decisions_project", GATE_DECISIONS.c.project_id)

COUPLING_DECISIONS = Table(
    "coupling_decisions",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Text, nullable=False),
    Column("coupling_id", Text, nullable=False),
    Column("coupling_kind", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("reason", Text),
    Column("members", Text),
    Column("decided_at", Text, nullable=False),
    Column("decided_by", Text, nullable=False),
    UniqueConstraint("project_id", "coupling_id", name="uq_coupling_decisions_project_coupling"),
    sqlite_autoincrement=True,
)
"""Where a project stands on each of its couplings (accepted / declined with a reason; the coupling
workflow of K11 adds more statuses); one row per project and coupling, the latest decision."""

PROJECT_TABLES: dict[str, Table] = {t.name: t for t in (PROJECTS, GATE_DECISIONS, COUPLING_DECISIONS)}
"""The tables of projects, their phase log and their coupling decisions (migration 0005)."""


def table_named(name: str) -> Table:
    """Any table of the store by name (register kinds, links, findings)."""
    return metadata.tables[name]


USERS = Table(
    "users",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("email", Text, nullable=False),
    Column("organisation", Text),
    Column("role", Text, nullable=False),
    Column("password_hash", Text),
    Column("created_at", Text, nullable=False),
    Column("disabled", Integer, nullable=False, default=0),
    UniqueConstraint("email", name="uq_users_email"),
    sqlite_autoincrement=True,
)
"""Users (K11): an e-mail, the organisation they belong to (an organisations code), a role, an argon2 hash."""

API_TOKENS = Table(
    "api_tokens",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("id", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("token_hash", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text),
    Column("revoked_at", Text),
    UniqueConstraint("id", name="uq_api_tokens_id"),
    UniqueConstraint("token_hash", name="uq_api_tokens_hash"),
    sqlite_autoincrement=True,
)
"""API tokens for systems: only the SHA-256 of the token is kept; scope read or write; revocable, may expire."""

SESSIONS = Table(
    "sessions",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("id_hash", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("csrf_token", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    UniqueConstraint("id_hash", name="uq_sessions_id_hash"),
    sqlite_autoincrement=True,
)
"""Web sessions: the SHA-256 of the cookie's random id, its user, the CSRF token of its forms, expiry."""

LOGIN_ATTEMPTS = Table(
    "login_attempts",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("email", Text, nullable=False),
    Column("ip", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("succeeded", Integer, nullable=False),
    sqlite_autoincrement=True,
)
"""Web logins tried, to throttle guessing (failures per e-mail and address within a window)."""
Index("ix_login_attempts_email_ip", LOGIN_ATTEMPTS.c.email, LOGIN_ATTEMPTS.c.ip)

IDENTITY_TABLES: dict[str, Table] = {t.name: t for t in (USERS, API_TOKENS, SESSIONS, LOGIN_ATTEMPTS)}
"""The tables of users and their credentials (migration 0006)."""

AUDIT_LOG = Table(
    "audit_log",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("record_id", Text, nullable=False),
    Column("operation", Text, nullable=False),
    Column("old", Text),
    Column("new", Text),
    sqlite_autoincrement=True,
)
"""Every change of every record (K11, PRODUCT.md E3): who, when, which record, its state before and after
(JSON, geometry as hex WKB). Appended to in the writing transaction; triggers refuse UPDATE and DELETE.
One index only, by record: every index costs a large import time (about 3 s per 100,000 entries in PostGIS)."""
Index("ix_audit_log_record", AUDIT_LOG.c.kind, AUDIT_LOG.c.record_id)

COUPLING_WORKFLOW = Table(
    "coupling_workflow",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("coupling_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("members", Text, nullable=False),
    Column("proposed_at", Text, nullable=False),
    Column("proposed_by", Text, nullable=False),
    Column("deadline", Text),
    Column("escalated", Integer, nullable=False),
    Column("escalated_at", Text),
    Column("responses", Text),
    Column("cost_split", Text),
    Column("realised_at", Text),
    UniqueConstraint("coupling_id", name="uq_coupling_workflow_coupling"),
    sqlite_autoincrement=True,
)
"""Where each coupling stands between its member organisations (C3): status, deadline, escalation, each
member's response (JSON) and the agreed cost split (JSON); one row per coupling, its changes in the audit log."""

COUPLING_EVENTS = Table(
    "coupling_events",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("coupling_id", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("event", Text, nullable=False),
    Column("detail", Text),
    sqlite_autoincrement=True,
)
"""What happened in each coupling's workflow (proposed, responded, escalated, …): appended to, never rewritten;
the coordinator's inbox reads the escalations here."""
Index("ix_coupling_events_coupling", COUPLING_EVENTS.c.coupling_id)

SUBSCRIPTIONS = Table(
    "subscriptions",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("id", Text, nullable=False),
    Column("organisation", Text, nullable=False),
    Column("email", Text),
    Column("webhook_url", Text),
    Column("secret", Text),
    Column("created_at", Text, nullable=False),
    Column("last_notified_at", Text, nullable=False),
    Column("told_findings", Text),
    Column("language", Text, nullable=False, server_default="nl"),
    Column(GEOMETRY_COLUMN, Geometry("GEOMETRY"), nullable=False),
    UniqueConstraint("id", name="uq_subscriptions_id"),
    sqlite_autoincrement=True,
)
"""Organisations watching an area (C4): where to send the digest (e-mail, webhook with its signing secret),
in which language (nl or en, migration 0009), when they were last told and which couplings and conflicts
they were told of."""
Index("ix_subscriptions_geom", SUBSCRIPTIONS.c[GEOMETRY_COLUMN], postgresql_using="gist").ddl_if(dialect="postgresql")

DELIVERIES = Table(
    "notification_deliveries",
    metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("subscription_id", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("ok", Integer, nullable=False),
    Column("status", Text),
    Column("error", Text),
    Column("digest_until", Text, nullable=False),
    sqlite_autoincrement=True,
)
"""Every attempt to deliver a digest (e-mail or webhook, each retry its own row): the record of what was sent."""
Index("ix_notification_deliveries_subscription", DELIVERIES.c.subscription_id)

K11_TABLES: dict[str, Table] = {
    t.name: t for t in (AUDIT_LOG, COUPLING_WORKFLOW, COUPLING_EVENTS, SUBSCRIPTIONS, DELIVERIES)
}
"""The tables of K11 (migration 0007): the audit log, the coupling workflow and subscriptions."""
