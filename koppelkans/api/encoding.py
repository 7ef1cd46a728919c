"""Records as the API hands them out: plain JSON values, GeoJSON geometry in the client's CRS, and
the ETag (a hash of the canonical record) that optimistic concurrency compares."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import shapely

from koppelkans.api.crs import RD_URI, from_rd
from koppelkans.domain.records import kind_spec

__all__ = ["etag_of", "feature_collection_json", "page_json", "plain_columns", "public_records"]


def plain_columns(frame: pd.DataFrame, kind: str) -> dict[str, list[Any]]:
    """Column → Python values (None for missing, int years, lists for `;`-lists), column at a time."""
    out: dict[str, list[Any]] = {}
    for column in kind_spec(kind).columns:
        values = frame[column.name].astype(object).to_numpy()
        missing = pd.isna(values)
        if column.dtype in ("int", "year"):
            out[column.name] = [None if m else int(v) for v, m in zip(values, missing)]
        elif column.dtype == "float":
            out[column.name] = [None if m else float(v) for v, m in zip(values, missing)]
        elif column.dtype == "list":
            out[column.name] = [[] if m or v == "" else str(v).split(";") for v, m in zip(values, missing)]
        else:
            out[column.name] = [None if m else str(v) for v, m in zip(values, missing)]
    return out


def _geojson(frame: pd.DataFrame, kind: str, crs: str) -> list[str | None]:
    """Each record's geometry as a GeoJSON text in `crs` (None when it has none)."""
    if not kind_spec(kind).spatial:
        return [None] * len(frame)
    geoms = from_rd(np.asarray(frame.geometry.to_numpy(), dtype=object), crs)
    texts = shapely.to_geojson(geoms)
    return [None if t is None else str(t) for t in texts]


def public_records(frame: pd.DataFrame, kind: str, *, crs: str | None) -> list[dict[str, Any]]:
    """Records as JSON objects: columns, `geometry` (GeoJSON in `crs`; spatial kinds, unless crs is None),
    `attributes`."""
    columns = plain_columns(frame, kind)
    spatial = kind_spec(kind).spatial and crs is not None
    geometries = _geojson(frame, kind, crs) if crs is not None else []
    attributes = list(frame["attributes"])
    records = []
    for i in range(len(frame)):
        record = {name: values[i] for name, values in columns.items()}
        if spatial:
            record["geometry"] = None if geometries[i] is None else json.loads(geometries[i])
        record["attributes"] = dict(attributes[i] or {})
        records.append(record)
    return records


def page_json(frame: pd.DataFrame, kind: str, *, crs: str | None, total: int, limit: int, offset: int) -> str:
    """A page of `public_records` as JSON text, with each geometry's GeoJSON spliced in as written.

    The list endpoints answer with this text directly: parsing the geometries back into objects and
    having the response model re-validate and re-serialise a hundred records doubled a request's time.
    """
    columns = plain_columns(frame, kind)
    spatial = kind_spec(kind).spatial and crs is not None
    geometries = _geojson(frame, kind, crs) if crs is not None else []
    attributes = list(frame["attributes"])
    items = []
    for i in range(len(frame)):
        record = json.dumps({name: values[i] for name, values in columns.items()}, ensure_ascii=False)
        extra = '"attributes":' + json.dumps(dict(attributes[i] or {}), ensure_ascii=False)
        if spatial:
            extra = f'"geometry":{geometries[i] or "null"},{extra}'
        items.append(f"{record[:-1]},{extra}}}" if len(record) > 2 else f"{{{extra}}}")
    return f'{{"items":[{",".join(items)}],"total":{total},"limit":{limit},"offset":{offset}}}'


def etag_of(frame: pd.DataFrame, kind: str) -> str:
    """The strong ETag of a stored record (a one-row frame): a hash of its canonical form in RD New."""
    record = public_records(frame, kind, crs=RD_URI)[0]
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def feature_collection_json(frame: pd.DataFrame, kind: str, *, crs: str, item_link: str, extra: dict[str, Any]) -> str:
    """A GeoJSON FeatureCollection as text, built without parsing the geometries back into objects.

    `item_link` is a format string with `{id}` for each feature's self link; `extra` holds the
    collection members (links, numberMatched, …), written after `features`.
    """
    key = kind_spec(kind).key
    columns = plain_columns(frame, kind)
    geometries = _geojson(frame, kind, crs)
    attributes = list(frame["attributes"])
    features = []
    for i, geometry in enumerate(geometries):
        properties = {name: values[i] for name, values in columns.items() if name != key}
        properties["attributes"] = dict(attributes[i] or {})
        record_id = columns[key][i]
        links = [
            {
                "href": item_link.format(id=quote(str(record_id), safe=":")),
                "rel": "self",
                "type": "application/geo+json",
            }
        ]
        features.append(
            '{"type":"Feature","id":'
            + json.dumps(record_id, ensure_ascii=False)
            + ',"geometry":'
            + (geometry if geometry is not None else "null")
            + ',"properties":'
            + json.dumps(properties, ensure_ascii=False)
            + ',"links":'
            + json.dumps(links)
            + "}"
        )
    head = '{"type":"FeatureCollection","features":[' + ",".join(features) + "]"
    rest = json.dumps(extra, ensure_ascii=False)
    return head + ("," + rest[1:] if len(extra) else "}")
