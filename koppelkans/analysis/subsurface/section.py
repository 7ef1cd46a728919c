"""Street cross-sections (dwarsprofielen): what lies where across a street, at stations along its segments.

Check inputs → cut every station's perpendicular from building line to building line → find the
linked cables and pipes crossing each cut in bulk (one STRtree query of the cuts against the assets'
straight pieces, then segment-segment intersection in NumPy) and place the linked point objects
(trees, lamp posts, manholes) by projecting them onto the centreline → one occupant row per object
per section, with its offset from the left building line, its size and depth, and where those came
from (measured, or the NEN 7171-1 default zone of its discipline).

A station stands for a piece of street (`piece_m` long); a point object counts in every piece its
zone reaches (a tree's CROW 280 zone reaches 2.5 m along the street too).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.subsurface.profile import (
    MOVABLE,
    SURFACE_DISCIPLINES,
    heat_pair_width_m,
    own_clearance,
    zone_of,
)
from koppelkans.config import figure
from koppelkans.errors import InputError

__all__ = ["OCCUPANT_COLUMNS", "STATION_COLUMNS", "occupants_in_sections", "stations_along"]

STATION_COLUMNS = [
    "station",
    "segment_id",
    "k",
    "s",
    "piece_m",
    "origin_m",
    "width_m",
    "width_source",
    "x",
    "y",
    "nx",
    "ny",
]
OCCUPANT_COLUMNS = [
    "station",
    "asset_id",
    "discipline",
    "asset_type",
    "shape",
    "x",
    "size",
    "top",
    "bottom",
    "position_source",
    "depth_source",
    "longitudinal",
    "movable",
    "cost_per_m",
    "cost_each",
]
_ON_CENTRELINE_M = 0.05
_TANGENT_STEP_M = 0.5
_CUT_EXTENSION_M = 0.5
_POINT_TYPES = (0, 4)
_POLYGON_TYPES = (3, 6)


def stations_along(
    segments: pd.DataFrame,
    *,
    spacing_m: float | None = None,
    at_m: float | None = None,
    piece_m: float = 1.0,
) -> pd.DataFrame:
    """Stations along every segment: pieces of at most `spacing_m`, or one section `at_m` metres in.

    Each row carries the centre point, the unit normal to the left of the segment's direction, the
    width between the building lines (`width_m` of the segment, else the reference street width) and
    the piece of street the section stands for (`origin_m + k * piece_m` onwards).
    """
    spacing = figure("station_spacing_m") if spacing_m is None else float(spacing_m)
    if spacing <= 0:
        raise InputError(f"station spacing {spacing} m must be above 0", field="spacing")
    lines = np.asarray(segments.geometry.to_numpy(), dtype=object)
    length = shapely.length(lines)
    if at_m is None:
        count = np.maximum(1, np.ceil(length / spacing - 1e-9)).astype(int)
        piece = length / count
        origin = np.zeros(len(lines))
    else:
        too_far = (at_m < 0) | (at_m > length + 1e-6)
        if too_far.any():
            first = int(np.flatnonzero(too_far)[0])
            raise InputError(
                f"--at {at_m:g} m lies beyond segment {segments['id'].iloc[first]} "
                f"(its length is {length[first]:.1f} m)",
                record=str(segments["id"].iloc[first]),
                field="at",
            )
        count = np.ones(len(lines), dtype=int)
        piece = np.full(len(lines), float(piece_m))
        origin = np.full(len(lines), float(at_m) - piece_m / 2.0)
    owner = np.repeat(np.arange(len(lines)), count)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    s = origin[owner] + (k + 0.5) * piece[owner] if at_m is None else np.full(len(owner), float(at_m))
    line = lines[owner]
    centre = shapely.get_coordinates(shapely.line_interpolate_point(line, s))
    ahead = shapely.get_coordinates(
        shapely.line_interpolate_point(line, np.minimum(s + _TANGENT_STEP_M, length[owner]))
    )
    behind = shapely.get_coordinates(shapely.line_interpolate_point(line, np.maximum(s - _TANGENT_STEP_M, 0.0)))
    tangent = ahead - behind
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    norm[norm == 0] = 1.0
    tangent /= norm[:, None]
    widths = segments["width_m"].to_numpy(dtype=float, na_value=np.nan) if "width_m" in segments else None
    width = np.full(len(lines), np.nan) if widths is None else widths
    source = np.where(np.isnan(width), "reference", "segment")
    width = np.where(np.isnan(width), figure("reference_street_width_m"), width)
    return pd.DataFrame(
        {
            "station": np.arange(len(owner)),
            "segment_id": segments["id"].to_numpy(dtype=object)[owner],
            "k": k,
            "s": s,
            "piece_m": piece[owner],
            "origin_m": origin[owner],
            "width_m": width[owner],
            "width_source": source[owner],
            "x": centre[:, 0],
            "y": centre[:, 1],
            "nx": -tangent[:, 1],
            "ny": tangent[:, 0],
        }
    )


def occupants_in_sections(
    stations: pd.DataFrame, segments: pd.DataFrame, assets: pd.DataFrame, links: pd.DataFrame
) -> pd.DataFrame:
    """Every linked asset in every station's cross-section, as rows of OCCUPANT_COLUMNS.

    `segments` are the stations' segments, `assets` canonical asset records (EPSG:28992) and
    `links` the segment links (record_id, segment_id; only kind `assets` when a kind column is present).
    """
    if "kind" in links:
        links = links[links["kind"] == "assets"]
    assets = assets[~assets["discipline"].isin(SURFACE_DISCIPLINES)].reset_index(drop=True)
    if stations.empty or assets.empty or links.empty:
        return pd.DataFrame(columns=OCCUPANT_COLUMNS)
    asset_row = pd.Series(np.arange(len(assets)), index=assets["id"].to_numpy())
    wanted = links["record_id"].isin(asset_row.index) & links["segment_id"].isin(stations["segment_id"])
    links = links[wanted.to_numpy()]
    geometry = np.asarray(assets.geometry.to_numpy(), dtype=object)
    table = _asset_table(assets, geometry)
    is_point = np.isin(shapely.get_type_id(geometry), _POINT_TYPES)
    link_asset = asset_row[links["record_id"].to_numpy()].to_numpy()
    link_segment = links["segment_id"].to_numpy(dtype=object)
    on_point = is_point[link_asset]
    found = pd.concat(
        [
            _crossings(stations, geometry, ~is_point, link_asset[~on_point], link_segment[~on_point]),
            _points(stations, segments, geometry, link_asset[on_point], link_segment[on_point], table["reach"]),
        ],
        ignore_index=True,
    )
    if found.empty:
        return pd.DataFrame(columns=OCCUPANT_COLUMNS)
    return _occupants(found, assets, table, stations)


def _asset_table(assets: pd.DataFrame, geometry: np.ndarray) -> pd.DataFrame:
    """Per asset: body width and height, top and underside, how far its zone reaches along the street,
    whether it can move and what that costs; registered values first, the NEN 7171-1 zone otherwise."""
    discipline = assets["discipline"].astype(str).to_numpy()
    zones = {d: zone_of(d) for d in pd.unique(discipline)}
    zone_size = np.array([zones[d].size_m for d in discipline])
    zone_cover = np.array([zones[d].cover_m for d in discipline])
    diameter = assets["diameter_mm"].to_numpy(dtype=float, na_value=np.nan) / 1000.0
    depth = assets["depth_m"].to_numpy(dtype=float, na_value=np.nan)
    heat = discipline == "heat"
    casing = diameter + figure("heat_casing_extra_m")
    width = np.where(np.isnan(diameter), zone_size, diameter)
    width = np.where(heat & ~np.isnan(diameter), heat_pair_width_m(1000.0 * np.nan_to_num(diameter)), width)
    height = np.where(heat & ~np.isnan(diameter), casing, width)
    is_point = np.isin(shapely.get_type_id(geometry), _POINT_TYPES)
    tree = discipline == "green"
    point_bottom = np.where(tree, figure("tree_root_depth_m"), 1.0)
    bottom = np.where(np.isnan(depth), np.where(is_point, point_bottom, zone_cover + height), depth)
    bottom = np.where(tree & is_point, np.fmax(bottom, figure("tree_root_depth_m")), bottom)
    top = np.where(is_point, 0.0, np.maximum(bottom - height, 0.0))
    own = np.array([own_clearance(d) for d in discipline])
    reach = width / 2.0 + np.where(tree, figure("tree_clearance_m"), own)
    length = shapely.length(geometry)
    registered = assets["replacement_cost_eur"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_m = np.where(length > 0, registered / length, np.nan)
    fallback_per_m = np.select(
        [
            discipline == "heat",
            discipline == "sewer",
            pd.Series(discipline).isin(["gas", "water", "water_storage"]).to_numpy(),
        ],
        [figure("heat_main_cost_per_m"), figure("move_cost_per_m_sewer"), figure("move_cost_per_m_pipe")],
        figure("move_cost_per_m_cable"),
    )
    fallback_each = np.where(tree, figure("move_cost_tree"), figure("move_cost_post"))
    return pd.DataFrame(
        {
            "size": width,
            "top": top,
            "bottom": bottom,
            "depth_source": np.where(
                np.isnan(depth) & ~is_point, "nen7171", np.where(np.isnan(depth), "none", "measured")
            ),
            "reach": reach,
            "movable": pd.Series(discipline).isin(MOVABLE).to_numpy(),
            "cost_per_m": np.where(np.isnan(per_m) | (per_m <= 0), fallback_per_m, per_m),
            "cost_each": np.where(np.isnan(registered) | is_point & (registered <= 0), fallback_each, registered),
        }
    )


def _occupants(found: pd.DataFrame, assets: pd.DataFrame, table: pd.DataFrame, stations: pd.DataFrame) -> pd.DataFrame:
    """The occupant rows: what each found object is, where it lies in its section, how big and deep."""
    found = found.sort_values(["station", "x0", "asset"], kind="stable").reset_index(drop=True)
    row = found["asset"].to_numpy(dtype=int)
    discipline = assets["discipline"].astype(str).to_numpy()[row]
    width = stations["width_m"].to_numpy()[found["station"].to_numpy(dtype=int)]
    shape = found["shape"].to_numpy(dtype=object)
    x0, x1 = found["x0"].to_numpy(dtype=float), found["x1"].to_numpy(dtype=float)
    size = np.where(shape == "area", np.maximum(x1 - x0, 0.05), table["size"].to_numpy()[row])
    x = (x0 + x1) / 2.0
    default_x = _default_offsets(discipline, width)
    on_axis = (
        (shape == "line")
        & (np.abs(x - width / 2.0) < _ON_CENTRELINE_M)
        & (np.abs(default_x - width / 2.0) > _ON_CENTRELINE_M)
    )
    x = np.where(on_axis, default_x, x)
    return pd.DataFrame(
        {
            "station": found["station"].to_numpy(dtype=int),
            "asset_id": assets["id"].to_numpy(dtype=object)[row],
            "discipline": discipline,
            "asset_type": assets["asset_type"].astype(object).to_numpy()[row],
            "shape": shape,
            "x": x,
            "size": size,
            "top": table["top"].to_numpy()[row],
            "bottom": table["bottom"].to_numpy()[row],
            "position_source": np.where(on_axis, "nen7171", "measured"),
            "depth_source": table["depth_source"].to_numpy()[row],
            "longitudinal": shape != "point",
            "movable": table["movable"].to_numpy()[row],
            "cost_per_m": table["cost_per_m"].to_numpy()[row],
            "cost_each": table["cost_each"].to_numpy()[row],
        }
    )


def _default_offsets(discipline: np.ndarray, width: np.ndarray) -> np.ndarray:
    """The centre of each discipline's NEN 7171-1 zone, from the left building line of a street this wide."""
    zones = {d: zone_of(d) for d in pd.unique(discipline)}
    anchor = np.array([zones[d].anchor for d in discipline])
    offset = np.array([zones[d].offset_m for d in discipline])
    x = np.select([anchor == "left", anchor == "right"], [offset, width - offset], width / 2.0 - offset)
    return np.clip(x, 0.0, width)


