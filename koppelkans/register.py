"""The shared register's use cases: import records (exchange files and the formats users already have),
export them, summarise the store.

Each use case is a list of named steps over the pure core (the readers in `koppelkans.io`, validation,
linking) and the store. An import is all-or-nothing: every record is checked first, one bad record
stores nothing, and what is stored is written in one transaction. A large file read in chunks
(`import_mapped_chunks`) is checked chunk by chunk and set aside on disk, then stored in that one
transaction, so memory holds one chunk whatever the file's size.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.access import Action, Principal, require, visible_records
from koppelkans.analysis.linking import links_from_geometries, unlinked_ids
from koppelkans.config import CRS, Settings
from koppelkans.domain.records import KINDS, kind_spec
from koppelkans.domain.snapshot import RegisterSnapshot
from koppelkans.domain.validation import Known, validate_records
from koppelkans.errors import InputError, Problem, ValidationFailed
from koppelkans.io.crow import condition_updates, conditions_from_inspections, read_crow
from koppelkans.io.exchange import read_table, write_table
from koppelkans.io.mapping import ColumnMapping, MappedRecords
from koppelkans.io.package import Legend, write_package
from koppelkans.store import SYSTEM_ACTOR, Repository, Writer

__all__ = [
    "LINKED_KINDS",
    "FormatImportReport",
    "ImportReport",
    "export_all",
    "export_file",
    "import_crow",
    "import_file",
    "import_mapped",
    "import_mapped_chunks",
    "import_records",
    "register_summary",
    "snapshot_of",
]

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


@dataclass(frozen=True, kw_only=True)
class FormatImportReport(ImportReport):
    """An import of a foreign format: the ImportReport plus what was mapped, skipped and also stored."""

    mapped: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    also: tuple[ImportReport, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            **super().as_dict(),
            "mapped": dict(self.mapped),
            "skipped": dict(self.skipped),
            "also": [report.as_dict() for report in self.also],
        }


# -- exchange files ----------------------------------------------------------------------------
def import_file(
    store: Repository,
    kind: str,
    path: str | Path,
    *,
    crs: str | None = None,
    layer: str | None = None,
    mapping: ColumnMapping | None = None,
    dry_run: bool = False,
    replace: bool = False,
    settings: Settings | None = None,
    today: date | None = None,
    step: Step = _no_step,
    principal: Principal | None = None,
) -> ImportReport:
    """Import a file of `kind` records into the store; raises ValidationFailed listing every problem.

    With `mapping`, the file is a user's own table: its columns are renamed, values translated and
    units converted first (`koppelkans import KIND PATH --mapping MAP.yaml`).
    """
    spec = kind_spec(kind)
    step(f"reading {Path(path).name}")
    raw = read_table(path, layer=layer or spec.name, crs=crs or (mapping.crs if mapping else None))
    frame = raw.frame if mapping is None else mapping.apply(raw.frame, kind=spec.name)
    return import_records(
        store,
        spec.name,
        frame,
        source_crs=raw.crs,
        source=raw.source,
        dry_run=dry_run,
        replace=replace,
        settings=settings,
        today=today,
        step=step,
        principal=principal,
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
    actor: str = SYSTEM_ACTOR,
    guard: Callable[[Writer], None] | None = None,
    principal: Principal | None = None,
) -> ImportReport:
    """Validate raw records, link them to segments and store them in one transaction.

    `guard` runs first inside that transaction (e.g. an ETag check on the locked record) and may refuse it.
    With `principal`, every record (and the stored record it replaces) must be one it may change, and
    the change is made as that principal; without, as `system`.
    """
    settings = settings or Settings()
    step(f"checking {len(raw):,} {kind}")
    store.require_current_schema()
    known = _known_for(store, kind, raw)
    validated = validate_records(kind, raw, source_crs=source_crs, known=known, today=today, replace=replace)
    if validated.problems:
        raise ValidationFailed(validated.problems)
    records = _floating(validated.records)
    _require_may_store(store, principal, kind, records)
    step("linking to street segments")
    segments = _segments_view(store, kind, records, None)
    batch = _linked(store, kind, records, settings, segments=segments)
    if not dry_run:
        step(f"storing {len(batch.records):,} {kind}")
        with store.transaction(_actor(principal)) as tx:
            if guard is not None:
                guard(tx)
            _write(tx, batch, replace=replace)
    return ImportReport(
        kind=kind,
        source=source,
        crs=source_crs,
        read=len(raw),
        stored=0 if dry_run else len(batch.records),
        dry_run=dry_run,
        unlinked=batch.unlinked,
    )


# -- the formats users already have --------------------------------------------------------------
def import_mapped(
    store: Repository,
    mapped: MappedRecords,
    *,
    also: Sequence[MappedRecords] = (),
    dry_run: bool = False,
    replace: bool = False,
    settings: Settings | None = None,
    step: Step = _no_step,
    principal: Principal | None = None,
) -> FormatImportReport:
    """Store what a format's reader mapped, all-or-nothing; raises ValidationFailed with every problem,
    the parser's and the schema's.

    `also` are stored first, in the same transaction: e.g. the street segments derived from the same
    BGT file, so that its road parts are linked to them (give segments before works and assets).
    """
    for part in (*also, mapped):
        _require_records(part)
    *others, report = _import_groups(
        store,
        [[part] for part in (*also, mapped)],
        dry_run=dry_run,
        replace=replace,
        settings=settings,
        step=step,
        principal=principal,
    )
    return dataclasses.replace(report, also=tuple(others))


def import_mapped_chunks(
    store: Repository,
    chunks: Iterable[MappedRecords],
    *,
    dry_run: bool = False,
    replace: bool = False,
    settings: Settings | None = None,
    step: Step = _no_step,
    principal: Principal | None = None,
) -> FormatImportReport:
    """Store a large file read in chunks of one kind (`iter_assets_from_imkl`), all-or-nothing.

    Each chunk is checked and linked as it comes and set aside in a temporary file; when every chunk
    has passed, all are stored in one transaction. Memory holds one chunk, whatever the size of the
    file: besides it only 16 bytes per record (the duplicate check across chunks) and the ids of the
    records that lie on no street segment (for the report).
    """
    [report] = _import_groups(
        store, [chunks], dry_run=dry_run, replace=replace, settings=settings, step=step, principal=principal
    )
    return report


def import_crow(
    store: Repository,
    path: str | Path,
    *,
    mapping: ColumnMapping | None = None,
    dry_run: bool = False,
    settings: Settings | None = None,
    step: Step = _no_step,
    principal: Principal | None = None,
) -> FormatImportReport:
    """Update the NEN 2767 conditions of road assets from a CROW inspection file, all-or-nothing."""
    step(f"reading {Path(path).name}")
    conditions, problems = conditions_from_inspections(read_crow(path, mapping=mapping))
    store.require_current_schema()
    stored = store.read("assets", ids=list(conditions["asset_id"]))
    updates = condition_updates(stored, conditions, problems=problems, source=str(path))
    return import_mapped(
        store, updates, dry_run=dry_run, replace=True, settings=settings, step=step, principal=principal
    )


def _require_records(mapped: MappedRecords) -> None:
    """Refuse, before the store is touched, a file in which the reader recognised nothing to import."""
    if mapped.records.empty and not mapped.problems:
        skipped = "; ".join(f"{n} {what}" for what, n in mapped.skipped.items()) or "nothing recognisable"
        raise InputError(f"{Path(mapped.source).name}: no {mapped.kind} to import (skipped: {skipped})")


@dataclass
class _Tally:
    """What one group of chunks (one kind from one file) added up to."""

    kind: str = ""
    source: str = ""
    read: int = 0
    unlinked: list[str] = field(default_factory=list)
    mapped: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def add(self, part: MappedRecords) -> None:
        self.kind, self.source = part.kind, part.source
        self.read += len(part.records)
        self.mapped.update(part.mapped)
        self.skipped.update(part.skipped)

    def as_mapped(self) -> MappedRecords:
        """The group as one MappedRecords without records: what it skipped, for the 'nothing to import' error."""
        return MappedRecords(kind=self.kind, source=self.source, records=pd.DataFrame(), skipped=dict(self.skipped))

    def report(self, *, dry_run: bool) -> FormatImportReport:
        return FormatImportReport(
            kind=self.kind,
            source=self.source,
            crs=CRS,
            read=self.read,
            stored=0 if dry_run else self.read,
            dry_run=dry_run,
            unlinked=tuple(self.unlinked),
            mapped=dict(sorted(self.mapped.items())),
            skipped=dict(self.skipped),
        )


def _import_groups(
    store: Repository,
    groups: Sequence[Iterable[MappedRecords]],
    *,
    dry_run: bool,
    replace: bool,
    settings: Settings | None,
    step: Step,
    principal: Principal | None = None,
) -> list[FormatImportReport]:
    """Check every chunk of every group, then store them all in one transaction; one report per group."""
    settings = settings or Settings()
    store.require_current_schema()
    problems: list[Problem] = []
    tallies: list[_Tally] = []
    seen: dict[str, _SeenKeys] = {}
    segments: pd.DataFrame | None = None
    with _Staging() as staging:
        for group in groups:
            tally = _Tally()
            for part in group:
                step(f"checking {tally.read + len(part.records):,} {part.kind} from {Path(part.source).name}")
                offset = tally.read
                tally.add(part)
                problems += part.with_hints(part.problems)
                if part.records.empty:
                    continue
                records, found = _checked(store, part, replace=replace, offset=offset, seen=seen)
                problems += found
                if problems:  # keep checking the rest so that every problem is reported; store nothing
                    continue
                _require_may_store(store, principal, part.kind, records)
                segments = _segments_view(store, part.kind, records, segments)
                batch = _linked(store, part.kind, records, settings, segments=segments)
                tally.unlinked += batch.unlinked
                staging.add(batch)
            if tally.read == 0 and not problems:
                _require_records(tally.as_mapped())
            tallies.append(tally)
        if problems:
            raise ValidationFailed(problems)
        if not dry_run:
            step(f"storing {sum(t.read for t in tallies):,} records")
            with store.transaction(_actor(principal)) as tx:
                for batch in staging:
                    _write(tx, batch, replace=replace)
    return [tally.report(dry_run=dry_run) for tally in tallies]


def _checked(
    store: Repository, part: MappedRecords, *, replace: bool, offset: int, seen: dict[str, _SeenKeys]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate one chunk: its records and every problem, rows counted from the start of its file."""
    validated = validate_records(
        part.kind, part.records, source_crs=CRS, known=_known_for(store, part.kind, part.records), replace=replace
    )
    problems = [dataclasses.replace(p, row=p.row + offset) if p.row else p for p in part.with_hints(validated.problems)]
    key = kind_spec(part.kind).key
    ids = validated.records[key]
    repeated = seen.setdefault(part.kind, _SeenKeys()).add(ids)
    problems += [
        Problem(
            kind=part.kind,
            record=ids.iloc[i],
            field=key,
            reason="duplicate id: it appears earlier in the input",
            row=offset + i + 1,
        )
        for i in np.flatnonzero(repeated)
    ]
    return _floating(validated.records), problems


