"""Our column-at-a-time vector tile encoder against an independent one: `mapbox-vector-tile` decodes
what we write into the same features, geometries (ring winding included) and attributes as what it
writes itself from the same input."""

from __future__ import annotations

from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from koppelkans.api.mvt import encode_layer

EXTENT = 4096
coordinate = st.integers(min_value=-64, max_value=EXTENT + 64)


@st.composite
def boxes(draw: Any) -> shapely.Polygon:
    x, y = draw(coordinate), draw(coordinate)
    w, h = draw(st.integers(2, 800)), draw(st.integers(2, 800))
    outer = shapely.box(x, y, x + w, y + h)
    if draw(st.booleans()) and w > 8 and h > 8:  # with a hole
        return shapely.Polygon(outer.exterior, [shapely.box(x + 2, y + 2, x + w // 2, y + h // 2).exterior])
    return outer if draw(st.booleans()) else shapely.Polygon(list(outer.exterior.coords)[::-1])  # either winding


@st.composite
def lines(draw: Any) -> shapely.LineString:
    points = draw(st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=12, unique=True))
    return shapely.LineString(points)


points = st.builds(lambda x, y: shapely.Point(x, y), coordinate, coordinate)
geometries = st.one_of(
    points,
    lines(),
    boxes(),
    st.lists(points, min_size=2, max_size=5, unique_by=lambda p: (p.x, p.y)).map(shapely.MultiPoint),
    st.lists(lines(), min_size=2, max_size=4).map(shapely.MultiLineString),
    st.lists(boxes(), min_size=2, max_size=3).map(lambda ps: shapely.MultiPolygon(ps)),
)
values = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
)


def decoded(tile: bytes) -> list[dict[str, Any]]:
    layers = mapbox_vector_tile.decode(tile, default_options={"y_coord_down": False})
    return layers["layer"]["features"] if layers else []


def reference(geoms: list[shapely.Geometry | None], properties: dict[str, list[Any]]) -> bytes:
    features = [
        {"geometry": g, "properties": {k: v[i] for k, v in properties.items() if v[i] is not None}}
        for i, g in enumerate(geoms)
        if g is not None
    ]
    return mapbox_vector_tile.encode([{"name": "layer", "features": features}], default_options={"extents": EXTENT})


def winding(geometry: dict[str, Any]) -> list[bool]:
    """Whether each decoded polygon ring is counter-clockwise, as written."""
    polygons = {"Polygon": [geometry["coordinates"]], "MultiPolygon": geometry["coordinates"]}.get(geometry["type"], [])
    return [shapely.LinearRing(ring).is_ccw for polygon in polygons for ring in polygon]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), geometries), values, values), min_size=1, max_size=25))
def test_mapbox_vector_tile_decodes_ours_as_its_own(rows: list[tuple[Any, Any, Any]]) -> None:
    geoms = [g for g, _, _ in rows]
    # one type per key, as a register column has: the first non-null value's type decides
    properties: dict[str, list[Any]] = {"a": [a for _, a, _ in rows], "b": [b for _, _, b in rows]}
    for key, column in properties.items():
        kinds = {type(v) for v in column if v is not None}
        if len(kinds) > 1:
            first = next(type(v) for v in column if v is not None)
            properties[key] = [v if isinstance(v, first) and type(v) is first else None for v in column]
    ours, theirs = (
        decoded(encode_layer("layer", geoms, properties, extent=EXTENT)),
        decoded(reference(geoms, properties)),
    )
    assert len(ours) == len(theirs) == sum(g is not None for g in geoms)
    for mine, its in zip(ours, theirs, strict=True):
        assert mine["type"] == its["type"]
        assert mine["properties"] == its["properties"]
        assert shapely.normalize(shape(mine["geometry"])).equals_exact(shapely.normalize(shape(its["geometry"])), 0)
        assert winding(mine["geometry"]) == winding(its["geometry"])  # exterior and holes wound as the spec says


def test_collapsed_paths_and_empty_input_are_left_out() -> None:
    sliver = shapely.Polygon([(0, 0), (5, 0), (0, 0.0), (0, 0)])  # two distinct points: no ring
    geoms = np.array([sliver, shapely.LineString([(3, 3), (3, 3)]), None, shapely.Point(1, 2)], dtype=object)
    features = decoded(encode_layer("layer", geoms, {"id": ["s", "l", "n", "p"]}, extent=EXTENT))
    assert [f["properties"]["id"] for f in features] == ["p"]
    assert encode_layer("layer", np.array([None], dtype=object), {"id": ["x"]}, extent=EXTENT) == b""


def test_a_geometry_collection_is_drawn_by_its_polygons() -> None:
    collection = shapely.GeometryCollection([shapely.box(0, 0, 10, 10), shapely.LineString([(20, 20), (30, 30)])])
    (feature,) = decoded(encode_layer("layer", [collection], {"id": ["c"]}, extent=EXTENT))
    assert feature["geometry"]["type"] == "Polygon"
    assert shape(feature["geometry"]).equals(shapely.box(0, 0, 10, 10))


def test_points_repeated_after_snapping_are_written_once() -> None:
    line = shapely.LineString([(0, 0), (0, 0), (5, 5), (5, 5), (9, 9)])
    ring = shapely.Polygon([(0, 0), (10, 0), (10, 0), (10, 10), (0, 10), (0, 10), (0, 0)])
    (drawn_line, drawn_ring) = decoded(encode_layer("layer", [line, ring], {"id": ["l", "r"]}, extent=EXTENT))
    assert drawn_line["geometry"]["coordinates"] == [[0, 0], [5, 5], [9, 9]]
    assert len(drawn_ring["geometry"]["coordinates"][0]) == 5  # four corners and the closing point
