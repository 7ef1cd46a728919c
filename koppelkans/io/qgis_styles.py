"""QGIS layer styles in a GeoPackage's `layer_styles` table, so that QGIS shows our colours on opening.

QGIS looks for a table `layer_styles` in the GeoPackage a layer comes from and applies the row for
that table and geometry column marked `useAsDefault`: the table QGIS itself writes when a style is
saved "in the datasource database" (columns f_table_catalog, f_table_schema, f_table_name,
f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui,
update_time), registered in `gpkg_contents` as an attribute table. Each row holds:

- `styleQML`: a QGIS 3 style document with a categorized renderer (`renderer-v2
  type="categorizedSymbol"`) on one attribute, a category per vocabulary code with its Dutch label,
  and a grey category for any other value; symbol-layer properties are written both as QGIS 3.16+
  `<Option type="Map">` and as the older `<prop k= v=>` so every QGIS 3 reads them. A second
  attribute may colour the symbols by a data-defined expression (works: categories by status,
  colour by discipline).
- `styleSLD`: the same rules as an OGC SLD 1.1 / SE 1.1 document (for GeoServer, MapServer), the
  data-defined colour as a GeoServer `Recode` function.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = [
    "FALLBACK_COLOUR",
    "Category",
    "LayerStyle",
    "SymbolType",
    "categorized_style",
    "single_symbol_style",
    "write_layer_styles",
]

SymbolType = Literal["marker", "line", "fill"]
"""QGIS symbol types: for point, line and polygon layers."""

FALLBACK_COLOUR = "#616161"
"""The colour of values a style has no category for."""

_LAYER_CLASS = {"marker": "SimpleMarker", "line": "SimpleLine", "fill": "SimpleFill"}
_GEOMETRY_TYPE = {"marker": "0", "line": "1", "fill": "2"}
_COLOUR_PROPERTY = {"marker": "fillColor", "line": "outlineColor", "fill": "fillColor"}
"""The data-defined property that colours each symbol type (QgsSymbolLayer property keys)."""
_PIXELS_PER_MM = 96 / 25.4
_QGIS_VERSION = "3.28.0-Firenze"

_SLD = "http://www.opengis.net/sld"
_SE = "http://www.opengis.net/se"
_OGC = "http://www.opengis.net/ogc"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True, kw_only=True)
class Category:
    """How features whose attribute holds `value` are drawn."""

    value: str
    label: str
    colour: str
    """`#rrggbb`."""
    width_mm: float = 0.6
    """Line width (lines, polygon outlines) or marker size / 4 (points)."""
    dash: Sequence[float] = ()
    """Dash pattern in line widths (dash, gap, …); empty is solid."""
    opacity: float = 1.0
    fill: bool = True
    """Polygons: filled (translucent) or outline only."""


@dataclass(frozen=True, kw_only=True)
class LayerStyle:
    """One row of `layer_styles`: the default style of a layer."""

    table: str
    name: str
    description: str
    qml: str
    sld: str


@dataclass(frozen=True, kw_only=True)
class _ColourBy:
    attribute: str
    colours: Mapping[str, str] = field(default_factory=dict)


def categorized_style(
    table: str,
    symbol_type: SymbolType,
    attribute: str,
    categories: Sequence[Category],
    *,
    colour_by: tuple[str, Mapping[str, str]] | None = None,
    description: str = "",
) -> LayerStyle:
    """A style drawing each category of `attribute` with its symbol, other values grey.

    Parameters
    ----------
    colour_by
        (attribute, value → `#rrggbb`): colour every symbol by this attribute instead (data-defined),
        so the categories differ only in width, dash and opacity.
    """
    by = None if colour_by is None else _ColourBy(attribute=colour_by[0], colours=colour_by[1])
    other = Category(value="", label="overig", colour=FALLBACK_COLOUR, width_mm=min(c.width_mm for c in categories))
    every = [*categories, other]
    return LayerStyle(
        table=table,
        name=table[:30],
        description=description or f"{table}: by {attribute}",
        qml=_qml(symbol_type, attribute, every, by),
        sld=_sld(table, symbol_type, attribute, every, by),
    )


def single_symbol_style(table: str, symbol_type: SymbolType, symbol: Category, *, description: str = "") -> LayerStyle:
    """A style drawing every feature with one symbol (e.g. the street segments)."""
    return LayerStyle(
        table=table,
        name=table[:30],
        description=description or table,
        qml=_qml(symbol_type, None, [symbol], None),
        sld=_sld(table, symbol_type, None, [symbol], None),
    )


# -- QML ---------------------------------------------------------------------------------------
def _qml(symbol_type: SymbolType, attribute: str | None, categories: Sequence[Category], by: _ColourBy | None) -> str:
    """A QGIS style document: categorized on `attribute`, or one symbol (the only category's) without one."""
    root = ElementTree.Element("qgis", {"version": _QGIS_VERSION, "styleCategories": "Symbology"})
    renderer = ElementTree.SubElement(
        root,
        "renderer-v2",
        {
            "type": "singleSymbol" if attribute is None else "categorizedSymbol",
            "symbollevels": "0",
            "forceraster": "0",
            "enableorderby": "0",
            "referencescale": "-1",
        },
    )
    symbols = ElementTree.SubElement(renderer, "symbols")
    if attribute is None:
        symbols.append(_symbol("0", symbol_type, categories[0], by))
    else:
        renderer.set("attr", attribute)
        listed = ElementTree.Element("categories")
        renderer.insert(0, listed)
        for i, category in enumerate(categories):
            ElementTree.SubElement(
                listed,
                "category",
                {
                    "value": category.value,
                    "label": category.label,
                    "symbol": str(i),
                    "render": "true",
                    "type": "string",
                },
            )
            symbols.append(_symbol(str(i), symbol_type, category, by))
        source = ElementTree.SubElement(renderer, "source-symbol")
        source.append(_symbol("0", symbol_type, categories[-1], by))
    ElementTree.SubElement(renderer, "rotation")
    ElementTree.SubElement(renderer, "sizescale")
    ElementTree.SubElement(root, "blendMode").text = "0"
    ElementTree.SubElement(root, "featureBlendMode").text = "0"
    ElementTree.SubElement(root, "layerGeometryType").text = _GEOMETRY_TYPE[symbol_type]
    ElementTree.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ElementTree.tostring(root, "unicode")


def _symbol(name: str, symbol_type: SymbolType, category: Category, by: _ColourBy | None) -> ElementTree.Element:
    symbol = ElementTree.Element(
        "symbol",
        {
            "type": symbol_type,
            "name": name,
            "alpha": f"{category.opacity:g}",
            "clip_to_extent": "1",
            "force_rhr": "0",
            "is_animated": "0",
            "frame_rate": "10",
        },
    )
    symbol.append(_data_defined({}))
    layer = ElementTree.SubElement(
        symbol, "layer", {"class": _LAYER_CLASS[symbol_type], "enabled": "1", "locked": "0", "pass": "0"}
    )
    properties = _properties(symbol_type, category)
    options = ElementTree.SubElement(layer, "Option", {"type": "Map"})
    for key, value in properties.items():
        ElementTree.SubElement(options, "Option", {"name": key, "value": value, "type": "QString"})
    for key, value in properties.items():  # QGIS before 3.16 reads these
        ElementTree.SubElement(layer, "prop", {"k": key, "v": value})
    expressions = {} if by is None else {_COLOUR_PROPERTY[symbol_type]: _colour_expression(by)}
    layer.append(_data_defined(expressions))
    return symbol


def _properties(symbol_type: SymbolType, category: Category) -> dict[str, str]:
    """The symbol layer's properties, as QGIS names them."""
    colour = _rgba(category.colour)
    if symbol_type == "marker":
        return {
            "name": "circle",
            "color": colour,
            "outline_color": "255,255,255,255",
            "outline_style": "solid",
            "outline_width": "0.2",
            "outline_width_unit": "MM",
            "size": f"{4 * category.width_mm:g}",
            "size_unit": "MM",
            "angle": "0",
            "offset": "0,0",
            "offset_unit": "MM",
            "scale_method": "diameter",
            "joinstyle": "bevel",
        }
    if symbol_type == "line":
        dashed = bool(category.dash)
        return {
            "line_color": colour,
            "line_width": f"{category.width_mm:g}",
            "line_width_unit": "MM",
            "line_style": "solid",
            "capstyle": "round",
            "joinstyle": "round",
            "use_custom_dash": "1" if dashed else "0",
            "customdash": ";".join(f"{d * category.width_mm:g}" for d in category.dash) if dashed else "5;2",
            "customdash_unit": "MM",
            "offset": "0",
            "offset_unit": "MM",
        }
    return {
        "color": _rgba(category.colour, alpha=0.35) if category.fill else "0,0,0,0",
        "style": "solid" if category.fill else "no",
        "outline_color": colour,
        "outline_style": "dash" if category.dash else "solid",
        "outline_width": f"{category.width_mm:g}",
        "outline_width_unit": "MM",
        "joinstyle": "round",
        "offset": "0,0",
        "offset_unit": "MM",
    }


def _data_defined(expressions: Mapping[str, str]) -> ElementTree.Element:
    """A `data_defined_properties` element: property key → QGIS expression (type 3 = expression)."""
    holder = ElementTree.Element("data_defined_properties")
    collection = ElementTree.SubElement(holder, "Option", {"type": "Map"})
    ElementTree.SubElement(collection, "Option", {"name": "name", "value": "", "type": "QString"})
    properties = ElementTree.SubElement(collection, "Option", {"name": "properties"})
    if expressions:
        properties.set("type", "Map")
    for key, expression in expressions.items():
        entry = ElementTree.SubElement(properties, "Option", {"name": key, "type": "Map"})
        ElementTree.SubElement(entry, "Option", {"name": "active", "value": "true", "type": "bool"})
        ElementTree.SubElement(entry, "Option", {"name": "expression", "value": expression, "type": "QString"})
        ElementTree.SubElement(entry, "Option", {"name": "type", "value": "3", "type": "int"})
    ElementTree.SubElement(collection, "Option", {"name": "type", "value": "collection", "type": "QString"})
    return holder


def _colour_expression(by: _ColourBy) -> str:
    """`CASE WHEN "discipline" = 'sewer' THEN '123,63,152,255' … ELSE '<grey>' END`."""
    whens = " ".join(
        f"WHEN \"{by.attribute}\" = '{value}' THEN '{_rgba(colour)}'" for value, colour in by.colours.items()
    )
    return f"CASE {whens} ELSE '{_rgba(FALLBACK_COLOUR)}' END"


def _rgba(colour: str, *, alpha: float = 1.0) -> str:
    """`#e53935` → `229,57,53,255` (QGIS colour strings)."""
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return f"{red},{green},{blue},{round(alpha * 255)}"


# -- SLD ---------------------------------------------------------------------------------------
def _sld(
    table: str, symbol_type: SymbolType, attribute: str | None, categories: Sequence[Category], by: _ColourBy | None
) -> str:
    """The rules of a style as SLD 1.1: a filter per category, an ElseFilter for other values."""
    ElementTree.register_namespace("", _SLD)
    ElementTree.register_namespace("se", _SE)
    ElementTree.register_namespace("ogc", _OGC)
    ElementTree.register_namespace("xsi", _XSI)
    root = ElementTree.Element(
        f"{{{_SLD}}}StyledLayerDescriptor",
        {
            "version": "1.1.0",
            f"{{{_XSI}}}schemaLocation": f"{_SLD} http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd",
        },
    )
    layer = ElementTree.SubElement(root, f"{{{_SLD}}}NamedLayer")
    ElementTree.SubElement(layer, f"{{{_SE}}}Name").text = table
    style = ElementTree.SubElement(layer, f"{{{_SLD}}}UserStyle")
    ElementTree.SubElement(style, f"{{{_SE}}}Name").text = table
    feature_style = ElementTree.SubElement(style, f"{{{_SE}}}FeatureTypeStyle")
    for category in categories:
        rule = ElementTree.SubElement(feature_style, f"{{{_SE}}}Rule")
        ElementTree.SubElement(rule, f"{{{_SE}}}Name").text = category.label
        description = ElementTree.SubElement(rule, f"{{{_SE}}}Description")
        ElementTree.SubElement(description, f"{{{_SE}}}Title").text = category.label
        if attribute is None:
            pass
        elif category.value:
            condition = ElementTree.SubElement(
                ElementTree.SubElement(rule, f"{{{_OGC}}}Filter"), f"{{{_OGC}}}PropertyIsEqualTo"
            )
            ElementTree.SubElement(condition, f"{{{_OGC}}}PropertyName").text = attribute
            ElementTree.SubElement(condition, f"{{{_OGC}}}Literal").text = category.value
        else:
            ElementTree.SubElement(rule, f"{{{_SE}}}ElseFilter")
        rule.append(_symbolizer(symbol_type, category, by))
    ElementTree.indent(root)
    return ElementTree.tostring(root, "unicode", xml_declaration=False)


def _symbolizer(symbol_type: SymbolType, category: Category, by: _ColourBy | None) -> ElementTree.Element:
    width = f"{category.width_mm * _PIXELS_PER_MM:.1f}"
    if symbol_type == "marker":
        symbolizer = ElementTree.Element(f"{{{_SE}}}PointSymbolizer")
        graphic = ElementTree.SubElement(symbolizer, f"{{{_SE}}}Graphic")
        mark = ElementTree.SubElement(graphic, f"{{{_SE}}}Mark")
        ElementTree.SubElement(mark, f"{{{_SE}}}WellKnownName").text = "circle"
        _parameter(ElementTree.SubElement(mark, f"{{{_SE}}}Fill"), "fill", category, by)
        ElementTree.SubElement(graphic, f"{{{_SE}}}Size").text = f"{4 * category.width_mm * _PIXELS_PER_MM:.1f}"
        return symbolizer
    if symbol_type == "line":
        symbolizer = ElementTree.Element(f"{{{_SE}}}LineSymbolizer")
        stroke = ElementTree.SubElement(symbolizer, f"{{{_SE}}}Stroke")
        _parameter(stroke, "stroke", category, by)
        ElementTree.SubElement(stroke, f"{{{_SE}}}SvgParameter", {"name": "stroke-width"}).text = width
        ElementTree.SubElement(
            stroke, f"{{{_SE}}}SvgParameter", {"name": "stroke-opacity"}
        ).text = f"{category.opacity:g}"
        if category.dash:
            dashes = " ".join(f"{d * category.width_mm * _PIXELS_PER_MM:.1f}" for d in category.dash)
            ElementTree.SubElement(stroke, f"{{{_SE}}}SvgParameter", {"name": "stroke-dasharray"}).text = dashes
        return symbolizer
    symbolizer = ElementTree.Element(f"{{{_SE}}}PolygonSymbolizer")
    if category.fill:
        fill = ElementTree.SubElement(symbolizer, f"{{{_SE}}}Fill")
        _parameter(fill, "fill", category, by)
        ElementTree.SubElement(fill, f"{{{_SE}}}SvgParameter", {"name": "fill-opacity"}).text = "0.35"
    stroke = ElementTree.SubElement(symbolizer, f"{{{_SE}}}Stroke")
    _parameter(stroke, "stroke", category, by)
    ElementTree.SubElement(stroke, f"{{{_SE}}}SvgParameter", {"name": "stroke-width"}).text = width
    return symbolizer


def _parameter(parent: ElementTree.Element, name: str, category: Category, by: _ColourBy | None) -> None:
    """A colour parameter: the category's colour, or a Recode of the colour-by attribute."""
    parameter = ElementTree.SubElement(parent, f"{{{_SE}}}SvgParameter", {"name": name})
    if by is None:
        parameter.text = category.colour
        return
    recode = ElementTree.SubElement(parameter, f"{{{_OGC}}}Function", {"name": "Recode"})
    ElementTree.SubElement(recode, f"{{{_OGC}}}PropertyName").text = by.attribute
    for value, colour in by.colours.items():
        ElementTree.SubElement(recode, f"{{{_OGC}}}Literal").text = value
        ElementTree.SubElement(recode, f"{{{_OGC}}}Literal").text = colour


# -- the table ---------------------------------------------------------------------------------
_CREATE = """CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
    styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT,
    owner TEXT(30), ui TEXT(30), update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"""


def write_layer_styles(path: str | Path, styles: Sequence[LayerStyle]) -> int:
    """Add `styles` as the default styles of their layers to a GeoPackage's `layer_styles` table.

    The table is created (and registered in gpkg_contents, as QGIS does) when missing; an earlier
    default of the same layer stops being the default. Returns the number of styles written.
    """
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(_CREATE)
        conn.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles', "
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
        )
        geometry_columns = dict(conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        for style in styles:
            column = geometry_columns.get(style.table, "")
            conn.execute(
                "UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ? AND f_geometry_column = ?",
                (style.table, column),
            )
            conn.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
                "VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', NULL)",
                (style.table, column, style.name, style.qml, style.sld, style.description),
            )
    return len(styles)