class _SeenKeys:
    """The keys of earlier chunks, as 128-bit digests (16 bytes a record), for the duplicate check across chunks."""

    def __init__(self) -> None:
        self._digests = np.empty(0, dtype="S16")

    def add(self, keys: pd.Series) -> np.ndarray:
        """Remember these keys; True where a key was seen in an earlier call (missing keys never are)."""
        present = keys.notna().to_numpy()
        digests = np.array(
            [hashlib.blake2b(str(k).encode(), digest_size=16).digest() if p else b"" for k, p in zip(keys, present)],
            dtype="S16",
        )
        repeated = present & np.isin(digests, self._digests)
        self._digests = np.union1d(self._digests, digests[present])
        return repeated


class _Staging:
    """Checked batches set aside in a temporary file until they are stored together; memory holds one."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="koppelkans-import-")
        self._count = 0

    def __enter__(self) -> _Staging:
        return self

    def __exit__(self, *_: object) -> None:
        self._file.close()

    def add(self, batch: _Batch) -> None:
        pickle.dump(batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __iter__(self) -> Iterator[_Batch]:
        self._file.seek(0)
        for _ in range(self._count):
            yield pickle.load(self._file)  # our own file, written above by this process


# -- the steps every import shares --------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class _Batch:
    """Validated records of one kind with the segment links storing them sets."""

    kind: str
    records: pd.DataFrame
    links: dict[str, pd.DataFrame]
    """Linked kind → links: of these records for their own kind, of every stored record for the others."""
    unlinked: tuple[str, ...]


def _known_for(store: Repository, kind: str, raw: pd.DataFrame) -> Known:
    """The stored keys validation compares `raw` with: of the values raw names in its key column and in the
    columns that reference other kinds, those the store holds (an indexed lookup, not every key of every kind)."""
    spec = kind_spec(kind)
    wanted: dict[str, set[str]] = {}
    for column, target in ((spec.key, spec.name), *spec.references.items()):
        wanted.setdefault(target, set()).update(_named_values(raw, column))
    return Known(**{target: store.existing(target, values) for target, values in wanted.items()})


def _named_values(raw: pd.DataFrame, column: str) -> set[str]:
    """Every text validation may read from `column` of raw input, whatever the cell type: a superset.

    A cell as written and stripped, an integral number also without its `.0`, and each part of a
    `;`- or `,`-separated list. Columns are matched like validation matches them: case and spaces
    ignored, a Shapefile's 10-character cut (`organisati`) recognised.
    """
    values: set[str] = set()
    for name in raw.columns:
        label = str(name).strip().lower()
        if label != column and not (len(label) == 10 and column.startswith(label)):
            continue
        for cell in pd.unique(pd.Series(raw[name].to_numpy(dtype=object)).dropna()):
            texts = {str(cell).strip()}
            if isinstance(cell, (float, np.floating)) and float(cell).is_integer():
                texts.add(str(int(cell)))
            for text in texts:
                values.add(text)
                values.update(part.strip() for part in text.replace(",", ";").split(";"))
    values.discard("")
    return values


def _floating(records: pd.DataFrame) -> pd.DataFrame:
    """Records whose geometries carry no precision grid of their own.

    Shapely keeps the grid of `set_precision` with a geometry and snaps every later overlay to it;
    the store keeps coordinates only. Linked on the grid, a line would get other links (and
    overlaps off by millimetres) than the same line read back from the store and relinked.
    """
    if not isinstance(records, gpd.GeoDataFrame) or len(records) == 0:
        return records
    geometries = np.asarray(records.geometry.to_numpy(), dtype=object)
    if not (shapely.get_precision(geometries) > 0).any():
        return records
    return records.set_geometry(shapely.set_precision(geometries, 0.0), crs=records.crs)


def _segments_view(
    store: Repository, kind: str, records: pd.DataFrame, segments: pd.DataFrame | None
) -> pd.DataFrame | None:
    """The street segments records of `kind` are linked against: the stored ones (read once, kept in
    `segments` across the chunks of an import), with new segments replacing or adding to them."""
    if kind not in (*LINKED_KINDS, "segments"):
        return segments
    if segments is None:
        segments = store.read("segments")
    if kind != "segments":
        return segments
    return pd.concat([segments[~segments["id"].isin(records["id"])], records], ignore_index=True)


def _linked(
    store: Repository, kind: str, records: pd.DataFrame, settings: Settings, *, segments: pd.DataFrame | None
) -> _Batch:
    """The records with the segment links storing them changes: theirs, or for new segments those of
    every stored work and asset (relinked against `segments`, which then holds the new ones)."""
    options = {"tolerance_m": settings.link_tolerance_m, "min_overlap_m": settings.link_min_overlap_m}
    links: dict[str, pd.DataFrame] = {}
    unlinked: tuple[str, ...] = ()
    if segments is None:
        return _Batch(kind=kind, records=records, links=links, unlinked=unlinked)
    if kind in LINKED_KINDS:
        links[kind] = links_from_geometries(records["id"], records.geometry.to_numpy(), segments, **options)
        unlinked = tuple(unlinked_ids(records["id"], links[kind]))
    elif kind == "segments":
        for linked_kind in LINKED_KINDS:
            linked = store.read(linked_kind)
            links[linked_kind] = links_from_geometries(linked["id"], linked.geometry.to_numpy(), segments, **options)
    return _Batch(kind=kind, records=records, links=links, unlinked=unlinked)


def _actor(principal: Principal | None) -> str:
    return SYSTEM_ACTOR if principal is None else principal.actor


def _require_may_store(store: Repository, principal: Principal | None, kind: str, records: pd.DataFrame) -> None:
    """Forbidden unless `principal` may store every record and change every stored record one replaces;
    checked once per organisation and action (a handful), not per record."""
    if principal is None or records.empty:
        return
    key = kind_spec(kind).key
    owner_column = "code" if kind == "organisations" else "organisation"
    stored = store.read(kind, ids=list(records[key]))
    replaces = records[key].isin(stored[key])
    checks = pd.concat(
        [
            pd.DataFrame({"record": records[key], "owner": records.get(owner_column), "action": Action.CREATE}).assign(
                action=np.where(replaces, Action.UPDATE, Action.CREATE)
            ),
            pd.DataFrame({"record": stored[key], "owner": stored.get(owner_column), "action": Action.UPDATE}),
        ]
    )
    checks["owner"] = checks["owner"].astype(object).where(checks["owner"].notna(), None)
    for record, owner, action in checks.drop_duplicates(["owner", "action"]).itertuples(index=False):
        require(principal, action, kind, owner, record=str(record))


def _write(tx: Writer, batch: _Batch, *, replace: bool) -> None:
    """Store a batch and its links inside an open transaction."""
    tx.insert(batch.kind, batch.records, replace=replace)
    for linked_kind, links in batch.links.items():
        ids = list(batch.records[kind_spec(batch.kind).key]) if linked_kind == batch.kind else None
        tx.set_links(linked_kind, links, record_ids=ids)


# -- export and overview ------------------------------------------------------------------------
def export_file(store: Repository, kind: str, path: str | Path, *, principal: Principal | None = None) -> int:
    """Write every record of a kind to a file; the format follows the extension. With `principal`, confidential
    assets it may not see in detail are written as occupied zones."""
    store.require_current_schema()
    records = store.read(kind)
    if principal is not None:
        records = visible_records(principal, kind_spec(kind).name, records)
    return write_table(records, path, kind=kind_spec(kind).name)


def export_all(
    store: Repository, path: str | Path, *, legend: Legend, principal: Principal | None = None
) -> dict[str, int]:
    """The whole register as one QGIS-ready GeoPackage with the map's colours (`legend`) in its `layer_styles`.

    Returns the number of features per layer written (see `koppelkans.io.package` for the layers).
    """
    store.require_current_schema()
    if Path(store.url).suffix.lower() == ".gpkg" and Path(store.url).resolve() == Path(path).resolve():
        raise InputError(f"{Path(path).name} is the store itself; export to another file")
    layers = {kind: store.read(kind) for kind in KINDS}
    links = store.links()
    if principal is not None:
        layers = {kind: visible_records(principal, kind, records) for kind, records in layers.items()}
        # an occupied zone has no street links: they would name the asset's real id
        links = links[(links["kind"] != "assets") | links["record_id"].isin(layers["assets"]["id"])]
    return write_package(layers, links, path, legend=legend)


def register_summary(store: Repository) -> dict[str, Any]:
    """Counts per kind, per organisation and discipline, unlinked works/assets, extent, store URL."""
    store.require_current_schema()
    counts = {kind: store.count(kind) for kind in KINDS}
    by_org_discipline = {}
    for kind in LINKED_KINDS:
        groups = store.grouped_counts(kind, ("organisation", "discipline"))
        by_org_discipline[kind] = {f"{org}/{discipline}": n for (org, discipline), n in groups.items()}
        counts[f"{kind}_unlinked"] = store.count_unlinked(kind)
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
