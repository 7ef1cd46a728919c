"""BGT/IMGeo road parts (CityGML `TrafficArea` = wegdeel, `AuxiliaryTrafficArea` = ondersteunend wegdeel)
→ road surface assets, and street centreline segments derived from the carriageways.

What a PDOK download holds and how we read it (see ../shared/samples/README.md):

- Streamed with lxml `iterparse` per `cityObjectMember`; features are matched on namespace + local
  name (transportation 2.0), never on prefixes. A `.zip` download is read member by member.
- History is included: versions with `imgeo:eindRegistratie` are superseded and skipped, as are
  `bgt-status` `plan` objects; the current state is what is left. Should one `lokaalID` still have
  two current versions, the one registered last wins (counted in the summary).
- Geometry is a `gml:Polygon` (GML 3.1.1) whose rings are `LinearRing`s or `Ring`s of `Curve`
  segments mixing `LineStringSegment` and 3-point `Arc`s; `koppelkans.io.gml` densifies the arcs
  (chord error ≤ 5 mm) before Shapely sees them and keeps interior rings (holes).
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
assets to "the street they open"; not a road network for routing. `road_parts_from_bgt` gives the
segments and the assets in the order the register stores them (in one transaction).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from lxml import etree
from shapely.geometry.base import BaseGeometry

from koppelkans.config import CRS
from koppelkans.errors import InputError, Problem
from koppelkans.io.gml import GeometryError, child_elements, first_geometry, local_name
from koppelkans.io.mapping import InstallYearPolicy, MappedRecords, OrganisationMap, years_from_dates

__all__ = [
    "BGT_FEATURES",
    "CARRIAGEWAY_FUNCTIONS",
    "assets_from_bgt",
    "read_bgt",
    "road_parts_from_bgt",
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
        skipped[f"{local_name(tag)} (not a road part)"] = n
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in rows.items()})
    return _latest_versions(frame, skipped), problems, skipped


def _features(stream: IO[bytes]) -> Iterator[etree._Element]:
    """Each feature in a cityObjectMember, streamed; elements already handled are freed."""
    context = etree.iterparse(stream, events=("end",), tag=f"{{{CITYGML_NS}}}cityObjectMember", huge_tree=True)
    for _, member in context:
        yield from child_elements(member)
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
        (
            c
            for c in child_elements(feature)
            if local_name(c.tag).startswith("geometrie2d") and local_name(c.tag) != "geometrie2d"
        ),
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


def road_parts_from_bgt(
    path: str | Path,
    *,
    org_map: OrganisationMap | None = None,
    install_years: InstallYearPolicy | None = None,
    derive_segments: bool = False,
) -> tuple[MappedRecords, ...]:
    """What a BGT file gives, in the order it must be stored: with `derive_segments` the street segments
    derived from its carriageways (so the road parts are linked to them), then the road surface assets.

    The file is read once; `koppelkans.register.import_mapped` stores both in one transaction.
    """
    path = Path(path)
    raw, problems, skipped = read_bgt(path)
    assets = _assets(path, raw, problems, skipped, org_map=org_map, install_years=install_years)
    if not derive_segments:
        return (assets,)
    derived = segments_from_bgt(raw)
    segments = MappedRecords(
        kind="segments",
        source=str(path),
        records=derived,
        mapped={"BGT carriageways (rijbaan, woonerf, busbaan) → street centreline segments": len(derived)},
    )
    return segments, assets
