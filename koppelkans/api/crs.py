"""The coordinate reference systems the API speaks: CRS84 (lon/lat, the default, RFC 7946 and OGC
API – Features) and EPSG:28992 (RD New, what the store holds), and the transformations between them."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from koppelkans.config import CRS
from koppelkans.domain.crs import transform_box, transform_geometries
from koppelkans.errors import InputError

__all__ = [
    "CRS84_URI",
    "RD_URI",
    "SUPPORTED_CRS",
    "bbox_polygon",
    "crs_from_request",
    "from_rd",
    "is_rd",
    "proj_name",
    "to_rd",
]

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
SUPPORTED_CRS = (CRS84_URI, RD_URI)
"""The CRS identifiers (OGC URIs) a client may ask for; the first is the default."""

_ALIASES = {
    CRS84_URI: CRS84_URI,
    "crs84": CRS84_URI,
    "ogc:crs84": CRS84_URI,
    # GeoJSON (RFC 7946) calls lon/lat "EPSG:4326"; the short form is taken in that lon/lat order.
    "epsg:4326": CRS84_URI,
    RD_URI: RD_URI,
    "epsg:28992": RD_URI,
}
_PROJ = {CRS84_URI: "OGC:CRS84", RD_URI: CRS}


def crs_from_request(value: str | None, *, field: str = "crs") -> str:
    """The OGC URI of a CRS named in a request (URI or short form); None means CRS84."""
    if value is None or not value.strip():
        return CRS84_URI
    key = value.strip()
    uri = _ALIASES.get(key) or _ALIASES.get(key.lower())
    if uri is None:
        raise InputError(
            f"unsupported {field} {value!r}; use {CRS84_URI} (lon/lat) or {RD_URI} (RD New)",
            field=field,
        )
    return uri


def is_rd(uri: str) -> bool:
    return uri == RD_URI


def proj_name(uri: str) -> str:
    """The pyproj name of a supported CRS URI (what `import_records` takes as `source_crs`)."""
    return _PROJ[uri]


def from_rd(geoms: np.ndarray, uri: str) -> np.ndarray:
    """Stored geometries (EPSG:28992) in the CRS a client asked for."""
    if is_rd(uri):
        return geoms
    return transform_geometries(np.asarray(geoms, dtype=object), CRS, _PROJ[uri])


def to_rd(geoms: np.ndarray, uri: str) -> np.ndarray:
    """Geometries in a client's CRS, in EPSG:28992."""
    if is_rd(uri):
        return geoms
    return transform_geometries(np.asarray(geoms, dtype=object), _PROJ[uri], CRS)


def bbox_polygon(text: str, uri: str, *, field: str = "bbox") -> BaseGeometry:
    """The EPSG:28992 polygon of a `minx,miny,maxx,maxy` box (6 numbers with heights) in a client's CRS.

    The box's edges are densified before transforming, so that the box keeps its shape in RD New.
    """
    try:
        numbers = [float(v) for v in text.split(",")]
    except ValueError:
        raise InputError(f"{field} must be 4 (or 6) comma-separated numbers, got {text!r}", field=field) from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(np.isfinite(numbers)):
        raise InputError(f"{field} must be 4 (or 6) comma-separated finite numbers, got {text!r}", field=field)
    minx, miny, maxx, maxy = numbers
    if minx > maxx or miny > maxy:
        raise InputError(f"{field} must be minx,miny,maxx,maxy with min <= max, got {text!r}", field=field)
    if not is_rd(uri) and not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InputError(f"{field} {text!r} is not a lon/lat box; name its CRS with bbox-crs", field=field)
    polygon = shapely.box(minx, miny, maxx, maxy) if is_rd(uri) else transform_box(numbers, _PROJ[uri], CRS)
    if not np.isfinite(shapely.bounds(polygon)).all():
        raise InputError(f"{field} {text!r} cannot be expressed in RD New", field=field)
    return polygon
