"""The street network of a town: distributor roads between the buurten, an era's pattern inside each.

The borders between buurten are the distributor roads (as in most Dutch towns), country roads lead
out to the neighbouring towns, and each buurt is filled with the street pattern of its era: an
irregular grid in the core, long blocks before the war, strokenbouw after it, cul-de-sac loops in
the 1970s, a curved grid in the VINEX area, a coarse grid with dead ends on the industrial estate.
The lines are noded (split where streets meet) and cut into segments of 30-250 m: the unit of
opening the street.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from koppelkans.config import CRS
from koppelkans.demo.areas import TownLayout
from koppelkans.demo.eras import ERAS
from koppelkans.demo.names import main_road_names, radial_road_name, street_names
from koppelkans.demo.towns import CATALOGUE, Town, town_rng

__all__ = ["MAX_SEGMENT_M", "MIN_SEGMENT_M", "STREET_CLASSES", "segments_from_layout"]

MIN_SEGMENT_M = 30.0
MAX_SEGMENT_M = 250.0
_MAIN_PIECE_M = 200.0
_GRID = 0.01
_ISOLATED_M = 120.0

STREET_CLASSES: dict[str, tuple[float, float]] = {
    "gebiedsontsluitingsweg": (24.0, 32.0),
    "wijkontsluitingsweg": (20.0, 26.0),
    "buurtontsluitingsweg": (15.0, 20.0),
    "erftoegangsweg": (0.0, 0.0),
    "woonerf": (7.0, 9.0),
    "bedrijfsweg": (15.0, 20.0),
    "landweg": (6.0, 9.0),
    "provinciale weg": (12.0, 16.0),
}
"""Street classes (CROW categories) and their width, building line to building line; erftoegangsweg
takes the width of its era."""


def segments_from_layout(layout: TownLayout, *, seed: int) -> gpd.GeoDataFrame:
    """The street segments of a town in the exchange schema (with street_class and construction_year)."""
    rng = town_rng(seed, layout.town, "streets")
    taken: set[str] = set()
    radials = _radial_roads(layout, rng)
    taken.update(radials["name"])
    borders = _border_roads(layout, rng, taken)
    lanes = _rural_lanes(layout, radials, rng, taken)
    main = _noded(pd.concat([radials, borders, lanes], ignore_index=True), max_length=_MAIN_PIECE_M)
    corridor = shapely.buffer(shapely.union_all(radials["geometry"].to_numpy()), 0.05)
    minor = [
        _noded(streets, max_length=MAX_SEGMENT_M) for streets in _neighbourhood_streets(layout, corridor, rng, taken)
    ]
    pieces = pd.concat([main, *minor], ignore_index=True)
    pieces = pieces[shapely.length(pieces["geometry"].to_numpy()) >= MIN_SEGMENT_M]
    return _segments(layout, gpd.GeoDataFrame(pieces, geometry="geometry", crs=CRS), rng)


# -- distributor roads, radial roads, country lanes --------------------------------------------
def _border_roads(layout: TownLayout, rng: np.random.Generator, taken: set[str]) -> pd.DataFrame:
    """The borders between buurten (and the town's edge) as distributor roads, one name per border."""
    cells = layout.urban
    geoms = cells.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    shared = shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]))
    outer = shapely.intersection(shapely.boundary(geoms), shapely.boundary(layout.outline))
    lines = np.concatenate([shared, outer])
    a = np.concatenate([left, np.arange(len(geoms))])
    b = np.concatenate([right, np.full(len(geoms), -1)])
    parts, owner = shapely.get_parts(shapely.line_merge(lines), return_index=True)
    is_line = shapely.get_type_id(parts) == 1
    parts, owner = parts[is_line], owner[is_line]
    parts_a, parts_b = a[owner], b[owner]
    eras = cells["era"].to_numpy()
    wijk = cells["parent_code"].to_numpy()
    other = np.maximum(parts_b, 0)
    industrial = (eras[parts_a] == "industrial") & ((parts_b < 0) | (eras[other] == "industrial"))
    between_wijken = (parts_b < 0) | (wijk[parts_a] != wijk[other])
    street_class = np.select(
        [parts_b < 0, industrial, between_wijken],
        ["gebiedsontsluitingsweg", "bedrijfsweg", "wijkontsluitingsweg"],
        "buurtontsluitingsweg",
    )
    names = np.array(main_road_names(layout.town.code, len(parts), rng, taken=taken), dtype=object)
    return pd.DataFrame({"geometry": parts, "name": names, "street_class": street_class, "era": eras[parts_a]})


