"""BGT/IMGeo road parts (CityGML `TrafficArea` = wegdeel, `AuxiliaryTrafficArea` = ondersteunend wegdeel)
→ road surface assets, and street centreline segments derived from the carriageways.

What a PDOK download holds and how we read it (see ../shared/samples/README.md):

- Streamed with lxml `iterparse` per `cityObjectMember`; features are matched on namespace + local
  name (transportation 2.0), never on prefixes. A `.zip` download is read member by member.
- History is included: versions with `imgeo:eindRegistratie` are superseded and skipped, as are
  `bgt-status` `plan` objects; the current state is what is left. Should one `lokaalID` still have
  two current versions, the one registered last wins (counted in the summary).
- Geometry is a `gml:Polygon` (GML 3.1.1) whose rings are `LinearRing`s or `Ring`s of `Curve`
  segments mixing `LineStringSegment` and 3-point `Arc`s; arcs are densified (chord error ≤ 5 mm)
  before Shapely sees them, interior rings (holes) are kept.
- Mapping: discipline `road`; asset_type = BGT function (`rijbaan lokale weg`, `voetpad`, `berm`…)
  except the placeholder `transitie`; material = IMGeo-plus physical appearance (`asfalt`,
  `gebakken klinkers`…) where filled in, else the BGT one (`gesloten verharding`…); every BGT
  value is kept in attributes (`bgt_*`, `bronhouder`). Owner: `--org-map` (bronhouder →
  organisation), else the municipality's CBS code for `G####` bronhouders (`G0153` → `GM0153`),
  else the bronhouder code itself (an unknown organisation is then rejected by validation).
- Install year: BGT records no construction date. `creationDate` (objectBeginTijd) is the date the
  object entered the BGT, for most roads the initial registration (2010–2016): at best an upper
  bound. It is used only with `--unknown-install-year registration` (flagged as an estimate).

Derived segments (`--derive-segments`, `segments_from_road_polygons`): the carriageway parts
(`rijbaan …`, `woonerf`, `busbaan`) are dissolved and their medial axis is approximated by the
Voronoi diagram of the densified outline (the classic Voronoi skeleton): the Voronoi edges lying
strictly inside the polygon are merged into chains, dangling branches shorter than the local road
width are pruned, and each chain between two junctions becomes one segment with `width_m` = twice
the mean distance to the outline. Limits, honestly: junction areas and roundabouts give short or
ring-shaped chains; parking bays, bus stops and widenings give side branches when they are longer
than the road is wide; a road drawn in several BGT parts with gaps between them gives several
segments; names are unknown (BGT has none; join BAG/NWB for them). Good enough to link works and
assets to "the street they open"; not a road network for routing.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from lxml import etree
from shapely.geometry.base import BaseGeometry

from koppelkans.config import CRS, Settings
from koppelkans.errors import InputError, Problem
from koppelkans.io.mapping import (
    FormatImportReport,
    InstallYearPolicy,
    MappedRecords,
    OrganisationMap,
    import_mapped,
    years_from_dates,
)
from koppelkans.store import Repository

__all__ = [
    "BGT_FEATURES",
    "CARRIAGEWAY_FUNCTIONS",
    "GeometryError",
    "assets_from_bgt",
    "geometry_from_gml",
    "import_bgt",
    "read_bgt",
    "segments_from_bgt",
    "segments_from_road_polygons",
]

CITYGML_NS = "http://www.opengis.net/citygml/2.0"
TRANSPORTATION_NS = "http://www.opengis.net/citygml/transportation/2.0"
IMGEO_NS = "http://www.geostandaarden.nl/imgeo/2.1"
GML_ID = "{http://www.opengis.net/gml}id"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"

BGT_FEATURES = {"TrafficArea": "wegdeel", "AuxiliaryTrafficArea": "ondersteunend wegdeel"}
"""CityGML feature (transportation 2.0) → BGT object class."""

PLACEHOLDERS = frozenset({"transitie", "waardeOnbekend", "geenWaarde"})
"""BGT/IMGeo values that say 'not filled in'."""

CARRIAGEWAY_FUNCTIONS = ("rijbaan", "woonerf", "busbaan")
"""BGT functions (prefixes) whose parts make up the street a segment is derived from."""

ARC_CHORD_TOLERANCE_M = 0.005
"""The largest gap between a densified arc and the true circle."""


class GeometryError(ValueError):
    """A GML geometry that cannot be read (garbled coordinates, unsupported element)."""


# -- GML geometry (namespace-agnostic: GML 3.1.1 for BGT/GWSW, GML 3.2 for IMKL) ----------------
def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str | None = None) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and (name is None or _local(c.tag) == name)]


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
    lists = _children(element, "posList")
    if lists:
        text = lists[0].text or ""
        dim = _dimension(lists[0])
    else:
        positions = _children(element, "pos")
        if positions:
            rows = [_numbers(p.text or "") for p in positions]
            if any(len(r) not in (2, 3) for r in rows):
                raise GeometryError("a gml:pos holds neither 2 nor 3 numbers")
            return np.array([r[:2] for r in rows], dtype=float)
        legacy = _children(element, "coordinates")
        if not legacy:
            raise GeometryError(f"gml:{_local(element.tag)} has no coordinates")
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
    for segments in _children(curve, "segments"):
        for segment in _children(segments):
            kind = _local(segment.tag)
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
    kind = _local(element.tag)
    if kind in ("LineString", "LinearRing"):
        return _coordinates(element)
    if kind == "Curve":
        return _curve_coordinates(element)
    if kind == "Ring":
        members = [_single(m) for m in _children(element, "curveMember")]
        if not members:
            raise GeometryError("a gml:Ring without curveMember")
        parts = [_line_coordinates(m) for m in members]
        return _joined(parts)
    if kind == "OrientableCurve":
        return _line_coordinates(_single(_children(element, "baseCurve")[0]))
    raise GeometryError(f"gml:{kind} is not a line")


def _single(property_element: etree._Element) -> etree._Element:
    children = _children(property_element)
    if len(children) != 1:
        raise GeometryError(f"gml:{_local(property_element.tag)} should hold one geometry, holds {len(children)}")
    return children[0]


def _polygon(element: etree._Element) -> shapely.Polygon:
    exterior = [_single(e) for e in _children(element, "exterior") + _children(element, "outerBoundaryIs")]
    if len(exterior) != 1:
        raise GeometryError("a gml:Polygon needs one exterior ring")
    interiors = [_single(i) for i in _children(element, "interior") + _children(element, "innerBoundaryIs")]
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
    kind = _local(element.tag)
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
        patches = [p for ps in _children(element, "patches") for p in _children(ps)]
        polygons = [_polygon(p) for p in patches]
        return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
    if kind in ("MultiCurve", "MultiLineString", "MultiSurface", "MultiPolygon", "MultiPoint", "CompositeCurve"):
        members = [
            member
            for holder in _children(element)
            for member in (_children(holder) if _local(holder.tag).endswith("Members") else [_single(holder)])
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
    children = _children(holder)
    if not children:
        raise GeometryError(f"{_local(holder.tag)} holds no geometry")
    return geometry_from_gml(children[0])


# -- reading a BGT file ------------------------------------------------------------------------
@contextmanager
def _opened(path: Path) -> Iterator[list[tuple[str, IO[bytes]]]]:
    """The GML streams of a .gml file or of the wegdeel members of a PDOK .zip download."""
    if path.suffix.lower() != ".zip":
        with path.open("rb") as handle:
            yield [(path.name, handle)]
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(f"{path.name}: not a zip file (empty or damaged)") from None
    with archive:
        names = [n for n in archive.namelist() if n.lower().endswith((".gml", ".xml"))]
        wanted = [n for n in names if "wegdeel" in Path(n).name.lower()] or names
        if not wanted:
            raise InputError(f"{path.name}: the zip holds no .gml file")
        streams = [(n, archive.open(n)) for n in wanted]
        try:
            yield streams
        finally:
            for _, stream in streams:
                stream.close()


def _text(element: etree._Element, namespace: str, name: str) -> str | None:
    child = element.find(f"{{{namespace}}}{name}")
    if child is None or child.get(XSI_NIL) == "true":
        return None
    text = (child.text or "").strip()
    return text or None


def _lokaal_id(feature: etree._Element) -> str | None:
    node = feature.find(f"{{{IMGEO_NS}}}identificatie/{{{IMGEO_NS}}}NEN3610ID/{{{IMGEO_NS}}}lokaalID")
    return None if node is None or not (node.text or "").strip() else node.text.strip()


_COLUMNS = (
    "gml_id",
    "lokaal_id",
    "bgt_object",
    "bronhouder",
    "function",
    "surface",
    "plus_function",
    "plus_surface",
    "creation_date",
    "registered",
    "hoogteligging",
    "in_onderzoek",
    "geometry",
)


def read_bgt(path: str | Path) -> tuple[pd.DataFrame, list[Problem], dict[str, int]]:
    """The current BGT road parts of a file as one row each (raw BGT values, geometry), problems and skips."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file: {path}")
    rows: dict[str, list[Any]] = {c: [] for c in _COLUMNS}
    problems: list[Problem] = []
    skipped: dict[str, int] = {}
    other: dict[str, int] = {}
    members = 0
    with _opened(path) as streams:
        for name, stream in streams:
            try:
                for feature in _features(stream):
                    members += 1
                    namespace, _, kind = feature.tag.rpartition("}")
                    if kind not in BGT_FEATURES or namespace.lstrip("{") != TRANSPORTATION_NS:
                        other[feature.tag] = other.get(feature.tag, 0) + 1
                        continue
                    _read_feature(feature, kind, rows, problems, skipped)
            except etree.XMLSyntaxError as exc:
                raise InputError(f"{name}: not well-formed XML ({exc.msg}, line {exc.lineno})") from None
    if members == 0:
        raise InputError(f"{path.name}: no CityGML cityObjectMember found; is this a BGT (IMGeo 2.1 CityGML) file?")
    if not rows["gml_id"] and not skipped and other:
        found = ", ".join(f"{n} × {t.strip('{')}" for t, n in list(other.items())[:3])
        raise InputError(
            f"{path.name}: no BGT wegdeel (TrafficArea) or ondersteunend wegdeel (AuxiliaryTrafficArea) in namespace "
            f"{TRANSPORTATION_NS}; found {found}"
        )
    for tag, n in other.items():
        skipped[f"{_local(tag)} (not a road part)"] = n
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in rows.items()})
    return _latest_versions(frame, skipped), problems, skipped


