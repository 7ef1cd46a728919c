"""Mapbox Vector Tile encoding (spec 2.1) of one layer, column at a time with numpy.

A z15 tile of the register holds thousands of features; a per-feature Python encoder spent most of a
tile's time building protobuf objects feature by feature. Here the geometry command streams and tag
lists of all features are built as whole arrays, varint-encoded in one pass, and only the final
concatenation touches each feature. Input geometries are on the tile's integer grid with y up (as
`shapely` and PostGIS's ST_AsMVTGeom see them); the y axis is flipped and rings are wound as the spec
wants (exterior positive area in tile coordinates, holes negative) here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

__all__ = ["encode_layer"]

_MOVE_TO, _LINE_TO, _CLOSE_PATH = 1, 2, 7
_POINT, _LINE, _POLYGON = 1, 2, 3
_MVT_TYPE = np.array([_POINT, _LINE, _LINE, _POLYGON, _POINT, _LINE, _POLYGON, 0])
"""MVT geometry type per shapely type id (Point, LineString, LinearRing, Polygon, Multi…, collection)."""
_ONE_TYPE = {"string", "integer", "floating", "boolean"}
"""What pandas' factorize keeps apart exactly (a mixed column could merge True with 1)."""


def encode_layer(
    name: str,
    geoms: Sequence[shapely.Geometry | None] | np.ndarray,
    properties: Mapping[str, Sequence[Any]],
    *,
    extent: int,
) -> bytes:
    """A vector tile holding one layer `name`: a feature per non-empty geometry, tagged with its non-null
    properties (str, bool, int and float values; `properties` maps a key to one value per geometry).

    Geometries are in tile-grid units, y up, already clipped and snapped to whole units; geometry
    collections are drawn by their parts of the highest dimension. Paths that collapsed (a ring of fewer
    than three points, a line of one) are left out, and a feature left without paths is dropped.
    Returns empty bytes when no feature remains.
    """
    geoms = np.asarray(geoms, dtype=object)
    geoms = _without_collections(geoms)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    features = np.flatnonzero(keep)
    flipped = shapely.transform(geoms[features], lambda xy: xy * [1, -1] + [0, extent])
    kinds = _MVT_TYPE[shapely.get_type_id(flipped)]
    geometry, drawn = _geometry_streams(flipped, kinds)
    if not drawn.any():
        return b""
    features, kinds = features[drawn], kinds[drawn]
    keys, values, tags = _tags({key: np.asarray(column, dtype=object)[features] for key, column in properties.items()})
    return _tile(name, extent, kinds, (geometry[0], geometry[1][drawn]), tags, keys, values)


# -- geometry ----------------------------------------------------------------------------------
Stream = tuple[np.ndarray, np.ndarray]
"""Bytes (uint8) of all features one after the other, and how many of them belong to each feature."""


def _without_collections(geoms: np.ndarray) -> np.ndarray:
    """Geometry collections (rare results of clipping and snapping) replaced by their highest-dimension parts."""
    collections = np.flatnonzero(shapely.get_type_id(geoms) == 7)
    if len(collections) == 0:
        return geoms
    geoms = geoms.copy()
    builders = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
    for i in collections:  # few, if any
        parts = shapely.get_parts(shapely.get_parts(geoms[i]))  # nested multis too
        parts = parts[~shapely.is_empty(parts)]
        if len(parts) == 0:
            geoms[i] = None
            continue
        dimension = shapely.get_dimensions(parts)
        top = parts[dimension == dimension.max()]
        geoms[i] = builders[int(dimension.max())](top if dimension.max() < 2 else shapely.get_parts(top))
    return geoms


