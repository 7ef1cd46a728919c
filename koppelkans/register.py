"""The shared register's use cases: import a file of records, export a kind, summarise the store.

Each use case is a list of named steps over the pure core (validation, linking) and the store.
An import is all-or-nothing: every record is checked first; one bad record stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from koppelkans.analysis.linking import links_from_geometries, unlinked_ids
from koppelkans.config import Settings
from koppelkans.domain.records import KINDS, kind_spec
from koppelkans.domain.snapshot import RegisterSnapshot
from koppelkans.domain.validation import validate_records
from koppelkans.errors import Problem, ValidationFailed
from koppelkans.io.exchange import read_table, write_table
from koppelkans.store import Repository, Writer

__all__ = ["LINKED_KINDS", "ImportReport", "export_file", "import_file", "import_records", "register_summary"]

LINKED_KINDS = ("works", "assets")
"""The kinds that are linked to the street segments they lie on."""

Step = Callable[[str], None]


def _no_step(_: str) -> None:
    """Default progress callback: say nothing."""


@dataclass(frozen=True, kw_only=True)
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    kind: str
    source: str
    crs: str | None
    read: int
    stored: int
    dry_run: bool
    unlinked: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "crs": self.crs,
            "read": self.read,
            "stored": self.stored,
            "dry_run": self.dry_run,
            "unlinked": list(self.unlinked),
        }


def import_file(
    store: Repository,
    kind: str,
    path: str | Path,
    *,
    crs: str | None = None,
    layer: str | None = None,
    dry_run: bool = False,
    replace: bool = False,
    settings: Settings | None = None,
    today: date | None = None,
    step: Step = _no_step,
) -> ImportReport:
    """Import a file of `kind` records into the store; raises ValidationFailed listing every problem."""
    spec = kind_spec(kind)
    step(f"reading {Path(path).name}")
    raw = read_table(path, layer=layer or spec.name, crs=crs)
    return import_records(
        store,
        kind,
        raw.frame,
        source_crs=raw.crs,
        source=raw.source,
        dry_run=dry_run,
        replace=replace,
        settings=settings,
        today=today,
        step=step,
    )


def import_records(
    store: Repository,
    kind: str,
    raw: pd.DataFrame,
    *,
    source_crs: str | None,
    source: str = "records",
    dry_run: bool = False,
    replace: bool = False,
    settings: Settings | None = None,
    today: date | None = None,
    step: Step = _no_step,
    guard: Callable[[Writer], None] | None = None,
) -> ImportReport:
    """Validate raw records, link them to segments and store them in one transaction.

    `guard` runs first inside that transaction (e.g. an ETag check on the locked record) and may refuse it.
    """
    settings = settings or Settings()
    step(f"checking {len(raw):,} {kind}")
    store.require_current_schema()
    validated = validate_records(kind, raw, source_crs=source_crs, known=store.known(), today=today, replace=replace)
    if validated.problems:
        raise ValidationFailed(validated.problems)
    records = validated.records
    step("linking to street segments")
    links = _links_for(store, kind, records, settings)
    unlinked = tuple(unlinked_ids(records[kind_spec(kind).key], links[kind])) if kind in links else ()
    if not dry_run:
        step(f"storing {len(records):,} {kind}")
        with store.transaction() as tx:
            if guard is not None:
                guard(tx)
            tx.insert(kind, records, replace=replace)
            for linked_kind, kind_links in links.items():
                ids = None if linked_kind != kind else list(records[kind_spec(kind).key])
                tx.set_links(linked_kind, kind_links, record_ids=ids)
    return ImportReport(
        kind=kind,
        source=source,
        crs=source_crs,
        read=len(raw),
        stored=0 if dry_run else len(records),
        dry_run=dry_run,
        unlinked=unlinked,
    )


def _links_for(store: Repository, kind: str, records: pd.DataFrame, settings: Settings) -> dict[str, pd.DataFrame]:
    """The segment links an import changes: of the new works/assets, or of all of them for new segments."""
    options = {"tolerance_m": settings.link_tolerance_m, "min_overlap_m": settings.link_min_overlap_m}
    if kind in LINKED_KINDS:
        segments = store.read("segments")
        return {kind: links_from_geometries(records["id"], records.geometry.to_numpy(), segments, **options)}
    if kind == "segments":
        stored = store.read("segments")
        segments = pd.concat([stored[~stored["id"].isin(records["id"])], records], ignore_index=True)
        relinked = {}
        for linked_kind in LINKED_KINDS:
            linked = store.read(linked_kind)
            relinked[linked_kind] = links_from_geometries(linked["id"], linked.geometry.to_numpy(), segments, **options)
        return relinked
    return {}


def export_file(store: Repository, kind: str, path: str | Path) -> int:
    """Write every record of a kind to a file; the format follows the extension."""
    store.require_current_schema()
    return write_table(store.read(kind), path, kind=kind_spec(kind).name)


def register_summary(store: Repository) -> dict[str, Any]:
    """Counts per kind, per organisation and discipline, unlinked works/assets, extent, store URL."""
    store.require_current_schema()
    counts = {kind: store.count(kind) for kind in KINDS}
    by_org_discipline = {}
    for kind in LINKED_KINDS:
        records = store.read(kind)
        table = records.groupby(["organisation", "discipline"]).size() if len(records) else pd.Series(dtype=int)
        by_org_discipline[kind] = {f"{org}/{disc}": int(n) for (org, disc), n in table.items()}
        linked = set(store.links(kind)["record_id"])
        counts[f"{kind}_unlinked"] = int((~records["id"].isin(linked)).sum()) if len(records) else 0
    extents = [e for e in (store.extent(k) for k in KINDS if KINDS[k].spatial) if e is not None]
    extent = None
    if extents:
        extent = [
            min(e[0] for e in extents),
            min(e[1] for e in extents),
            max(e[2] for e in extents),
            max(e[3] for e in extents),
        ]
    return {
        "store": store.url,
        "schema": store.revision(),
        "counts": counts,
        "by_organisation_discipline": by_org_discipline,
        "extent_epsg28992": extent,
    }


def snapshot_of(store: Repository) -> RegisterSnapshot:
    """The whole register as the analyses read it (one read per kind, plus links and due years)."""
    store.require_current_schema()
    due_years = store.read_findings("due_years")
    return RegisterSnapshot(
        **{kind: store.read(kind) for kind in KINDS},
        links=store.links(),
        due_years=due_years if len(due_years) else None,
    )
