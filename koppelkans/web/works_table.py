"""The works register as the register page lists it: search in id, title and organisation, filter,
sort and page, without geometry (the form reads a work whole through `/api/works/{id}`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from koppelkans.api.encoding import public_records
from koppelkans.errors import InputError
from koppelkans.store import Repository

__all__ = ["SORTS", "WorksQuery", "works_page"]

SORTS = ("earliest_start", "id", "title", "organisation", "cost_eur", "status")


@dataclass(frozen=True, kw_only=True)
class WorksQuery:
    """Search text, filters, sort column (`-` prefix for descending) and the page."""

    q: str | None = None
    organisation: str | None = None
    discipline: str | None = None
    status: str | None = None
    sort: str = "earliest_start"
    offset: int = 0
    limit: int = 50


def works_page(store: Repository, query: WorksQuery) -> dict[str, Any]:
    """One page of works matching the query: `items` (columns, no geometry) and `total`."""
    column = query.sort.removeprefix("-")
    if column not in SORTS:
        raise InputError(f"unknown sort {query.sort!r}; use one of {', '.join(SORTS)}", field="sort")
    where = {k: v for k, v in (("organisation", query.organisation), ("discipline", query.discipline)) if v}
    if query.status:
        where["status"] = query.status
    works = store.read("works", where=where or None)
    if query.q:
        needle = query.q.strip().casefold()
        text = works["id"].astype(str) + "\x1f" + works["title"].fillna("").astype(str)
        text = (text + "\x1f" + works["organisation"].astype(str)).str.casefold()
        works = works[text.str.contains(needle, regex=False).to_numpy()]
    works = works.sort_values(
        column, ascending=not query.sort.startswith("-"), kind="stable", na_position="last", key=_sort_key
    )
    page = works.iloc[query.offset : query.offset + query.limit]
    items = public_records(pd.DataFrame(page).reset_index(drop=True), "works", crs=None)
    return {"items": items, "total": len(works), "offset": query.offset, "limit": query.limit}


def _sort_key(values: pd.Series) -> pd.Series:
    """Numbers as numbers, text without regard to case."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() == values.notna().sum():
        return numbers
    return values.astype("string").str.casefold()
