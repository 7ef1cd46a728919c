"""The timeline (Gantt) of a street or neighbourhood: its works as bars over their start windows, each
with its preferred year (the sectoral plan) and the year the optimiser chose (the integrated plan).

Steps: select the works (by area through their street segments, or by street name) → name the streets
each lies on → join the kept integrated plan, when there is one for this store → rows sorted by street.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from koppelkans.api.query import Selection, read_selection, with_area
from koppelkans.errors import InputError
from koppelkans.store import Repository
from koppelkans.web.findings import HORIZON_YEARS

__all__ = ["MAX_ROWS", "busiest_buurt", "kept_plan", "street_names", "timeline_of"]

MAX_ROWS = 400
"""More bars than this are not readable; the page asks for a smaller area."""


def street_names(store: Repository) -> list[str]:
    """Every street name in the register, sorted (for the street picker)."""
    names = store.read("segments")["name"].dropna().astype(str)
    return sorted(set(names), key=str.casefold)


def busiest_buurt(store: Repository) -> str | None:
    """The buurt whose streets carry the most works: where the timeline opens."""
    links = store.links("works")
    if links.empty:
        return None
    segments = store.read("segments")[["id", "area_code"]]
    per_buurt = links.merge(segments, left_on="segment_id", right_on="id").groupby("area_code")["record_id"].nunique()
    return str(per_buurt.sort_values(ascending=False, kind="stable").index[0]) if len(per_buurt) else None


def kept_plan(store: Repository, scenario: str = "integrated") -> dict[str, Any] | None:
    """The plan `koppelkans plan` kept for a scenario in this store, or None when there is none."""
    read_plan = getattr(store, "read_plan", None)
    if read_plan is None:
        return None
    plan = read_plan(scenario)
    if plan is None or plan.get("store", store.url) != store.url:
        return None
    return plan  # type: ignore[no-any-return]


def timeline_of(store: Repository, *, area: str | None = None, street: str | None = None) -> dict[str, Any]:
    """The works of an area and/or street as timeline rows, with the kept integrated plan's years."""
    if not area and not street:
        raise InputError("choose an area or a street for the timeline", field="area")
    works = _works_of(store, area=area, street=street)
    total = len(works)
    works = works.iloc[:MAX_ROWS]
    streets = _streets_of(store, list(works["id"]))
    plan = kept_plan(store)
    chosen = {w["id"]: w for w in (plan or {}).get("works", []) if w.get("type", "work") == "work"}
    rows = [_row(work, streets.get(work["id"], []), chosen.get(work["id"])) for work in works.to_dict("records")]
    rows.sort(key=lambda r: ((r["streets"] or ["~"])[0].casefold(), r["earliest_start"], r["id"]))
    this_year = date.today().year
    first = min([this_year, *(r["earliest_start"] for r in rows)])
    last = max([this_year + HORIZON_YEARS, *(r["latest_start"] + _duration_years(r) for r in rows)])
    return {
        "rows": rows,
        "total": total,
        "truncated": total > len(rows),
        "years": [int(first), int(min(last, first + 40))],
        "plan": _plan_summary(plan),
    }


def _works_of(store: Repository, *, area: str | None, street: str | None) -> pd.DataFrame:
    selection = Selection()
    if area:
        selection = with_area(store, "works", selection, area)
    works = read_selection(store, "works", selection)
    if street:
        segments = read_selection(store, "segments", Selection(where={"name": street}))
        if segments.empty:
            raise InputError(f"no street named {street!r} in the register", record=street, field="street")
        links = store.links("works")
        ids = set(links.loc[links["segment_id"].isin(set(segments["id"])), "record_id"])
        works = works[works["id"].isin(ids)]
    return works.reset_index(drop=True)


def _streets_of(store: Repository, work_ids: list[str]) -> dict[str, list[str]]:
    """Per work, the names of the streets it lies on, the longest stretch first."""
    links = store.links("works")
    links = links[links["record_id"].isin(set(work_ids))]
    if links.empty:
        return {}
    names = store.read("segments", ids=sorted(set(links["segment_id"])))[["id", "name"]]
    joined = links.merge(names, left_on="segment_id", right_on="id", how="left").dropna(subset=["name"])
    by_street = joined.groupby(["record_id", "name"], as_index=False)["overlap_m"].sum()
    by_street = by_street.sort_values(["record_id", "overlap_m"], ascending=[True, False], kind="stable")
    return {str(k): list(group["name"]) for k, group in by_street.groupby("record_id", sort=False)}


def _row(work: dict[str, Any], streets: list[str], chosen: dict[str, Any] | None) -> dict[str, Any]:
    def number(value: Any) -> float | None:
        return None if value is None or pd.isna(value) else float(value)

    def year(value: Any) -> int | None:
        return None if value is None or pd.isna(value) else int(value)

    return {
        "id": work["id"],
        "title": work["title"] if isinstance(work["title"], str) else None,
        "organisation": work["organisation"],
        "discipline": work["discipline"],
        "kind": work["kind"],
        "status": work["status"] if isinstance(work["status"], str) else None,
        "earliest_start": int(work["earliest_start"]),
        "latest_start": int(work["latest_start"]),
        "preferred_start": year(work["preferred_start"]),
        "duration_months": number(work["duration_months"]),
        "cost_eur": number(work["cost_eur"]),
        "streets": streets,
        "plan_year": None if chosen is None else int(chosen["year"]),
        "project": None if chosen is None else chosen.get("project"),
    }


def _duration_years(row: dict[str, Any]) -> int:
    return int(((row["duration_months"] or 0.0) + 11) // 12)


def _plan_summary(plan: dict[str, Any] | None) -> dict[str, Any]:
    if plan is None:
        return {"available": False}
    savings = plan.get("savings", {})
    return {
        "available": True,
        "scenario": plan.get("scenario"),
        "horizon": plan.get("horizon"),
        "method": plan.get("method"),
        "gap": plan.get("gap"),
        "savings_eur": savings.get("eur"),
        "savings_pct": savings.get("pct"),
        "openings_avoided": savings.get("openings_avoided"),
    }
