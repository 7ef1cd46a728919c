"""GWSW sewer data → sewer assets: pipes (lines) and manholes (points).

Two exchange forms of the GWSW (Gegevenswoordenboek Stedelijk Water, Stichting RIONED):

**GWSW-Hyd (hydx)**: a folder (or .zip) of semicolon CSV files. Pipes are the `Verbinding.csv`
rows of type GSL (closed pipe), ITR (infiltration sewer) and OPL (open channel) between two
`Knooppunt.csv` nodes, a straight line from KN1 to KN2; the profile (`Profiel.csv`, via PRO_IDE)
gives material, shape and width/height in mm. Pumps, weirs and orifices (PMP, OVS, DRL) are
structures, not pipes: skipped and counted. Manholes are the nodes of type INS (inspection
manhole), ITP (infiltration manhole) and UIT (outlet); compartments (CMP) of one structure (same
PUT_IDE) become one asset. Invert levels (BOB_KN1/BOB_KN2, m NAP) and ground levels stay in
attributes; depth_m = ground level − invert level, averaged over both ends. Quirks handled: header
names with trailing spaces, decimal commas next to decimal points, empty string = no value.

Hydx has **no install year** and the example data uses **local coordinates** (0–400 × 0–500), not
RD New. Both are decisions for the user, never guesses: coordinates outside the Netherlands stop
the import with an error naming their extent, unless `offset=(dx, dy)` (CLI `--offset DX,DY`)
shifts them into RD New (kept in attribute `coordinate_offset`); missing years follow the
`InstallYearPolicy` (reject, or a named year flagged as an estimate).

**GWSW OroX (Turtle, RDF)**: parsed with rdflib into a graph (one subject is spread over many
statements). Every value is an aspect node (`gwsw:hasAspect [ a gwsw:MateriaalLeiding ;
gwsw:hasReference gwsw:Beton ]`). Objects with a `Leidingorientatie` are pipes, with a
`Putorientatie` manholes; other orientations (compartments, fittings, structures, areas) are
skipped and counted. Geometry: orientation → `Lijn`/`Punt` aspect → `geo:gmlLiteral` in the old
GML namespace without srsName (RD New implied; z dropped). Width from `DiameterLeiding`, else
`BreedteLeiding`; install year from `Begindatum` unless it is the placeholder `1970-01-01`.

Neither form names an owner: `organisation` (CLI `--organisation`) says whose sewer it is.
Ids are `<organisation>:<hydx UNI_IDE>` or `<organisation>:<OroX local name>`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from lxml import etree

from koppelkans.config import CRS, NL_BOUNDS_RD
from koppelkans.errors import InputError, Problem
from koppelkans.io.gml import GeometryError, geometry_from_gml
from koppelkans.io.mapping import InstallYearPolicy, MappedRecords, years_from_dates

__all__ = [
    "HYDX_MATERIALS",
    "assets_from_gwsw",
    "assets_from_hydx",
    "assets_from_orox",
    "read_hydx",
]

HYDX_MATERIALS = {
    "BET": "beton",
    "PVC": "PVC",
    "GRE": "gres",
    "GIJ": "gietijzer",
    "MSW": "metselwerk",
    "HPE": "PE",
    "PPE": "PP",
    "STL": "staal",
    "PIJ": "plaatijzer",
    "GVP": "GVK",
    "AST": "asbestcement",
    "HDY": "hout",
}
"""GWSW-Hyd material codes → the Dutch names our survival models know (the code stays in `material_code`)."""

_HYDX_PIPES = {"GSL": "gesloten leiding", "ITR": "infiltratieriool", "OPL": "open leiding"}
_HYDX_STRUCTURES = {"PMP": "pomp", "OVS": "overstortdrempel", "DRL": "doorlaat"}
_HYDX_COLLECTION = {"GMD": "gemengd riool", "HWA": "hemelwaterriool", "DWA": "vuilwaterriool"}
_HYDX_NODES = {"INS": "inspectieput", "ITP": "infiltratieput", "UIT": "uitlaat"}


def assets_from_gwsw(
    path: str | Path,
    *,
    organisation: str | None,
    install_years: InstallYearPolicy | None = None,
    offset: tuple[float, float] | None = None,
) -> MappedRecords:
    """Sewer assets from GWSW data: OroX Turtle (.ttl) or a hydx folder/.zip/CSV file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file or folder: {path}")
    if not organisation:
        raise InputError(
            "GWSW data names no owner; say whose sewer it is with --organisation CODE (e.g. GM0153-RIO)",
            field="organisation",
        )
    install_years = install_years or InstallYearPolicy()
    if path.suffix.lower() in (".ttl", ".turtle"):
        return assets_from_orox(path, organisation=organisation, install_years=install_years, offset=offset)
    return assets_from_hydx(path, organisation=organisation, install_years=install_years, offset=offset)


