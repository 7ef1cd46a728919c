"""The exchange schema on disk: GeoJSON, GeoPackage, Shapefile (also zipped), CSV (WKT) and XLSX, in and out.

Reading gives raw values and the file's CRS; checking them is the domain's job. Writing expands
`attributes` back into columns so a file read, stored and written again keeps every column.
"""

from __future__ import annotations

import json
import math
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from koppelkans.config import CRS, MAP_CRS
from koppelkans.errors import InputError, Problem

__all__ = ["FORMATS", "MAX_UNZIPPED_BYTES", "RawTable", "read_table", "write_problem_report", "write_table"]

FORMATS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".csv": "CSV",
    ".xlsx": "XLSX",
}
ZIPPED_SHAPEFILE = ".zip"
"""Read only: a zipped Shapefile (the .shp with its .dbf, .shx, .prj), as GIS users send one."""
SHAPEFILE_PARTS = frozenset({".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml", ".qmd"})
"""What a zipped Shapefile may hold: its own parts (and the metadata GIS programs write next to them)."""
MAX_UNZIPPED_BYTES = 512 * 2**20
"""The most a zip may unpack to: a Shapefile of this size is a province's worth of polygons; more is a zip bomb."""


@dataclass(frozen=True, kw_only=True)
class RawTable:
    """A table as read from a file: raw values, and the CRS the file declares (None if it has none)."""

    frame: pd.DataFrame
    crs: str | None
    source: str


def read_table(path: str | Path, *, layer: str | None = None, crs: str | None = None) -> RawTable:
    """Read one exchange table; `crs` names the CRS of a file that has none (CSV, XLSX, bare .shp)."""
    path = Path(path)
    suffix = _suffix(path, reading=True)
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if suffix == ".csv":
        frame, declared = _read_csv(path), None
    elif suffix == ZIPPED_SHAPEFILE:
        frame, declared = _read_vector(path, layer, source=_shapefile_in_zip(path))
    elif suffix == ".xlsx":
        frame, declared = _read_xlsx(path, layer), None
    else:
        frame, declared = _read_vector(path, layer)
    if declared and crs and not _same_crs(declared, crs):
        raise InputError(f"{path.name} declares {declared} but --crs says {crs}; leave --crs out or fix the file")
    return RawTable(frame=frame, crs=declared or crs, source=str(path))


def write_table(records: pd.DataFrame, path: str | Path, *, kind: str) -> int:
    """Write canonical records in the format the extension names; returns the number written."""
    path = Path(path)
    suffix = _suffix(path)
    table = _flatten(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix in (".csv", ".xlsx"):
        if isinstance(table, gpd.GeoDataFrame):
            wkt = shapely.to_wkt(table.geometry.to_numpy(), rounding_precision=4, trim=True)
            table = pd.DataFrame(table.drop(columns=table.geometry.name)).assign(geometry=wkt)
        if suffix == ".csv":
            table.to_csv(path, index=False)
        else:
            table.to_excel(path, index=False, sheet_name=kind)
        return len(table)
    if suffix == ".gpkg" and not isinstance(table, gpd.GeoDataFrame):
        pyogrio.write_dataframe(table, path, driver="GPKG", layer=kind)  # an attribute table, as QGIS shows it
        return len(table)
    if not isinstance(table, gpd.GeoDataFrame):
        table = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries([None] * len(table)), crs=CRS)
    if suffix in (".geojson", ".json"):
        pyogrio.write_dataframe(
            table.to_crs(MAP_CRS), path, driver="GeoJSON", layer=kind, RFC7946="YES", COORDINATE_PRECISION=9
        )
    elif suffix == ".gpkg":
        pyogrio.write_dataframe(table, path, driver="GPKG", layer=kind)
    else:
        with warnings.catch_warnings():
            # Shapefile cuts field names to 10 characters; the importer maps schema columns back.
            warnings.filterwarnings("ignore", message="Normalized/laundered field name")
            pyogrio.write_dataframe(table, path, driver="ESRI Shapefile")
    return len(table)


def write_problem_report(problems: tuple[Problem, ...] | list[Problem], path: str | Path) -> None:
    """The rejection report as CSV: one row per problem (kind, record, field, reason, row)."""
    pd.DataFrame([p.as_dict() for p in problems], columns=["kind", "record", "field", "reason", "row"]).to_csv(
        path, index=False
    )


def _suffix(path: Path, *, reading: bool = False) -> str:
    suffix = path.suffix.lower()
    known = [*FORMATS, ZIPPED_SHAPEFILE] if reading else list(FORMATS)
    if suffix not in known:
        raise InputError(f"{path.name}: unknown format {suffix or '(none)'}; use one of {', '.join(known)}")
    return suffix


