"""Linking works and assets to the street segments they lie on."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from koppelkans.analysis.linking import links_from_geometries, unlinked_ids

# A T-junction: Roomweg (12 m wide) east-west, Lasondersingel (16 m) going north from its middle.
SEGMENTS = gpd.GeoDataFrame(
    {"id": ["ROOMWEG", "LASONDER"], "width_m": [12.0, 16.0]},
    geometry=[
        shapely.LineString([(0, 0), (200, 0)]),
        shapely.LineString([(100, 0), (100, 200)]),
    ],
    crs="EPSG:28992",
)


def linked(geometry: shapely.Geometry, **options: float) -> dict[str, float]:
    links = links_from_geometries(np.array(["X"]), np.array([geometry]), SEGMENTS, **options)
    return dict(zip(links["segment_id"], links["overlap_m"], strict=True))


def test_pipe_along_a_street_is_linked_to_it_with_its_length() -> None:
    assert linked(shapely.LineString([(10, 1.5), (90, 1.5)])) == {"ROOMWEG": 80.0}


def test_main_ending_at_a_junction_is_not_linked_to_the_crossing_street() -> None:
    assert linked(shapely.LineString([(102, 0), (102, 150)])) == {"LASONDER": 150.0}


def test_crossing_a_street_does_not_count_as_lying_on_it() -> None:
    assert linked(shapely.LineString([(50, -30), (50, 30)])) == {}


def test_short_house_connection_in_the_street_is_linked() -> None:
    assert linked(shapely.LineString([(30, 5), (30, -3)])) == {"ROOMWEG": 8.0}


def test_tolerance_widens_narrow_streets() -> None:
    narrow = SEGMENTS.assign(width_m=[np.nan, np.nan])
    pipe = shapely.LineString([(10, 3), (90, 3)])
    assert links_from_geometries(["X"], np.array([pipe]), narrow, tolerance_m=2.0).empty
    assert list(links_from_geometries(["X"], np.array([pipe]), narrow, tolerance_m=4.0)["segment_id"]) == ["ROOMWEG"]


def test_point_in_the_street_and_area_over_the_street() -> None:
    assert linked(shapely.Point(150, 2)) == {"ROOMWEG": 0.0}
    square = shapely.box(60, -20, 140, 60)
    assert linked(square) == {"ROOMWEG": 80.0, "LASONDER": 60.0}


def test_unlinked_records_are_listed() -> None:
    geometries = np.array([shapely.LineString([(10, 0), (90, 0)]), shapely.LineString([(500, 500), (600, 500)])])
    links = links_from_geometries(np.array(["ON", "OFF"]), geometries, SEGMENTS)
    assert unlinked_ids(["ON", "OFF"], links) == ["OFF"]


@settings(max_examples=80, deadline=None)
@given(
    start=st.floats(min_value=-150, max_value=150),
    length=st.floats(min_value=20, max_value=300),
    offset=st.floats(min_value=-5.9, max_value=5.9),
)
def test_any_line_running_along_roomweg_is_linked_to_it(start: float, length: float, offset: float) -> None:
    line = shapely.LineString([(start, offset), (start + length, offset)])
    inside = shapely.intersection(line, shapely.box(0, -6, 200, 6)).length
    result = linked(line)
    assert ("ROOMWEG" in result) == (inside > min(12.0, line.length / 2) + 1e-3)
    if "ROOMWEG" in result:
        assert abs(result["ROOMWEG"] - inside) < 1e-3
