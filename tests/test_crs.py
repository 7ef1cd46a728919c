"""The one place coordinates change CRS: the same answers as pyproj's own choice, in any thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from koppelkans.config import CRS
from koppelkans.domain.crs import transform_bounds, transform_geometries, transformer

ENSCHEDE_RD = shapely.LineString([(256_500, 470_000), (258_000, 471_500), (259_200, 469_800)])


@pytest.mark.parametrize("target", ["OGC:CRS84", "EPSG:4326", "EPSG:3857"])
def test_the_pipeline_gives_what_pyproj_picks_for_the_pair(target: str) -> None:
    reference = Transformer.from_crs(CRS, target, always_xy=True)
    xy = shapely.get_coordinates(ENSCHEDE_RD)
    expected = np.column_stack(reference.transform(xy[:, 0], xy[:, 1]))
    moved = transform_geometries(ENSCHEDE_RD, CRS, target)
    assert np.allclose(shapely.get_coordinates(moved), expected, rtol=0, atol=1e-9)
    back = transform_geometries(moved, target, CRS)
    assert np.allclose(shapely.get_coordinates(back), xy, rtol=0, atol=1e-3)  # RD New round trip: 1 mm


def test_a_transformer_answers_the_same_in_another_thread() -> None:
    """Web servers use it from many threads: pyproj rebuilds it per thread, from the fixed pipeline."""
    step = transformer(CRS, "OGC:CRS84")
    here = step.transform(257_000.0, 471_000.0)
    there: list[tuple[float, float]] = []
    thread = threading.Thread(target=lambda: there.append(step.transform(257_000.0, 471_000.0)))
    thread.start()
    thread.join()
    assert there == [here]
    assert 6.7 < here[0] < 7.0 and 52.1 < here[1] < 52.3  # Enschede


def test_a_box_moves_to_the_box_around_its_moved_edges() -> None:
    """What OGC collection extents and the API bench use; pyproj's own needs CRS objects."""
    box = (256_000.0, 469_000.0, 257_000.0, 470_000.0)
    expected = Transformer.from_crs(CRS, "OGC:CRS84", always_xy=True).transform_bounds(*box)
    assert transform_bounds(box, CRS, "OGC:CRS84") == pytest.approx(expected, abs=1e-9)
