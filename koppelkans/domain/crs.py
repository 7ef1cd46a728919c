"""Coordinate transformations between the register's CRS (EPSG:28992) and the ones clients use.

One cached transformer per CRS pair, built from the best available PROJ pipeline: pyproj rebuilds a
transformer's PROJ object in every thread that uses it, which costs about 175 ms for a CRS-to-CRS
transformer (a database search for candidate operations) and 0.6 ms for a fixed pipeline, so web
server threads pay the cheap one. The pipeline is the one `Transformer.from_crs` would pick here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS as ProjCRS
from pyproj import Transformer
from pyproj.transformer import TransformerGroup

__all__ = ["transform_bounds", "transform_box", "transform_geometries", "transformer"]


@cache
def transformer(source: str | ProjCRS, target: str | ProjCRS) -> Transformer:
    """The transformer from `source` to `target`, x/y in easting/northing or lon/lat order."""
    group = TransformerGroup(source, target, always_xy=True)
    if not group.transformers:
        return Transformer.from_crs(source, target, always_xy=True)
    return Transformer.from_pipeline(group.transformers[0].definition)


def transform_geometries(geoms: Any, source: str | ProjCRS, target: str | ProjCRS) -> Any:
    """Geometries (one or an array, vectorised over all coordinates) from `source` to `target`."""
    step = transformer(source, target)
    return shapely.transform(geoms, lambda xy: np.column_stack(step.transform(xy[:, 0], xy[:, 1])))


def transform_box(
    bounds: tuple[float, float, float, float],
    source: str | ProjCRS,
    target: str | ProjCRS,
    *,
    points_per_edge: int = 16,
) -> shapely.Polygon:
    """A `source` box as a polygon in `target`: its edges densified first, so that it keeps its shape
    where the transformation bends straight lines."""
    minx, miny, maxx, maxy = bounds
    step = max(maxx - minx, maxy - miny) / points_per_edge or 1.0
    return transform_geometries(shapely.segmentize(shapely.box(minx, miny, maxx, maxy), step), source, target)


def transform_bounds(
    bounds: tuple[float, float, float, float], source: str | ProjCRS, target: str | ProjCRS
) -> tuple[float, float, float, float]:
    """The box in `target` that holds a `source` box (its edges densified to 100 points each).

    (pyproj's own `transform_bounds` needs the CRS objects a pipeline transformer does not carry.)
    """
    west, south, east, north = shapely.bounds(transform_box(bounds, source, target, points_per_edge=100))
    return float(west), float(south), float(east), float(north)
