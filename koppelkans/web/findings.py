"""The couplings and conflicts as the web pages list them: the stored findings of the coupling engine,
with the organisations and areas they concern and the box of their streets (lon/lat) to zoom to.

Steps: read the stored findings (run the engine once when none were ever stored) → add organisations
(from the members), areas (from the segments' buurten and their wijken) and bounds → filter, sort and
page. The engine decides; this module only arranges its findings for a list and a map.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.config import CRS, MAP_CRS
from koppelkans.couplings import find_couplings
from koppelkans.domain.crs import transform_geometries, transformer
from koppelkans.domain.findings import members_from_text
from koppelkans.errors import InputError, NotFound
from koppelkans.store import Repository

__all__ = [
    "HORIZON_YEARS",
    "FindingQuery",
    "WebFindings",
    "coupling_item",
    "finding_feature",
    "findings_page",
    "web_findings",
]

HORIZON_YEARS = 15
"""The years after this one that the pages look at (year slider, recomputed findings)."""

_TO_LONLAT = transformer(CRS, MAP_CRS)
_SORTS = {
    "saving_desc": (["saving_eur", "id"], [False, True]),
    "saving_asc": (["saving_eur", "id"], [True, True]),
    "year": (["first_year", "id"], [True, True]),
}


@dataclass(frozen=True)
class WebFindings:
    """Stored couplings and conflicts, each row with `organisations`, `areas`, `bbox` and parsed members."""

    couplings: pd.DataFrame
    conflicts: pd.DataFrame
    token: str


@dataclass(frozen=True, kw_only=True)
class FindingQuery:
    """What a list asks for; every part narrows the result."""

    kind: str | None = None
    area: str | None = None
    organisation: str | None = None
    member: str | None = None
    segment: str | None = None
    sort: str = "saving_desc"
    offset: int = 0
    limit: int = 50


# -- reading ------------------------------------------------------------------------------------
def web_findings(store: Repository, *, lock: threading.Lock, cache: dict[str, Any]) -> WebFindings:
    """The stored findings, enriched for the pages; runs the engine once if the store never kept any.

    `cache` (the app's) keeps the enriched frames until the stored findings change.
    """
    couplings, conflicts = store.read_findings("couplings"), store.read_findings("conflicts")
    if couplings.empty and conflicts.empty and len(store.keys("works")):
        with lock:
            today = date.today().year
            find_couplings(store, CouplingOptions(year_from=today, year_to=today + HORIZON_YEARS), keep=True)
        couplings, conflicts = store.read_findings("couplings"), store.read_findings("conflicts")
    token = _token_of(couplings, conflicts)
    cached = cache.get("findings")
    if cached is not None and cached.token == token:
        return cached  # type: ignore[no-any-return]
    context = _Context.of(store)
    result = WebFindings(
        couplings=_enriched(couplings, context, first_year="window_start"),
        conflicts=_enriched(conflicts, context, first_year="years"),
        token=token,
    )
    cache["findings"] = result
    return result


def _token_of(*frames: pd.DataFrame) -> str:
    """A fingerprint of the stored findings: a new run (or a change) gives a new one."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(str(len(frame)).encode())
        for column in ("id", "members", "explanation_nl"):
            if column in frame:
                digest.update("\x1f".join(map(str, frame[column])).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class _Context:
    """What enriching findings needs from the register: owners of works and tasks, buurt and wijk of a street."""

    owner: dict[str, str]
    organisations: frozenset[str]
    buurt_of_segment: dict[str, str]
    parent_of_area: dict[str, str]
    area_names: dict[str, str]
    buurt_codes: np.ndarray
    buurt_index: shapely.STRtree

    @classmethod
    def of(cls, store: Repository) -> _Context:
        works = store.read("works")
        tasks = store.read("tasks")
        segments = store.read("segments")
        areas = store.read("areas")
        buurten = areas[(areas["level"] == "buurt") & ~shapely.is_missing(np.asarray(areas.geometry, dtype=object))]
        owner = dict(zip(works["id"], works["organisation"]))
        owner.update({k: v for k, v in zip(tasks["id"], tasks["organisation"]) if isinstance(v, str)})
        return cls(
            owner=owner,
            organisations=frozenset(store.keys("organisations")),
            buurt_of_segment={k: v for k, v in zip(segments["id"], segments["area_code"]) if isinstance(v, str)},
            parent_of_area={k: v for k, v in zip(areas["code"], areas["parent_code"]) if isinstance(v, str)},
            area_names=dict(zip(areas["code"], areas["name"])),
            buurt_codes=buurten["code"].to_numpy(),
            buurt_index=shapely.STRtree(np.asarray(buurten.geometry, dtype=object)),
        )

    def organisation_of(self, member_id: str) -> str | None:
        """The owner of a work or task; for an asset the `org:` prefix of its id (ids are `org:local_id`)."""
        if member_id in self.owner:
            return self.owner[member_id]
        prefix = member_id.split(":", 1)[0]
        return prefix if prefix in self.organisations else None

    def areas_of(self, buurten: list[str]) -> list[str]:
        """The buurten and every area above them."""
        found: list[str] = []
        for buurt in buurten:
            code: str | None = buurt
            while code is not None and code not in found:
                found.append(code)
                code = self.parent_of_area.get(code)
        return found

    def buurten_of(self, segments: list[list[str]], geoms: np.ndarray) -> list[list[str]]:
        """Per finding the buurten of its streets; for a finding without streets (a task's scope), the buurten
        its geometry meets (one bulk query of the buurt polygons)."""
        found = [
            list(dict.fromkeys(self.buurt_of_segment[s] for s in ss if s in self.buurt_of_segment)) for ss in segments
        ]
        loose = np.flatnonzero([not codes for codes in found])
        if len(loose) and len(self.buurt_codes):
            pairs = self.buurt_index.query(geoms[loose], predicate="intersects")
            for finding, buurt in zip(loose[pairs[0]], pairs[1]):
                found[finding].append(str(self.buurt_codes[buurt]))
        return found


def _enriched(frame: pd.DataFrame, context: _Context, *, first_year: str) -> pd.DataFrame:
    """Members parsed, organisations, areas, first year, and the lon/lat box of the finding's streets."""
    if frame.empty:
        columns = ["members", "segments", "organisations", "areas", "first_year", "bbox"]
        return frame.assign(**{c: pd.Series(dtype=object) for c in columns})
    members = [members_from_text(m) for m in frame["members"]]
    segments = [[s for s in str(v or "").split(";") if s] for v in frame["segment_ids"]]
    organisations = [
        sorted({o for o in (context.organisation_of(m["id"]) for m in ms) if o is not None}) for ms in members
    ]
    if first_year == "years":
        years = [[int(y) for y in str(v or "").split(";") if y] for v in frame["years"]]
        firsts = [min(y) if y else None for y in years]
    else:
        years = None
        firsts = [int(v) for v in frame["window_start"]]
    out = frame.drop(columns=["geometry"]).copy()
    out["members"] = members
    out["segments"] = segments
    out["organisations"] = organisations
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    out["areas"] = [context.areas_of(b) for b in context.buurten_of(segments, geoms)]
    out["first_year"] = firsts
    if years is not None:
        out["years"] = years
    out["bbox"] = _lonlat_boxes(geoms)
    out["geometry"] = frame.geometry.to_numpy()
    out["area_names"] = [[context.area_names.get(a, a) for a in areas] for areas in out["areas"]]
    return out.reset_index(drop=True)


def _lonlat_boxes(geoms: np.ndarray) -> list[list[float] | None]:
    """Each geometry's bounds as [west, south, east, north] in lon/lat (None for an empty one)."""
    bounds = shapely.bounds(geoms)
    west, south = _TO_LONLAT.transform(bounds[:, 0], bounds[:, 1])
    east, north = _TO_LONLAT.transform(bounds[:, 2], bounds[:, 3])
    boxes = np.column_stack([west, south, east, north]).round(6)
    return [None if np.isnan(box).any() else box.tolist() for box in boxes]


# -- selecting ----------------------------------------------------------------------------------
def _selected(frame: pd.DataFrame, query: FindingQuery, *, kind_column: str) -> pd.DataFrame:
    keep = np.ones(len(frame), dtype=bool)
    if query.kind:
        keep &= (frame[kind_column] == query.kind).to_numpy()
    if query.area:
        keep &= np.array([query.area in areas for areas in frame["areas"]], dtype=bool)
    if query.organisation:
        keep &= np.array([query.organisation in orgs for orgs in frame["organisations"]], dtype=bool)
    if query.member:
        keep &= np.array([any(m["id"] == query.member for m in ms) for ms in frame["members"]], dtype=bool)
    if query.segment:
        keep &= np.array([query.segment in segments for segments in frame["segments"]], dtype=bool)
    return frame[keep]


def findings_page(
    findings: WebFindings, which: str, query: FindingQuery, *, language: str, labels: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """One sorted page of couplings or conflicts as JSON, with how many match and their totals."""
    if query.sort not in _SORTS:
        raise InputError(f"unknown sort {query.sort!r}; use one of {', '.join(_SORTS)}", field="sort")
    frame = findings.couplings if which == "couplings" else findings.conflicts
    selected = _selected(frame, query, kind_column="kind")
    columns, ascending = _SORTS[query.sort]
    if which == "conflicts" and query.sort != "year":
        columns, ascending = _SORTS["year"]  # conflicts save nothing: they are listed by year
    if not selected.empty:
        selected = selected.sort_values(columns, ascending=ascending, kind="stable")
    page = selected.iloc[query.offset : query.offset + query.limit]
    vocabulary = labels["coupling_kind" if which == "couplings" else "conflict_kind"]
    items = [_item(row, which, language=language, kind_labels=vocabulary) for row in page.to_dict("records")]
    totals: dict[str, Any] = {"count": len(selected)}
    if which == "couplings":
        totals["saving_eur"] = round(float(pd.to_numeric(selected["saving_eur"]).sum()), 2) if len(selected) else 0.0
        totals["openings_avoided"] = int(pd.to_numeric(selected["openings_avoided"]).sum()) if len(selected) else 0
    return {"items": items, "total": len(selected), "offset": query.offset, "limit": query.limit, "totals": totals}


def _item(row: dict[str, Any], which: str, *, language: str, kind_labels: dict[str, str]) -> dict[str, Any]:
    item = {
        "id": row["id"],
        "kind": row["kind"],
        "kind_label": kind_labels.get(row["kind"], row["kind"]),
        "members": row["members"],
        "segments": row["segments"],
        "organisations": row["organisations"],
        "areas": row["areas"],
        "area_names": row["area_names"],
        "bbox": row["bbox"],
        "explanation": row[f"explanation_{language}"] or "",
    }
    if which == "couplings":
        item["window"] = [int(row["window_start"]), int(row["window_end"])]
        item["saving_eur"] = float(row["saving_eur"] or 0.0)
        item["openings_avoided"] = int(row["openings_avoided"] or 0)
        item["nuisance_days_avoided"] = float(row["nuisance_days_avoided"] or 0.0)
    else:
        item["years"] = row["years"]
    return item


def coupling_item(
    findings: WebFindings, coupling_id: str, *, language: str, labels: dict[str, dict[str, str]]
) -> dict[str, Any]:
    """One coupling as the list shows it (for the workflow panel opened on its own); NotFound when absent."""
    match = findings.couplings[findings.couplings["id"] == coupling_id]
    if match.empty:
        raise NotFound(f"no coupling {coupling_id!r}; the findings may have been recomputed", record=coupling_id)
    row = match.iloc[0].to_dict()
    return _item(row, "couplings", language=language, kind_labels=labels["coupling_kind"])


def finding_feature(findings: WebFindings, finding_id: str, *, language: str) -> dict[str, Any]:
    """One finding as a GeoJSON Feature in lon/lat (its streets), to highlight on the map."""
    for which, frame in (("coupling", findings.couplings), ("conflict", findings.conflicts)):
        match = frame[frame["id"] == finding_id]
        if len(match):
            row = match.iloc[0]
            geometry = transform_geometries(row["geometry"], CRS, MAP_CRS)
            return {
                "type": "Feature",
                "id": finding_id,
                "geometry": json.loads(shapely.to_geojson(geometry)) if geometry is not None else None,
                "properties": {
                    "id": finding_id,
                    "finding": which,
                    "kind": row["kind"],
                    "bbox": row["bbox"],
                    "explanation": row[f"explanation_{language}"] or "",
                },
            }
    raise NotFound(f"no coupling or conflict {finding_id!r}; the findings may have been recomputed", record=finding_id)
