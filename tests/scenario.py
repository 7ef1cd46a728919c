"""Build small register snapshots from hand-written rows (pure: validation + linking, no store)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.linking import links_from_geometries
from koppelkans.domain.records import kind_spec
from koppelkans.domain.snapshot import RegisterSnapshot
from koppelkans.domain.validation import Known, validate_records

CRS = "EPSG:28992"
BASE = (257_000.0, 471_000.0)
"""Rows are written in local metres; geometries are placed at this RD point in Enschede."""
TODAY = date(2026, 11, 23)
ORGANISATIONS = [
    {"code": "GM", "name": "Gemeente", "kind": "municipality"},
    {"code": "ENEXIS", "name": "Enexis", "kind": "grid_operator"},
    {"code": "VITENS", "name": "Vitens", "kind": "water_company"},
    {"code": "FIBRE", "name": "Glasvezel", "kind": "telecom"},
]
AREAS = [
    {
        "code": "BU1",
        "name": "Roombeek",
        "level": "buurt",
        "geometry": "POLYGON ((0 -100, 400 -100, 400 300, 0 300, 0 -100))",
    },
    {
        "code": "BU2",
        "name": "Pathmos",
        "level": "buurt",
        "geometry": "POLYGON ((400 -100, 900 -100, 900 300, 400 300, 400 -100))",
    },
]
# Two parallel streets 200 m apart in BU1, one in BU2.
SEGMENTS = [
    {"id": "MAIN", "name": "Hoofdstraat", "area_code": "BU1", "width_m": 10, "geometry": "LINESTRING (0 0, 300 0)"},
    {"id": "SIDE", "name": "Zijstraat", "area_code": "BU1", "width_m": 8, "geometry": "LINESTRING (0 200, 300 200)"},
    {"id": "EAST", "name": "Oostweg", "area_code": "BU2", "width_m": 8, "geometry": "LINESTRING (500 0, 800 0)"},
]
ON_MAIN = "LINESTRING (20 1, 280 1)"
ON_SIDE = "LINESTRING (20 201, 280 201)"
ON_EAST = "LINESTRING (520 1, 780 1)"


def work(
    id: str,
    *,
    organisation: str = "GM",
    discipline: str = "sewer",
    kind: str = "replace",
    window: tuple[int, int] = (2028, 2030),
    preferred: int | None = None,
    geometry: str = ON_MAIN,
    **extra: object,
) -> dict[str, object]:
    return {
        "id": id,
        "organisation": organisation,
        "discipline": discipline,
        "kind": kind,
        "earliest_start": window[0],
        "latest_start": window[1],
        "preferred_start": preferred,
        "geometry": geometry,
        "duration_months": 4,
        "cost_eur": 200_000,
        **extra,
    }


def asset(
    id: str,
    *,
    organisation: str = "ENEXIS",
    discipline: str = "gas",
    install_year: int = 1970,
    geometry: str = ON_MAIN,
    **extra: object,
) -> dict[str, object]:
    return {
        "id": id,
        "organisation": organisation,
        "discipline": discipline,
        "install_year": install_year,
        "geometry": geometry,
        **extra,
    }


def task(
    id: str, *, theme: str = "energy_transition", target_year: int = 2030, area_code: str = "BU1", **extra: object
) -> dict[str, object]:
    return {"id": id, "theme": theme, "target_year": target_year, "area_code": area_code, **extra}


def snapshot(
    *,
    works: list[dict[str, object]] = (),
    assets: list[dict[str, object]] = (),
    tasks: list[dict[str, object]] = (),
    segments: list[dict[str, object]] | None = None,
    offset: tuple[float, float] = (0.0, 0.0),
    due_years: dict[str, int] | None = None,
) -> RegisterSnapshot:
    """Validated records, translated by `offset` (for invariance tests), linked to the segments."""
    known: dict[str, frozenset[str]] = {}
    frames = {}
    for kind, rows in (
        ("organisations", ORGANISATIONS),
        ("areas", AREAS),
        ("segments", segments or SEGMENTS),
        ("assets", list(assets)),
        ("works", list(works)),
        ("tasks", list(tasks)),
    ):
        spec = kind_spec(kind)
        raw = pd.DataFrame(list(rows)) if rows else pd.DataFrame(columns=[*spec.column_names, "geometry"])
        if "geometry" in raw and len(raw):
            raw["geometry"] = [_moved(g, offset) for g in raw["geometry"]]
        validated = validate_records(kind, raw, source_crs=CRS, known=Known(**known), today=TODAY)
        assert validated.ok, validated.problems
        frames[kind] = validated.records
        known[kind] = frozenset(validated.records[spec.key])
    links = [
        links_from_geometries(frames[kind]["id"], frames[kind].geometry.to_numpy(), frames["segments"]).assign(
            kind=kind
        )
        for kind in ("works", "assets")
    ]
    columns = ["kind", "record_id", "segment_id", "overlap_m"]
    forecast = None
    if due_years:
        forecast = pd.DataFrame({"asset_id": list(due_years), "p50": list(due_years.values())})
    return RegisterSnapshot(
        **frames, links=pd.concat(links, ignore_index=True).reindex(columns=columns), due_years=forecast
    )


def _moved(wkt: object, offset: tuple[float, float]) -> object:
    if not isinstance(wkt, str) or not wkt:
        return wkt
    shift = np.asarray(BASE) + np.asarray(offset)
    moved = shapely.transform(shapely.from_wkt(wkt), lambda xy: xy + shift)
    return shapely.to_wkt(moved, rounding_precision=-1)