# -- hydx --------------------------------------------------------------------------------------
def read_hydx(path: str | Path) -> dict[str, pd.DataFrame]:
    """The hydx tables of a folder, .zip or one of its CSV files: {file stem (lower case): text table}."""
    path = Path(path)
    files: dict[str, bytes] = {}
    if path.is_dir():
        files = {p.stem.lower(): p.read_bytes() for p in path.iterdir() if p.suffix.lower() == ".csv"}
    elif path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                files = {
                    Path(n).stem.lower(): archive.read(n) for n in archive.namelist() if n.lower().endswith(".csv")
                }
        except zipfile.BadZipFile:
            raise InputError(f"{path.name}: not a zip file (empty or damaged)") from None
    elif path.suffix.lower() == ".csv":
        files = {p.stem.lower(): p.read_bytes() for p in path.parent.iterdir() if p.suffix.lower() == ".csv"}
    else:
        raise InputError(f"{path.name}: GWSW data is a .ttl file (OroX) or a hydx folder, .zip or .csv")
    missing = [name for name in ("knooppunt", "verbinding") if name not in files]
    if missing:
        raise InputError(
            f"{path.name}: not a GWSW-Hyd (hydx) dataset: {', '.join(n.capitalize() + '.csv' for n in missing)} missing"
        )
    return {name: _hydx_table(name, data) for name, data in files.items()}


