"""The neighbourhoods of a town: where they lie, when they were built, who lives there.

A Dutch town grew in rings around its core, so buurten are the cells of a Voronoi diagram of
seed points laid out in rings (denser near the core), with the era following the distance from the
core and an industrial estate on one side. Buurten group into wijken by compass sector, the
gemeente adds a rural belt. Each buurt carries its area anatomy: inhabitants, construction
period, TVW year and heat strategy, climate stress, liveability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from koppelkans.config import CRS
from koppelkans.demo.eras import ERAS
from koppelkans.demo.figures import DEMO_YEAR, demo_figure
from koppelkans.demo.names import compass_name, neighbourhood_names
from koppelkans.demo.towns import Town, territory_of, town_rng

__all__ = ["BUURT_SPACING_M", "TownLayout", "areas_from_layout", "layout_from_town"]

BUURT_SPACING_M = 680.0
"""Distance between neighbouring buurt seeds: a buurt of ≈2,100 inhabitants covers ≈40-45 ha."""
_FIRST_RING_M = 560.0
_INDUSTRIAL_SHARE = 0.12
_HEAT_STRATEGIES = ("warmtenet", "hybride", "all-electric")


@dataclass(frozen=True, kw_only=True)
class TownLayout:
    """The areas of one town, with the working columns the street and asset generators need."""

    town: Town
    buurten: gpd.GeoDataFrame
    """One row per buurt (the rural one last): code, name, parent_code, era, period, anatomy, geometry."""
    wijken: gpd.GeoDataFrame
    gemeente: BaseGeometry
    outline: BaseGeometry
    """The built-up area (all urban buurten together)."""

    @property
    def urban(self) -> gpd.GeoDataFrame:
        return self.buurten[self.buurten["era"] != "rural"]


def layout_from_town(town: Town, *, seed: int) -> TownLayout:
    """Lay out the buurten, wijken and gemeente of a town (deterministic for a seed)."""
    rng = town_rng(seed, town, "areas")
    seeds, rings, n_industrial = _seed_points(town, rng)
    outline = _outline(town, seeds)
    cells = _cells(seeds, outline)
    eras = _eras(town, seeds, rings, n_industrial, rng)
    buurten = gpd.GeoDataFrame(
        {
            "era": eras,
            "ring": rings,
            "seed_x": seeds[:, 0],
            "seed_y": seeds[:, 1],
            "orientation": _orientations(town, seeds, eras, rng),
        },
        geometry=cells,
        crs=CRS,
    )
    buurten = _with_wijken(town, buurten, rng)
    buurten = _with_periods(buurten, rng)
    gemeente = _gemeente(town, outline)
    buurten = _with_rural_buurt(town, buurten, gemeente, outline)
    buurten = _with_inhabitants(town, buurten, rng)
    buurten = _with_anatomy(town, buurten, rng)
    wijken = _wijken_of(buurten)
    return TownLayout(town=town, buurten=buurten, wijken=wijken, gemeente=gemeente, outline=outline)


# -- steps -------------------------------------------------------------------------------------
def _seed_points(town: Town, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """Seed points in rings around the centre (the outer ring partial, towards the growth direction),
    their ring numbers, and how many of them are industrial estates."""
    residential = town.inhabitants * (1.0 - demo_figure("rural_share_of_inhabitants"))
    n_res = max(1, round(residential / demo_figure("buurt_inhabitants")))
    n_ind = 0 if n_res < 4 else max(1, round(_INDUSTRIAL_SHARE * n_res))
    wanted = n_res + n_ind
    growth = rng.uniform(0.0, 2.0 * math.pi)
    lobe_phase = rng.uniform(0.0, 2.0 * math.pi)
    points, rings = [np.zeros((1, 2))], [np.zeros(1, dtype=int)]
    total, ring = 1, 1
    while total < wanted:
        radius = _FIRST_RING_M + (ring - 1) * BUURT_SPACING_M
        count = max(4, round(2.0 * math.pi * radius / BUURT_SPACING_M))
        theta = rng.uniform(0, 2 * math.pi) + 2 * math.pi * np.arange(count) / count
        theta += rng.normal(0.0, 0.12 * 2 * math.pi / count, count)
        r = radius * (1.0 + 0.08 * np.cos(2.0 * (theta - lobe_phase))) + rng.normal(0.0, 0.06 * BUURT_SPACING_M, count)
        if total + count > wanted:
            away = np.abs(np.angle(np.exp(1j * (theta - growth))))
            keep = np.sort(np.argsort(away, kind="stable")[: wanted - total])
            theta, r = theta[keep], r[keep]
        points.append(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
        rings.append(np.full(len(theta), ring))
        total += len(theta)
        ring += 1
    seeds = np.vstack(points) + np.asarray(town.centre)
    return seeds, np.concatenate(rings), n_ind


def _outline(town: Town, seeds: np.ndarray) -> BaseGeometry:
    """The built-up area: the seeds' surroundings merged and smoothed, kept inside the town's territory."""
    hull = shapely.concave_hull(shapely.multipoints(seeds), ratio=0.35)
    village = min(1.0, math.sqrt(town.inhabitants / demo_figure("buurt_inhabitants")))
    merged = shapely.buffer(hull, 0.58 * BUURT_SPACING_M * village, quad_segs=16)
    inside = shapely.intersection(merged, shapely.buffer(territory_of(town), -150.0))
    return _largest_polygon(shapely.simplify(inside, 2.0))


def _cells(seeds: np.ndarray, outline: BaseGeometry) -> np.ndarray:
    """The Voronoi cell of each seed, cut to the built-up area."""
    frame = shapely.buffer(outline, 5_000.0).envelope
    voronoi = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame, ordered=True)
    cells = shapely.intersection(shapely.get_parts(voronoi), outline)
    cells = np.array([_largest_polygon(c) for c in cells], dtype=object)
    return shapely.set_precision(cells, 0.01)


def _eras(town: Town, seeds: np.ndarray, rings: np.ndarray, n_ind: int, rng: np.random.Generator) -> np.ndarray:
    """The construction era of each buurt: the core first, then outwards; an industrial estate on one side."""
    offset = seeds - np.asarray(town.centre)
    distance = np.hypot(offset[:, 0], offset[:, 1])
    angle = np.arctan2(offset[:, 1], offset[:, 0])
    eras = np.full(len(seeds), "", dtype=object)
    if n_ind:
        side = rng.uniform(0.0, 2.0 * math.pi)
        outer = rings >= max(1, rings.max() - 1)
        score = np.abs(np.angle(np.exp(1j * (angle - side)))) + np.where(outer, 0.0, 10.0)
        eras[np.argsort(score, kind="stable")[:n_ind]] = "industrial"
    residential = np.flatnonzero(eras == "")
    noisy = distance[residential] * np.exp(rng.normal(0.0, 0.12, len(residential)))
    noisy[distance[residential] == 0] = -1.0
    rank = np.empty(len(residential), dtype=int)
    rank[np.argsort(noisy, kind="stable")] = np.arange(len(residential))
    share = (rank + 0.5) / len(residential)
    bounds = np.array([0.06, 0.24, 0.50, 0.76])
    names = np.array(["centre", "prewar", "postwar", "seventies", "vinex"], dtype=object)
    eras[residential] = names[np.searchsorted(bounds, share)]
    eras[residential[rank == 0]] = "centre"
    return eras


def _orientations(town: Town, seeds: np.ndarray, eras: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The direction of each buurt's street grid: roughly facing the centre, as towns grow along radials."""
    offset = seeds - np.asarray(town.centre)
    facing = np.arctan2(offset[:, 1], offset[:, 0])
    return facing + rng.normal(0.0, 0.35, len(seeds)) + np.where(eras == "centre", rng.uniform(0, 1), 0.0)


