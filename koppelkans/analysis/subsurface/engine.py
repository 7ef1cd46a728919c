"""Subsurface fit from the register: stations → sections → fit → per segment, misfit pieces, one section.

Pure: takes segments, assets and links as frames (EPSG:28992) and a claim; never opens a store.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from koppelkans.analysis.subsurface.claims import Claim
from koppelkans.analysis.subsurface.fit import (
    SectionFit,
    blocked_intervals,
    fit_sections,
    fits_by_segment,
    tree_conflicts,
)
from koppelkans.analysis.subsurface.pieces import misfit_pieces
from koppelkans.analysis.subsurface.profile import zone_of
from koppelkans.analysis.subsurface.section import occupants_in_sections, stations_along

__all__ = ["CrossSection", "SubsurfaceFit", "cross_section_of", "fits_from_register"]


@dataclass(frozen=True, kw_only=True)
class SubsurfaceFit:
    """A claim fitted along segments: per segment, per station, the misfit pieces and tree conflicts."""

    claim: Claim
    segments: pd.DataFrame
    """SEGMENT_FIT_COLUMNS plus name, area_code and tree_conflicts (count)."""
    stations: pd.DataFrame
    occupants: pd.DataFrame
    sections: SectionFit
    pieces: gpd.GeoDataFrame
    trees_too_close: pd.DataFrame


@dataclass(frozen=True, kw_only=True)
class CrossSection:
    """One street section: its width, what lies in it, what the claim would need and where it goes."""

    segment_id: str
    segment_name: str | None
    at_m: float
    width_m: float
    width_source: str
    claim: Claim
    occupants: pd.DataFrame
    """Occupant rows with lo, hi, blocks (the stretch each keeps free of the claim) and moves."""
    verdict: str
    free_width_m: float
    placement: tuple[float, float] | None
    """Where the claim goes (from, to) measured from the left building line; None when it cannot."""
    trees_too_close: pd.DataFrame


def fits_from_register(
    segments: pd.DataFrame,
    assets: pd.DataFrame,
    links: pd.DataFrame,
    claim: Claim,
    *,
    at_m: float | None = None,
    spacing_m: float | None = None,
) -> SubsurfaceFit:
    """Fit a claim along every given segment (or in one section `at_m` metres along each)."""
    segments = segments.reset_index(drop=True)
    stations = stations_along(segments, spacing_m=spacing_m, at_m=at_m)
    occupants = occupants_in_sections(stations, segments, assets, links)
    sections = fit_sections(stations, occupants, claim)
    per_segment = fits_by_segment(stations, sections, claim)
    close = tree_conflicts(occupants).merge(stations[["station", "segment_id"]], on="station")
    close = close.drop_duplicates(["tree_id", "asset_id"])
    counts = close.groupby("segment_id").size()
    extra = segments[["id", *[c for c in ("name", "area_code") if c in segments]]].rename(columns={"id": "segment_id"})
    per_segment = extra.merge(per_segment, on="segment_id", how="left")
    per_segment["tree_conflicts"] = per_segment["segment_id"].map(counts).fillna(0).astype(int)
    return SubsurfaceFit(
        claim=claim,
        segments=per_segment,
        stations=stations,
        occupants=occupants,
        sections=sections,
        pieces=misfit_pieces(segments, stations, sections),
        trees_too_close=close.reset_index(drop=True),
    )


def cross_section_of(fit: SubsurfaceFit, segment_id: str, *, station: int | None = None) -> CrossSection:
    """The section of one segment to show: the given station, else its most crowded one (least free width)."""
    stations = fit.stations[fit.stations["segment_id"] == segment_id]
    table = fit.sections.stations.set_index("station").loc[stations["station"]]
    chosen = int(table["free_width_m"].idxmin()) if station is None else station
    row = fit.stations.set_index("station").loc[chosen]
    result = table.loc[chosen]
    occupants = fit.occupants[fit.occupants["station"] == chosen]
    blocked = blocked_intervals(occupants, fit.claim).reset_index(drop=True)
    moved = set(fit.sections.moves.loc[fit.sections.moves["station"] == chosen, "asset_id"])
    blocked["moves"] = blocked["asset_id"].isin(moved)
    verdict = "fits" if result["fits"] else ("fits_if_moved" if result["fixable"] else "does_not_fit")
    placement = _placement(blocked, fit.claim, float(row["width_m"]), verdict, float(result["window_start_m"]))
    name = fit.segments.loc[fit.segments["segment_id"] == segment_id, "name"] if "name" in fit.segments else None
    close = fit.trees_too_close
    return CrossSection(
        segment_id=segment_id,
        segment_name=None if name is None or name.empty or pd.isna(name.iloc[0]) else str(name.iloc[0]),
        at_m=round(float(row["s"]), 2),
        width_m=float(row["width_m"]),
        width_source=str(row["width_source"]),
        claim=fit.claim,
        occupants=blocked,
        verdict=verdict,
        free_width_m=round(float(result["free_width_m"]), 2),
        placement=placement,
        trees_too_close=close[close["station"] == chosen].reset_index(drop=True),
    )


def _placement(
    blocked: pd.DataFrame, claim: Claim, width: float, verdict: str, window_start: float
) -> tuple[float, float] | None:
    """Where to draw the claim: in the free stretch nearest its NEN 7171-1 zone, or the window chosen to move for."""
    w = claim.width_m
    if verdict == "does_not_fit":
        return None
    if verdict == "fits_if_moved":
        return (round(window_start, 2), round(window_start + w, 2))
    zone = zone_of(claim.discipline)
    target = {"left": zone.offset_m, "right": width - zone.offset_m}.get(zone.anchor, width / 2.0 - zone.offset_m)
    keep = blocked[blocked["blocks"].to_numpy(dtype=bool)]
    margin = claim.building_line_margin_m
    intervals = sorted(
        [(-1.0, margin), (width - margin, width + 1.0), *zip(keep["lo"].tolist(), keep["hi"].tolist(), strict=True)]
    )
    best: tuple[float, float] | None = None
    reach = -np.inf
    for lo, hi in intervals:  # one section: a handful of intervals
        if reach > -np.inf and lo - reach >= w - 1e-6:
            start = float(np.clip(target - w / 2.0, reach, lo - w))
            if best is None or abs(start + w / 2.0 - target) < abs(best[0] + w / 2.0 - target):
                best = (start, start + w)
        reach = max(reach, hi)
    return None if best is None else (round(best[0], 2), round(best[1], 2))