def _geometry_streams(geoms: np.ndarray, kinds: np.ndarray) -> tuple[Stream, np.ndarray]:
    """Each feature's geometry commands, varint-encoded, and whether the feature kept any path."""
    parts, part_feature = shapely.get_parts(geoms, return_index=True)
    part_kind = kinds[part_feature]
    polygonal = part_kind == _POLYGON
    rings, ring_part = shapely.get_rings(parts[polygonal], return_index=True)
    exterior = np.r_[True, ring_part[1:] != ring_part[:-1]] if len(ring_part) else np.zeros(0, bool)
    # paths in feature order: a polygon part's rings replace the part
    paths = np.concatenate([parts[~polygonal], rings])
    path_feature = np.concatenate([part_feature[~polygonal], part_feature[polygonal][ring_part]])
    path_kind = np.concatenate([part_kind[~polygonal], np.full(len(rings), _POLYGON)])
    path_exterior = np.concatenate([np.zeros((~polygonal).sum(), bool), exterior])
    order = np.argsort(path_feature, kind="stable")
    paths, path_feature, path_kind, path_exterior = (a[order] for a in (paths, path_feature, path_kind, path_exterior))

    xy, point_path = shapely.get_coordinates(paths, return_index=True)
    xy = xy.astype(np.int64)
    counts = np.bincount(point_path, minlength=len(paths))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    closed = path_kind == _POLYGON
    xy, area = _wound(xy, point_path, starts, counts, closed, path_exterior)
    step = np.abs(np.diff(xy, axis=0)).sum(axis=1) * (point_path[1:] == point_path[:-1])
    travel = np.bincount(point_path[1:], weights=step, minlength=len(paths)) if len(xy) else np.zeros(len(paths))
    # a ring's closing point is implied by ClosePath; a point repeating the one before adds nothing
    emit = ~(closed[point_path] & (np.arange(len(xy)) - starts[point_path] == counts[point_path] - 1))
    emit[1:] &= ~((point_path[1:] == point_path[:-1]) & (xy[1:] == xy[:-1]).all(axis=1))
    xy, point_path = xy[emit], point_path[emit]
    counts = np.bincount(point_path, minlength=len(paths))
    # a ring must enclose some area and a line must go somewhere (a snapped sliver may not)
    valid = np.where(closed, (counts >= 3) & (area != 0), np.where(path_kind == _LINE, travel > 0, counts >= 1))
    valid &= valid[
        np.maximum.accumulate(np.where(path_exterior | ~closed, np.arange(len(paths)), 0))
    ]  # no orphan holes
    kept = valid[point_path]
    xy, point_path = xy[kept], point_path[kept]
    paths_kept = np.flatnonzero(valid)
    path_feature, path_kind, counts = path_feature[valid], path_kind[valid], counts[valid]
    point_path = np.searchsorted(paths_kept, point_path)

    # points: one MoveTo(n) per feature for all its points; lines and rings: MoveTo(1), LineTo(n-1)[, ClosePath]
    is_point = path_kind == _POINT
    first_of_feature = np.r_[True, path_feature[1:] != path_feature[:-1]] if len(path_feature) else np.zeros(0, bool)
    header = ~is_point | first_of_feature  # a path that starts with a MoveTo command
    point_count_of_feature = np.bincount(path_feature[is_point], weights=counts[is_point], minlength=len(geoms))
    length = np.where(is_point, 2 * counts + header, 2 * counts + 2 + (path_kind == _POLYGON))
    path_start = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64)
    stream = np.zeros(int(length.sum()), dtype=np.uint64)

    moves = path_start[header]
    move_count = np.where(is_point, point_count_of_feature[path_feature], 1)[header]
    stream[moves] = _MOVE_TO | (move_count.astype(np.uint64) << 3)
    lines = ~is_point
    stream[path_start[lines] + 3] = _LINE_TO | ((counts[lines] - 1).astype(np.uint64) << 3)
    rings_at = path_kind == _POLYGON
    stream[path_start[rings_at] + length[rings_at] - 1] = _CLOSE_PATH | (1 << 3)

    local = np.arange(len(xy)) - np.concatenate([[0], np.cumsum(counts)[:-1]])[point_path]
    offset = np.where(is_point[point_path], header[point_path] + 2 * local, np.where(local == 0, 1, 2 + 2 * local))
    at = path_start[point_path] + offset
    point_feature = path_feature[point_path]
    previous = np.vstack([[0, 0], xy[:-1]])
    first_point = np.r_[True, point_feature[1:] != point_feature[:-1]] if len(xy) else np.zeros(0, bool)
    previous[first_point] = 0  # the cursor starts at (0, 0) in every feature
    delta = xy - previous
    stream[at] = _zigzag(delta[:, 0])
    stream[at + 1] = _zigzag(delta[:, 1])

    data, sizes = _varints(stream)
    per_feature = np.bincount(np.repeat(path_feature, length), weights=sizes, minlength=len(geoms)).astype(np.int64)
    drawn = np.bincount(path_feature, minlength=len(geoms)) > 0
    return (data, per_feature), drawn


