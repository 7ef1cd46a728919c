"""Use case: does a claim fit under a street, or under every street of an area? Read the store, fit,
and hand out JSON, GeoJSON of the misfit pieces and the SVG cross-section."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from koppelkans.analysis.subsurface import (
    Claim,
    CrossSection,
    SubsurfaceFit,
    cross_section_of,
    fits_from_register,
    svg_from_section,
)
from koppelkans.config import MAP_CRS
from koppelkans.errors import InputError, NotFound
from koppelkans.store import Repository

__all__ = [
    "FitResult",
    "fit_area",
    "fit_as_json",
    "fit_segment",
    "section_as_json",
    "write_misfit_geojson",
    "write_section_svg",
]


@dataclass(frozen=True, kw_only=True)
class FitResult:
    """A claim fitted on the segments asked for, the areas they lie in, and the section to show."""

    fit: SubsurfaceFit
    areas: pd.DataFrame
    section: CrossSection | None = None


def fit_segment(store: Repository, segment_id: str, claim: Claim, *, at_m: float | None = None) -> FitResult:
    """The claim along one segment, and its section at `at_m` (default: its most crowded section)."""
    store.require_current_schema()
    segments = store.read("segments", ids=[segment_id])
    if segments.empty:
        raise NotFound(f"segment {segment_id} does not exist", record=segment_id, field="segment")
    assets, links = _assets_on(store, segments)
    fit = fits_from_register(segments, assets, links, claim, at_m=at_m)
    station = int(fit.stations["station"].iloc[0]) if at_m is not None else None
    section = cross_section_of(fit, segment_id, station=station)
    return FitResult(fit=fit, areas=_area_shares(fit, store), section=section)


def fit_area(store: Repository, claim: Claim, *, area: str | None = None) -> FitResult:
    """The claim along every segment of an area (a buurt, or a wijk/gemeente and all below), or of the register."""
    store.require_current_schema()
    segments = store.read("segments")
    if area is not None:
        codes = _area_and_below(store, area)
        segments = segments[segments["area_code"].isin(codes)].reset_index(drop=True)
    if segments.empty:
        raise NotFound("the store holds no street segments" if area is None else f"area {area} has no street segments",
                       record=area, field="area")  # fmt: skip
    assets, links = _assets_on(store, segments, everything=area is None)
    fit = fits_from_register(segments, assets, links, claim)
    return FitResult(fit=fit, areas=_area_shares(fit, store))


def _area_and_below(store: Repository, area: str) -> set[str]:
    areas = store.read("areas")
    if area not in set(areas["code"]):
        raise NotFound(f"area {area} does not exist", record=area, field="area")
    codes = {area}
    for _ in range(3):  # gemeente → wijk → buurt
        codes |= set(areas.loc[areas["parent_code"].isin(codes), "code"])
    return codes


def _assets_on(
    store: Repository, segments: pd.DataFrame, *, everything: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The assets linked to the segments, and those links."""
    links = store.links("assets")
    links = links[links["segment_id"].isin(segments["id"])]
    if everything:
        return store.read("assets"), links
    return store.read("assets", ids=sorted(set(links["record_id"]))), links


def _area_shares(fit: SubsurfaceFit, store: Repository) -> pd.DataFrame:
    """Per area: how many streets (segments) and how much street length the claim fits, fits if moved, or not."""
    table = fit.segments.assign(area_code=fit.segments["area_code"].fillna("?"))
    counts = pd.crosstab(table["area_code"], table["verdict"]).reindex(
        columns=["fits", "fits_if_moved", "does_not_fit"], fill_value=0
    )
    length = table.groupby("area_code")["length_m"].sum()
    fits_length = table[table["verdict"] == "fits"].groupby("area_code")["length_m"].sum()
    shares = counts.assign(segments=counts.sum(axis=1))
    shares["share_fits"] = (shares["fits"] / shares["segments"]).round(3)
    shares["share_fits_or_moved"] = ((shares["fits"] + shares["fits_if_moved"]) / shares["segments"]).round(3)
    shares["length_km"] = (length / 1000.0).round(2)
    shares["share_length_fits"] = (fits_length.reindex(shares.index).fillna(0.0) / length).round(3)
    names = store.read("areas")[["code", "name"]].set_index("code")["name"]
    shares["name"] = [names.get(code) for code in shares.index]
    return shares.reset_index().rename(columns={"area_code": "area"})