def _hydx_table(name: str, data: bytes) -> pd.DataFrame:
    """One hydx CSV as text: `;`-separated, header names stripped, empty cells None."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if not text.strip():
        raise InputError(f"{name.capitalize()}.csv is empty")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False, quoting=3)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{name.capitalize()}.csv: cannot read it as ;-separated hydx: {exc}") from None
    frame.columns = [str(c).strip().upper() for c in frame.columns]
    frame = frame.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    return frame.where(frame != "", None)


def _require(table: pd.DataFrame, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"{name}.csv lacks the column(s) {', '.join(missing)}; is this GWSW-Hyd (hydx)?")


def _number(values: pd.Series) -> pd.Series:
    """Numbers written with a decimal point or comma; anything else (also `inf`, `nan`) is NaN."""
    numbers = pd.to_numeric(
        values.astype(object).map(lambda v: v.replace(",", ".") if isinstance(v, str) else v), errors="coerce"
    )
    return numbers.where(np.isfinite(numbers.astype(float)))


def assets_from_hydx(
    path: str | Path,
    *,
    organisation: str,
    install_years: InstallYearPolicy,
    offset: tuple[float, float] | None = None,
) -> MappedRecords:
    """Sewer pipes and manholes from a GWSW-Hyd dataset (see the module docstring)."""
    path = Path(path)
    tables = read_hydx(path)
    nodes, links = tables["knooppunt"], tables["verbinding"]
    _require(nodes, "Knooppunt", ("UNI_IDE", "KNP_XCO", "KNP_YCO", "KNP_TYP"))
    _require(links, "Verbinding", ("UNI_IDE", "KN1_IDE", "KN2_IDE", "VRB_TYP"))
    problems: list[Problem] = []
    duplicates: dict[str, int] = {}
    nodes = _unique_rows(nodes, "Knooppunt", organisation, problems, duplicates)
    links = _unique_rows(links, "Verbinding", organisation, problems, duplicates)
    x, y = _number(nodes["KNP_XCO"]), _number(nodes["KNP_YCO"])
    bad_xy = x.isna() | y.isna()
    problems += [
        Problem(
            kind="assets", record=f"{organisation}:{uid}", field="geometry", reason="Knooppunt without KNP_XCO/KNP_YCO"
        )
        for uid in nodes.loc[bad_xy, "UNI_IDE"]
    ]
    x, y = _placed(x, y, offset, source=path.name)
    nodes = nodes.assign(_x=x, _y=y, _ground=_number(_col(nodes, "MVD_NIV")))
    pipes, pipe_problems, skipped = _hydx_pipes(links, nodes, tables.get("profiel"), organisation)
    manholes, manhole_problems = _hydx_manholes(nodes[~bad_xy], organisation)
    problems += pipe_problems + manhole_problems
    records = pd.concat([pipes, manholes], ignore_index=True)
    no_year = pd.Series([None] * len(records), dtype="Int64")
    why = pd.Series(["GWSW-Hyd has no install-year column"] * len(records), dtype=object)
    years, unknown = install_years.resolve(no_year, why, source_name="hydx")
    records = pd.concat([records, years], axis=1)
    if offset is not None:
        records["coordinate_offset"] = f"{offset[0]:g},{offset[1]:g}"
    mapped = records["asset_type"].map(lambda t: f"hydx {t} → sewer").value_counts().sort_index()
    return _finish(path, records, problems, unknown, mapped, {**skipped, **duplicates})


def _unique_rows(
    table: pd.DataFrame, name: str, organisation: str, problems: list[Problem], duplicates: dict[str, int]
) -> pd.DataFrame:
    """Rows with a unique UNI_IDE: exact repeats dropped (counted), conflicting ones reported and dropped."""
    exact = table.duplicated(keep="first")
    if exact.any():
        duplicates[f"rows repeated verbatim in {name}.csv"] = int(exact.sum())
    table = table[~exact]
    conflicting = table["UNI_IDE"].duplicated(keep="first") & table["UNI_IDE"].notna()
    problems += [
        Problem(
            kind="assets",
            record=f"{organisation}:{uid}",
            field="id",
            reason=f"UNI_IDE {uid} appears more than once in {name}.csv with different values",
        )
        for uid in table.loc[conflicting, "UNI_IDE"]
    ]
    return table[~conflicting].reset_index(drop=True)


def _col(table: pd.DataFrame, name: str) -> pd.Series:
    return table[name] if name in table.columns else pd.Series([None] * len(table), index=table.index, dtype=object)


def _placed(
    x: pd.Series, y: pd.Series, offset: tuple[float, float] | None, *, source: str
) -> tuple[pd.Series, pd.Series]:
    """Coordinates in RD New: shifted by the offset, or an error when they lie outside the Netherlands."""
    if offset is not None:
        x, y = x + offset[0], y + offset[1]
    minx, miny, maxx, maxy = NL_BOUNDS_RD
    present = x.notna() & y.notna()
    outside = present & ~((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
    if outside.any():
        extent = f"x {x[present].min():g}–{x[present].max():g}, y {y[present].min():g}–{y[present].max():g}"
        advice = (
            "the offset does not place them in the Netherlands"
            if offset is not None
            else "they are local coordinates, not RD New (EPSG:28992); shift them with --offset DX,DY "
            "(e.g. --offset 257000,472000)"
        )
        raise InputError(
            f"{source}: {int(outside.sum())} nodes lie outside the Netherlands ({extent}); {advice}", field="geometry"
        )
    return x, y


def _hydx_pipes(
    links: pd.DataFrame, nodes: pd.DataFrame, profiles: pd.DataFrame | None, organisation: str
) -> tuple[pd.DataFrame, list[Problem], dict[str, int]]:
    kind = links["VRB_TYP"].fillna("")
    structures = kind.isin(_HYDX_STRUCTURES.keys())
    skipped = {
        f"hydx {_HYDX_STRUCTURES[k]} ({k}): a structure, not a pipe": int(n)
        for k, n in kind[structures].value_counts().sort_index().items()
    }
    other = ~structures & ~kind.isin(_HYDX_PIPES.keys())
    problems = [
        Problem(kind="assets", record=f"{organisation}:{uid}", field="asset_type", reason=f"unknown VRB_TYP {k!r}")
        for uid, k in zip(links.loc[other, "UNI_IDE"], kind[other])
    ]
    pipes = links[kind.isin(_HYDX_PIPES.keys())].reset_index(drop=True)
    by_id = nodes.drop_duplicates("UNI_IDE").set_index("UNI_IDE")
    start = by_id.reindex(pipes["KN1_IDE"])
    end = by_id.reindex(pipes["KN2_IDE"])
    ids = organisation + ":" + pipes["UNI_IDE"].astype(str)
    ends_known = start["_x"].notna().to_numpy() & end["_x"].notna().to_numpy()
    for record, a, b, s_ok, e_ok in zip(
        ids, pipes["KN1_IDE"], pipes["KN2_IDE"], start["_x"].notna(), end["_x"].notna()
    ):
        if not (s_ok and e_ok):
            missing = [n for n, ok in ((a, s_ok), (b, e_ok)) if not ok]
            absent = [n for n in missing if n not in by_id.index]
            unplaced = [n for n in missing if n in by_id.index]
            reasons = [f"node {', '.join(absent)} is not in Knooppunt.csv"] if absent else []
            reasons += [f"node {', '.join(unplaced)} has no KNP_XCO/KNP_YCO"] if unplaced else []
            problems.append(Problem(kind="assets", record=record, field="geometry", reason="; ".join(reasons)))
    coords = np.stack(
        [np.column_stack([start["_x"], start["_y"]]), np.column_stack([end["_x"], end["_y"]])], axis=1
    ).astype(float)
    geometry = np.full(len(pipes), None, dtype=object)
    geometry[ends_known] = shapely.linestrings(coords[ends_known])
    profile = (
        profiles.drop_duplicates("PRO_IDE").set_index("PRO_IDE").reindex(_col(pipes, "PRO_IDE"))
        if profiles is not None and "PRO_IDE" in profiles.columns
        else pd.DataFrame(index=range(len(pipes)))
    )
    material_code = _col(profile, "PRO_MAT").reset_index(drop=True)
    bob_start, bob_end = _number(_col(pipes, "BOB_KN1")), _number(_col(pipes, "BOB_KN2"))
    depth = pd.concat(
        [start["_ground"].reset_index(drop=True) - bob_start, end["_ground"].reset_index(drop=True) - bob_end], axis=1
    ).mean(axis=1)
    collection = _col(pipes, "INZ_TYP")
    asset_type = [
        _HYDX_COLLECTION.get(c, _HYDX_PIPES[k]) if k == "GSL" else _HYDX_PIPES[k]
        for k, c in zip(pipes["VRB_TYP"], collection)
    ]
    frame = gpd.GeoDataFrame(
        {
            "id": ids,
            "organisation": organisation,
            "discipline": "sewer",
            "asset_type": asset_type,
            "material": material_code.map(lambda m: HYDX_MATERIALS.get(m, m)).astype(object),
            "diameter_mm": _number(_col(profile, "PRO_BRE")).reset_index(drop=True),
            "depth_m": depth.where((depth >= 0) & (depth <= 30)).round(2),
            "material_code": material_code,
            "hydx_type": pipes["VRB_TYP"],
            "hydx_id": pipes["UNI_IDE"],
            "from_node": pipes["KN1_IDE"],
            "to_node": pipes["KN2_IDE"],
            "invert_level_start_m": bob_start,
            "invert_level_end_m": bob_end,
            "length_m": _number(_col(pipes, "VRB_LEN")),
            "collection": collection,
            "profile_id": _col(pipes, "PRO_IDE"),
            "profile_shape": _col(profile, "PRO_VRM").reset_index(drop=True),
            "height_mm": _number(_col(profile, "PRO_HGT")).reset_index(drop=True),
            "sewer_system": _col(pipes, "LEI_IDE"),
            "status": _col(pipes, "STA_OBJ"),
            "flow_direction": _col(pipes, "STR_RCH"),
            "depth_reference": "ground level − invert level (mean of both ends)",
        },
        geometry=gpd.GeoSeries(geometry, crs=CRS),
        crs=CRS,
    )
    return frame, problems, skipped


def _hydx_manholes(nodes: pd.DataFrame, organisation: str) -> tuple[pd.DataFrame, list[Problem]]:
    kind = nodes["KNP_TYP"].fillna("")
    single = nodes[kind.isin(_HYDX_NODES.keys())]
    compartments = nodes[kind == "CMP"]
    unknown = nodes[~kind.isin([*_HYDX_NODES.keys(), "CMP"])]
    problems = [
        Problem(kind="assets", record=f"{organisation}:{uid}", field="asset_type", reason=f"unknown KNP_TYP {k!r}")
        for uid, k in zip(unknown["UNI_IDE"], unknown["KNP_TYP"])
    ]
    grouped = compartments.groupby(_col(compartments, "PUT_IDE").fillna(compartments["UNI_IDE"]), sort=True)
    structures = pd.DataFrame(
        {
            "UNI_IDE": grouped["UNI_IDE"].agg(lambda ids: ";".join(ids)),
            "_x": grouped["_x"].mean(),
            "_y": grouped["_y"].mean(),
            "_ground": grouped["_ground"].mean(),
            "KNP_MAT": grouped["KNP_MAT"].first() if "KNP_MAT" in compartments.columns else None,
        }
    ).reset_index(names="PUT_IDE")
    ids = pd.concat(
        [
            organisation + ":" + single["UNI_IDE"].astype(str),
            organisation + ":put_" + structures["PUT_IDE"].astype(str),
        ],
        ignore_index=True,
    )
    material_code = pd.concat([_col(single, "KNP_MAT"), _col(structures, "KNP_MAT")], ignore_index=True)
    frame = gpd.GeoDataFrame(
        {
            "id": ids,
            "organisation": organisation,
            "discipline": "sewer",
            "asset_type": [
                *(_HYDX_NODES[k] for k in single["KNP_TYP"]),
                *["bouwwerk met compartimenten"] * len(structures),
            ],
            "material": material_code.map(lambda m: HYDX_MATERIALS.get(m, m) if isinstance(m, str) else None).astype(
                object
            ),
            "material_code": material_code,
            "hydx_type": [*single["KNP_TYP"], *["CMP"] * len(structures)],
            "hydx_id": [*single["UNI_IDE"], *structures["UNI_IDE"]],
            "put_id": [*_col(single, "PUT_IDE"), *structures["PUT_IDE"]],
            "ground_level_m": [*single["_ground"], *structures["_ground"]],
            "bottom_level_m": [*_number(_col(single, "KNP_BOK")), *[None] * len(structures)],
            "width_mm": [*_number(_col(single, "KNP_BRE")), *[None] * len(structures)],
            "length_mm": [*_number(_col(single, "KNP_LEN")), *[None] * len(structures)],
            "shape": [*_col(single, "KNP_VRM"), *[None] * len(structures)],
        },
        geometry=gpd.GeoSeries(
            shapely.points(
                np.concatenate([single[["_x", "_y"]].to_numpy(float), structures[["_x", "_y"]].to_numpy(float)])
            ),
            crs=CRS,
        ),
        crs=CRS,
    )
    return frame, problems


def _finish(
    path: Path,
    records: pd.DataFrame,
    problems: list[Problem],
    unknown: pd.Series,
    mapped: pd.Series,
    skipped: Mapping[str, int],
) -> MappedRecords:
    """Drop the records without a year or geometry (each already has a problem) and summarise."""
    no_year = unknown.notna().to_numpy()
    problems = problems + [
        Problem(kind="assets", record=record, field="install_year", reason=reason)
        for record, reason in zip(records.loc[no_year, "id"], unknown[no_year])
    ]
    no_geometry = shapely.is_missing(np.asarray(records.geometry, dtype=object))
    records = gpd.GeoDataFrame(records, geometry="geometry", crs=CRS)
    return MappedRecords(
        kind="assets",
        source=str(path),
        records=records.loc[~no_year & ~no_geometry].reset_index(drop=True),
        problems=tuple(problems),
        mapped={str(k): int(v) for k, v in mapped.items()},
        skipped=dict(skipped),
    )


# -- OroX Turtle -------------------------------------------------------------------------------
_ORIENTATIONS = {"Leidingorientatie": "pipe", "Putorientatie": "manhole"}
_WORD_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])|_")


def _readable(class_name: str) -> str:
    """`GemengdRiool` → `gemengd riool`, `HwaPerceelaansluitleiding` → `hwa perceelaansluitleiding`."""
    return _WORD_BOUNDARY.sub(" ", class_name).lower().strip()


def assets_from_orox(
    path: str | Path,
    *,
    organisation: str,
    install_years: InstallYearPolicy,
    offset: tuple[float, float] | None = None,
) -> MappedRecords:
    """Sewer pipes and manholes from a GWSW OroX Turtle file (see the module docstring)."""
    from rdflib import RDF, RDFS, Graph, URIRef

    path = Path(path)
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises many parser exception types, none of them shared
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path.name}: not valid Turtle: {message[:300]}") from None
    gwsw = _gwsw_namespace(graph, path)
    has_aspect, has_value, has_reference = (URIRef(gwsw + n) for n in ("hasAspect", "hasValue", "hasReference"))
    has_part = URIRef(gwsw + "hasPart")

    def local(node: Any) -> str:
        return str(node).rpartition("/")[2].rpartition("#")[2]

    def types(node: Any) -> list[str]:
        return sorted(local(t) for t in graph.objects(node, RDF.type) if str(t).startswith(gwsw))

    def aspects(node: Any) -> dict[str, Any]:
        """Aspect type → its value (a literal or the local name of a referenced IRI)."""
        values: dict[str, Any] = {}
        for aspect in graph.objects(node, has_aspect):
            value = graph.value(aspect, has_value)
            if value is None:
                value = graph.value(aspect, has_reference)
                value = None if value is None else local(value)
            elif hasattr(value, "toPython"):
                value = value.toPython()
            for name in types(aspect):
                values.setdefault(name, value)
        return values

    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    skipped: dict[str, int] = {}
    for subject in sorted(set(graph.subjects(has_aspect)), key=str):
        orientation = next(
            (a for a in graph.objects(subject, has_aspect) if any(t.endswith("orientatie") for t in types(a))), None
        )
        if orientation is None:
            continue
        kind = next((k for t, k in _ORIENTATIONS.items() if t in types(orientation)), None)
        classes = types(subject)
        if kind is None:
            label = f"{'/'.join(classes) or local(subject)} ({'/'.join(types(orientation))})"
            skipped[label] = skipped.get(label, 0) + 1
            continue
        record = f"{organisation}:{local(subject)}"
        geometry, reason = _orox_geometry(graph, orientation, has_aspect, has_value, types, kind)
        if reason:
            problems.append(Problem(kind="assets", record=record, field="geometry", reason=reason))
            continue
        values = aspects(subject)
        ends = {
            t: aspects(part)
            for part in graph.objects(orientation, has_part)
            for t in types(part)
            if t in ("BeginpuntLeiding", "EindpuntLeiding")
        }
        rows.append(
            _orox_row(record, local(subject), classes, kind, values, ends, graph.value(subject, RDFS.label), geometry)
        )
    if not rows and not problems:
        raise InputError(f"{path.name}: no pipes (Leidingorientatie) or manholes (Putorientatie) in this GWSW file")
    records = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=CRS) if rows else gpd.GeoDataFrame()
    if offset is not None and rows:
        records["geometry"] = shapely.transform(np.asarray(records.geometry), lambda c: c + np.asarray(offset))
        records["coordinate_offset"] = f"{offset[0]:g},{offset[1]:g}"
    if rows:
        bounds = shapely.total_bounds(np.asarray(records.geometry))
        _placed(pd.Series(bounds[[0, 2]]), pd.Series(bounds[[1, 3]]), None, source=path.name)
    given, why = years_from_dates(records["begin_date"] if rows else pd.Series([], dtype=object))
    why = why.map(lambda w: None if w is None else f"Begindatum: {w}")
    years, unknown = install_years.resolve(given, why, source_name="Begindatum")
    records = pd.concat([records.reset_index(drop=True), years.reset_index(drop=True)], axis=1)
    mapped = records["gwsw_class"].map(lambda c: f"GWSW {c} → sewer").value_counts().sort_index()
    return _finish(path, records, problems, unknown.reset_index(drop=True), mapped, skipped)


def _gwsw_namespace(graph: Any, path: Path) -> str:
    """The GWSW vocabulary the file uses (`http://data.gwsw.nl/1.6/totaal/`)."""
    from rdflib import URIRef

    declared = sorted(str(ns) for _, ns in graph.namespaces())
    used = [
        ns
        for ns in declared
        if re.match(r"https?://data\.gwsw\.nl/", ns) and (None, URIRef(ns + "hasAspect"), None) in graph
    ]
    if not used:
        raise InputError(
            f"{path.name}: no GWSW data (namespace http://data.gwsw.nl/<version>/totaal/ with gwsw:hasAspect); "
            f"found namespaces {', '.join(declared[:6]) or 'none'}"
        )
    return used[-1]


def _orox_geometry(
    graph: Any, orientation: Any, has_aspect: Any, has_value: Any, types: Any, kind: str
) -> tuple[Any, str | None]:
    """The orientation's line (pipe) or point (manhole), 2D, or the reason there is none."""
    wanted = "Lijn" if kind == "pipe" else "Punt"
    for aspect in graph.objects(orientation, has_aspect):
        if wanted in types(aspect):
            literal = graph.value(aspect, has_value)
            if literal is None:
                return None, f"{wanted} without a value"
            try:
                element = etree.fromstring(str(literal).encode("utf-8"))
                return shapely.force_2d(geometry_from_gml(element)), None
            except (etree.XMLSyntaxError, GeometryError) as exc:
                return None, f"{wanted}: unreadable GML ({exc})"
    return None, f"the {'Leidingorientatie' if kind == 'pipe' else 'Putorientatie'} has no {wanted} (no geometry)"