def _wound(
    xy: np.ndarray,
    point_path: np.ndarray,
    starts: np.ndarray,
    counts: np.ndarray,
    closed: np.ndarray,
    exterior: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Rings reversed where their winding is wrong (exterior positive by the shoelace formula with y down,
    holes negative), and each path's twice signed area (0 for open paths)."""
    if not closed.any():
        return xy, np.zeros(len(counts))
    nxt = np.roll(xy, -1, axis=0)
    cross = (xy[:, 0] * nxt[:, 1] - nxt[:, 0] * xy[:, 1]).astype(np.float64)
    last = starts + counts - 1
    cross[last[counts > 0]] = 0  # the closing point repeats the first: no wrap-around term needed
    area = np.where(closed, np.bincount(point_path, weights=cross, minlength=len(counts)), 0.0)
    flip = closed & np.where(exterior, area < 0, area > 0)
    if not flip.any():
        return xy, area
    index = np.arange(len(xy))
    reverse = flip[point_path]
    index[reverse] = (starts + last)[point_path[reverse]] - index[reverse]
    return xy[index], np.where(flip, -area, area)


def _zigzag(values: np.ndarray) -> np.ndarray:
    return ((values << 1) ^ (values >> 63)).astype(np.uint64)


def _varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Protobuf base-128 varints of non-negative integers, concatenated (uint8), and each one's size."""
    values = values.astype(np.uint64)
    size = np.ones(len(values), dtype=np.int64)
    for bits in (7, 14, 21, 28, 35, 42, 49, 56, 63):
        size += values >= (np.uint64(1) << np.uint64(bits))
    ends = np.cumsum(size)
    owner = np.repeat(np.arange(len(values)), size)
    k = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - size, size)
    chunk = (values[owner] >> (7 * k).astype(np.uint64)) & np.uint64(0x7F)
    more = k < size[owner] - 1
    return (chunk | (more.astype(np.uint64) << np.uint64(7))).astype(np.uint8), size


_ONE_BYTE = [bytes((i,)) for i in range(128)]


def _varint(value: int) -> bytes:
    if value < 128:
        return _ONE_BYTE[value]
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _interleave(sources: list[Stream], n: int) -> np.ndarray:
    """The features' bytes from several streams, feature by feature: all of feature 0's parts in the
    order of `sources`, then feature 1's, and so on (placed with index arithmetic, no loop over features)."""
    lengths = np.stack([np.broadcast_to(length, (n,)) for _, length in sources])  # source × feature
    per_feature = lengths.sum(axis=0)
    feature_start = np.cumsum(per_feature) - per_feature
    offset_in_feature = np.cumsum(lengths, axis=0) - lengths
    out = np.empty(int(per_feature.sum()), dtype=np.uint8)
    for (data, _), length, offset in zip(sources, lengths, offset_in_feature, strict=True):
        source_start = np.cumsum(length) - length
        out[np.repeat(feature_start + offset - source_start, length) + np.arange(int(length.sum()))] = data
    return out


# -- attributes --------------------------------------------------------------------------------
def _tags(columns: dict[str, np.ndarray]) -> tuple[list[str], list[bytes], Stream]:
    """The layer's keys and encoded values, and each feature's tag list (key, value index pairs), encoded."""
    n = len(next(iter(columns.values()))) if columns else 0
    keys: list[str] = []
    values: list[bytes] = []
    seen: dict[tuple[type, Any], int] = {}
    pairs = []
    for key, column in columns.items():
        present = ~pd.isna(column)
        if not present.any():
            continue
        key_index = len(keys)
        keys.append(key)
        codes, uniques = _factorize(column[present])
        index = np.empty(len(uniques), dtype=np.int64)
        for u, value in enumerate(uniques):
            marker = (type(value), value)
            if marker not in seen:
                seen[marker] = len(values)
                values.append(_value(value))
            index[u] = seen[marker]
        value_index = np.full(n, -1, dtype=np.int64)
        value_index[present] = index[codes]
        pairs.append((key_index, value_index))
    if not pairs:
        return keys, values, (np.zeros(0, dtype=np.uint8), np.zeros(n, dtype=np.int64))
    table = np.stack([v for _, v in pairs], axis=1)  # feature × key
    key_of = np.array([k for k, _ in pairs])
    has = table >= 0
    stream = np.stack([np.broadcast_to(key_of, table.shape), table], axis=2)[has].ravel()
    data, sizes = _varints(stream)
    owner = np.repeat(np.arange(n), 2 * has.sum(axis=1))
    return keys, values, (data, np.bincount(owner, weights=sizes, minlength=n).astype(np.int64))