def _with_wijken(town: Town, buurten: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Group buurten into wijken by compass sector (the core its own wijk) and give them CBS codes."""
    offset = np.column_stack([buurten["seed_x"], buurten["seed_y"]]) - np.asarray(town.centre)
    angle = np.arctan2(offset[:, 1], offset[:, 0])
    distance = np.hypot(offset[:, 0], offset[:, 1])
    n = len(buurten)
    n_wijk = 1 if n <= 7 else min(9, round(n / 8) + 1)
    if n_wijk == 1:
        sector = np.ones(n, dtype=int)
        wijk_names = {1: f"Wijk 01 {town.name}"}
    else:
        sectors = n_wijk - 1
        start = rng.uniform(0.0, 2.0 * math.pi)
        raw = ((angle - start) % (2 * math.pi)) // (2 * math.pi / sectors)
        raw = raw.astype(int)
        is_core = (buurten["era"] == "centre").to_numpy()
        used = sorted(set(raw[~is_core]))
        number = {s: i + 1 for i, s in enumerate(used)}
        sector = np.where(is_core, 0, np.array([number.get(s, 0) for s in raw]))
        wijk_names = {0: "Centrum"}
        for s, i in number.items():
            mid = start + (s + 0.5) * 2 * math.pi / sectors
            wijk_names[i] = compass_name(mid)
    order = np.lexsort((distance, sector))
    within = np.zeros(n, dtype=int)
    for wijk in np.unique(sector):
        members = order[sector[order] == wijk]
        within[members] = np.arange(len(members))
    names = neighbourhood_names(town.code, list(buurten["era"]), rng)
    return buurten.assign(
        code=[f"BU{town.digits}{w:02d}{b:02d}" for w, b in zip(sector, within)],
        name=names,
        level="buurt",
        parent_code=[f"WK{town.digits}{w:02d}" for w in sector],
        wijk_name=[wijk_names[w] for w in sector],
    )


def _with_periods(buurten: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """The years each buurt was built in: a span of 5-15 years inside its era."""
    first = np.array([ERAS[e].first_year for e in buurten["era"]])
    last = np.array([ERAS[e].last_year for e in buurten["era"]])
    span = np.minimum(last - first, rng.integers(5, 16, len(buurten)))
    start = first + np.floor(rng.random(len(buurten)) * (last - first - span + 1)).astype(int)
    is_core = (buurten["era"] == "centre").to_numpy()
    start = np.where(is_core, first, start)
    end = np.where(is_core, last, start + span)
    return buurten.assign(period_start=start, period_end=end)


def _gemeente(town: Town, outline: BaseGeometry) -> BaseGeometry:
    """The municipality: the town with a rural belt around it, inside its territory."""
    radius = math.sqrt(shapely.area(outline) / math.pi)
    belt = shapely.buffer(outline, 1_200.0 + 0.35 * radius, quad_segs=6)
    return _largest_polygon(shapely.simplify(shapely.intersection(belt, territory_of(town)), 25.0))


def _with_rural_buurt(
    town: Town, buurten: gpd.GeoDataFrame, gemeente: BaseGeometry, outline: BaseGeometry
) -> gpd.GeoDataFrame:
    """Add the rural buurt (buitengebied): the gemeente outside the built-up area."""
    rural = shapely.set_precision(shapely.difference(gemeente, outline), 0.01)
    row = gpd.GeoDataFrame(
        {
            "era": ["rural"],
            "ring": [int(buurten["ring"].max()) + 1],
            "seed_x": [town.centre[0]],
            "seed_y": [town.centre[1]],
            "orientation": [0.0],
            "code": [f"BU{town.digits}9000"],
            "name": ["Buitengebied"],
            "level": ["buurt"],
            "parent_code": [f"WK{town.digits}90"],
            "wijk_name": ["Buitengebied"],
            "period_start": [ERAS["rural"].first_year],
            "period_end": [ERAS["rural"].last_year],
        },
        geometry=[rural],
        crs=CRS,
    )
    return pd.concat([buurten, row], ignore_index=True)


def _with_inhabitants(town: Town, buurten: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Inhabitants from area × era density, scaled so the town has its number of inhabitants."""
    area_ha = shapely.area(buurten.geometry.to_numpy()) / 10_000.0
    density = np.array([ERAS[e].density for e in buurten["era"]])
    raw = area_ha * density * np.exp(rng.normal(0.0, 0.18, len(buurten)))
    eras = buurten["era"].to_numpy()
    rural = eras == "rural"
    industrial = eras == "industrial"
    residential = ~rural & ~industrial
    inhabitants = np.zeros(len(buurten))
    inhabitants[rural] = town.inhabitants * demo_figure("rural_share_of_inhabitants")
    inhabitants[industrial] = np.minimum(raw[industrial], 60.0)
    rest = town.inhabitants - inhabitants[rural].sum() - inhabitants[industrial].sum()
    inhabitants[residential] = raw[residential] * rest / raw[residential].sum()
    inhabitants = np.round(inhabitants).astype(int)
    household = np.array([ERAS[e].household_size for e in eras])
    return buurten.assign(
        inhabitants=inhabitants, dwellings=np.round(inhabitants / household).astype(int), area_ha=area_ha.round(1)
    )


def _with_anatomy(town: Town, buurten: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Liveability, climate stress, social housing share, heat network and TVW year, fibre per buurt."""
    n = len(buurten)
    eras = buurten["era"].to_numpy()
    liveability = np.array([ERAS[e].liveability for e in eras]) + rng.normal(0.0, 0.8, n)
    liveability = np.clip(np.round(liveability), 1, 9).astype(int)
    stress = np.clip(np.array([ERAS[e].climate_stress for e in eras]) + rng.normal(0.0, 0.4, n), 1.0, 5.0)
    social = {"centre": 0.3, "prewar": 0.4, "postwar": 0.55, "seventies": 0.35, "vinex": 0.2}
    social_share = np.clip(np.array([social.get(e, 0.05) for e in eras]) + rng.normal(0.0, 0.08, n), 0.0, 0.9)
    existing_heat = _existing_heat_network(town, buurten, rng)
    strategy, tvw_year = _heat_transition(eras, existing_heat, social_share, rng)
    fibre_share = np.where(np.isin(eras, ["industrial", "rural"]), 0.5, demo_figure("fibre_coverage"))
    has_fibre = rng.random(n) < fibre_share
    fibre_year = np.maximum(buurten["period_end"].to_numpy(), rng.integers(2009, 2025, n))
    liveability_scores = liveability.astype(object)
    liveability_scores[eras == "industrial"] = None
    return buurten.assign(
        liveability=liveability_scores,
        climate_stress=stress.round(1),
        social_housing_share=social_share.round(2),
        existing_heat=existing_heat,
        heat_strategy=strategy,
        tvw_year=tvw_year,
        fibre_year=np.where(has_fibre, fibre_year, 0),
    )


def _existing_heat_network(town: Town, buurten: gpd.GeoDataFrame, rng: np.random.Generator) -> np.ndarray:
    """Buurten already on a district heating network: postwar and 1970s buurten on one side of larger towns."""
    eras = buurten["era"].to_numpy()
    if town.inhabitants < 40_000:
        return np.zeros(len(buurten), dtype=bool)
    offset = np.column_stack([buurten["seed_x"], buurten["seed_y"]]) - np.asarray(town.centre)
    angle = np.arctan2(offset[:, 1], offset[:, 0])
    side = rng.uniform(0.0, 2.0 * math.pi)
    near = np.abs(np.angle(np.exp(1j * (angle - side)))) < math.radians(50)
    return near & np.isin(eras, ["postwar", "seventies"]) & (rng.random(len(buurten)) < 0.8)


def _heat_transition(
    eras: np.ndarray, existing_heat: np.ndarray, social_share: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The Transitievisie Warmte per buurt: the strategy and the year it is to be off natural gas."""
    n = len(eras)
    weights = {
        "centre": (0.6, 0.4, 0.0),
        "prewar": (0.55, 0.45, 0.0),
        "postwar": (0.7, 0.25, 0.05),
        "seventies": (0.2, 0.6, 0.2),
        "vinex": (0.05, 0.15, 0.8),
        "rural": (0.0, 0.3, 0.7),
        "industrial": (0.3, 0.2, 0.5),
    }
    cumulative = np.cumsum(np.array([weights[e] for e in eras]), axis=1)
    choice = (rng.random(n)[:, None] > cumulative).sum(axis=1)
    strategy = np.array(_HEAT_STRATEGIES, dtype=object)[np.minimum(choice, 2)]
    first = np.select([strategy == "warmtenet", strategy == "hybride"], [2029, 2034], 2032)
    last = np.select([strategy == "warmtenet", strategy == "hybride"], [2040, 2045], 2050)
    draw = rng.random(n) * (1.0 - 0.5 * social_share)
    year = first + np.round(draw * (last - first)).astype(int)
    strategy = np.where(existing_heat, "warmtenet (bestaand)", strategy)
    year = np.where(existing_heat, rng.integers(DEMO_YEAR + 2, DEMO_YEAR + 5, n), year).astype(object)
    no_homes = eras == "industrial"
    strategy[no_homes] = None
    year[no_homes] = None
    return strategy, year


def _wijken_of(buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One wijk per parent code: the union of its buurten."""
    wijken = buurten.dissolve(
        by="parent_code", aggfunc={"wijk_name": "first", "inhabitants": "sum", "dwellings": "sum"}, sort=True
    )
    wijken["geometry"] = shapely.set_precision(wijken.geometry.to_numpy(), 0.01)
    return wijken.reset_index().rename(columns={"parent_code": "code", "wijk_name": "name"})


# -- the exchange frame ------------------------------------------------------------------------
def areas_from_layout(layout: TownLayout) -> gpd.GeoDataFrame:
    """The areas of a town in the exchange schema: gemeente, wijken, buurten (with their anatomy)."""
    town = layout.town
    gemeente = gpd.GeoDataFrame(
        {
            "code": [town.code],
            "name": [town.name],
            "level": ["gemeente"],
            "parent_code": [None],
            "inhabitants": [int(layout.buurten["inhabitants"].sum())],
            "dwellings": [int(layout.buurten["dwellings"].sum())],
        },
        geometry=[layout.gemeente],
        crs=CRS,
    )
    wijken = layout.wijken.assign(level="wijk", parent_code=town.code)[
        ["code", "name", "level", "parent_code", "inhabitants", "dwellings", "geometry"]
    ]
    b = layout.buurten
    buurten = gpd.GeoDataFrame(
        {
            "code": b["code"],
            "name": b["name"],
            "level": "buurt",
            "parent_code": b["parent_code"],
            "inhabitants": b["inhabitants"],
            "dwellings": b["dwellings"],
            "area_ha": b["area_ha"],
            "era": b["era"],
            "construction_period": [f"{s}-{e}" for s, e in zip(b["period_start"], b["period_end"])],
            "tvw_year": b["tvw_year"],
            "heat_strategy": b["heat_strategy"],
            "climate_stress": b["climate_stress"],
            "liveability": b["liveability"],
            "social_housing_share": b["social_housing_share"],
        },
        geometry=b.geometry,
        crs=CRS,
    )
    return pd.concat([gemeente, wijken, buurten], ignore_index=True)


def _largest_polygon(geometry: BaseGeometry) -> BaseGeometry:
    """A single polygon: the largest part of a multi-polygon or collection."""
    parts = shapely.get_parts(geometry)
    polygons = parts[shapely.get_type_id(parts) == 3]
    if len(polygons) == 0:
        return geometry
    return polygons[int(np.argmax(shapely.area(polygons)))]