def fit_as_json(result: FitResult) -> dict[str, Any]:
    """The JSON of `koppelkans fit`: one object per segment (the contract), the areas and totals."""
    fit = result.fit
    segments = [_segment_json(row) for row in fit.segments.to_dict("records")]
    totals = {v: int((fit.segments["verdict"] == v).sum()) for v in ("fits", "fits_if_moved", "does_not_fit")}
    payload: dict[str, Any] = {
        "claim": _claim_json(fit.claim),
        "segments": segments,
        "areas": [
            {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
            for row in result.areas.to_dict("records")
        ],
        "totals": {
            **totals,
            "segments": len(segments),
            "misfit_m": round(float(fit.segments["misfit_m"].sum()), 1),
            "move_cost_eur": round(float(fit.segments["move_cost_eur"].sum()), -1),
            "tree_conflicts": int(fit.segments["tree_conflicts"].sum()),
        },
    }
    if result.section is not None:
        payload = {**segments[0], "claim": payload["claim"], "section": section_as_json(result.section)}
    return payload


def _segment_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "segment": row["segment_id"],
        "name": row.get("name"),
        "area": row.get("area_code"),
        "verdict": row["verdict"],
        "free_width_m": float(row["free_width_m"]),
        "blocking": [{"type": "asset", "id": i} for i in row["blocking"]],
        "misfit_m": float(row["misfit_m"]),
        "move_cost_eur": float(row["move_cost_eur"]),
        "unfixable_m": float(row["unfixable_m"]),
        "moves": list(row["moves"]),
        "length_m": float(row["length_m"]),
        "width_m": float(row["width_m"]),
        "tree_conflicts": int(row["tree_conflicts"]),
    }


def _claim_json(claim: Claim) -> dict[str, Any]:
    return {
        "kind": claim.kind,
        "discipline": claim.discipline,
        "width_m": claim.width_m,
        "depth_m": list(claim.depth_m),
        "building_line_margin_m": claim.building_line_margin_m,
    }


def section_as_json(section: CrossSection) -> dict[str, Any]:
    """One cross-section: width, occupants with their offset from the left building line, the placement."""
    occupants = [
        {
            "type": "asset",
            "id": o.asset_id,
            "discipline": o.discipline,
            "asset_type": o.asset_type,
            "offset_m": round(float(o.x), 2),
            "width_m": round(float(o.size), 2),
            "top_m": round(float(o.top), 2),
            "bottom_m": round(float(o.bottom), 2),
            "position": o.position_source,
            "depth": o.depth_source,
            "keeps_free": [round(float(o.lo), 2), round(float(o.hi), 2)],
            "blocks": bool(o.blocks),
            "moves": bool(o.moves),
        }
        for o in section.occupants.drop_duplicates("asset_id").itertuples(index=False)
    ]
    return {
        "segment": section.segment_id,
        "at_m": section.at_m,
        "width_m": section.width_m,
        "width_source": section.width_source,
        "verdict": section.verdict,
        "free_width_m": section.free_width_m,
        "placement_m": None if section.placement is None else list(section.placement),
        "occupants": occupants,
        "trees_too_close": [
            {"tree": t.tree_id, "asset": t.asset_id, "discipline": t.discipline, "distance_m": float(t.distance_m)}
            for t in section.trees_too_close.itertuples(index=False)
        ],
    }


def write_misfit_geojson(result: FitResult, path: str | Path) -> int:
    """The misfit pieces as GeoJSON (RFC 7946, WGS 84 / CRS84, like every export); returns how many."""
    path = Path(path)
    if path.suffix.lower() not in (".geojson", ".json"):
        raise InputError(f"{path.name}: write misfit pieces to .geojson", field="geojson")
    pieces = result.fit.pieces.merge(
        result.fit.segments[["segment_id", "name", "blocking", "move_cost_eur"]], on="segment_id", how="left"
    )
    pieces["blocking"] = [";".join(b) for b in pieces["blocking"]]
    pieces["claim"] = result.fit.claim.kind
    pieces = pieces.rename(columns={"move_cost_eur": "segment_move_cost_eur"}).to_crs(MAP_CRS)
    path.write_text(pieces.to_json(drop_id=True, to_wgs84=False))
    return len(pieces)


def write_section_svg(result: FitResult, path: str | Path, *, language: str = "nl") -> None:
    """The cross-section drawing (dwarsprofiel) as an SVG file."""
    if result.section is None:
        raise InputError("a cross-section is drawn for one segment: give --segment", field="svg")
    Path(path).write_text(svg_from_section(result.section, language=language), encoding="utf-8")
