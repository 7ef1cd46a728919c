"""Where along a segment a claim does not fit, as line pieces of the centreline (for maps and GeoJSON)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.subsurface.fit import SectionFit
from koppelkans.config import CRS

__all__ = ["line_pieces", "misfit_pieces"]


def misfit_pieces(segments: pd.DataFrame, stations: pd.DataFrame, fit: SectionFit) -> gpd.GeoDataFrame:
    """Runs of neighbouring misfit stations merged into pieces: (segment_id, status, from_m, to_m, length_m).

    `status` is `fits_if_moved` where moving occupants makes room and `does_not_fit` where nothing does.
    """
    table = stations[["station", "segment_id", "k", "piece_m", "origin_m"]].merge(fit.stations, on="station")
    table = table[~table["fits"].to_numpy(dtype=bool)]
    columns = ["segment_id", "status", "from_m", "to_m", "length_m"]
    if table.empty:
        return gpd.GeoDataFrame(pd.DataFrame(columns=columns), geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    status = np.where(table["fixable"], "fits_if_moved", "does_not_fit")
    segment = table["segment_id"].to_numpy(dtype=object)
    k = table["k"].to_numpy()
    new_run = np.concatenate(
        [[True], (segment[1:] != segment[:-1]) | (k[1:] != k[:-1] + 1) | (status[1:] != status[:-1])]
    )
    run = np.cumsum(new_run) - 1
    piece, origin = table["piece_m"].to_numpy(dtype=float), table["origin_m"].to_numpy(dtype=float)
    runs = pd.DataFrame({"run": run, "segment_id": segment, "status": status, "start": origin + k * piece,
                         "end": origin + (k + 1) * piece})  # fmt: skip
    runs = runs.groupby("run").agg(segment_id=("segment_id", "first"), status=("status", "first"),
                                   from_m=("start", "min"), to_m=("end", "max"))  # fmt: skip
    line = pd.Series(np.asarray(segments.geometry.to_numpy(), dtype=object), index=segments["id"].to_numpy())
    lines = line[runs["segment_id"].to_numpy()].to_numpy()
    length = shapely.length(lines)
    runs["from_m"] = np.clip(runs["from_m"].to_numpy(), 0.0, length)
    runs["to_m"] = np.clip(runs["to_m"].to_numpy(), 0.0, length)
    runs["length_m"] = (runs["to_m"] - runs["from_m"]).round(1)
    geometry = line_pieces(lines, runs["from_m"].to_numpy(), runs["to_m"].to_numpy())
    runs["from_m"] = runs["from_m"].round(1)
    runs["to_m"] = runs["to_m"].round(1)
    return gpd.GeoDataFrame(runs[columns].reset_index(drop=True), geometry=geometry, crs=CRS)


def line_pieces(lines: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The part of each line between two distances along it (a vectorised substring of LineStrings)."""
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    step = np.hypot(*np.diff(coords, axis=0).T)
    step[owner[1:] != owner[:-1]] = 0.0
    along = np.concatenate([[0.0], np.cumsum(step)])
    first_vertex = np.searchsorted(owner, np.arange(len(lines)))
    along -= along[first_vertex][owner]
    span = float(along.max()) + 1.0 if len(along) else 1.0
    key = owner * span + along
    lo = np.searchsorted(key, np.arange(len(lines)) * span + start, side="right")
    hi = np.searchsorted(key, np.arange(len(lines)) * span + end, side="left")
    inner = np.maximum(hi - lo, 0)
    a = shapely.get_coordinates(shapely.line_interpolate_point(lines, start))
    b = shapely.get_coordinates(shapely.line_interpolate_point(lines, end))
    count = inner + 2
    piece = np.repeat(np.arange(len(lines)), count)
    position = np.arange(len(piece)) - np.repeat(np.cumsum(count) - count, count)
    out = np.empty((len(piece), 2))
    is_first = position == 0
    is_last = position == count[piece] - 1
    middle = ~is_first & ~is_last
    out[is_first] = a
    out[is_last] = b
    out[middle] = coords[lo[piece[middle]] + position[middle] - 1]
    return shapely.linestrings(out, indices=piece)
