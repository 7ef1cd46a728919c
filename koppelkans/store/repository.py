"""The repository: the one way the rest of Koppelkans reads and writes the register.

`Repository` is the protocol; `SqlRepository` implements it once on SQLAlchemy Core, and each
provider (GeoPackage file, PostGIS) supplies only what differs: the URL, how geometry is encoded
and decoded, and how a batch is bulk-loaded. The store never decides anything: it stores
validated records and reads them back.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from geopandas.array import from_shapely
from sqlalchemy import Connection, Engine, delete, func, or_, select, update
from sqlalchemy.exc import OperationalError, ProgrammingError

from koppelkans.config import CRS
from koppelkans.domain.audit import AuditEntry, Operation, record_states, state_json, timestamp
from koppelkans.domain.records import KINDS, kind_spec
from koppelkans.domain.validation import Known
from koppelkans.errors import StoreError
from koppelkans.store.identity import IdentityStore, SqlIdentityStore
from koppelkans.store.rows import rows_frame
from koppelkans.store.schema import (
    AUDIT_LOG,
    COUPLING_DECISIONS,
    COUPLING_EVENTS,
    COUPLING_WORKFLOW,
    DELIVERIES,
    FINDINGS,
    GATE_DECISIONS,
    GEOMETRY_COLUMN,
    LINKS,
    PLANS,
    PROJECTS,
    SUBSCRIPTIONS,
    TABLES,
)

__all__ = ["LINK_COLUMNS", "SYSTEM_ACTOR", "Excluding", "Mentioning", "Repository", "SqlRepository", "Writer"]

SYSTEM_ACTOR = "system"
"""Who made a change nobody in particular made (migrations, the demo, tests): the audit log's default."""
LINK_COLUMNS = ("kind", "record_id", "segment_id", "overlap_m")
_CHUNK = 5_000