# -- lines and areas: cut the sections ---------------------------------------------------------
def _crossings(
    stations: pd.DataFrame,
    geometry: np.ndarray,
    is_linear: np.ndarray,
    link_asset: np.ndarray,
    link_segment: np.ndarray,
) -> pd.DataFrame:
    """(station, asset, x0, x1, shape) for the linked lines and areas each cut crosses."""
    empty = pd.DataFrame({"station": [], "asset": [], "x0": [], "x1": [], "shape": []})
    if not len(link_asset):
        return empty
    linear = np.flatnonzero(is_linear)
    boundaries = geometry[linear]
    polygon = np.isin(shapely.get_type_id(boundaries), _POLYGON_TYPES)
    boundaries = np.where(polygon, shapely.boundary(boundaries), boundaries)
    parts, part_owner = shapely.get_parts(boundaries, return_index=True)
    coords, vertex_part = shapely.get_coordinates(parts, return_index=True)
    same = vertex_part[1:] == vertex_part[:-1]
    start = np.flatnonzero(same)
    piece_asset = linear[part_owner[vertex_part[start]]]
    p0, p1 = coords[start], coords[start + 1]
    boxes = shapely.box(np.minimum(p0[:, 0], p1[:, 0]), np.minimum(p0[:, 1], p1[:, 1]),
                        np.maximum(p0[:, 0], p1[:, 0]), np.maximum(p0[:, 1], p1[:, 1]))  # fmt: skip
    half = stations["width_m"].to_numpy() / 2.0 + _CUT_EXTENSION_M
    cx, cy = stations["x"].to_numpy(), stations["y"].to_numpy()
    nx, ny = stations["nx"].to_numpy(), stations["ny"].to_numpy()
    a = np.column_stack([cx + nx * half, cy + ny * half])
    b = np.column_stack([cx - nx * half, cy - ny * half])
    cuts = shapely.linestrings(np.stack([a, b], axis=1))
    station_idx, piece_idx = shapely.STRtree(boxes).query(cuts)
    if not len(station_idx):
        return empty
    # keep only pieces of assets linked to the cut's own segment
    segment_codes = pd.Index(pd.unique(stations["segment_id"]))
    n_seg = len(segment_codes)
    linked_keys = np.unique(link_asset.astype(np.int64) * n_seg + segment_codes.get_indexer(link_segment))
    station_seg = segment_codes.get_indexer(stations["segment_id"].to_numpy())
    keys = piece_asset[piece_idx].astype(np.int64) * n_seg + station_seg[station_idx]
    keep = np.isin(keys, linked_keys)
    station_idx, piece_idx = station_idx[keep], piece_idx[keep]
    t = _intersection_parameter(a[station_idx], b[station_idx], p0[piece_idx], p1[piece_idx])
    hit = ~np.isnan(t)
    station_idx, piece_idx, t = station_idx[hit], piece_idx[hit], t[hit]
    x = t * 2.0 * half[station_idx] - _CUT_EXTENSION_M
    frame = pd.DataFrame(
        {
            "station": station_idx,
            "asset": piece_asset[piece_idx],
            "x": np.clip(x, 0.0, stations["width_m"].to_numpy()[station_idx]),
            "polygon": polygon[np.searchsorted(linear, piece_asset[piece_idx])],
        }
    )
    frame["xr"] = frame["x"].round(2)
    lines = frame[~frame["polygon"]].drop_duplicates(["station", "asset", "xr"])
    lines = pd.DataFrame(
        {"station": lines["station"], "asset": lines["asset"], "x0": lines["x"], "x1": lines["x"], "shape": "line"}
    )
    areas = frame[frame["polygon"]].groupby(["station", "asset"], as_index=False).agg(x0=("x", "min"), x1=("x", "max"))
    return pd.concat([lines, areas.assign(shape="area")], ignore_index=True)


