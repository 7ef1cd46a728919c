"""Use case: the project brief (PRODUCT.md C2) and the area anatomy (B6) of a store, written as HTML,
PDF, Markdown or JSON.

Steps of a brief: the subject (work, project, area or drawn geometry) → read what lies in its zone
through the store's spatial index (works, assets), the tasks, areas and organisations, the coupling
engine's findings (stored; found now when it never ran) and the stored due years → the subsurface fit
of the claims its area asks for, on the streets it opens → `brief.document.brief_from_register` → a file.
The anatomy reads an area and the buurten below it the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS as ProjCRS
from pyproj.exceptions import CRSError

from koppelkans.analysis.coupling import CouplingOptions, due_assets
from koppelkans.analysis.subsurface import claim_from_kind, fits_from_register
from koppelkans.brief.anatomy import AreaAnatomy, anatomy_from_register
from koppelkans.brief.defaults import brief_figure
from koppelkans.brief.document import Brief, BriefSubject, brief_from_register
from koppelkans.brief.environment import search_zone
from koppelkans.brief.i18n import check_language
from koppelkans.brief.project import CouplingDecision
from koppelkans.config import CRS, NL_BOUNDS_RD, figure
from koppelkans.domain.crs import transform_geometries
from koppelkans.errors import InputError, NotFound
from koppelkans.projects import now_iso, project_named
from koppelkans.store import Repository

__all__ = [
    "BRIEF_FORMATS",
    "Timings",
    "anatomy_of_area",
    "brief_for",
    "subject_of_area",
    "subject_of_geometry",
    "subject_of_project",
    "subject_of_work",
    "write_anatomy",
    "write_brief",
]

BRIEF_FORMATS = (".html", ".pdf", ".md", ".json")
ANATOMY_FORMATS = (".html", ".pdf", ".json")
_CLAIM_OF_THEME = {"energy_transition": "heat", "climate_adaptation": "water_storage", "biodiversity": "trees"}
_MAX_CLAIMS = 2


@dataclass
class Timings:
    """Seconds per step of the last brief (printed by the CLI with --verbose, used by the README figures)."""

    steps: dict[str, float]

    def add(self, name: str, started: float) -> float:
        now = time.perf_counter()
        self.steps[name] = round(now - started, 3)
        return now


def _horizon(year_from: int | None, year_to: int | None) -> tuple[int, int]:
    first = year_from or date.today().year
    last = year_to or first + int(brief_figure("horizon_years"))
    if last < first:
        raise InputError(f"--to {last} is before --from {first}", field="to")
    return first, last


# -- subjects -----------------------------------------------------------------------------------
def subject_of_work(store: Repository, work_id: str) -> BriefSubject:
    works = store.read("works", ids=[work_id])
    if works.empty:
        raise NotFound(f"work {work_id} does not exist", record=work_id, field="work")
    row = works.iloc[0]
    return BriefSubject(
        kind="work", id=work_id, title=str(row["title"] or work_id), geometry=row.geometry, work_ids=(work_id,)
    )


def subject_of_project(store: Repository, project_id: str) -> BriefSubject:
    project = project_named(store, project_id)
    works = store.read("works", ids=list(project.work_ids))
    geometry = shapely.union_all(np.asarray(works.geometry, dtype=object))
    return BriefSubject(
        kind="project",
        id=project_id,
        title=project.name or project_id,
        geometry=geometry,
        work_ids=project.work_ids,
        project=project,
    )


def subject_of_area(store: Repository, code: str) -> BriefSubject:
    areas = store.read("areas", ids=[code])
    if areas.empty:
        raise NotFound(f"area {code} does not exist", record=code, field="area")
    row = areas.iloc[0]
    if row.geometry is None or shapely.is_empty(row.geometry):
        raise InputError(f"area {code} has no geometry to draw a brief around", record=code, field="geometry")
    return BriefSubject(kind="area", id=code, title=str(row["name"]), geometry=row.geometry)


def subject_of_geometry(wkt: str, *, crs: str = CRS, title: str | None = None) -> BriefSubject:
    """A drawn geometry (WKT) as a subject; transformed to EPSG:28992 and checked to lie in the Netherlands."""
    try:
        geometry = shapely.from_wkt(wkt)
    except shapely.errors.GEOSException as exc:
        raise InputError(f"--geometry is not readable WKT: {exc}", field="geometry") from None
    if geometry is None or geometry.is_empty:
        raise InputError("--geometry is empty", field="geometry")
    try:
        source = ProjCRS.from_user_input(crs)
    except CRSError:
        raise InputError(f"unknown CRS {crs!r}", field="crs") from None
    if source != ProjCRS.from_user_input(CRS):
        geometry = transform_geometries(geometry, source, CRS)
    minx, miny, maxx, maxy = geometry.bounds
    box = NL_BOUNDS_RD
    if minx < box[0] or miny < box[1] or maxx > box[2] or maxy > box[3]:
        raise InputError(
            f"--geometry lies outside the Netherlands in {CRS} (bounds {minx:.0f}, {miny:.0f}, {maxx:.0f}, "
            f"{maxy:.0f}); give --crs EPSG:4326 for lon/lat",
            field="geometry",
        )
    if not shapely.is_valid(geometry):
        raise InputError(f"--geometry is not valid: {shapely.is_valid_reason(geometry)}", field="geometry")
    return BriefSubject(kind="geometry", id=None, title=title or "Getekend gebied", geometry=geometry)


# -- the brief ----------------------------------------------------------------------------------
def _findings(store: Repository, horizon: tuple[int, int]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The stored couplings and conflicts; when the engine never ran on this store, its findings now (not stored)."""
    couplings, conflicts = store.read_findings("couplings"), store.read_findings("conflicts")
    if len(couplings) or len(conflicts) or not len(store.keys("works")):
        return couplings, conflicts
    from koppelkans.couplings import find_couplings

    found = find_couplings(store, CouplingOptions(year_from=horizon[0], year_to=horizon[1]), keep=False)
    years = [";".join(str(y) for y in ys) for ys in found.conflicts["years"]]
    return found.couplings, found.conflicts.assign(years=years)


