"""The whole register as one QGIS-ready GeoPackage (`koppelkans export all PATH.gpkg`).

Layers, in import order, each with the columns of `koppelkans export KIND` (attributes as columns):

- `organisations`, `segment_links`: attribute tables (no geometry).
- `areas`, `segments`, `tasks`: one layer each (polygons, lines, polygons).
- `assets` and `works` mix points, lines and polygons; a QGIS layer (and its symbols) has one geometry
  type, so they are split: `assets_points`, `assets_lines`, `assets_polygons`, `works_…` (those that
  have records). `koppelkans import assets PATH.gpkg --layer assets_lines` reads one back.

Every map layer gets its default style in `layer_styles` (`koppelkans.io.qgis_styles`): assets by
discipline in the KLIC colours, works by status (the firmer the decision, the heavier the line) in
the colour of their discipline, tasks by theme, areas by level, segments in grey.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.domain.records import KINDS
from koppelkans.domain.vocabulary import AreaLevel, Discipline, TaskTheme, WorkStatus
from koppelkans.errors import InputError
from koppelkans.io.exchange import write_table
from koppelkans.io.qgis_styles import (
    Category,
    LayerStyle,
    SymbolType,
    categorized_style,
    single_symbol_style,
    write_layer_styles,
)

__all__ = ["GEOMETRY_LAYERS", "Legend", "layer_style", "package_layers", "write_package"]

GEOMETRY_LAYERS: dict[str, tuple[tuple[int, ...], SymbolType]] = {
    "points": ((0, 4), "marker"),
    "lines": ((1, 5), "line"),
    "polygons": ((3, 6), "fill"),
}
"""Layer suffix → the Shapely geometry type ids it holds (single and multi) and its QGIS symbol type."""

_MM_PER_WEB_PIXEL = 0.25
"""Web-map line widths (px) as QGIS millimetres: a 4 px planned work becomes a 1 mm line."""
_WORK_SWATCH = "#424242"
"""The legend swatch of a work status; on the map a work takes its discipline's colour."""


@dataclass(frozen=True, kw_only=True)
class Legend:
    """The map's colours (see `koppelkans.web.legend`): by discipline, by work status, by task theme."""

    disciplines: Mapping[str, str]
    statuses: Mapping[str, Mapping[str, Any]]
    """status → width (px on the web map), dash (in line widths) and opacity."""
    themes: Mapping[str, str]


def package_layers(records: Mapping[str, pd.DataFrame], links: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The package's layers from every kind's canonical records and the segment links (module docstring)."""
    layers: dict[str, pd.DataFrame] = {}
    for kind, spec in KINDS.items():
        frame = records[kind]
        dimensions = {_dimension(t) for t in spec.geometry_types}
        if len(dimensions) <= 1:
            layers[kind] = frame
            continue
        type_ids = shapely.get_type_id(np.asarray(frame.geometry.to_numpy(), dtype=object))
        for suffix, (ids, _) in GEOMETRY_LAYERS.items():
            subset = frame[np.isin(type_ids, ids)]
            if len(subset):
                layers[f"{kind}_{suffix}"] = subset.reset_index(drop=True)
    layers["segment_links"] = links
    return layers


def _dimension(geometry_type: str) -> str:
    return next(
        s for s, names in (("points", "Point"), ("lines", "Line"), ("polygons", "Polygon")) if names in geometry_type
    )


def write_package(
    records: Mapping[str, pd.DataFrame], links: pd.DataFrame, path: str | Path, *, legend: Legend
) -> dict[str, int]:
    """Write the package anew at `path` (.gpkg); returns the number of features per layer."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputError(f"{path.name}: `export all` writes a GeoPackage; give a path ending in .gpkg")
    layers = package_layers(records, links)
    path.unlink(missing_ok=True)
    written = {name: write_table(frame, path, kind=name) for name, frame in layers.items()}
    write_layer_styles(path, [s for name, frame in layers.items() if (s := layer_style(name, frame, legend))])
    return written


def layer_style(layer: str, frame: pd.DataFrame, legend: Legend) -> LayerStyle | None:
    """The default QGIS style of a package layer (None for attribute tables)."""
    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    kind, _, suffix = layer.partition("_")
    symbol = GEOMETRY_LAYERS[suffix][1] if suffix else {"areas": "fill", "segments": "line", "tasks": "fill"}[kind]
    if kind == "assets":
        categories = [
            Category(value=d.value, label=d.label, colour=legend.disciplines[d.value], width_mm=0.6) for d in Discipline
        ]
        return categorized_style(
            layer, symbol, "discipline", categories, description=f"{layer}: by discipline (KLIC colours)"
        )
    if kind == "works":
        categories = [
            Category(
                value=s.value,
                label=s.label,
                colour=_WORK_SWATCH,
                width_mm=float(legend.statuses[s.value]["width"]) * _MM_PER_WEB_PIXEL,
                dash=tuple(legend.statuses[s.value]["dash"]),
                opacity=float(legend.statuses[s.value]["opacity"]),
            )
            for s in WorkStatus
        ]
        return categorized_style(
            layer,
            symbol,
            "status",
            categories,
            colour_by=("discipline", dict(legend.disciplines)),
            description=f"{layer}: by status, coloured by discipline",
        )
    if kind == "tasks":
        categories = [
            Category(value=t.value, label=t.label, colour=legend.themes[t.value], width_mm=0.5) for t in TaskTheme
        ]
        return categorized_style(layer, symbol, "theme", categories, description=f"{layer}: by theme")
    if kind == "areas":
        widths = {"gemeente": 1.2, "wijk": 0.7, "buurt": 0.3}
        categories = [
            Category(value=a.value, label=a.label, colour="#263238", width_mm=widths[a.value], fill=False)
            for a in AreaLevel
        ]
        return categorized_style(layer, symbol, "level", categories, description=f"{layer}: outlines by level")
    return single_symbol_style(
        layer, symbol, Category(value="", label="straat", colour="#9e9e9e", width_mm=0.8), description="street segments"
    )