def _orox_row(
    record: str,
    name: str,
    classes: list[str],
    kind: str,
    values: dict[str, Any],
    ends: dict[str, dict[str, Any]],
    label: Any,
    geometry: Any,
) -> dict[str, Any]:
    """One asset row from an OroX object's aspects."""
    material_code = values.get("MateriaalLeiding") if kind == "pipe" else values.get("MateriaalPut")
    if kind == "pipe":
        width = values.get("DiameterLeiding") or values.get("BreedteLeiding")
    else:
        width = values.get("BreedtePut")
    row = {
        "id": record,
        "organisation": record.partition(":")[0],
        "discipline": "sewer",
        "asset_type": " / ".join(_readable(c) for c in classes) or kind,
        "material": _orox_material(material_code),
        "diameter_mm": _float(width),
        "gwsw_class": "/".join(classes),
        "gwsw_id": name,
        "label": None if label is None else str(label),
        "material_code": material_code,
        "begin_date": None if values.get("Begindatum") is None else str(values.get("Begindatum")),
        "end_date": None if values.get("Einddatum") is None else str(values.get("Einddatum")),
        "geometry": geometry,
    }
    if kind == "pipe":
        row |= {
            "height_mm": _float(values.get("HoogteLeiding")),
            "length_m": _float(values.get("LengteLeiding")),
            "shape": None if values.get("VormLeiding") is None else _readable(str(values["VormLeiding"])),
            "invert_level_start_m": _float(ends.get("BeginpuntLeiding", {}).get("BobBeginpuntLeiding")),
            "invert_level_end_m": _float(ends.get("EindpuntLeiding", {}).get("BobEindpuntLeiding")),
        }
    else:
        row |= {
            "length_mm": _float(values.get("LengtePut")),
            "height_mm": _float(values.get("HoogtePut")),
            "shape": None if values.get("VormPut") is None else _readable(str(values["VormPut"])),
        }
    return row


def _orox_material(code: Any) -> str | None:
    """`Beton` → `beton`, `GewapendBeton` → `gewapend beton`, `PVC` stays `PVC`."""
    if code is None:
        return None
    text = str(code)
    return text if text.isupper() else _readable(text)


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