def _features(stream: IO[bytes]) -> Iterator[etree._Element]:
    """Each feature in a cityObjectMember, streamed; elements already handled are freed."""
    context = etree.iterparse(stream, events=("end",), tag=f"{{{CITYGML_NS}}}cityObjectMember", huge_tree=True)
    for _, member in context:
        yield from _children(member)
        member.clear(keep_tail=False)
        parent = member.getparent()
        if parent is not None:
            while member.getprevious() is not None:
                del parent[0]


def _read_feature(
    feature: etree._Element,
    kind: str,
    rows: dict[str, list[Any]],
    problems: list[Problem],
    skipped: dict[str, int],
) -> None:
    gml_id = feature.get(GML_ID)
    if _text(feature, IMGEO_NS, "eindRegistratie") is not None:
        skipped["historic versions (eindRegistratie)"] = skipped.get("historic versions (eindRegistratie)", 0) + 1
        return
    status = _text(feature, IMGEO_NS, "bgt-status")
    if status is not None and status != "bestaand":
        key = f"bgt-status {status}"
        skipped[key] = skipped.get(key, 0) + 1
        return
    geometry: BaseGeometry | None = None
    holder = next(
        (c for c in _children(feature) if _local(c.tag).startswith("geometrie2d") and _local(c.tag) != "geometrie2d"),
        None,
    )
    try:
        if holder is None:
            raise GeometryError("no geometrie2dWegdeel")
        geometry = first_geometry(holder)
    except GeometryError as exc:
        problems.append(Problem(kind="assets", record=gml_id, field="geometry", reason=f"BGT {kind}: {exc}"))
        return
    values = {
        "gml_id": gml_id,
        "lokaal_id": _lokaal_id(feature),
        "bgt_object": BGT_FEATURES[kind],
        "bronhouder": _text(feature, IMGEO_NS, "bronhouder"),
        "function": _text(feature, TRANSPORTATION_NS, "function"),
        "surface": _text(feature, TRANSPORTATION_NS, "surfaceMaterial"),
        "plus_function": _text(feature, IMGEO_NS, "plus-functieWegdeel")
        or _text(feature, IMGEO_NS, "plus-functieOndersteunendWegdeel"),
        "plus_surface": _text(feature, IMGEO_NS, "plus-fysiekVoorkomenWegdeel")
        or _text(feature, IMGEO_NS, "plus-fysiekVoorkomenOndersteunendWegdeel"),
        "creation_date": _text(feature, CITYGML_NS, "creationDate"),
        "registered": _text(feature, IMGEO_NS, "tijdstipRegistratie"),
        "hoogteligging": _text(feature, IMGEO_NS, "relatieveHoogteligging"),
        "in_onderzoek": _text(feature, IMGEO_NS, "inOnderzoek"),
        "geometry": geometry,
    }
    if values["lokaal_id"] is None:
        problems.append(Problem(kind="assets", record=gml_id, field="id", reason=f"BGT {kind} without lokaalID"))
        return
    for column, value in values.items():
        rows[column].append(value)