@dataclass(frozen=True)
class Excluding:
    """A `where` value: every value of the column but these (`NOT IN`)."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class Mentioning:
    """A `where` value for a text column: texts that contain one of these words (`LIKE '%word%'`), a cheap
    prefilter in the database before an exact test in Python (e.g. JSON attributes naming a key)."""

    words: tuple[str, ...]


class Writer(Protocol):
    """Writes inside one transaction: all of it is stored, or none of it."""

    def insert(self, kind: str, records: pd.DataFrame, *, replace: bool = False) -> int: ...

    def delete(self, kind: str, ids: Sequence[str]) -> int: ...

    def set_links(self, kind: str, links: pd.DataFrame, *, record_ids: Sequence[str] | None = None) -> None: ...

    def replace_findings(self, table: str, rows: pd.DataFrame) -> int: ...

    def keep_plan(self, plan: Mapping[str, Any]) -> None: ...

    def read_project_for_update(self, project_id: str) -> dict[str, Any] | None: ...

    def save_project(self, project: Mapping[str, Any]) -> None: ...

    def log_gate_decision(self, entry: Mapping[str, Any]) -> None: ...

    def save_coupling_decision(self, decision: Mapping[str, Any]) -> None: ...

    def read_for_update(self, kind: str, ids: Sequence[str]) -> pd.DataFrame: ...

    def log(
        self,
        kind: str,
        record_ids: Sequence[str],
        old: Sequence[Mapping[str, Any] | None],
        new: Sequence[Mapping[str, Any] | None],
    ) -> None: ...

    def read_coupling_workflow_for_update(self, coupling_id: str) -> dict[str, Any] | None: ...

    def save_coupling_workflow(self, workflow: Mapping[str, Any]) -> None: ...

    def log_coupling_event(self, coupling_id: str, event: str, detail: Mapping[str, Any], *, at: str) -> None: ...

    def save_subscription(self, subscription: Mapping[str, Any]) -> None: ...

    def delete_subscription(self, subscription_id: str) -> bool: ...

    def log_delivery(self, delivery: Mapping[str, Any]) -> None: ...

    actor: str
    """Who makes this change (see `Repository.transaction`)."""


class Repository(IdentityStore, Protocol):
    """Storage of the register (and of its users and their credentials), whatever the back-end."""

    url: str

    def initialise(self) -> None: ...

    def revision(self) -> str | None: ...

    def require_current_schema(self) -> None: ...

    def read(
        self,
        kind: str,
        *,
        ids: Sequence[str] | None = None,
        intersects: shapely.Geometry | None = None,
        where: Mapping[str, Any] | None = None,
        years: tuple[int, int] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> pd.DataFrame: ...

    def page(
        self,
        kind: str,
        *,
        intersects: shapely.Geometry | None = None,
        where: Mapping[str, Any] | None = None,
        years: tuple[int, int] | None = None,
        limit: int,
        offset: int = 0,
    ) -> tuple[pd.DataFrame, int]: ...

    def keys(self, kind: str) -> frozenset[str]: ...

    def known(self) -> Known: ...

    def count(
        self,
        kind: str,
        *,
        intersects: shapely.Geometry | None = None,
        where: Mapping[str, Any] | None = None,
        years: tuple[int, int] | None = None,
    ) -> int: ...

    def counts_by(self, kind: str, column: str) -> dict[str, int]: ...

    def grouped_counts(self, kind: str, columns: Sequence[str]) -> dict[tuple[str | None, ...], int]: ...

    def existing(self, kind: str, keys: Iterable[str]) -> frozenset[str]: ...

    def count_unlinked(self, kind: str) -> int: ...

    def extent(self, kind: str) -> tuple[float, float, float, float] | None: ...

    def read_columns(self, kind: str, columns: Sequence[str]) -> pd.DataFrame: ...

    def links(self, kind: str | None = None) -> pd.DataFrame: ...

    def read_findings(self, table: str) -> pd.DataFrame: ...

    def read_plan(self, scenario: str) -> dict[str, Any] | None: ...

    def plans(self) -> pd.DataFrame: ...

    def read_projects(self, *, ids: Sequence[str] | None = None) -> pd.DataFrame: ...

    def read_gate_decisions(self, *, project_id: str | None = None) -> pd.DataFrame: ...

    def read_coupling_decisions(self, *, project_id: str | None = None) -> pd.DataFrame: ...

    def read_due_years(self, asset_ids: Sequence[str]) -> pd.DataFrame: ...

    def read_audit(
        self,
        *,
        kind: str | None = None,
        record_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[AuditEntry]: ...

    def read_audit_frame(self, kinds: Sequence[str]) -> pd.DataFrame: ...

    def audit_start(self) -> str | None: ...

    def links_of_segments(self, kind: str, segment_ids: Sequence[str]) -> pd.DataFrame: ...

    def read_coupling_workflows(self, *, ids: Sequence[str] | None = None) -> list[dict[str, Any]]: ...

    def read_coupling_events(self, *, coupling_id: str | None = None) -> list[dict[str, Any]]: ...

    def read_subscriptions(self, *, ids: Sequence[str] | None = None) -> list[dict[str, Any]]: ...

    def read_deliveries(self, *, subscription_id: str | None = None) -> list[dict[str, Any]]: ...

    def transaction(self, actor: str = SYSTEM_ACTOR) -> Any: ...

    """One all-or-nothing change made by `actor` (a user's e-mail, `cli:<login>` or `system`)."""

    def close(self) -> None: ...


class SqlRepository(SqlIdentityStore, ABC):
    """The repository on SQLAlchemy Core; subclasses are the providers."""

    url: str
    engine: Engine

    # -- provider hooks ------------------------------------------------------------------------
    @abstractmethod
    def _geometry_select(self, table_name: str) -> Any:
        """The select expression that yields the geometry column as bytes."""

    @abstractmethod
    def _spatial_clause(self, table_name: str, geometry: shapely.Geometry) -> tuple[Any, bool]:
        """A WHERE clause selecting rows whose geometry may intersect `geometry`, and whether an
        exact test in Python must follow (True when the clause only compares bounding boxes)."""

    def _lock_for_update(self, conn: Connection, kind: str) -> None:
        """Hold the write lock before reading rows that a write in the same transaction depends on.

        PostgreSQL locks the rows themselves (SELECT … FOR UPDATE); providers without row locks override this.
        """

    @abstractmethod
    def _decode(self, values: list[Any]) -> np.ndarray:
        """Geometries from the bytes the geometry select returned."""

    @abstractmethod
    def _bulk_insert(self, conn: Connection, table: str, rows: pd.DataFrame, geoms: np.ndarray | None) -> None:
        """Load rows into a table (records: canonical columns, attributes as JSON) with their geometries."""

    def _after_insert(self, conn: Connection, kind: str, geoms: np.ndarray | None) -> None:
        """Provider bookkeeping after a batch (e.g. the GeoPackage extent)."""

    @abstractmethod
    def extent(self, kind: str) -> tuple[float, float, float, float] | None: ...

    # -- schema --------------------------------------------------------------------------------
    def _alembic_config(self, conn: Connection) -> Config:
        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        config.attributes["connection"] = conn
        return config

    def initialise(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        with self.engine.begin() as conn:
            command.upgrade(self._alembic_config(conn), "head")

    def revision(self) -> str | None:
        """The schema revision the store is at (None when it was never initialised)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def require_current_schema(self) -> None:
        """Refuse to work on a store that is not initialised or needs a migration."""
        try:
            current = self.revision()
        except OperationalError as exc:
            raise StoreError(f"cannot open the store {self.url}: {exc.orig}") from None
        with self.engine.connect() as conn:
            head = ScriptDirectory.from_config(self._alembic_config(conn)).get_current_head()
        if current is None:
            raise StoreError(f"the store {self.url} is not initialised; run `koppelkans init` first")
        if current != head:
            raise StoreError(
                f"the store {self.url} is at schema {current}, expected {head}; run `koppelkans init` to migrate"
            )

    # -- reading -------------------------------------------------------------------------------
    def read(
        self,
        kind: str,
        *,
        ids: Sequence[str] | None = None,
        intersects: shapely.Geometry | None = None,
        where: Mapping[str, Any] | None = None,
        years: tuple[int, int] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> pd.DataFrame:
        """Records of a kind as canonical records, in insertion order, optionally filtered.

        `intersects` is a geometry in EPSG:28992; `where` maps columns to a value or a list of
        values; `years` keeps works whose window meets them and tasks whose target year is in them.
        """
        spec = kind_spec(kind)
        table = TABLES[kind]
        columns = [table.c[name] for name in (*spec.column_names, "attributes")]
        if spec.spatial:
            columns.append(self._geometry_select(kind).label(GEOMETRY_COLUMN))
        query = select(*columns).where(*conditions_for(kind, where=where, years=years)).order_by(table.c.fid)
        key_column, keys = table.c[spec.key], None if ids is None else list(ids)
        if intersects is not None and spec.spatial:
            clause, exact_in_python = self._spatial_clause(kind, intersects)
            if exact_in_python:
                # Exact test on fid + geometry of the index's candidates only; then read just the page.
                fids = self._intersecting_fids(kind, intersects, where=where, years=years, ids=ids)
                return self._read_rows(kind, fids[offset : None if limit is None else offset + limit])
            query = query.where(clause)
        if limit is not None or offset:
            query = query.limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return self._records(conn, kind, query, key_column, keys)

    def page(
        self,
        kind: str,
        *,
        intersects: shapely.Geometry | None = None,
        where: Mapping[str, Any] | None = None,
        years: tuple[int, int] | None = None,
        limit: int,
        offset: int = 0,
    ) -> tuple[pd.DataFrame, int]:
        """One page of `read` and how many records the filters select in all (one exact spatial pass)."""
        if intersects is not None and kind_spec(kind).spatial and self._spatial_clause(kind, intersects)[1]:
            fids = self._intersecting_fids(kind, intersects, where=where, years=years)
            return self._read_rows(kind, fids[offset : offset + limit]), len(fids)
        options = {"intersects": intersects, "where": where, "years": years}
        return self.read(kind, **options, limit=limit, offset=offset), self.count(kind, **options)

    def _read_rows(self, kind: str, fids: list[int]) -> pd.DataFrame:
        """The records with these row ids, in row order."""
        spec, table = kind_spec(kind), TABLES[kind]
        columns = [table.c[name] for name in (*spec.column_names, "attributes")]
        if spec.spatial:
            columns.append(self._geometry_select(kind).label(GEOMETRY_COLUMN))
        with self.engine.connect() as conn:
            return self._records(conn, kind, select(*columns).order_by(table.c.fid), table.c.fid, fids)

    def _records(
        self, conn: Connection, kind: str, query: Any, key_column: Any, keys: list[Any] | None
    ) -> pd.DataFrame:
        """Run a select of a kind's columns (for these keys, in chunks) and make canonical records of the rows."""
        spec = kind_spec(kind)
        if keys is None:
            rows = conn.execute(query).all()
        else:
            rows = []
            for chunk in chunks(keys):
                rows += conn.execute(query.where(key_column.in_(chunk))).all()
        names = [*spec.column_names, "attributes"] + ([GEOMETRY_COLUMN] if spec.spatial else [])
        raw = rows_frame(rows, names)
        return _canonical(kind, raw, self._decode(list(raw[GEOMETRY_COLUMN])) if spec.spatial else None)

    def _intersecting_fids(
        self,
        kind: str,
        intersects: shapely.Geometry,
        *,
        where: Mapping[str, Any] | None,
        years: tuple[int, int] | None,
        ids: Sequence[str] | None = None,
    ) -> list[int]:
        """Row ids (in order) whose geometry intersects exactly, for a provider whose index only compares boxes."""
        table = TABLES[kind]
        clause, _ = self._spatial_clause(kind, intersects)
        query = (
            select(table.c.fid, self._geometry_select(kind))
            .where(clause, *conditions_for(kind, where=where, years=years))
            .order_by(table.c.fid)
        )
        rows = []
        with self.engine.connect() as conn:
            if ids is None:
                rows = conn.execute(query).all()
            else:
                for chunk in chunks(list(ids)):
                    rows += conn.execute(query.where(table.c[kind_spec(kind).key].in_(chunk))).all()
        if not rows:
            return []
        fids, blobs = zip(*(rows if ids is None else sorted(rows, key=lambda row: row[0])), strict=True)
        hit = shapely.intersects(self._decode(list(blobs)), intersects)
        return [int(f) for f in np.asarray(fids)[hit]]

    def keys(self, kind: str) -> frozenset[str]:
        spec = kind_spec(kind)
        with self.engine.connect() as conn:
            return frozenset(conn.execute(select(TABLES[kind].c[spec.key])).scalars())

    def known(self) -> Known:
        return Known(**{kind: self.keys(kind) for kind in KINDS})

    def count(
        self,
        kind: str,
        *,
        intersects: shapely.Geometry | None = None,
        where: Mapping[str, Any] | None = None,
        years: tuple[int, int] | None = None,
    ) -> int:
        """How many records `read` with the same filters returns (without limit)."""
        table = TABLES[kind_spec(kind).name]
        query = select(func.count()).select_from(table).where(*conditions_for(kind, where=where, years=years))
        if intersects is not None and kind_spec(kind).spatial:
            clause, exact_in_python = self._spatial_clause(kind, intersects)
            if exact_in_python:
                return len(self._intersecting_fids(kind, intersects, where=where, years=years))
            query = query.where(clause)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def counts_by(self, kind: str, column: str) -> dict[str, int]:
        table = TABLES[kind_spec(kind).name]
        query = select(table.c[column], func.count()).group_by(table.c[column]).order_by(table.c[column])
        with self.engine.connect() as conn:
            return {str(key): int(n) for key, n in conn.execute(query).all()}

    def grouped_counts(self, kind: str, columns: Sequence[str]) -> dict[tuple[str | None, ...], int]:
        """How many records share each combination of values of `columns` (e.g. organisation, discipline)."""
        table = TABLES[kind_spec(kind).name]
        keys = [table.c[name] for name in columns]
        query = select(*keys, func.count()).group_by(*keys).order_by(*keys)
        with self.engine.connect() as conn:
            return {tuple(row[:-1]): int(row[-1]) for row in conn.execute(query).all()}

    def existing(self, kind: str, keys: Iterable[str]) -> frozenset[str]:
        """Which of `keys` the store holds: what a duplicate or reference check needs, without reading every key."""
        column = TABLES[kind_spec(kind).name].c[kind_spec(kind).key]
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(keys))):
                found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
        return frozenset(found)

    def count_unlinked(self, kind: str) -> int:
        """How many records of a kind lie on no street segment: an anti-join on the segment links."""
        spec = kind_spec(kind)
        table = TABLES[spec.name]
        linked = select(LINKS.c.fid).where(LINKS.c.kind == spec.name, LINKS.c.record_id == table.c[spec.key])
        query = select(func.count()).select_from(table).where(~linked.exists())
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def read_columns(self, kind: str, columns: Sequence[str]) -> pd.DataFrame:
        """Some columns of every record of a kind as stored, without geometry or attributes: a quick table
        for statistics over many records (e.g. the data-quality KPIs over all assets)."""
        table = TABLES[kind]
        with self.engine.connect() as conn:
            rows = conn.execute(select(*(table.c[c] for c in columns)).order_by(table.c.fid)).all()
        return rows_frame(rows, list(columns))

    def links(self, kind: str | None = None) -> pd.DataFrame:
        """The segment links (kind, record_id, segment_id, overlap_m), of one kind or all."""
        query = select(*(LINKS.c[c] for c in LINK_COLUMNS)).order_by(LINKS.c.fid)
        if kind is not None:
            query = query.where(LINKS.c.kind == kind)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return rows_frame(rows, list(LINK_COLUMNS))

    def read_findings(self, table: str) -> pd.DataFrame:
        """All rows of a findings table (due_years, couplings, conflicts); a GeoDataFrame when spatial."""
        sql_table = _findings_table(table)
        names = [c.name for c in sql_table.columns if c.name not in ("fid", GEOMETRY_COLUMN)]
        columns = [sql_table.c[n] for n in names]
        spatial = GEOMETRY_COLUMN in sql_table.c
        if spatial:
            columns.append(self._geometry_select(table).label(GEOMETRY_COLUMN))
        with self.engine.connect() as conn:
            rows = conn.execute(select(*columns).order_by(sql_table.c.fid)).all()
        raw = rows_frame(rows, [*names, *([GEOMETRY_COLUMN] if spatial else [])])
        raw = raw.astype(object).where(raw.notna(), None)
        raw["attributes"] = [json.loads(a) if a else {} for a in raw["attributes"]]
        if not spatial:
            return raw
        geoms = self._decode(list(raw.pop(GEOMETRY_COLUMN)))
        return gpd.GeoDataFrame(raw, geometry=gpd.GeoSeries(geoms, crs=CRS), crs=CRS)

    def read_plan(self, scenario: str) -> dict[str, Any] | None:
        """The plan kept for a scenario (the JSON of `koppelkans plan`), or None."""
        with self.engine.connect() as conn:
            payload = conn.execute(select(PLANS.c.payload).where(PLANS.c.scenario == scenario)).scalar()
        return None if payload is None else json.loads(payload)

    def plans(self) -> pd.DataFrame:
        """The kept plans, one row per scenario, without their payloads (a listing)."""
        columns = [c for c in PLANS.c if c.name not in ("fid", "payload")]
        with self.engine.connect() as conn:
            rows = conn.execute(select(*columns).order_by(PLANS.c.scenario)).all()
        return rows_frame(rows, [c.name for c in columns])

    def read_projects(self, *, ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Projects (K9) as stored, ordered by id; `attributes` parsed from JSON."""
        query = select(*_columns_of(PROJECTS)).order_by(PROJECTS.c.id)
        if ids is not None:
            query = query.where(PROJECTS.c.id.in_(list(ids)))
        frame = self._plain_rows(query, PROJECTS)
        frame["attributes"] = [json.loads(a) if a else {} for a in frame["attributes"]]
        return frame

    def read_gate_decisions(self, *, project_id: str | None = None) -> pd.DataFrame:
        """The phase log (of one project, or all), oldest first."""
        query = select(*_columns_of(GATE_DECISIONS)).order_by(GATE_DECISIONS.c.fid)
        if project_id is not None:
            query = query.where(GATE_DECISIONS.c.project_id == project_id)
        return self._plain_rows(query, GATE_DECISIONS)

    def read_coupling_decisions(self, *, project_id: str | None = None) -> pd.DataFrame:
        """The coupling decisions (of one project, or all), by project and coupling."""
        table = COUPLING_DECISIONS
        query = select(*_columns_of(table)).order_by(table.c.project_id, table.c.coupling_id)
        if project_id is not None:
            query = query.where(table.c.project_id == project_id)
        return self._plain_rows(query, table)

    def read_due_years(self, asset_ids: Sequence[str]) -> pd.DataFrame:
        """The stored due years (as `read_findings("due_years")`) of these assets only: a brief needs a few."""
        table = FINDINGS["due_years"]
        names = [c.name for c in table.columns if c.name != "fid"]
        rows = []
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(asset_ids))):
                rows += conn.execute(select(*(table.c[n] for n in names)).where(table.c.asset_id.in_(chunk))).all()
        raw = rows_frame(rows, names)
        raw = raw.astype(object).where(raw.notna(), None)
        raw["attributes"] = [json.loads(a) if a else {} for a in raw["attributes"]]
        return raw

    def links_of_segments(self, kind: str, segment_ids: Sequence[str]) -> pd.DataFrame:
        """The segment links (as `links`) of one kind on these segments only."""
        columns = [LINKS.c[c] for c in LINK_COLUMNS]
        rows = []
        with self.engine.connect() as conn:
            for chunk in chunks(sorted(set(segment_ids))):
                query = select(*columns).where(LINKS.c.kind == kind, LINKS.c.segment_id.in_(chunk))
                rows += conn.execute(query.order_by(LINKS.c.fid)).all()
        return rows_frame(rows, list(LINK_COLUMNS))

    def read_audit(
        self,
        *,
        kind: str | None = None,
        record_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[AuditEntry]:
        """Audit entries in log order: of one kind and record, changed after `since` and up to `until`."""
        table = AUDIT_LOG
        query = select(*table.c).order_by(table.c.fid)
        for column, value in (("kind", kind), ("record_id", record_id)):
            if value is not None:
                query = query.where(table.c[column] == value)
        if since is not None:
            query = query.where(table.c.at > since)
        if until is not None:
            query = query.where(table.c.at <= until)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            AuditEntry(
                seq=int(row["fid"]),
                at=row["at"],
                actor=row["actor"],
                kind=row["kind"],
                record_id=row["record_id"],
                operation=Operation(row["operation"]),
                old=None if row["old"] is None else json.loads(row["old"]),
                new=None if row["new"] is None else json.loads(row["new"]),
            )
            for row in rows
        ]

    def read_audit_frame(self, kinds: Sequence[str]) -> pd.DataFrame:
        """The audit entries of these kinds as one frame (seq, at, kind, record_id, operation, old, new), the states
        still JSON text: what the KPI history reads in one pass (one query, no entry objects)."""
        table = AUDIT_LOG
        names = ["fid", "at", "kind", "record_id", "operation", "old", "new"]
        query = select(*(table.c[n] for n in names)).where(table.c.kind.in_(list(kinds))).order_by(table.c.fid)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return rows_frame(rows, names).rename(columns={"fid": "seq"})

    def audit_start(self) -> str | None:
        """The moment of the audit log's first entry (None when it is empty): the register's past is known from
        then on only."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.min(AUDIT_LOG.c.at))).scalar()

    def read_coupling_workflows(self, *, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """The coupling workflows (of these couplings, or all) as rows with their JSON parsed, by coupling."""
        query = select(*_columns_of(COUPLING_WORKFLOW)).order_by(COUPLING_WORKFLOW.c.coupling_id)
        if ids is not None:
            query = query.where(COUPLING_WORKFLOW.c.coupling_id.in_(list(ids)))
        with self.engine.connect() as conn:
            return [_workflow_row(row) for row in conn.execute(query).mappings()]

    def read_coupling_events(self, *, coupling_id: str | None = None) -> list[dict[str, Any]]:
        """The workflow events (of one coupling, or all), oldest first."""
        table = COUPLING_EVENTS
        query = select(*_columns_of(table)).order_by(table.c.fid)
        if coupling_id is not None:
            query = query.where(table.c.coupling_id == coupling_id)
        with self.engine.connect() as conn:
            rows = [dict(row) for row in conn.execute(query).mappings()]
        for row in rows:
            row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
        return rows

    def read_subscriptions(self, *, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Subscriptions (these, or all) by id: their columns, `area` as a shapely geometry (EPSG:28992) and
        `told_findings` as a list."""
        table = SUBSCRIPTIONS
        columns = [c for c in _columns_of(table) if c.name != GEOMETRY_COLUMN]
        query = select(*columns, self._geometry_select(table.name).label(GEOMETRY_COLUMN)).order_by(table.c.id)
        if ids is not None:
            query = query.where(table.c.id.in_(list(ids)))
        with self.engine.connect() as conn:
            rows = [dict(row) for row in conn.execute(query).mappings()]
        areas = self._decode([row.pop(GEOMETRY_COLUMN) for row in rows])
        for row, area in zip(rows, areas, strict=True):
            row["area"] = area
            row["told_findings"] = json.loads(row["told_findings"]) if row["told_findings"] else []
        return rows

    def read_deliveries(self, *, subscription_id: str | None = None) -> list[dict[str, Any]]:
        """The delivery attempts (of one subscription, or all), oldest first."""
        query = select(*_columns_of(DELIVERIES)).order_by(DELIVERIES.c.fid)
        if subscription_id is not None:
            query = query.where(DELIVERIES.c.subscription_id == subscription_id)
        with self.engine.connect() as conn:
            rows = [dict(row) for row in conn.execute(query).mappings()]
        for row in rows:
            row["ok"] = bool(row["ok"])
        return rows

    def _plain_rows(self, query: Any, table: Any) -> pd.DataFrame:
        """Rows of a non-spatial table as a frame of plain values (missing values None)."""
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = rows_frame(rows, [c.name for c in _columns_of(table)])
        return frame.astype(object).where(frame.notna(), None)

    # -- writing -------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, actor: str = SYSTEM_ACTOR) -> Iterator[_SqlWriter]:
        """One transaction by `actor`: everything written inside is committed together, or rolled back."""
        try:
            with self.engine.begin() as conn:
                yield _SqlWriter(self, conn, actor)
        except (OperationalError, ProgrammingError) as exc:
            raise StoreError(f"the store {self.url} refused the change: {exc.orig}") from None

    def close(self) -> None:
        self.engine.dispose()


class _SqlWriter:
    """The Writer of a SqlRepository, bound to one open transaction."""

    def __init__(self, repository: SqlRepository, conn: Connection, actor: str = SYSTEM_ACTOR) -> None:
        self.repository = repository
        self.conn = conn
        self.actor = actor

    def read_for_update(self, kind: str, ids: Sequence[str]) -> pd.DataFrame:
        """These records as they are now, locked until the transaction ends: a check on them (an ETag) holds
        for the write that follows, whichever process or server writes at the same time."""
        repository, spec, table = self.repository, kind_spec(kind), TABLES[kind]
        repository._lock_for_update(self.conn, kind)
        columns = [table.c[name] for name in (*spec.column_names, "attributes")]
        if spec.spatial:
            columns.append(repository._geometry_select(kind).label(GEOMETRY_COLUMN))
        query = select(*columns).order_by(table.c.fid)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(of=table)
        return repository._records(self.conn, kind, query, table.c[spec.key], list(ids))

    def insert(self, kind: str, records: pd.DataFrame, *, replace: bool = False) -> int:
        """Insert canonical records; with `replace`, records with the same key are replaced (logged as updates)."""
        spec = kind_spec(kind)
        if records.empty:
            return 0
        keys = [str(k) for k in records[spec.key]]
        before: dict[str, dict[str, Any]] = {}
        if replace:
            before = self._states(kind, keys)
            self._delete_rows(kind, keys)
        rows = pd.DataFrame({name: records[name] for name in spec.column_names})
        rows["attributes"] = [
            json.dumps(a, ensure_ascii=False, sort_keys=True) if a else None for a in records["attributes"]
        ]
        geoms = np.asarray(records.geometry.to_numpy(), dtype=object) if spec.spatial else None
        self.repository._bulk_insert(self.conn, kind, rows, geoms)
        self.repository._after_insert(self.conn, kind, geoms)
        self.log(kind, keys, [before.get(k) for k in keys], record_states(kind, records))
        return len(rows)

    def delete(self, kind: str, ids: Sequence[str]) -> int:
        """Delete records by key, with their segment links (each deletion logged with the state it removed)."""
        keys = [str(k) for k in ids]
        before = self._states(kind, keys)
        removed = self._delete_rows(kind, keys)
        gone = [k for k in dict.fromkeys(keys) if k in before]
        self.log(kind, gone, [before[k] for k in gone], [None] * len(gone))
        return removed

    def _delete_rows(self, kind: str, ids: Sequence[str]) -> int:
        spec = kind_spec(kind)
        table = TABLES[kind]
        removed = 0
        for chunk in chunks(list(ids)):
            removed += self.conn.execute(delete(table).where(table.c[spec.key].in_(chunk))).rowcount
            self.conn.execute(delete(LINKS).where(LINKS.c.kind == kind, LINKS.c.record_id.in_(chunk)))
        return removed

    def _states(self, kind: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored states of these records (the ones that exist), by key, for the audit log."""
        repository, spec, table = self.repository, kind_spec(kind), TABLES[kind]
        columns = [table.c[name] for name in (*spec.column_names, "attributes")]
        if spec.spatial:
            columns.append(repository._geometry_select(kind).label(GEOMETRY_COLUMN))
        query = select(*columns).order_by(table.c.fid)
        current = repository._records(self.conn, kind, query, table.c[spec.key], list(ids))
        keys = [str(k) for k in current[spec.key]]
        return dict(zip(keys, record_states(kind, current), strict=True))

    def log(
        self,
        kind: str,
        record_ids: Sequence[str],
        old: Sequence[Mapping[str, Any] | None],
        new: Sequence[Mapping[str, Any] | None],
    ) -> None:
        """Append one audit entry per record (insert, update or delete, from which states are present),
        in bulk: an import of 100,000 records writes its 100,000 entries in the same few statements."""
        if not record_ids:
            return
        at = timestamp(datetime.now(UTC))
        operations = [
            Operation.INSERT if o is None else Operation.DELETE if n is None else Operation.UPDATE
            for o, n in zip(old, new, strict=True)
        ]
        rows = pd.DataFrame(
            {
                "at": at,
                "actor": self.actor,
                "kind": kind,
                "record_id": list(record_ids),
                "operation": [op.value for op in operations],
                "old": [None if o is None else state_json(o) for o in old],
                "new": [None if n is None else state_json(n) for n in new],
            }
        )
        self.repository._bulk_insert(self.conn, AUDIT_LOG.name, rows, None)

    def set_links(self, kind: str, links: pd.DataFrame, *, record_ids: Sequence[str] | None = None) -> None:
        """Replace the segment links of the given records (all of the kind when record_ids is None)."""
        if record_ids is None:
            self.conn.execute(delete(LINKS).where(LINKS.c.kind == kind))
        else:
            for chunk in chunks(list(record_ids)):
                self.conn.execute(delete(LINKS).where(LINKS.c.kind == kind, LINKS.c.record_id.in_(chunk)))
        if len(links):
            self.repository._bulk_insert(self.conn, LINKS.name, links.assign(kind=kind)[list(LINK_COLUMNS)], None)

    def keep_plan(self, plan: Mapping[str, Any]) -> None:
        """Keep a plan under its scenario name, replacing the one kept before under that name."""
        horizon = plan.get("horizon") or [None, None]
        self.conn.execute(delete(PLANS).where(PLANS.c.scenario == plan["scenario"]))
        self.conn.execute(
            PLANS.insert().values(
                scenario=plan["scenario"],
                created_at=str(plan.get("created_at") or pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")),
                horizon_from=horizon[0],
                horizon_to=horizon[1],
                objective_eur=plan.get("objective"),
                gap=plan.get("gap"),
                payload=json.dumps(plan, ensure_ascii=False, default=str),
            )
        )

    def read_project_for_update(self, project_id: str) -> dict[str, Any] | None:
        """A project as it is now, locked until the transaction ends (a gate check holds for its write)."""
        self.repository._lock_for_update(self.conn, PROJECTS.name)
        query = select(*_columns_of(PROJECTS)).where(PROJECTS.c.id == project_id)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(of=PROJECTS)
        row = self.conn.execute(query).mappings().first()
        if row is None:
            return None
        project = dict(row)
        project["attributes"] = json.loads(project["attributes"]) if project["attributes"] else {}
        return project

    def save_project(self, project: Mapping[str, Any]) -> None:
        """Insert a project, or update the stored one with the same id (its phase, works, …)."""
        values = {c.name: project.get(c.name) for c in _columns_of(PROJECTS)}
        values["attributes"] = json.dumps(values["attributes"], ensure_ascii=False) if values["attributes"] else None
        old = self.conn.execute(select(*_columns_of(PROJECTS)).where(PROJECTS.c.id == values["id"])).mappings().first()
        if old is None:
            self.conn.execute(PROJECTS.insert().values(**values))
        else:
            self.conn.execute(update(PROJECTS).where(PROJECTS.c.id == values["id"]).values(**values))
        self.log(PROJECTS.name, [str(values["id"])], [_plain_state(old)], [_plain_state(values)])

    def log_gate_decision(self, entry: Mapping[str, Any]) -> None:
        """Append one entry to a project's phase log."""
        self.conn.execute(
            GATE_DECISIONS.insert().values(**{c.name: entry.get(c.name) for c in _columns_of(GATE_DECISIONS)})
        )

    def save_coupling_decision(self, decision: Mapping[str, Any]) -> None:
        """Record a project's decision on a coupling, replacing its earlier decision on that coupling."""
        table = COUPLING_DECISIONS
        same = (table.c.project_id == decision["project_id"], table.c.coupling_id == decision["coupling_id"])
        old = self.conn.execute(select(*_columns_of(table)).where(*same)).mappings().first()
        self.conn.execute(delete(table).where(*same))
        values = {c.name: decision.get(c.name) for c in _columns_of(table)}
        self.conn.execute(table.insert().values(**values))
        record_id = f"{decision['project_id']}:{decision['coupling_id']}"
        self.log(table.name, [record_id], [_plain_state(old)], [_plain_state(values)])

    def read_coupling_workflow_for_update(self, coupling_id: str) -> dict[str, Any] | None:
        """A coupling's workflow as it is now, locked until the transaction ends (a checked step holds)."""
        table = COUPLING_WORKFLOW
        self.repository._lock_for_update(self.conn, table.name)
        query = select(*_columns_of(table)).where(table.c.coupling_id == coupling_id)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(of=table)
        row = self.conn.execute(query).mappings().first()
        return None if row is None else _workflow_row(row)

    def save_coupling_workflow(self, workflow: Mapping[str, Any]) -> None:
        """Insert or update a coupling's workflow (a `CouplingWorkflow.as_row`), logged in the audit log."""
        table = COUPLING_WORKFLOW
        values = {c.name: workflow.get(c.name) for c in _columns_of(table)}
        for name in ("members", "responses", "cost_split"):
            values[name] = json.dumps(values[name], ensure_ascii=False, sort_keys=True)
        values["escalated"] = int(bool(values["escalated"]))
        same = table.c.coupling_id == values["coupling_id"]
        old = self.conn.execute(select(*_columns_of(table)).where(same)).mappings().first()
        if old is None:
            self.conn.execute(table.insert().values(**values))
        else:
            self.conn.execute(update(table).where(same).values(**values))
        before = None if old is None else _workflow_row(old)
        self.log(table.name, [str(values["coupling_id"])], [before], [_workflow_row(values)])

    def log_coupling_event(self, coupling_id: str, event: str, detail: Mapping[str, Any], *, at: str) -> None:
        """Append one event to a coupling's workflow history (by this transaction's actor)."""
        self.conn.execute(
            COUPLING_EVENTS.insert().values(
                coupling_id=coupling_id,
                at=at,
                actor=self.actor,
                event=event,
                detail=json.dumps(dict(detail), ensure_ascii=False, sort_keys=True),
            )
        )

    def save_subscription(self, subscription: Mapping[str, Any]) -> None:
        """Insert or replace a subscription (its `area` a shapely geometry in EPSG:28992), logged without its secret."""
        table, key = SUBSCRIPTIONS, str(subscription["id"])
        before = self._subscription_state(key)
        self.conn.execute(delete(table).where(table.c.id == key))
        names = [c.name for c in _columns_of(table) if c.name != GEOMETRY_COLUMN]
        values = {name: subscription.get(name) for name in names}
        values["told_findings"] = json.dumps(sorted(subscription.get("told_findings") or []))
        geoms = np.array([subscription["area"]], dtype=object)
        self.repository._bulk_insert(self.conn, table.name, pd.DataFrame([values]), geoms)
        self.repository._after_insert(self.conn, table.name, geoms)
        self.log(table.name, [key], [before], [self._subscription_state(key)])

    def delete_subscription(self, subscription_id: str) -> bool:
        """Remove a subscription (logged); False when there was none."""
        before = self._subscription_state(subscription_id)
        if before is None:
            return False
        self.conn.execute(delete(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == subscription_id))
        self.log(SUBSCRIPTIONS.name, [subscription_id], [before], [None])
        return True

    def _subscription_state(self, subscription_id: str) -> dict[str, Any] | None:
        """A subscription as the audit log keeps it: its columns, the area as hex WKB, the secret only as set/unset."""
        table = SUBSCRIPTIONS
        columns = [c for c in _columns_of(table) if c.name != GEOMETRY_COLUMN]
        query = select(*columns, self.repository._geometry_select(table.name).label(GEOMETRY_COLUMN))
        row = self.conn.execute(query.where(table.c.id == subscription_id)).mappings().first()
        if row is None:
            return None
        state = dict(row)
        area = self.repository._decode([state.pop(GEOMETRY_COLUMN)])
        state["geometry"] = shapely.to_wkb(area, hex=True, output_dimension=2, byte_order=1)[0]
        state["secret"] = "set" if state["secret"] else None
        state["told_findings"] = json.loads(state["told_findings"]) if state["told_findings"] else []
        return state

    def log_delivery(self, delivery: Mapping[str, Any]) -> None:
        """Record one delivery attempt of a digest."""
        values = {c.name: delivery.get(c.name) for c in _columns_of(DELIVERIES)}
        values["ok"] = int(bool(values["ok"]))
        self.conn.execute(DELIVERIES.insert().values(**values))

    def replace_findings(self, table: str, rows: pd.DataFrame) -> int:
        """Replace all rows of a findings table (due_years, couplings, conflicts) by these."""
        sql_table = _findings_table(table)
        self.conn.execute(delete(sql_table))
        if rows.empty:
            return 0
        values, geoms = _findings_rows(sql_table, rows)
        self.repository._bulk_insert(self.conn, table, values, geoms)
        self.repository._after_insert(self.conn, table, geoms)
        return len(values)


def _workflow_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored coupling workflow row with its JSON columns parsed and its flag a bool."""
    values = dict(row)
    for name in ("members", "responses", "cost_split"):
        values[name] = json.loads(values[name]) if values[name] else ([] if name == "members" else {})
    values["escalated"] = bool(values["escalated"])
    return values


def _plain_state(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A row of a plain table as an audit state (its columns' values; JSON text parsed)."""
    if row is None:
        return None
    state = dict(row)
    if isinstance(state.get("attributes"), str):
        state["attributes"] = json.loads(state["attributes"])
    return state


def _columns_of(table: Any) -> list[Any]:
    """A table's columns without its row id."""
    return [c for c in table.c if c.name != "fid"]


def conditions_for(kind: str, *, where: Mapping[str, Any] | None, years: tuple[int, int] | None) -> list[Any]:
    """SQL conditions for attribute and year filters (shared by both providers)."""
    table = TABLES[kind]
    conditions = []
    for column, value in (where or {}).items():
        if column not in table.c:
            raise StoreError(f"{kind} has no column {column!r} to filter on")
        if isinstance(value, Excluding):
            conditions.append(table.c[column].not_in(list(value.values)))
        elif isinstance(value, Mentioning):
            conditions.append(or_(*(table.c[column].contains(word, autoescape=True) for word in value.words)))
        elif isinstance(value, (list, tuple, set, frozenset)):
            conditions.append(table.c[column].in_(list(value)))
        else:
            conditions.append(table.c[column] == value)
    if years is not None:
        first, last = years
        if kind == "works":
            conditions += [table.c.earliest_start <= last, table.c.latest_start >= first]
        elif kind == "tasks":
            conditions += [table.c.target_year >= first, table.c.target_year <= last]
    return conditions


def _findings_rows(table: Any, rows: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Rows of a findings table in column order, attributes as JSON, and their geometries."""
    names = [c.name for c in table.columns if c.name not in ("fid", GEOMETRY_COLUMN, "attributes")]
    missing = [n for n in names if n not in rows.columns and not table.c[n].nullable]
    if missing:
        raise StoreError(f"{table.name}: rows lack the required column(s) {', '.join(missing)}")
    out = pd.DataFrame({n: rows[n] if n in rows.columns else None for n in names}, index=rows.index)
    attributes = rows["attributes"] if "attributes" in rows.columns else [None] * len(rows)
    out["attributes"] = [json.dumps(a, ensure_ascii=False, sort_keys=True) if a else None for a in attributes]
    geoms = None
    if GEOMETRY_COLUMN in table.c:
        geoms = (
            np.asarray(rows.geometry.to_numpy(), dtype=object)
            if isinstance(rows, gpd.GeoDataFrame)
            else np.full(len(rows), None, dtype=object)
        )
    return out.reset_index(drop=True), geoms


def _findings_table(name: str) -> Any:
    try:
        return FINDINGS[name]
    except KeyError:
        raise StoreError(f"unknown findings table {name!r}; expected one of {', '.join(FINDINGS)}") from None


def db_rows(rows: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as tuples of plain Python values, missing values (NaN, NA) as None."""
    values = rows.astype(object)
    return list(values.where(values.notna(), None).itertuples(index=False, name=None))


def chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _canonical(kind: str, raw: pd.DataFrame, geoms: np.ndarray | None) -> pd.DataFrame:
    """Typed columns as validation produces them, so that what is read equals what was written."""
    spec = kind_spec(kind)
    # Built with numpy, column by column, and framed once: the API reads a page of records per request,
    # and pandas' per-column conversions and insertions cost ten times more than the values themselves.
    data: dict[str, Any] = {}
    for column in spec.columns:
        values = raw[column.name].to_numpy(dtype=object)
        missing = pd.isna(values)
        if column.dtype in ("int", "year", "float"):
            data[column.name] = _numbers(values, missing, integer=column.dtype != "float")
        else:
            data[column.name] = pd.Series(np.where(missing, None, values), dtype=object)
    attributes = [json.loads(a) if isinstance(a, str) and a else {} for a in raw["attributes"]]
    data["attributes"] = pd.Series(attributes, dtype=object)
    frame = pd.DataFrame(data, index=range(len(raw)))
    if geoms is None:
        return frame
    frame["geometry"] = from_shapely(geoms, crs=CRS)
    return gpd.GeoDataFrame(frame, geometry="geometry")


def _numbers(values: np.ndarray, missing: np.ndarray, *, integer: bool) -> Any:
    """Stored numbers as a nullable Int64 or a float64 array; text that is no number reads as missing."""
    try:
        if integer:
            return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)
        return np.where(missing, np.nan, values).astype(np.float64)
    except (TypeError, ValueError):  # a value another tool wrote: convert one by one
        numbers = pd.to_numeric(pd.Series(values), errors="coerce")
        return numbers.astype("Int64").array if integer else numbers.astype("float64").to_numpy()


def bounds_of(geoms: np.ndarray) -> tuple[float, float, float, float] | None:
    """The total bounds of an array of geometries, or None when there are none."""
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(present)
    return float(minx), float(miny), float(maxx), float(maxy)
