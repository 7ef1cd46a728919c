"""Link works and assets to the street segments they lie on (a segment is the unit of opening).

Check inputs → query the segments' width buffers in bulk (STRtree) → measure how far each
candidate runs inside the street → keep the pairs that really lie on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from koppelkans.config import DEFAULTS

__all__ = ["links_from_geometries", "unlinked_ids"]

_MILLIMETRE = 1e-3
_POINT_TYPES = (0, 4)
_POLYGON_TYPES = (3, 6)


def links_from_geometries(
    record_ids: np.ndarray | pd.Series,
    geometries: np.ndarray,
    segments: pd.DataFrame,
    *,
    tolerance_m: float = DEFAULTS["link_tolerance_m"].value,
    min_overlap_m: float = DEFAULTS["link_min_overlap_m"].value,
) -> pd.DataFrame:
    """The segments each geometry lies on, as rows (record_id, segment_id, overlap_m).

    A segment's street is its centreline buffered by half its width (at least `tolerance_m`).
    A line lies on a street when it runs inside it for more than the street is wide (and at least
    `min_overlap_m`), or for half its own length when it is shorter: a main that ends at a junction
    or only crosses the street does not run along it and is not linked to it.
    A polygon lies on a street when the centreline runs that far inside it; a point when it is in
    the street. `overlap_m` is that length (0 for points).
    """
    record_ids = np.asarray(record_ids, dtype=object)
    geometries = np.asarray(geometries, dtype=object)
    empty = pd.DataFrame({"record_id": [], "segment_id": [], "overlap_m": []})
    if len(geometries) == 0 or len(segments) == 0:
        return empty
    centrelines = np.asarray(segments.geometry.to_numpy(), dtype=object)
    widths = (
        segments["width_m"].to_numpy(dtype=float, na_value=np.nan)
        if "width_m" in segments
        else np.full(len(segments), np.nan)
    )
    radius = np.fmax(np.nan_to_num(widths / 2.0, nan=0.0), tolerance_m)
    streets = shapely.buffer(centrelines, radius, cap_style="flat")
    tree = shapely.STRtree(streets)
    feature_idx, segment_idx = tree.query(geometries, predicate="intersects")
    if len(feature_idx) == 0:
        return empty
    features = geometries[feature_idx]
    types = shapely.get_type_id(features)
    is_point = np.isin(types, _POINT_TYPES)
    is_polygon = np.isin(types, _POLYGON_TYPES)
    is_line = ~is_point & ~is_polygon
    overlap = np.zeros(len(features))
    overlap[is_line] = shapely.length(shapely.intersection(features[is_line], streets[segment_idx[is_line]]))
    overlap[is_polygon] = shapely.length(
        shapely.intersection(centrelines[segment_idx[is_polygon]], features[is_polygon])
    )
    needed = np.zeros(len(features))
    across = np.maximum(min_overlap_m, 2.0 * radius[segment_idx[is_line]])
    needed[is_line] = np.minimum(across, 0.5 * shapely.length(features[is_line]))
    needed[is_polygon] = np.minimum(min_overlap_m, 0.5 * shapely.length(centrelines[segment_idx[is_polygon]]))
    keep = is_point | (overlap > needed + _MILLIMETRE)
    links = pd.DataFrame(
        {
            "record_id": record_ids[feature_idx[keep]],
            "segment_id": np.asarray(segments["id"], dtype=object)[segment_idx[keep]],
            "overlap_m": np.round(overlap[keep], 3),
        }
    )
    return links.sort_values(["record_id", "segment_id"], kind="stable").reset_index(drop=True)


def unlinked_ids(record_ids: np.ndarray | pd.Series, links: pd.DataFrame) -> list[str]:
    """The records that lie on no segment (reported to the user, never dropped)."""
    linked = set(links["record_id"])
    return [r for r in record_ids if r not in linked]