def _latest_versions(frame: pd.DataFrame, skipped: dict[str, int]) -> pd.DataFrame:
    """One row per lokaalID: the current version registered last."""
    if frame.empty:
        return frame
    ordered = frame.assign(_order=np.arange(len(frame))).sort_values(["lokaal_id", "registered", "_order"])
    latest = ordered.drop_duplicates("lokaal_id", keep="last").sort_values("_order").drop(columns="_order")
    dropped = len(frame) - len(latest)
    if dropped:
        skipped["older current versions of the same lokaalID"] = dropped
    return latest.reset_index(drop=True)


# -- mapping onto assets -----------------------------------------------------------------------
def _municipality_code(bronhouder: str) -> str:
    """BGT bronhouder `G0153` is municipality CBS code 0153: our organisation `GM0153`."""
    if len(bronhouder) == 5 and bronhouder[0] == "G" and bronhouder[1:].isdigit():
        return f"GM{bronhouder[1:]}"
    return bronhouder


def _filled(values: pd.Series) -> pd.Series:
    return values.where(~values.isin(PLACEHOLDERS) & values.notna(), None).astype(object)


def assets_from_bgt(
    path: str | Path,
    *,
    org_map: OrganisationMap | None = None,
    install_years: InstallYearPolicy | None = None,
) -> MappedRecords:
    """Road surface assets (polygons, discipline road) from the current road parts of a BGT file."""
    path = Path(path)
    raw, problems, skipped = read_bgt(path)
    return _assets(path, raw, problems, skipped, org_map=org_map, install_years=install_years)


