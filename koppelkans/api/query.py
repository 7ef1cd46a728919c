"""Which records a request selects: bbox, column values, a year window, an area; one page of them.

The repository filters (intersects on its spatial index, where, years) and pages; this module
turns an API request's area into record ids and asks the repository for one page and the total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from koppelkans.access import Principal, hidden_assets
from koppelkans.access.confidentiality import CONFIDENTIALITY_KEYS
from koppelkans.domain.records import kind_spec
from koppelkans.errors import InputError
from koppelkans.store import Excluding, Mentioning, Repository

__all__ = ["LINKED_KINDS", "Selection", "read_page", "read_selection", "visible_selection", "with_area"]

LINKED_KINDS = ("works", "assets")
"""Kinds linked to street segments (an area selects them through their segments)."""


@dataclass(frozen=True, kw_only=True)
class Selection:
    """What a request asks for; every part narrows the result (AND)."""

    intersects: BaseGeometry | None = None
    """Records whose geometry intersects this shape (EPSG:28992)."""
    where: Mapping[str, Any] = field(default_factory=dict)
    """Column → value, or list of values (any of them)."""
    years: tuple[int, int] | None = None
    """Works whose window [earliest_start, latest_start] meets these years; tasks whose target year lies in them."""


def read_page(
    store: Repository, kind: str, selection: Selection, *, limit: int, offset: int
) -> tuple[pd.DataFrame, int]:
    """One page of the selected records (in insertion order) and how many are selected in all."""
    return store.page(kind, **_options(selection), limit=limit, offset=offset)


def read_selection(store: Repository, kind: str, selection: Selection) -> pd.DataFrame:
    """Every selected record (for tiles: the records in a tile)."""
    return store.read(kind, **_options(selection))


def with_area(store: Repository, kind: str, selection: Selection, area: str) -> Selection:
    """The selection narrowed to an area and all areas below it.

    Segments, tasks and areas by their area codes; works and assets by the segments they are linked
    to, and, when they are linked to none (a wadi in a park), by the area's polygon. Tasks without
    an area code are selected by the polygon too.
    """
    areas = store.read("areas")
    codes = _area_and_below(areas, area)
    spec = kind_spec(kind)
    if kind == "areas":
        ids = codes
    elif kind == "segments":
        return _narrowed(selection, "area_code", codes)
    elif kind in LINKED_KINDS:
        ids = _linked_ids(store, kind, areas, codes)
    elif kind == "tasks":
        ids = _task_ids(store, areas, codes)
    else:
        raise InputError(f"{kind} cannot be selected by area", field="area")
    return _narrowed(selection, spec.key, ids)


def visible_selection(store: Repository, kind: str, selection: Selection, principal: Principal) -> Selection:
    """The selection without the assets `principal` sees only as occupied zones when it filters on a value such
    a zone does not show (organisation, discipline, …): a zone must not be found, nor counted, by what it hides.

    Selections by place only (bbox, area) keep the zones: where they lie is what an occupied zone shows.
    """
    key = kind_spec(kind).key
    if kind != "assets" or principal.sees_all or not set(selection.where) - {key}:
        return selection
    prefilter = {**selection.where, "attributes": Mentioning(CONFIDENTIALITY_KEYS)}
    candidates = read_selection(store, kind, replace(selection, where=prefilter))
    hidden = set(candidates.loc[hidden_assets(principal, candidates), key])
    if not hidden:
        return selection
    if key in selection.where:
        return _narrowed(selection, key, [v for v in _listed(selection.where[key]) if v not in hidden])
    return replace(selection, where={**selection.where, key: Excluding(tuple(sorted(hidden)))})


# -- steps -------------------------------------------------------------------------------------
def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]


def _options(selection: Selection) -> dict[str, Any]:
    return {"intersects": selection.intersects, "where": dict(selection.where) or None, "years": selection.years}


def _narrowed(selection: Selection, column: str, values: Sequence[str]) -> Selection:
    """Add `column in values` to a selection (intersecting with a condition already on that column)."""
    wanted = list(dict.fromkeys(values))
    if column in selection.where:
        before = selection.where[column]
        before = set(before) if isinstance(before, (list, tuple, set, frozenset)) else {before}
        wanted = [v for v in wanted if v in before]
    return replace(selection, where={**selection.where, column: wanted})


def _area_and_below(areas: pd.DataFrame, area: str) -> list[str]:
    if area not in set(areas["code"]):
        raise InputError(f"unknown area {area!r}", record=area, field="area")
    codes = [area]
    frontier = {area}
    while frontier:  # one step per level: gemeente → wijk → buurt
        children = areas.loc[areas["parent_code"].isin(frontier), "code"].tolist()
        frontier = set(children) - set(codes)
        codes += sorted(frontier)
    return codes


def _area_polygon(areas: pd.DataFrame, codes: list[str]) -> BaseGeometry | None:
    geoms = np.asarray(areas.loc[areas["code"].isin(codes)].geometry.to_numpy(), dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)]
    return shapely.union_all(geoms) if len(geoms) else None


def _linked_ids(store: Repository, kind: str, areas: pd.DataFrame, codes: list[str]) -> list[str]:
    segments = read_selection(store, "segments", Selection(where={"area_code": codes}))
    links = store.links(kind)
    linked = links.loc[links["segment_id"].isin(set(segments["id"])), "record_id"].tolist()
    polygon = _area_polygon(areas, codes)
    if polygon is None:
        return linked
    inside = read_selection(store, kind, Selection(intersects=polygon))
    unlinked = inside.loc[~inside["id"].isin(set(links["record_id"])), "id"].tolist()
    return linked + unlinked


def _task_ids(store: Repository, areas: pd.DataFrame, codes: list[str]) -> list[str]:
    by_code = read_selection(store, "tasks", Selection(where={"area_code": codes}))["id"].tolist()
    polygon = _area_polygon(areas, codes)
    if polygon is None:
        return by_code
    inside = read_selection(store, "tasks", Selection(intersects=polygon))
    return by_code + inside.loc[inside["area_code"].isna(), "id"].tolist()