def _radial_roads(layout: TownLayout, rng: np.random.Generator) -> pd.DataFrame:
    """The roads out of town (uitvalswegen): from the core through the town to the neighbouring towns."""
    town = layout.town
    core = layout.buurten.geometry.to_numpy()[0]
    rural = layout.buurten.geometry.to_numpy()[-1]
    lines, names = [], []
    for destination, angle in _destination_angles(town):
        ray = shapely.linestrings([town.centre, _towards(town.centre, angle, 40_000.0)])
        start = _farthest_point(shapely.intersection(ray, shapely.boundary(core)), town.centre)
        end = _farthest_point(shapely.intersection(ray, shapely.boundary(layout.gemeente)), town.centre)
        if start is None or end is None:
            continue
        lines.append(_meander(start, end, rng, wobble=12.0))
        names.append(radial_road_name(destination))
    if not lines:
        return _no_lines()
    lines_arr = np.array(lines, dtype=object)
    inner = shapely.intersection(lines_arr, layout.outline)
    outer = shapely.intersection(lines_arr, shapely.buffer(rural, 0.01))
    frames = []
    for part, street_class, era in ((inner, "gebiedsontsluitingsweg", "prewar"), (outer, "provinciale weg", "rural")):
        pieces, owner = shapely.get_parts(part, return_index=True)
        keep = (shapely.get_type_id(pieces) == 1) & (shapely.length(pieces) >= MIN_SEGMENT_M)
        frames.append(
            pd.DataFrame(
                {
                    "geometry": pieces[keep],
                    "name": np.array(names, dtype=object)[owner[keep]],
                    "street_class": street_class,
                    "era": era,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _rural_lanes(layout: TownLayout, radials: pd.DataFrame, rng: np.random.Generator, taken: set[str]) -> pd.DataFrame:
    """Country lanes: arcs around the town between neighbouring radial roads, and dead-end farm lanes."""
    town = layout.town
    rural = layout.buurten.geometry.to_numpy()[-1]
    outer = radials[radials["street_class"] == "provinciale weg"]
    if outer.empty:
        return _no_lines()
    centre = np.asarray(town.centre)
    roads = shapely.line_merge(outer.groupby("name", sort=True)["geometry"].agg(shapely.union_all).to_numpy())
    far = shapely.get_coordinates(shapely.get_point(roads, -1)) - centre
    order = np.argsort(np.arctan2(far[:, 1], far[:, 0]), kind="stable")
    roads = roads[order]
    lanes = []
    for i in range(len(roads)):
        a = _point_on(roads[i], rng.uniform(0.3, 0.7)) - centre
        b = _point_on(roads[(i + 1) % len(roads)], rng.uniform(0.3, 0.7)) - centre
        ta, tb = math.atan2(a[1], a[0]), math.atan2(b[1], b[0])
        sweep = (tb - ta) % (2 * math.pi)
        if len(roads) > 1 and sweep < 2.4:
            t = np.linspace(0.0, 1.0, 16)
            theta = ta + sweep * t
            r = (1 - t) * np.hypot(*a) + t * np.hypot(*b)
            r *= 1.0 + 0.04 * np.sin(5 * theta + rng.uniform(0, 6))
            lanes.append(shapely.linestrings(centre + np.column_stack([r * np.cos(theta), r * np.sin(theta)])))
        for _ in range(2):
            base = _point_on(roads[i], rng.uniform(0.2, 0.9))
            heading = rng.uniform(0, 2 * math.pi)
            lanes.append(_meander(tuple(base), _towards(tuple(base), heading, rng.uniform(250, 700)), rng, wobble=20.0))
    clipped = shapely.intersection(np.array(lanes, dtype=object), shapely.buffer(rural, 0.01))
    pieces = shapely.get_parts(clipped)
    pieces = pieces[(shapely.get_type_id(pieces) == 1) & (shapely.length(pieces) >= MIN_SEGMENT_M)]
    names = street_names("rural", len(pieces), rng, taken=taken)
    return pd.DataFrame({"geometry": pieces, "name": names, "street_class": "landweg", "era": "rural"})


def _no_lines() -> pd.DataFrame:
    return pd.DataFrame({"geometry": [], "name": [], "street_class": [], "era": []})


def _point_on(line: BaseGeometry, fraction: float) -> np.ndarray:
    return shapely.get_coordinates(shapely.line_interpolate_point(line, fraction, normalized=True))[0]


def _destination_angles(town: Town) -> list[tuple[str, float]]:
    """Directions to the five nearest other towns, by angle."""
    others = [t for t in CATALOGUE if t.code != town.code]
    distances = np.array([math.dist(town.centre, t.centre) for t in others])
    nearest = [others[i] for i in np.argsort(distances, kind="stable")[:5]]
    result = [(t.name, math.atan2(t.centre[1] - town.centre[1], t.centre[0] - town.centre[0])) for t in nearest]
    return sorted(result, key=lambda item: item[1])


def _towards(origin: tuple[float, float], angle: float, distance: float) -> tuple[float, float]:
    return origin[0] + distance * math.cos(angle), origin[1] + distance * math.sin(angle)


def _farthest_point(geometry: BaseGeometry, origin: tuple[float, float]) -> tuple[float, float] | None:
    coords = shapely.get_coordinates(geometry)
    if len(coords) == 0:
        return None
    far = coords[np.argmax(np.hypot(coords[:, 0] - origin[0], coords[:, 1] - origin[1]))]
    return float(far[0]), float(far[1])


def _meander(
    start: tuple[float, float], end: tuple[float, float], rng: np.random.Generator, *, wobble: float
) -> BaseGeometry:
    """A road from start to end that bends a little, as roads along old field borders do."""
    n = max(3, int(math.dist(start, end) // 150) + 2)
    t = np.linspace(0.0, 1.0, n)
    direction = np.subtract(end, start)
    normal = np.array([-direction[1], direction[0]]) / (np.hypot(*direction) or 1.0)
    drift = np.cumsum(rng.normal(0.0, wobble, n))
    drift -= drift[0] + t * (drift[-1] - drift[0])
    xy = np.asarray(start) + t[:, None] * direction + drift[:, None] * normal
    return shapely.linestrings(xy)


# -- the streets inside the buurten ------------------------------------------------------------
def _neighbourhood_streets(
    layout: TownLayout, corridor: BaseGeometry, rng: np.random.Generator, taken: set[str]
) -> list[pd.DataFrame]:
    """Per group of neighbouring buurten of one era in one wijk, one street pattern running through them all.

    Sharing the pattern makes streets continue across the distributor road between two buurten
    built in the same period, as they do in a real town; parks and school grounds leave gaps.
    """
    cells = layout.urban
    result = []
    for number, ((_, era), group) in enumerate(cells.groupby(["parent_code", "era"], sort=True)):
        polygons = shapely.difference(group.geometry.to_numpy(), corridor)
        polygons = shapely.difference(polygons, _parks(group, rng))
        if era == "seventies":
            coords, keys, minor = _cul_de_sac_group(group, rng)
        else:
            origin = np.array([group["seed_x"].mean(), group["seed_y"].mean()])
            vertices = shapely.get_coordinates(group.geometry.to_numpy())
            reach = float(np.max(np.hypot(*(vertices - origin).T))) + 60.0
            local, keys, minor = _lattice(rng, reach, **_LATTICES[era])
            angle = float(np.angle(np.exp(1j * group["orientation"].to_numpy()).mean())) + rng.normal(0, 0.2)
            coords = _placed(local, angle=angle, origin=(origin[0], origin[1]))
        lines = shapely.simplify(shapely.linestrings(coords), 0.0)
        for polygon in polygons:
            inside = shapely.intersection(lines, polygon)
            parts, owner = shapely.get_parts(inside, return_index=True)
            keep = (shapely.get_type_id(parts) == 1) & (shapely.length(parts) > 5.0)
            if keep.any():
                result.append((parts[keep], keys[owner[keep]], minor[owner[keep]], era, number))
    frames = []
    group_names: dict[tuple[int, int], str] = {}
    for parts, keys, minor, era, number in result:
        new_keys = [k for k in dict.fromkeys(keys.tolist()) if (number, k) not in group_names]
        for key, name in zip(new_keys, street_names(era, len(new_keys), rng, taken=taken)):
            group_names[(number, key)] = name
        street_class = np.where(minor, "woonerf", "bedrijfsweg" if era == "industrial" else "erftoegangsweg")
        names = np.array([group_names[(number, k)] for k in keys.tolist()], dtype=object)
        frames.append(pd.DataFrame({"geometry": parts, "name": names, "street_class": street_class, "era": era}))
    return frames


def _parks(group: pd.DataFrame, rng: np.random.Generator) -> BaseGeometry:
    """Green spaces without streets: parks, sports fields, school grounds (about one per two buurten)."""
    count = rng.poisson(0.5 * len(group))
    if count == 0:
        return shapely.Polygon()
    cells = group.geometry.to_numpy()[rng.integers(0, len(group), count)]
    centres = shapely.get_coordinates(shapely.point_on_surface(cells)) + rng.normal(0.0, 90.0, (count, 2))
    radius = rng.uniform(60.0, 150.0, count)
    circles = shapely.buffer(shapely.points(centres), 1.0, quad_segs=8)
    stretch = rng.uniform(0.5, 1.0, count)
    turn = rng.uniform(0, math.pi, count)
    parks = [
        affinity.rotate(affinity.scale(c, r, r * s), t, use_radians=True)
        for c, r, s, t in zip(circles, radius, stretch, turn)
    ]
    return shapely.union_all(parks)


_LATTICES: dict[str, dict[str, float]] = {
    "centre": {"dx": 80.0, "dy": 64.0, "spread": 0.3, "jitter": 7.0, "drop_x": 0.15, "drop_y": 0.15, "warp": 0.0},
    "prewar": {"dx": 135.0, "dy": 62.0, "spread": 0.1, "jitter": 2.5, "drop_x": 0.02, "drop_y": 0.15, "warp": 0.0},
    "postwar": {"dx": 220.0, "dy": 75.0, "spread": 0.08, "jitter": 2.0, "drop_x": 0.05, "drop_y": 0.2, "warp": 0.0},
    "vinex": {"dx": 150.0, "dy": 85.0, "spread": 0.15, "jitter": 3.0, "drop_x": 0.1, "drop_y": 0.15, "warp": 35.0},
    "industrial": {"dx": 260.0, "dy": 180.0, "spread": 0.2, "jitter": 5.0, "drop_x": 0.3, "drop_y": 0.35, "warp": 0.0},
}


def _lattice(
    rng: np.random.Generator,
    reach: float,
    *,
    dx: float,
    dy: float,
    spread: float,
    jitter: float,
    drop_x: float,
    drop_y: float,
    warp: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (possibly warped) grid of streets: rows every dy, cross streets every dx, some links left out.

    Returns the edge coordinates (edges × points × 2), the street key of each edge (one per grid
    line) and whether the edge is a minor (woonerf) street.
    """
    nx, ny = int(reach / dx) + 2, int(reach / dy) + 2
    xs = np.cumsum(dx * rng.uniform(1 - spread, 1 + spread, 2 * nx + 1))
    ys = np.cumsum(dy * rng.uniform(1 - spread, 1 + spread, 2 * ny + 1))
    xs, ys = xs - xs[nx], ys - ys[ny]
    gx, gy = np.meshgrid(xs, ys)
    nodes = np.stack([gx, gy], axis=-1) + rng.normal(0.0, jitter, (len(ys), len(xs), 2))
    rows = np.stack([nodes[:, :-1], nodes[:, 1:]], axis=2).reshape(-1, 2, 2)
    row_keys = np.repeat(np.arange(len(ys)), len(xs) - 1)
    cols = np.stack([nodes[:-1, :], nodes[1:, :]], axis=2).reshape(-1, 2, 2)
    col_keys = len(ys) + np.tile(np.arange(len(xs)), len(ys) - 1)
    keep_rows = rng.random(len(rows)) >= drop_x
    keep_cols = rng.random(len(cols)) >= drop_y
    edges = np.concatenate([rows[keep_rows], cols[keep_cols]])
    keys = np.concatenate([row_keys[keep_rows], col_keys[keep_cols]])
    if warp:
        t = np.linspace(0.0, 1.0, 6)[None, :, None]
        edges = edges[:, :1] + t * (edges[:, 1:] - edges[:, :1])
        phase = rng.uniform(0, 2 * math.pi, 2)
        x, y = edges[..., 0], edges[..., 1]
        edges = np.stack(
            [x + warp * np.sin(y / 260.0 + phase[0]), y + 0.8 * warp * np.sin(x / 310.0 + phase[1])], axis=-1
        )
    return edges, keys, np.zeros(len(edges), dtype=bool)


def _cul_de_sac_group(group: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 1970s pattern for each buurt of a group, with keys kept apart between the buurten."""
    coords, keys, minor = [], [], []
    offset = 0
    for _, cell in group.iterrows():
        radius = math.sqrt(shapely.area(cell.geometry) / math.pi)
        local, cell_keys, cell_minor = _cul_de_sacs(rng, radius)
        angle = float(cell["orientation"]) + rng.normal(0, 0.3)
        coords.append(_placed(local, angle=angle, origin=(cell["seed_x"], cell["seed_y"])))
        keys.append(cell_keys + offset)
        minor.append(cell_minor)
        offset += int(cell_keys.max()) + 1
    return _padded(coords), np.concatenate(keys), np.concatenate(minor)


def _cul_de_sacs(rng: np.random.Generator, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 1970s 'bloemkoolwijk': two winding spines, branches off them, and hofjes off the branches.

    Returns polylines (lines × points × 2), the street key of each (a branch and its hofjes share
    one name) and whether it is a minor street (a hofje).
    """
    lines: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    minor: list[np.ndarray] = []
    key = 0
    for base_angle in (0.0, math.pi / 2 + rng.normal(0.0, 0.25)):
        x = np.linspace(-2.5 * radius, 2.5 * radius, 41)
        y = 0.16 * radius * np.sin(x / (0.45 * radius) + rng.uniform(0, 2 * math.pi))
        spine = _rotate(np.column_stack([x, y]), base_angle)
        lines.append(spine[None])
        keys.append(np.array([key]))
        minor.append(np.array([False]))
        key += 1
        step = np.hypot(*np.diff(spine, axis=0).T)
        along = np.concatenate([[0.0], np.cumsum(step)])
        at = np.arange(rng.uniform(20, 60), along[-1] - 5.0, rng.uniform(80, 100))
        at = at[np.abs(at - along[-1] / 2) > 90.0]
        base = np.column_stack([np.interp(at, along, spine[:, 0]), np.interp(at, along, spine[:, 1])])
        ahead = np.column_stack([np.interp(at + 2, along, spine[:, 0]), np.interp(at + 2, along, spine[:, 1])])
        tangent = (ahead - base) / np.hypot(*(ahead - base).T)[:, None]
        normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
        for side in (1.0, -1.0):
            branches = _branches(rng, base, side * normal)
            branch_keys = key + np.arange(len(branches))
            key += len(branches)
            lines.append(branches)
            keys.append(branch_keys)
            minor.append(np.zeros(len(branches), dtype=bool))
            for vertex, turn, share in ((1, 1.0, 1.0), (2, -1.0, 1.0), (3, 1.0, 0.5), (3, -1.0, 0.5)):
                heading = branches[:, vertex] - branches[:, vertex - 1]
                heading /= np.hypot(*heading.T)[:, None]
                heading = _rotate(heading, turn * math.pi / 2 + rng.normal(0, 0.15, len(branches)))
                tip = branches[:, vertex] + heading * rng.uniform(32.0, 48.0, len(branches))[:, None]
                keep = rng.random(len(branches)) < share
                lines.append(np.stack([branches[:, vertex], tip], axis=1)[keep])
                keys.append(branch_keys[keep])
                minor.append(np.ones(int(keep.sum()), dtype=bool))
    return _padded(lines), np.concatenate(keys), np.concatenate(minor)


def _padded(groups: list[np.ndarray]) -> np.ndarray:
    """Groups of polylines (n × points × 2) as one array, shorter ones padded by repeating their last point."""
    longest = max(g.shape[1] for g in groups)
    padded = [np.concatenate([g, np.repeat(g[:, -1:], longest - g.shape[1], axis=1)], axis=1) for g in groups]
    return np.concatenate(padded)


def _branches(rng: np.random.Generator, base: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Winding side streets (branches × 4 points) leaving `base` points in `direction`."""
    length = rng.uniform(105.0, 150.0, len(base))
    bends = np.cumsum(rng.normal(0.0, 0.3, (len(base), 3)), axis=1)
    points = [base]
    for j in range(3):
        points.append(points[-1] + _rotate(direction, bends[:, j]) * (length / 3)[:, None])
    return np.stack(points, axis=1)


def _rotate(vectors: np.ndarray, angle: np.ndarray | float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.column_stack([c * vectors[:, 0] - s * vectors[:, 1], s * vectors[:, 0] + c * vectors[:, 1]])


def _placed(coords: np.ndarray, *, angle: float, origin: tuple[float, float]) -> np.ndarray:
    """Local pattern coordinates rotated and moved onto the buurt."""
    c, s = math.cos(angle), math.sin(angle)
    x, y = coords[..., 0], coords[..., 1]
    return np.stack([origin[0] + c * x - s * y, origin[1] + s * x + c * y], axis=-1)


# -- noding and cutting into segments ----------------------------------------------------------
def _noded(sources: pd.DataFrame, *, max_length: float) -> pd.DataFrame:
    """Split lines where they meet, merge what runs on unbroken, cut long pieces; attributes from the source."""
    if sources.empty:
        return sources
    geoms = sources["geometry"].to_numpy()
    noded = shapely.line_merge(shapely.union_all(geoms, grid_size=_GRID))
    pieces = shapely.get_parts(noded)
    pieces = pieces[shapely.get_type_id(pieces) == 1]
    pieces = _without_short_dead_ends(pieces)
    pieces = _absorb_short(pieces)
    pieces = _cut(pieces, max_length)
    middle = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    _, nearest = shapely.STRtree(geoms).query_nearest(middle, all_matches=False)
    attributes = sources.drop(columns="geometry").iloc[nearest].reset_index(drop=True)
    return attributes.assign(geometry=pieces)


def _without_short_dead_ends(pieces: np.ndarray) -> np.ndarray:
    """Drop stubs left by cutting a pattern to its buurt: short dead ends, and short pieces connected to nothing."""
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(pieces, i)) for i in (0, -1)])
    keys = np.round(ends, 1)
    _, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    degree = counts[inverse.ravel()].reshape(2, -1)
    dead_end = (degree == 1).any(axis=0)
    isolated = (degree == 1).all(axis=0)
    length = shapely.length(pieces)
    return pieces[~(dead_end & (length < MIN_SEGMENT_M)) & ~(isolated & (length < _ISOLATED_M))]


def _absorb_short(pieces: np.ndarray) -> np.ndarray:
    """Join each piece shorter than a segment may be to its longest neighbour, so the network keeps no gaps."""
    for _ in range(3):
        length = shapely.length(pieces)
        short = np.flatnonzero(length < MIN_SEGMENT_M)
        if len(short) == 0:
            break
        found, neighbour = shapely.STRtree(pieces).query(pieces[short], predicate="touches")
        pairs = pd.DataFrame({"short": short[found], "neighbour": neighbour, "length": length[neighbour]})
        pairs = pairs[~pairs["neighbour"].isin(short)].sort_values(["length", "neighbour"], ascending=[False, True])
        pairs = pairs.drop_duplicates("short").drop_duplicates("neighbour")
        if pairs.empty:
            break
        a, b = pairs["neighbour"].to_numpy(), pairs["short"].to_numpy()
        merged = shapely.line_merge(shapely.union(pieces[a], pieces[b], grid_size=_GRID))
        joined = shapely.get_type_id(merged) == 1
        pieces = pieces.copy()
        pieces[a[joined]] = merged[joined]
        pieces = np.delete(pieces, b[joined])
    return pieces


def _cut(lines: np.ndarray, max_length: float) -> np.ndarray:
    """Cut lines longer than max_length into equal pieces, keeping their shape."""
    length = shapely.length(lines)
    count = np.maximum(1, np.ceil(length / max_length)).astype(int)
    if (count == 1).all():
        return lines
    dense = shapely.segmentize(lines, 4.0)
    coords, owner = shapely.get_coordinates(dense, return_index=True)
    step = np.hypot(*np.diff(coords, axis=0).T)
    step = np.concatenate([[0.0], np.where(owner[1:] == owner[:-1], step, 0.0)])
    along = np.cumsum(step)
    starts = np.searchsorted(owner, np.arange(len(lines)))
    along -= along[starts][owner]
    piece = np.minimum((along / (length[owner] / count[owner])).astype(int), count[owner] - 1)
    first_piece = np.concatenate([[0], np.cumsum(count)[:-1]])
    piece_id = first_piece[owner] + piece
    begins = np.flatnonzero(np.concatenate([[False], (piece_id[1:] != piece_id[:-1]) & (owner[1:] == owner[:-1])]))
    all_coords = np.concatenate([coords, coords[begins]])
    all_ids = np.concatenate([piece_id, piece_id[begins] - 1])
    all_along = np.concatenate([along, along[begins]])
    order = np.lexsort((all_along, all_ids))
    cut = shapely.linestrings(all_coords[order], indices=all_ids[order])
    return shapely.simplify(cut, 0.05)


# -- the exchange frame ------------------------------------------------------------------------
def _segments(layout: TownLayout, pieces: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Ids, buurt, width and construction year for each piece, in the exchange schema."""
    buurten = layout.buurten
    geoms = pieces.geometry.to_numpy()
    middle = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    piece_idx, buurt_idx = shapely.STRtree(buurten.geometry.to_numpy()).query(middle, predicate="intersects")
    first = pd.Series(buurt_idx).groupby(piece_idx).min()
    owner = np.full(len(pieces), len(buurten) - 1)
    owner[first.index.to_numpy()] = first.to_numpy()
    codes = buurten["code"].to_numpy()[owner]
    width = _widths(pieces, rng)
    year = _construction_years(layout, owner, middle, rng)
    frame = gpd.GeoDataFrame(
        {
            "area_code": codes,
            "name": pieces["name"].to_numpy(),
            "width_m": width.round(1),
            "street_class": pieces["street_class"].to_numpy(),
            "construction_year": year,
            "sort_y": -shapely.get_y(middle).round(0),
            "sort_x": shapely.get_x(middle).round(0),
        },
        geometry=shapely.set_precision(geoms, 0.01),
        crs=CRS,
    )
    frame = frame.sort_values(["area_code", "sort_y", "sort_x"], kind="stable").reset_index(drop=True)
    frame.insert(0, "id", [f"{layout.town.code}:S{i:06d}" for i in range(1, len(frame) + 1)])
    return frame.drop(columns=["sort_x", "sort_y"])


def _widths(pieces: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Width from the street class; residential streets take their era's profile."""
    classes = pieces["street_class"].to_numpy()
    low = np.array([STREET_CLASSES[c][0] for c in classes])
    high = np.array([STREET_CLASSES[c][1] for c in classes])
    residential = classes == "erftoegangsweg"
    era_low = np.array([ERAS[e].street_width_m[0] for e in pieces["era"]])
    era_high = np.array([ERAS[e].street_width_m[1] for e in pieces["era"]])
    low, high = np.where(residential, era_low, low), np.where(residential, era_high, high)
    return low + rng.random(len(pieces)) * (high - low)


def _construction_years(
    layout: TownLayout, owner: np.ndarray, middle: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Streets were built from the town side of a buurt outwards, within the buurt's construction period."""
    buurten = layout.buurten
    start = buurten["period_start"].to_numpy()[owner]
    end = buurten["period_end"].to_numpy()[owner]
    seed = np.column_stack([buurten["seed_x"].to_numpy()[owner], buurten["seed_y"].to_numpy()[owner]])
    outward = seed - np.asarray(layout.town.centre)
    norm = np.hypot(*outward.T)
    outward = np.divide(outward, norm[:, None], out=np.zeros_like(outward), where=norm[:, None] > 0)
    offset = np.column_stack([shapely.get_x(middle), shapely.get_y(middle)]) - seed
    progress = np.clip(0.5 + np.sum(offset * outward, axis=1) / 700.0, 0.0, 1.0)
    year = start + progress * (end - start) + rng.normal(0.0, 1.0, len(owner))
    return np.clip(np.round(year), start, end).astype(int)