def _factorize(column: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Codes into the distinct values of `column` (first-seen order); bools, ints and floats kept apart."""
    if pd.api.types.infer_dtype(column, skipna=False) in _ONE_TYPE:
        codes, uniques = pd.factorize(column)
        return codes, list(uniques)
    lookup: dict[tuple[type, Any], int] = {}
    uniques: list[Any] = []
    codes = np.empty(len(column), dtype=np.int64)
    for i, value in enumerate(column.tolist()):
        marker = (type(value), value)
        code = lookup.get(marker)
        if code is None:
            code = lookup[marker] = len(uniques)
            uniques.append(value)
        codes[i] = code
    return codes, uniques


def _value(value: Any) -> bytes:
    """One Value message: string 1, double 3, uint 5, sint 6, bool 7 (as PostGIS's ST_AsMVT writes ints)."""
    if type(value) is str:
        text = value.encode()
        return b"\x0a" + _varint(len(text)) + text
    if isinstance(value, (bool, np.bool_)):
        return b"\x38" + (b"\x01" if value else b"\x00")
    if isinstance(value, (int, np.integer)):
        value = int(value)
        if value >= 0:
            return b"\x28" + _varint(value)
        return b"\x30" + _varint((value << 1) ^ (value >> 63))
    if isinstance(value, (float, np.floating)):
        return b"\x19" + np.float64(value).tobytes()
    text = str(value).encode()
    return b"\x0a" + _varint(len(text)) + text


# -- messages ----------------------------------------------------------------------------------
def _tile(
    name: str, extent: int, kinds: np.ndarray, geometry: Stream, tags: Stream, keys: list[str], values: list[bytes]
) -> bytes:
    """The Tile message with one Layer (version 2): features framed column-wise, then keys and values."""
    n = len(kinds)
    tag_length, geometry_length = tags[1], geometry[1]
    tagged = tag_length > 0
    tag_size, tag_size_bytes = _varints(tag_length[tagged])
    geometry_size, geometry_size_bytes = _varints(geometry_length)
    tag_header = np.zeros(n, dtype=np.int64)
    tag_header[tagged] = 1 + tag_size_bytes
    body_length = tag_header + tag_length + 3 + geometry_size_bytes + geometry_length
    body_size, body_size_bytes = _varints(body_length)
    size_of_tags = np.zeros(n, dtype=np.int64)
    size_of_tags[tagged] = tag_size_bytes
    type_and_geometry_key = np.stack([np.full(n, 0x18), kinds, np.full(n, 0x22)], axis=1).ravel().astype(np.uint8)
    features = _interleave(
        [
            (np.full(n, 0x12, dtype=np.uint8), np.ones(n, dtype=np.int64)),  # Layer.features
            (body_size, body_size_bytes),
            (np.full(int(tagged.sum()), 0x12, dtype=np.uint8), tagged.astype(np.int64)),  # Feature.tags
            (tag_size, size_of_tags),
            tags,
            (type_and_geometry_key, np.full(n, 3, dtype=np.int64)),  # Feature.type, Feature.geometry
            (geometry_size, geometry_size_bytes),
            geometry,
        ],
        n,
    )
    encoded_name = name.encode()
    layer = b"".join(
        [
            b"\x78\x02",
            b"\x0a" + _varint(len(encoded_name)) + encoded_name,
            features.tobytes(),
            *(b"\x1a" + _varint(len(k.encode())) + k.encode() for k in keys),
            *(b"\x22" + _varint(len(v)) + v for v in values),
            b"\x28" + _varint(extent),
        ]
    )
    return b"\x1a" + _varint(len(layer)) + layer