def brief_for(
    store: Repository,
    subject: BriefSubject,
    *,
    buffer_m: float | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    claims: tuple[str, ...] | None = None,
    timings: Timings | None = None,
) -> Brief:
    """The brief of a subject: environment analysis within `buffer_m` (default 100 m) over the horizon."""
    store.require_current_schema()
    timings = timings or Timings(steps={})
    started = time.perf_counter()
    horizon = _horizon(year_from, year_to)
    buffer_m = brief_figure("environment_buffer_m") if buffer_m is None else float(buffer_m)
    zone = search_zone(subject.geometry, buffer_m)
    view = shapely.box(*zone.bounds).buffer(max(60.0, buffer_m * 0.6), join_style="mitre")
    works = store.read("works", intersects=zone)
    assets = store.read("assets", intersects=zone)
    tasks, areas, organisations = store.read("tasks"), store.read("areas"), store.read("organisations")
    streets = store.read("segments", intersects=view)
    started = timings.add("read register", started)
    couplings, conflicts = _findings(store, horizon)
    due_years = store.read_due_years(list(assets["id"]))
    started = timings.add("read findings", started)
    if subject.kind in ("area", "geometry"):
        inside = shapely.intersects(
            np.asarray(works.geometry, dtype=object), shapely.buffer(subject.geometry, figure("link_tolerance_m"))
        )
        subject = BriefSubject(
            kind=subject.kind,
            id=subject.id,
            title=subject.title,
            geometry=subject.geometry,
            work_ids=tuple(works.loc[inside, "id"]),
        )
    subsurface = _subsurface(store, subject, streets, tasks, works, claims)
    started = timings.add("subsurface fit", started)
    decisions: dict[str, CouplingDecision] = {}
    if subject.project is not None:
        rows = store.read_coupling_decisions(project_id=subject.project.id)
        decisions = {d.coupling_id: d for d in (CouplingDecision.from_row(r) for r in rows.to_dict("records"))}
    brief = brief_from_register(
        subject,
        horizon=horizon,
        buffer_m=buffer_m,
        works=works,
        assets=assets,
        tasks=tasks,
        areas=areas,
        organisations=organisations,
        couplings=couplings,
        conflicts=conflicts,
        due_years=due_years,
        subsurface=subsurface,
        decisions=decisions,
        generated_at=now_iso(),
        streets=streets,
    )
    timings.add("environment analysis", started)
    return brief


def _claims_for(subject: BriefSubject, tasks: pd.DataFrame, works: pd.DataFrame) -> tuple[str, ...]:
    """The claims the area asks room for: a heat main where it goes gas-free, crates where it must store water, …"""
    placed = tasks[tasks["area_code"].notna() | ~shapely.is_missing(np.asarray(tasks.geometry, dtype=object))]
    themes = set(placed["theme"])
    wanted = [claim for theme, claim in _CLAIM_OF_THEME.items() if theme in themes]
    own = works[works["id"].isin(subject.work_ids) & (works["kind"] == "construct")]
    for discipline in own["discipline"]:
        claim = {"heat": "heat", "electricity_lv": "lv", "electricity_mv": "mv", "water_storage": "water_storage"}.get(
            discipline
        )
        if claim and claim not in wanted:
            wanted.insert(0, claim)
    return tuple((wanted or ["heat"])[:_MAX_CLAIMS])