def _assets(
    path: Path,
    raw: pd.DataFrame,
    problems: list[Problem],
    skipped: dict[str, int],
    *,
    org_map: OrganisationMap | None,
    install_years: InstallYearPolicy | None,
) -> MappedRecords:
    install_years = install_years or InstallYearPolicy()
    org_map = org_map or OrganisationMap()
    if raw.empty:
        return MappedRecords(
            kind="assets", source=str(path), records=pd.DataFrame(), problems=tuple(problems), skipped=skipped
        )
    organisation = org_map.resolve(raw["bronhouder"], fallback=_municipality_code)
    creation_years, _ = years_from_dates(raw["creation_date"])
    no_date = pd.Series([None] * len(raw), dtype="Int64")
    no_why = pd.Series(["BGT records no construction date"] * len(raw), dtype=object)
    years, unknown = install_years.resolve(
        no_date, no_why, registration=creation_years, registration_name="BGT creationDate", source_name="BGT"
    )
    ids = organisation.fillna(raw["bronhouder"]).astype(str) + ":" + raw["lokaal_id"]
    function, plus_function = _filled(raw["function"]), _filled(raw["plus_function"])
    surface, plus_surface = _filled(raw["surface"]), _filled(raw["plus_surface"])
    records = gpd.GeoDataFrame(
        {
            "id": ids,
            "organisation": organisation,
            "discipline": "road",
            "asset_type": function,
            "material": plus_surface.where(plus_surface.notna(), surface),
            **{c: years[c] for c in years.columns},
            "bgt_object": raw["bgt_object"],
            "bgt_lokaal_id": raw["lokaal_id"],
            "bgt_gml_id": raw["gml_id"],
            "bronhouder": raw["bronhouder"],
            "bgt_function": raw["function"],
            "bgt_surface_material": raw["surface"],
            "bgt_plus_function": plus_function,
            "bgt_plus_surface_material": plus_surface,
            "bgt_creation_date": raw["creation_date"],
            "relatieve_hoogteligging": pd.to_numeric(raw["hoogteligging"], errors="coerce").astype("Int64"),
            "in_onderzoek": raw["in_onderzoek"].map({"true": True, "false": False}).astype(object),
        },
        geometry=gpd.GeoSeries(list(raw["geometry"]), crs=CRS),
        crs=CRS,
    )
    rejected = unknown.notna().to_numpy()
    problems += [
        Problem(kind="assets", record=record_id, field="install_year", reason=reason)
        for record_id, reason in zip(records.loc[rejected, "id"], unknown[rejected])
    ]
    mapped = (
        records.assign(what=raw["bgt_object"] + ", " + raw["function"].fillna("no function") + " → road")["what"]
        .value_counts()
        .sort_index()
    )
    return MappedRecords(
        kind="assets",
        source=str(path),
        records=records.loc[~rejected].reset_index(drop=True),
        problems=tuple(problems),
        mapped={str(k): int(v) for k, v in mapped.items()},
        skipped=skipped,
        hints={
            "organisation": "map the bronhouder to one of your organisations with --org-map (bronhouder,organisation)"
        },
    )


