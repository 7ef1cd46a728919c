"""GML geometry → Shapely, for every GML version our formats use (matched on local names, not namespaces).

BGT (IMGeo CityGML) and GWSW OroX carry GML 3.1.1 (`http://www.opengis.net/gml`), KLIC/IMKL GML 3.2
(`…/gml/3.2`); the geometry elements are the same. Handled: Point, LineString, Curve (LineStringSegment,
Arc, ArcString), LinearRing/Ring, Polygon (holes kept), Surface/PolygonPatch and the Multi* aggregates;
coordinates as posList, pos or the legacy gml:coordinates, 2D or 3D (z dropped). Circular arcs are
densified within `ARC_CHORD_TOLERANCE_M` before Shapely sees them. Anything else raises `GeometryError`,
which each format's reader turns into a problem naming the feature.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import numpy as np
import shapely
from lxml import etree
from shapely.geometry.base import BaseGeometry

__all__ = [
    "ARC_CHORD_TOLERANCE_M",
    "GeometryError",
    "arc_points",
    "child_elements",
    "first_geometry",
    "geometry_from_gml",
    "local_name",
]

ARC_CHORD_TOLERANCE_M = 0.005
"""The largest gap between a densified arc and the true circle."""


class GeometryError(ValueError):
    """A GML geometry that cannot be read (garbled coordinates, unsupported element)."""


def local_name(tag: Any) -> str:
    """`{namespace}Name` → `Name` (comments and processing instructions have no name: "")."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def child_elements(element: etree._Element, name: str | None = None) -> list[etree._Element]:
    """The element children of `element`, those with local name `name` when given."""
    return [c for c in element if isinstance(c.tag, str) and (name is None or local_name(c.tag) == name)]


def _dimension(element: etree._Element, default: int = 2) -> int:
    """srsDimension of a coordinate element or of the nearest geometry above it."""
    node: etree._Element | None = element
    while node is not None:
        value = node.get("srsDimension")
        if value:
            try:
                return int(value)
            except ValueError:
                raise GeometryError(f"srsDimension {value!r} is not a number") from None
        node = node.getparent()
    return default


def _coordinates(element: etree._Element) -> np.ndarray:
    """The (n, 2) x/y coordinates of a posList, a run of pos elements, or a gml:coordinates."""
    lists = child_elements(element, "posList")
    if lists:
        text = lists[0].text or ""
        dim = _dimension(lists[0])
    else:
        positions = child_elements(element, "pos")
        if positions:
            rows = [_numbers(p.text or "") for p in positions]
            if any(len(r) not in (2, 3) for r in rows):
                raise GeometryError("a gml:pos holds neither 2 nor 3 numbers")
            return np.array([r[:2] for r in rows], dtype=float)
        legacy = child_elements(element, "coordinates")
        if not legacy:
            raise GeometryError(f"gml:{local_name(element.tag)} has no coordinates")
        text = " ".join((legacy[0].text or "").replace(",", " ").split())
        dim = 2
    values = _numbers(text)
    if dim not in (2, 3) or len(values) % dim or not len(values):
        raise GeometryError(f"{len(values)} numbers do not make {dim}-dimensional coordinates")
    return values.reshape(-1, dim)[:, :2]


def _numbers(text: str) -> np.ndarray:
    try:
        return np.array(text.split(), dtype=float)
    except ValueError:
        raise GeometryError(f"coordinates {text.strip()[:40]!r} are not numbers") from None


def arc_points(points: np.ndarray) -> np.ndarray:
    """Densify a 3-point circular arc (start, any point on it, end) into a polyline within the chord tolerance."""
    origin = points[0]
    (x1, y1), (x2, y2), (x3, y3) = points - origin  # RD coordinates are large: compute near the origin
    d = 2.0 * (x1 * (y2 - y3) + x2 * (y3 - y1) + x3 * (y1 - y2))
    if abs(d) < 1e-9:  # collinear: the 'arc' is a straight line
        return points
    s1, s2, s3 = x1 * x1 + y1 * y1, x2 * x2 + y2 * y2, x3 * x3 + y3 * y3
    cx = (s1 * (y2 - y3) + s2 * (y3 - y1) + s3 * (y1 - y2)) / d
    cy = (s1 * (x3 - x2) + s2 * (x1 - x3) + s3 * (x2 - x1)) / d
    radius = math.hypot(x1 - cx, y1 - cy)
    a1, _, a3 = (math.atan2(y - cy, x - cx) for x, y in ((x1, y1), (x2, y2), (x3, y3)))
    counter_clockwise = d > 0
    sweep = (a3 - a1) % (2 * math.pi) if counter_clockwise else -((a1 - a3) % (2 * math.pi))
    if radius <= ARC_CHORD_TOLERANCE_M:
        return points
    step = 2.0 * math.acos(max(-1.0, 1.0 - ARC_CHORD_TOLERANCE_M / radius))
    n = max(2, min(720, math.ceil(abs(sweep) / step)))
    angles = a1 + sweep * np.linspace(0.0, 1.0, n + 1)
    dense = np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)]) + origin
    dense[0], dense[-1] = points[0], points[2]
    return dense