def _shapefile_in_zip(path: Path) -> str:
    """The GDAL path of the one Shapefile in a zip, read in place (nothing is unpacked to disk).

    Only a zip of Shapefile parts is opened: a member that names a parent folder or an absolute path, or that
    is no Shapefile part (a GDAL .vrt could point at any file on the server), refuses the whole zip.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
    except zipfile.BadZipFile:
        raise InputError(f"{path.name}: not a zip file (empty or damaged)") from None
    for member in members:
        name = PurePosixPath(member.filename.replace("\\", "/"))
        if name.is_absolute() or ".." in name.parts or ":" in member.filename:
            raise InputError(f"{path.name}: the zip holds a file outside its own folder ({member.filename!r})")
        if name.suffix.lower() not in SHAPEFILE_PARTS:
            raise InputError(f"{path.name}: a zipped Shapefile holds only its parts, not {name.name!r}")
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise InputError(f"{path.name}: unpacks to more than {MAX_UNZIPPED_BYTES // 2**20} MiB")
    shapefiles = [m.filename for m in members if m.filename.lower().endswith(".shp")]
    if len(shapefiles) != 1:
        raise InputError(f"{path.name}: a zipped Shapefile holds one .shp file, this zip {len(shapefiles)}")
    return f"/vsizip/{path.resolve()}/{shapefiles[0]}"


def _read_csv(path: Path) -> pd.DataFrame:
    """CSV as text; the separator (',' or the Dutch-Excel ';') is taken from the header line."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            header = handle.readline()
        separator = ";" if header.count(";") > header.count(",") else ","
        return pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at byte {exc.start}); "
            "save it as UTF-8 (Excel: 'CSV UTF-8')"
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path.name} is empty") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path.name}: not a readable CSV table ({str(exc).strip().splitlines()[-1]})") from None


def _read_xlsx(path: Path, layer: str | None) -> pd.DataFrame:
    """The kind's sheet (or the first) as raw values."""
    from zipfile import BadZipFile

    try:
        return pd.read_excel(path, sheet_name=layer if layer in _sheets(path) else 0, dtype=object)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{path.name}: not a readable XLSX workbook ({exc})") from None


def _sheets(path: Path) -> list[str]:
    from openpyxl import load_workbook

    return load_workbook(path, read_only=True).sheetnames


_UNREADABLE = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.CRSError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
)
"""What GDAL raises for a file it cannot read (damaged, truncated, not what its name says)."""


def _read_vector(path: Path, layer: str | None, *, source: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """A vector file's layer (the only one, or `layer`) and its CRS; `source` is a GDAL path to read instead."""
    opened = source or path
    try:
        layers = [name for name, _ in pyogrio.list_layers(opened)]
        chosen = layer if layer in layers else (layers[0] if len(layers) == 1 else None)
        if chosen is None:
            wanted = f"no layer {layer!r}" if layer else "several layers"
            raise InputError(f"{path.name} has {wanted}: {', '.join(layers)}; name the one to read", field="layer")
        frame = pyogrio.read_dataframe(opened, layer=chosen)
        info = pyogrio.read_info(opened, layer=chosen)
    except _UNREADABLE as exc:
        raise InputError(f"cannot read {path.name}: {exc}") from None
    frame = _with_field_types(frame, info)
    crs = frame.crs.to_string() if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None else None
    return frame, crs


def _with_field_types(frame: pd.DataFrame, info: dict[str, Any]) -> pd.DataFrame:
    """Integer and boolean fields as written: GDAL hands them over as floats when a value is missing."""
    for name, ogr_type, subtype in zip(info["fields"], info["ogr_types"], info["ogr_subtypes"]):
        if name not in frame.columns or frame[name].dtype.kind != "f":
            continue
        if subtype == "OFSTBoolean":
            frame[name] = frame[name].astype("boolean")
        elif ogr_type in ("OFTInteger", "OFTInteger64"):
            frame[name] = frame[name].astype("Int64")
    return frame


def _same_crs(a: str, b: str) -> bool:
    from pyproj import CRS as ProjCRS

    return ProjCRS.from_user_input(a).equals(ProjCRS.from_user_input(b))


def _flatten(records: pd.DataFrame) -> pd.DataFrame:
    """Canonical records with their `attributes` as ordinary columns again, typed by what they hold."""
    if "attributes" not in records:
        return records
    table = records.drop(columns=["attributes"])
    if len(records):
        attributes = list(records["attributes"])
        names = [name for name in dict.fromkeys(k for a in attributes for k in a) if name not in table.columns]
        extra = pd.DataFrame(
            {n: _typed(pd.Series([a.get(n) for a in attributes], index=records.index, dtype=object)) for n in names},
            index=records.index,
        )
        geometry = table.geometry.name if isinstance(table, gpd.GeoDataFrame) else None
        columns = [c for c in table.columns if c != geometry]
        merged = pd.concat([table[columns], extra], axis=1)
        if geometry is not None:
            return gpd.GeoDataFrame(merged, geometry=table.geometry, crs=table.crs)
        return merged
    return table


def _typed(values: pd.Series) -> pd.Series:
    """An attribute column with the type of its values, so that GeoPackage and GeoJSON keep it: flags stay
    booleans and counts integers (not the text `True` or `1985.0`); lists and mappings become JSON."""
    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if present and all(isinstance(v, bool) for v in present):
        return values.astype("boolean")
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return values.astype("Int64")
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return values.astype("float64")
    return values.map(lambda v: json.dumps(v) if isinstance(v, (dict, list)) else v)