def _subsurface(
    store: Repository,
    subject: BriefSubject,
    streets: gpd.GeoDataFrame,
    tasks: gpd.GeoDataFrame,
    works: gpd.GeoDataFrame,
    claims: tuple[str, ...] | None,
) -> pd.DataFrame:
    """Per street the subject opens and claim: does it fit underground (K10)?"""
    links = store.links("works")
    opened = set(links.loc[links["record_id"].isin(subject.work_ids), "segment_id"]) if subject.work_ids else set()
    if subject.kind in ("area", "geometry") or not opened:
        hit = shapely.intersects(np.asarray(streets.geometry, dtype=object), subject.geometry)
        opened |= set(streets.loc[hit, "id"])
    segments = streets[streets["id"].isin(opened)].reset_index(drop=True)
    if segments.empty:
        return pd.DataFrame()
    asset_links = store.links_of_segments("assets", list(segments["id"]))
    assets = store.read("assets", ids=sorted(set(asset_links["record_id"])))
    rows = []
    for kind in claims or _claims_for(subject, tasks, works):
        fit = _fit_segments(segments, assets, asset_links, kind)
        rows.append(
            fit.assign(claim=kind)[
                [
                    "segment_id",
                    "name",
                    "claim",
                    "verdict",
                    "free_width_m",
                    "misfit_m",
                    "move_cost_eur",
                    "tree_conflicts",
                    "length_m",
                ]
            ]
        )
    return pd.concat(rows, ignore_index=True)


def write_brief(brief: Brief, path: str | Path, *, language: str = "nl") -> Path:
    """Write a brief as .html, .pdf, .md (with its two PNGs beside it) or .json; returns the path."""
    from koppelkans.brief.render import write_brief_file

    check_language(language)
    path = Path(path)
    if path.suffix.lower() not in BRIEF_FORMATS:
        raise InputError(f"{path.name}: write a brief to {', '.join(BRIEF_FORMATS)}", field="out")
    write_brief_file(brief, path, language=language)
    return path


# -- the anatomy --------------------------------------------------------------------------------
def anatomy_of_area(
    store: Repository,
    code: str,
    *,
    year_from: int | None = None,
    year_to: int | None = None,
    claim: str = "heat",
) -> AreaAnatomy:
    """The anatomy of an area: its buurten (itself when it is one), their layers, timeline and budgets."""
    store.require_current_schema()
    horizon = _horizon(year_from, year_to)
    areas = store.read("areas")
    if code not in set(areas["code"]):
        raise NotFound(f"area {code} does not exist", record=code, field="area")
    parents = {k: v for k, v in zip(areas["code"], areas["parent_code"], strict=True) if isinstance(v, str)}
    below = {code}
    for _ in range(3):
        below |= {c for c, p in parents.items() if p in below}
    buurten = areas[areas["code"].isin(below) & (areas["level"] == "buurt")]
    if buurten.empty:
        buurten = areas[areas["code"] == code]
    buurten = buurten[~shapely.is_missing(np.asarray(buurten.geometry, dtype=object))].reset_index(drop=True)
    if buurten.empty:
        raise InputError(f"area {code} has no buurten with a geometry", record=code, field="area")
    extent = shapely.union_all(np.asarray(buurten.geometry, dtype=object))
    segments = store.read("segments", where={"area_code": sorted(set(buurten["code"]))})
    assets = store.read("assets", intersects=extent)
    works = store.read("works", intersects=extent)
    tasks = store.read("tasks")
    _, conflicts = _findings(store, horizon)
    due_years = store.read_due_years(list(assets["id"]))
    due = due_assets(assets, year_from=horizon[0], year_to=horizon[1], due_years=due_years)
    fit = _fit_of(store, segments, claim)
    row = areas[areas["code"] == code].iloc[0].to_dict()
    return anatomy_from_register(
        row,
        buurten,
        horizon=horizon,
        parents=parents,
        segments=segments,
        assets=assets,
        due=due,
        works=works,
        tasks=tasks,
        conflicts=conflicts,
        fit=fit,
        claim=claim,
    )


def _fit_of(store: Repository, segments: gpd.GeoDataFrame, claim: str) -> pd.DataFrame:
    """The subsurface fit of a claim on these segments (their linked assets only)."""
    if segments.empty:
        return pd.DataFrame()
    links = store.links_of_segments("assets", list(segments["id"]))
    assets = store.read("assets", ids=sorted(set(links["record_id"])))
    return _fit_segments(segments.reset_index(drop=True), assets, links, claim)


def _fit_segments(segments: pd.DataFrame, assets: pd.DataFrame, links: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The subsurface fit per segment (K10's engine)."""
    return fits_from_register(segments, assets, links, claim_from_kind(kind)).segments


def write_anatomy(anatomy: AreaAnatomy, path: str | Path, *, language: str = "nl") -> Path:
    """Write an anatomy as .html, .pdf or .json."""
    from koppelkans.brief.render import write_anatomy_file

    check_language(language)
    path = Path(path)
    if path.suffix.lower() not in ANATOMY_FORMATS:
        raise InputError(f"{path.name}: write an anatomy to {', '.join(ANATOMY_FORMATS)}", field="out")
    write_anatomy_file(anatomy, path, language=language)
    return path