def _intersection_parameter(a: np.ndarray, b: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Where segment a→b meets segment p→q, as the fraction along a→b (NaN when they do not meet)."""
    r = b - a
    d = q - p
    denom = r[:, 0] * d[:, 1] - r[:, 1] * d[:, 0]
    ap = p - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (ap[:, 0] * d[:, 1] - ap[:, 1] * d[:, 0]) / denom
        u = (ap[:, 0] * r[:, 1] - ap[:, 1] * r[:, 0]) / denom
    eps = 1e-9
    meets = (np.abs(denom) > eps) & (t >= -eps) & (t <= 1 + eps) & (u >= -eps) & (u <= 1 + eps)
    return np.where(meets, np.clip(t, 0.0, 1.0), np.nan)


# -- points: project onto the centreline ---------------------------------------------------------
def _points(
    stations: pd.DataFrame,
    segments: pd.DataFrame,
    geometry: np.ndarray,
    link_asset: np.ndarray,
    link_segment: np.ndarray,
    reach: pd.Series,
) -> pd.DataFrame:
    """(station, asset, x0, x1, shape) for linked point objects in every piece their zone reaches."""
    empty = pd.DataFrame({"station": [], "asset": [], "x0": [], "x1": [], "shape": []})
    per_segment = stations.groupby("segment_id", sort=False).agg(
        first=("station", "min"), n=("station", "size"), piece=("piece_m", "first"), origin=("origin_m", "first"),
        width=("width_m", "first"),
    )  # fmt: skip
    known = per_segment.index.get_indexer(link_segment) >= 0
    link_asset, link_segment = link_asset[known], link_segment[known]
    if not len(link_asset):
        return empty
    info = per_segment.loc[link_segment]
    line = pd.Series(np.asarray(segments.geometry.to_numpy(), dtype=object), index=segments["id"].to_numpy())
    line = line[link_segment].to_numpy()
    point = shapely.centroid(geometry[link_asset])
    s = shapely.line_locate_point(line, point)
    length = shapely.length(line)
    foot = shapely.get_coordinates(shapely.line_interpolate_point(line, s))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(line, np.minimum(s + _TANGENT_STEP_M, length)))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(line, np.maximum(s - _TANGENT_STEP_M, 0.0)))
    tangent = ahead - behind
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    norm[norm == 0] = 1.0
    offset = shapely.get_coordinates(point) - foot
    left = (tangent[:, 0] * offset[:, 1] - tangent[:, 1] * offset[:, 0]) / norm
    width = info["width"].to_numpy()
    x = np.clip(width / 2.0 - left, 0.0, width)
    reach = reach.to_numpy()[link_asset]
    piece, origin, n = info["piece"].to_numpy(), info["origin"].to_numpy(), info["n"].to_numpy()
    k_lo = np.clip(np.floor((s - reach - origin) / piece), 0, n - 1).astype(int)
    k_hi = np.clip(np.floor((s + reach - origin) / piece), 0, n - 1).astype(int)
    inside = (s + reach >= origin) & (s - reach <= origin + n * piece)
    count = np.where(inside, k_hi - k_lo + 1, 0)
    owner = np.repeat(np.arange(len(s)), count)
    step = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    return pd.DataFrame(
        {
            "station": info["first"].to_numpy()[owner] + k_lo[owner] + step,
            "asset": link_asset[owner],
            "x0": x[owner],
            "x1": x[owner],
            "shape": "point",
        }
    )