def _curve_coordinates(curve: etree._Element) -> np.ndarray:
    """Coordinates of a gml:Curve: its segments in order, arcs densified, shared joints once."""
    parts: list[np.ndarray] = []
    for segments in child_elements(curve, "segments"):
        for segment in child_elements(segments):
            kind = local_name(segment.tag)
            coords = _coordinates(segment)
            if kind in ("LineStringSegment", "GeodesicString"):
                parts.append(coords)
            elif kind in ("Arc", "ArcString"):
                if len(coords) < 3 or len(coords) % 2 == 0:
                    raise GeometryError(f"a gml:{kind} needs an odd number (≥ 3) of points, got {len(coords)}")
                for i in range(0, len(coords) - 2, 2):
                    parts.append(arc_points(coords[i : i + 3]))
            else:
                raise GeometryError(f"unsupported curve segment gml:{kind}")
    if not parts:
        raise GeometryError("a gml:Curve without segments")
    return _joined(parts)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """Consecutive coordinate runs as one, a joint shared by two runs kept once."""
    return np.concatenate([parts[0]] + [p[1:] if np.allclose(p[0], q[-1]) else p for q, p in pairwise(parts)])


def _line_coordinates(element: etree._Element) -> np.ndarray:
    kind = local_name(element.tag)
    if kind in ("LineString", "LinearRing"):
        return _coordinates(element)
    if kind == "Curve":
        return _curve_coordinates(element)
    if kind == "Ring":
        members = [_single(m) for m in child_elements(element, "curveMember")]
        if not members:
            raise GeometryError("a gml:Ring without curveMember")
        parts = [_line_coordinates(m) for m in members]
        return _joined(parts)
    if kind == "OrientableCurve":
        return _line_coordinates(_single(child_elements(element, "baseCurve")[0]))
    raise GeometryError(f"gml:{kind} is not a line")


def _single(property_element: etree._Element) -> etree._Element:
    children = child_elements(property_element)
    if len(children) != 1:
        raise GeometryError(f"gml:{local_name(property_element.tag)} should hold one geometry, holds {len(children)}")
    return children[0]


def _polygon(element: etree._Element) -> shapely.Polygon:
    exterior = [_single(e) for e in child_elements(element, "exterior") + child_elements(element, "outerBoundaryIs")]
    if len(exterior) != 1:
        raise GeometryError("a gml:Polygon needs one exterior ring")
    interiors = [_single(i) for i in child_elements(element, "interior") + child_elements(element, "innerBoundaryIs")]
    rings = [_line_coordinates(r) for r in (*exterior, *interiors)]
    for ring in rings:
        if len(ring) < 4 or not np.allclose(ring[0], ring[-1]):
            raise GeometryError("a polygon ring must be closed and have at least 4 points")
    return shapely.Polygon(rings[0], rings[1:])


def geometry_from_gml(element: etree._Element) -> BaseGeometry:
    """A Shapely geometry (2D) from a GML geometry element of any GML version (matched on local names).

    Handles Point, LineString, Curve (LineStringSegment, Arc, ArcString), LinearRing/Ring, Polygon
    (holes kept), Surface/PolygonPatch and the Multi* aggregates; raises GeometryError otherwise.
    """
    kind = local_name(element.tag)
    if kind == "Point":
        coords = _coordinates(element)
        if len(coords) != 1:
            raise GeometryError("a gml:Point needs one position")
        return shapely.Point(coords[0])
    if kind in ("LineString", "Curve", "OrientableCurve", "LinearRing", "Ring"):
        coords = _line_coordinates(element)
        if len(coords) < 2:
            raise GeometryError(f"a gml:{kind} needs at least 2 points")
        return shapely.LineString(coords)
    if kind == "Polygon":
        return _polygon(element)
    if kind == "Surface":
        patches = [p for ps in child_elements(element, "patches") for p in child_elements(ps)]
        polygons = [_polygon(p) for p in patches]
        return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
    if kind in ("MultiCurve", "MultiLineString", "MultiSurface", "MultiPolygon", "MultiPoint", "CompositeCurve"):
        members = [
            member
            for holder in child_elements(element)
            for member in (child_elements(holder) if local_name(holder.tag).endswith("Members") else [_single(holder)])
        ]
        parts = [geometry_from_gml(m) for m in members]
        if not parts:
            raise GeometryError(f"an empty gml:{kind}")
        if kind == "CompositeCurve":
            return shapely.line_merge(shapely.MultiLineString(parts))
        if kind in ("MultiSurface", "MultiPolygon"):
            return shapely.MultiPolygon([q for p in parts for q in getattr(p, "geoms", [p])])
        if kind == "MultiPoint":
            return shapely.MultiPoint(parts)
        return shapely.MultiLineString(parts)
    raise GeometryError(f"unsupported geometry gml:{kind}")


def first_geometry(holder: etree._Element) -> BaseGeometry:
    """The geometry inside a property element (e.g. `imgeo:geometrie2dWegdeel`)."""
    children = child_elements(holder)
    if not children:
        raise GeometryError(f"{local_name(holder.tag)} holds no geometry")
    return geometry_from_gml(children[0])