# -- derived street segments -------------------------------------------------------------------
def segments_from_road_polygons(
    polygons: np.ndarray | gpd.GeoSeries,
    *,
    spacing_m: float = 1.0,
    min_length_m: float = 5.0,
    id_prefix: str = "BGT:S",
) -> gpd.GeoDataFrame:
    """Street centreline segments (id, width_m, LineString) from road polygons (module docstring: method and limits)."""
    geoms = np.asarray(polygons, dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)]
    empty = gpd.GeoDataFrame({"id": [], "width_m": []}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    if len(geoms) == 0:
        return empty
    dissolved = shapely.get_parts(shapely.make_valid(shapely.union_all(shapely.make_valid(geoms), grid_size=0.001)))
    dissolved = dissolved[np.isin(shapely.get_type_id(dissolved), (3, 6))]
    chains = [line for polygon in dissolved for line in _skeleton(polygon, spacing_m, min_length_m)]
    if not chains:
        return empty
    lines = np.array(chains, dtype=object)
    centroids = shapely.get_coordinates(shapely.centroid(lines))
    order = np.lexsort((np.round(centroids[:, 1], 1), np.round(centroids[:, 0], 1)))
    lines = lines[order]
    widths = _widths(lines, dissolved)
    return gpd.GeoDataFrame(
        {"id": [f"{id_prefix}{i + 1:05d}" for i in range(len(lines))], "width_m": np.round(widths, 1)},
        geometry=gpd.GeoSeries(lines, crs=CRS),
        crs=CRS,
    )


def _skeleton(polygon: BaseGeometry, spacing_m: float, min_length_m: float) -> list[BaseGeometry]:
    """The pruned Voronoi skeleton of one polygon as chains between junctions."""
    from scipy.spatial import Voronoi

    outline = shapely.segmentize(polygon.boundary, spacing_m)
    points = np.unique(np.round(shapely.get_coordinates(outline), 3), axis=0)
    if len(points) < 4:
        return []
    diagram = Voronoi(points)
    ridges = np.asarray(diagram.ridge_vertices)
    ridges = ridges[(ridges >= 0).all(axis=1)]
    vertices = diagram.vertices
    shapely.prepare(polygon)
    inside = shapely.contains_xy(polygon, vertices[:, 0], vertices[:, 1])
    ridges = ridges[inside[ridges].all(axis=1)]
    edges = shapely.linestrings(vertices[ridges])
    edges = edges[shapely.contains_properly(polygon, edges) & (shapely.length(edges) > 0)]
    if len(edges) == 0:
        return []
    chains = _chains(edges)
    boundary = polygon.boundary
    for _ in range(8):
        kept = _without_spurs(chains, boundary)
        if len(kept) == len(chains):
            break
        chains = _chains(kept)
    chains = shapely.simplify(chains, 0.25)
    return [c for c in chains if c.length >= min_length_m and shapely.get_type_id(c) == 1]


def _chains(lines: np.ndarray) -> np.ndarray:
    """Lines merged into maximal chains between junctions and ends."""
    merged = shapely.line_merge(shapely.multilinestrings(lines))
    return shapely.get_parts(merged)


def _without_spurs(chains: np.ndarray, boundary: BaseGeometry) -> np.ndarray:
    """Chains minus the dangling ones shorter than the road is wide where they leave the axis."""
    if len(chains) <= 1:
        return chains
    starts = shapely.get_coordinates(shapely.get_point(chains, 0))
    ends = shapely.get_coordinates(shapely.get_point(chains, -1))
    keys = np.round(np.concatenate([starts, ends]), 3)
    _, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    degree = counts[inverse.ravel()]
    start_degree, end_degree = degree[: len(chains)], degree[len(chains) :]
    dangling = (start_degree == 1) ^ (end_degree == 1)
    inner = np.where(start_degree == 1, shapely.points(ends), shapely.points(starts))
    width = 2.0 * shapely.distance(inner, boundary)
    spur = dangling & (shapely.length(chains) < np.maximum(1.5 * width, 2.0))
    return chains[~spur]


def _widths(lines: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Twice the mean distance from points along each line to the outline of the road it lies in."""
    fractions = np.linspace(0.1, 0.9, 9)
    samples = shapely.line_interpolate_point(lines[:, None], fractions[None, :], normalized=True)
    tree = shapely.STRtree(polygons)
    owner = tree.query_nearest(shapely.centroid(lines), all_matches=False)[1]
    outlines = shapely.boundary(polygons[owner])
    distances = shapely.distance(samples, outlines[:, None])
    return np.clip(2.0 * distances.mean(axis=1), 0.5, 200.0)


def segments_from_bgt(raw: pd.DataFrame, *, id_prefix: str = "BGT:S") -> gpd.GeoDataFrame:
    """Segments derived from the carriageway parts of BGT road parts as `read_bgt` returns them."""
    if raw.empty:
        return segments_from_road_polygons(np.array([], dtype=object))
    functions = raw["function"].fillna("").astype(str)
    carriageway = functions.str.startswith(CARRIAGEWAY_FUNCTIONS) & (raw["bgt_object"] == "wegdeel")
    polygons = np.asarray(raw.loc[carriageway, "geometry"], dtype=object)
    return segments_from_road_polygons(polygons, id_prefix=id_prefix)


# -- storing -----------------------------------------------------------------------------------
def import_bgt(
    store: Repository,
    path: str | Path,
    *,
    org_map: OrganisationMap | None = None,
    install_years: InstallYearPolicy | None = None,
    derive_segments: bool = False,
    dry_run: bool = False,
    replace: bool = False,
    settings: Settings | None = None,
    step: Callable[[str], None] | None = None,
) -> FormatImportReport:
    """Import BGT road parts as assets and, with `derive_segments`, the street segments derived from them.

    Both are checked before either is stored; the segments are stored first so that the assets are
    linked to them. (Two transactions: a store failure between them leaves the segments stored.)
    """
    step = step or (lambda _: None)
    path = Path(path)
    step(f"reading {path.name}")
    raw, problems, skipped = read_bgt(path)
    assets = _assets(path, raw, problems, skipped, org_map=org_map, install_years=install_years)
    if not derive_segments:
        return import_mapped(store, assets, dry_run=dry_run, replace=replace, settings=settings, step=step)
    step("deriving street centrelines")
    derived = segments_from_bgt(raw)
    segments = MappedRecords(
        kind="segments",
        source=str(path),
        records=derived,
        mapped={"BGT carriageways (rijbaan, woonerf, busbaan) → street centreline segments": len(derived)},
    )
    import_mapped(store, assets, dry_run=True, replace=replace, settings=settings)
    segment_report = import_mapped(store, segments, dry_run=dry_run, replace=replace, settings=settings, step=step)
    return import_mapped(
        store, assets, dry_run=dry_run, replace=replace, settings=settings, also=(segment_report,), step=step
    )
