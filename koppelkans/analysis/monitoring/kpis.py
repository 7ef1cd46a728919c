"""KPIs per year, per area and per organisation from the register's dated facts (PRODUCT.md D1).

Pure: the register's tables come in as (Geo)DataFrames, a `KpiReport` goes out. History comes from dated
facts only: the `actual_start` of works, the `decided_at` of coupling decisions, the `created_at` of kept
plans. Each figure is defined once in `definitions.KPIS`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.coupling.street import street_cost_eur
from koppelkans.analysis.monitoring.definitions import KPIS, STALE_CONDITION_YEARS
from koppelkans.analysis.monitoring.history import AuditHistory, history_per_year
from koppelkans.config import figure
from koppelkans.domain.findings import members_from_text
from koppelkans.domain.vocabulary import EXECUTED_STATUSES, TRENCHLESS_WORK_KINDS, CouplingStatus, WorkStatus
from koppelkans.errors import InputError

__all__ = [
    "KpiReport",
    "MonitoringInputs",
    "Scope",
    "kpis_from_register",
    "openings_from_works",
    "segment_openings",
]

TOP_STREETS = 10
"""How many streets the table of repeated openings lists."""
_NOT_STARTED = frozenset({WorkStatus.IDEA.value, WorkStatus.PLANNED.value, WorkStatus.COMMITTED.value})
_EXECUTED = frozenset(s.value for s in EXECUTED_STATUSES)
_ACCEPTED = frozenset({CouplingStatus.ACCEPTED.value, CouplingStatus.REALISED.value})


@dataclass(frozen=True, kw_only=True)
class Scope:
    """Which years, area (any level: gemeente, wijk, buurt) and organisation (with its departments) to report."""

    year_from: int
    year_to: int
    this_year: int
    area: str | None = None
    organisation: str | None = None

    def __post_init__(self) -> None:
        if self.year_from > self.year_to:
            raise InputError(f"--from {self.year_from} is after --to {self.year_to}", field="from")

    @property
    def years(self) -> list[int]:
        return list(range(self.year_from, self.year_to + 1))


@dataclass(frozen=True, kw_only=True)
class MonitoringInputs:
    """The register's tables a KPI report reads (as the store returns them)."""

    organisations: pd.DataFrame
    areas: pd.DataFrame
    segments: pd.DataFrame
    works: pd.DataFrame
    work_links: pd.DataFrame
    assets: pd.DataFrame
    asset_links: pd.DataFrame | None = None
    couplings: pd.DataFrame = field(default_factory=pd.DataFrame)
    decisions: pd.DataFrame = field(default_factory=pd.DataFrame)
    plans: Sequence[Mapping[str, Any]] = ()
    """Kept plans: the payload of `koppelkans plan` plus `created_at`."""
    audit: AuditHistory | None = None
    """The audit log's entries the history of past year ends is rebuilt from (no history without it)."""


@dataclass(frozen=True, kw_only=True)
class KpiReport:
    """The KPIs of one scope: per-year rows, totals over the period, and the tables behind the dashboard."""

    scope: Scope
    street_km: float
    years: pd.DataFrame
    totals: dict[str, float | int | None]
    delays: pd.DataFrame
    data_quality: dict[str, float | int | None]
    plans: list[dict[str, Any]]
    ambitions: list[dict[str, Any]]
    streets: pd.DataFrame
    segments: pd.DataFrame
    """Openings per segment in the period (segment_id, realised, planned): the heat map."""
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per year end up to now: data quality, couplings on record and the latest plan's savings as they stood then."""
    history_from: str | None = None
    """The audit log's first entry: year ends before it are not known."""

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON values (what `kpi --json` and GET /api/kpi return)."""
        return {
            "scope": {
                "from": self.scope.year_from,
                "to": self.scope.year_to,
                "this_year": self.scope.this_year,
                "area": self.scope.area,
                "organisation": self.scope.organisation,
            },
            "definitions": [
                {"code": k.code, "label": k.label, "formula": k.formula, "source": k.source, "unit": k.unit}
                for k in KPIS
            ],
            "street_km": round(self.street_km, 3),
            "totals": self.totals,
            "years": _records(self.years),
            "delays": _records(self.delays),
            "data_quality": self.data_quality,
            "plans": self.plans,
            "ambitions": self.ambitions,
            "streets": _records(self.streets),
            "history": {"known_from": self.history_from, "years": _records(self.history)},
        }


def kpis_from_register(inputs: MonitoringInputs, scope: Scope) -> KpiReport:
    """Every KPI of `definitions.KPIS` for a scope: steps are scope → openings → couplings → plans → quality."""
    segment_ids = _segments_in(inputs.segments, inputs.areas, scope.area)
    organisations = _organisations_in(inputs.organisations, scope.organisation)
    segments = inputs.segments[inputs.segments["id"].isin(segment_ids)]
    street_km = float(shapely.length(np.asarray(segments.geometry.to_numpy(), dtype=object)).sum()) / 1000.0

    works = _works_in(inputs.works, inputs.work_links, segment_ids, organisations)
    openings = openings_from_works(works, inputs.work_links[inputs.work_links["segment_id"].isin(segment_ids)])
    if organisations is not None:
        # An opening counts for an organisation when one of its works is in it (with the works it shares it with).
        mine = openings.loc[openings["organisation"].isin(organisations), ["segment_id", "year", "realised"]]
        openings = openings.merge(mine.drop_duplicates(), on=["segment_id", "year", "realised"])
    per_segment = segment_openings(openings, segments)
    years = _per_year(scope, works, per_segment, street_km)
    couplings = _coupling_years(inputs, scope, segment_ids, organisations)
    years = years.merge(couplings, on="year", how="left")
    in_period = per_segment[per_segment["year"].between(scope.year_from, scope.year_to)]
    executed = _executed(works)
    executed = executed[executed["actual_year"].between(scope.year_from, scope.year_to)]
    totals = _totals(years, street_km, executed)
    return KpiReport(
        scope=scope,
        street_km=street_km,
        years=years,
        totals=totals,
        delays=_delay_distribution(executed),
        data_quality=_data_quality(inputs, scope, segment_ids, organisations),
        plans=_plans(inputs.plans),
        ambitions=_ambitions(inputs.plans),
        streets=_top_streets(in_period, segments),
        segments=_openings_per_segment(in_period),
        history=_history(inputs, scope, segment_ids, organisations),
        history_from=inputs.audit.start if inputs.audit is not None else None,
    )


# -- scope -----------------------------------------------------------------------------------------
def _segments_in(segments: pd.DataFrame, areas: pd.DataFrame, area: str | None) -> set[str]:
    """The segments of an area and of every area below it (all segments when no area is named)."""
    if area is None:
        return set(segments["id"])
    if area not in set(areas["code"]):
        raise InputError(f"unknown area {area!r}", record=area, field="area")
    below = {area}
    while True:
        more = set(areas.loc[areas["parent_code"].isin(below), "code"]) - below
        if not more:
            break
        below |= more
    return set(segments.loc[segments["area_code"].isin(below), "id"])


def _organisations_in(organisations: pd.DataFrame, code: str | None) -> set[str] | None:
    """An organisation and its departments (None: every organisation)."""
    if code is None:
        return None
    if code not in set(organisations["code"]):
        raise InputError(f"unknown organisation {code!r}", record=code, field="organisation")
    found = {code}
    while True:
        more = set(organisations.loc[organisations["parent_code"].isin(found), "code"]) - found
        if not more:
            return found
        found |= more


def _works_in(
    works: pd.DataFrame, links: pd.DataFrame, segment_ids: set[str], organisations: set[str] | None
) -> pd.DataFrame:
    """Works on a segment of the scope (any organisation's: an opening is shared), not cancelled."""
    on_scope = set(links.loc[links["segment_id"].isin(segment_ids), "record_id"])
    chosen = works["id"].isin(on_scope) & (works["status"] != WorkStatus.CANCELLED.value)
    return works[chosen]


# -- openings --------------------------------------------------------------------------------------
def openings_from_works(works: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """One row per (street-opening work, segment): the year it opens the street and whether that happened.

    Realised: status in_progress or done, in the year of `actual_start`. Planned: not started yet (idea,
    planned, committed), in its preferred_start (earliest_start when none). Trenchless kinds open nothing.
    Returns work_id, organisation, segment_id, year, realised, duration_days.
    """
    columns = ["work_id", "organisation", "segment_id", "year", "realised", "duration_days"]
    trenchless = [k.value for k in TRENCHLESS_WORK_KINDS]
    opening = works[~works["kind"].isin(trenchless)]
    actual = pd.to_datetime(opening["actual_start"], errors="coerce").dt.year
    realised = opening["status"].isin(_EXECUTED) & actual.notna()
    planned = opening["status"].isin(_NOT_STARTED) | opening["status"].isna()
    planned_year = opening["preferred_start"].fillna(opening["earliest_start"])
    months = opening["duration_months"].astype("float64").fillna(figure("default_work_duration_months"))
    frame = pd.DataFrame(
        {
            "work_id": opening["id"].to_numpy(),
            "organisation": opening["organisation"].to_numpy(),
            "year": np.where(realised, actual, planned_year.astype("float64")),
            "realised": realised.to_numpy(),
            "duration_days": (months * figure("working_days_per_month")).to_numpy(),
        }
    )[(realised | planned).to_numpy()]
    frame = frame[frame["year"].notna()].astype({"year": int})
    joined = frame.merge(links[["record_id", "segment_id"]], left_on="work_id", right_on="record_id")
    return joined[columns].reset_index(drop=True)


def segment_openings(openings: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """The openings: one row per (segment, year, realised) with its works, what sharing saved, the street name.

    Works in one segment and year share one opening; the others are openings avoided, each saving the street
    cost of the segment (`street_cost_eur`) and the nuisance of all but the longest work.
    """
    grouped = openings.groupby(["segment_id", "year", "realised"], as_index=False).agg(
        works=("work_id", "nunique"), days=("duration_days", "sum"), longest=("duration_days", "max")
    )
    info = segments.set_index("id")
    length = shapely.length(np.asarray(info.geometry.to_numpy(), dtype=object))
    street = pd.DataFrame(
        {
            "segment_id": info.index.to_numpy(),
            "street_cost_eur": street_cost_eur(length, info["width_m"].to_numpy(dtype=float)),
            "length_m": length,
            "name": info["name"].to_numpy(dtype=object),
        }
    )
    grouped = grouped.merge(street, on="segment_id", how="left")
    grouped["avoided"] = grouped["works"] - 1
    grouped["saving_eur"] = grouped["avoided"] * grouped["street_cost_eur"]
    grouped["nuisance_days_avoided"] = grouped["days"] - grouped["longest"]
    return grouped


def _per_year(scope: Scope, works: pd.DataFrame, openings: pd.DataFrame, street_km: float) -> pd.DataFrame:
    """Openings, realised savings, works started, delay and cost per year of the scope."""
    years = pd.DataFrame({"year": scope.years})
    realised = (
        openings[openings["realised"]]
        .groupby("year")
        .agg(
            openings_realised=("works", "size"),
            realised_openings_avoided=("avoided", "sum"),
            realised_saving_eur=("saving_eur", "sum"),
            realised_nuisance_days_avoided=("nuisance_days_avoided", "sum"),
        )
    )
    planned = openings[~openings["realised"]].groupby("year").agg(openings_planned=("works", "size"))
    executed = _executed(works)
    started = executed.groupby("actual_year").agg(
        works_realised=("id", "size"),
        mean_delay_years=("delay", "mean"),
        late=("late", "sum"),
        actual_cost_eur=("actual_cost", "sum"),
    )
    started.index.name = "year"
    years = years.join(realised, on="year").join(planned, on="year").join(started, on="year")
    counts = [
        "openings_realised",
        "openings_planned",
        "realised_openings_avoided",
        "works_realised",
        "late",
    ]
    years[counts] = years[counts].fillna(0).astype(int)
    money = ["realised_saving_eur", "realised_nuisance_days_avoided", "actual_cost_eur"]
    years[money] = years[money].fillna(0.0).astype(float)
    total = years["openings_realised"] + years["openings_planned"]
    years["openings_per_km"] = total / street_km if street_km else np.nan
    years["share_late"] = np.where(years["works_realised"] > 0, years["late"] / years["works_realised"].clip(1), np.nan)
    return years.drop(columns=["late"])


def _executed(works: pd.DataFrame) -> pd.DataFrame:
    """Works that started (in_progress or done with an actual_start): actual year, delay, late, costs."""
    started = works[works["status"].isin(_EXECUTED) & works["actual_start"].notna()]
    actual_year = pd.to_datetime(started["actual_start"], errors="coerce").dt.year.astype("Int64")
    planned = started["preferred_start"].fillna(started["earliest_start"]).astype("Int64")
    return pd.DataFrame(
        {
            "id": started["id"].to_numpy(),
            "actual_year": actual_year.to_numpy(),
            "delay": (actual_year - planned).astype("float64").to_numpy(),
            "late": (actual_year > started["latest_start"].astype("Int64")).fillna(False).to_numpy(dtype=bool),
            "cost_eur": started["cost_eur"].astype("float64").to_numpy(),
            "actual_cost": started["actual_cost"].astype("float64").to_numpy(),
        }
    )


def _delay_distribution(executed: pd.DataFrame) -> pd.DataFrame:
    """How many works started how many years after their planned year (negative: early)."""
    if executed.empty:
        return pd.DataFrame({"delay_years": pd.Series(dtype=int), "works": pd.Series(dtype=int)})
    counts = executed["delay"].dropna().astype(int).value_counts().sort_index()
    return pd.DataFrame({"delay_years": counts.index.to_numpy(dtype=int), "works": counts.to_numpy(dtype=int)})


def _top_streets(openings: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """The streets opened most often in the period (realised and planned openings, by street name)."""
    columns = ["name", "openings", "realised", "planned", "segments", "km", "openings_per_km"]
    named = openings.assign(name=openings["name"].fillna(openings["segment_id"]))
    if named.empty:
        return pd.DataFrame(columns=columns)
    per_street = named.groupby("name").agg(
        openings=("works", "size"),
        realised=("realised", "sum"),
        segments=("segment_id", "nunique"),
    )
    per_street["planned"] = per_street["openings"] - per_street["realised"]
    names = segments.assign(name=segments["name"].fillna(segments["id"]))
    lengths = shapely.length(np.asarray(names.geometry.to_numpy(), dtype=object))
    km = pd.Series(lengths, index=names["name"].to_numpy()).groupby(level=0).sum() / 1000.0
    per_street["km"] = km.reindex(per_street.index).to_numpy()
    per_street["openings_per_km"] = per_street["openings"] / per_street["km"]
    per_street = per_street.reset_index().sort_values(["openings", "name"], ascending=[False, True])
    return per_street.head(TOP_STREETS)[columns].astype({"realised": int, "planned": int}).reset_index(drop=True)


def _openings_per_segment(openings: pd.DataFrame) -> pd.DataFrame:
    """Per segment the realised and planned openings in the period (the heat map's values)."""
    table = openings.pivot_table(index="segment_id", columns="realised", values="works", aggfunc="size", fill_value=0)
    table = table.reindex(columns=[True, False], fill_value=0).rename(columns={True: "realised", False: "planned"})
    table.columns.name = None
    table["openings"] = table["realised"] + table["planned"]
    return table.reset_index().astype({"realised": int, "planned": int, "openings": int})


# -- couplings -------------------------------------------------------------------------------------
def _latest_decisions(decisions: pd.DataFrame) -> pd.DataFrame:
    """One row per coupling: its latest decision (any project's), with the year it was taken."""
    if decisions.empty:
        return pd.DataFrame(columns=["coupling_id", "status", "decided_at", "members", "year"])
    latest = decisions.sort_values("decided_at").drop_duplicates("coupling_id", keep="last")
    return latest.assign(year=latest["decided_at"].str.slice(0, 4).astype(int))


def _coupling_scope(
    couplings: pd.DataFrame,
    decisions: pd.DataFrame,
    scoped_works: set[str],
    segment_ids: set[str],
    organisations: set[str] | None,
    owner: Mapping[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The couplings and decisions whose streets lie in the scope and, for an organisation, that it is part of.

    A decision lies in the scope when its coupling does, or (a coupling no longer among the findings) when one
    of its member works lies on a street of the scope."""
    if len(decisions):
        members = decisions["members"].fillna("[]").map(json.loads)
        ids = members.map(lambda ms: {m.split(":", 1)[1] for m in ms})
        in_scope = decisions["coupling_id"].isin(couplings["id"] if len(couplings) else []) | ids.map(
            lambda i: bool(i & scoped_works)
        )
        decisions = decisions[in_scope.to_numpy(dtype=bool)]
    if len(couplings):
        on_streets = couplings["segment_ids"].fillna("").map(lambda v: bool(set(v.split(";")) & segment_ids))
        couplings = couplings[on_streets.to_numpy(dtype=bool)]
        if organisations is not None:
            ids = couplings["members"].map(lambda v: {m["id"] for m in members_from_text(v)})
            couplings = couplings[ids.map(lambda i: bool(_owners(i, owner) & organisations)).to_numpy(dtype=bool)]
    if len(decisions) and organisations is not None:
        ids = decisions["members"].fillna("[]").map(lambda v: {m.split(":", 1)[1] for m in json.loads(v)})
        decisions = decisions[ids.map(lambda i: bool(_owners(i, owner) & organisations)).to_numpy(dtype=bool)]
    return couplings, decisions


def _owners(member_ids: set[str], owner: Mapping[str, str]) -> set[str]:
    """The organisations of a coupling's members: a work's own; an asset's from its id (`org:local_id`)."""
    return {owner.get(i) or i.split(":", 1)[0] for i in member_ids}


def _coupling_years(
    inputs: MonitoringInputs, scope: Scope, segment_ids: set[str], organisations: set[str] | None
) -> pd.DataFrame:
    """Per year: couplings found (with their estimated savings), accepted and realised."""
    decisions = _latest_decisions(inputs.decisions)
    links = inputs.work_links
    scoped_works = set(links.loc[links["segment_id"].isin(segment_ids), "record_id"])
    owner = dict(zip(inputs.works["id"], inputs.works["organisation"], strict=True))
    couplings, decisions = _coupling_scope(inputs.couplings, decisions, scoped_works, segment_ids, organisations, owner)
    found = pd.DataFrame(
        {
            "year": couplings["window_start"].astype(int).to_numpy() if len(couplings) else [],
            "id": couplings["id"].to_numpy() if len(couplings) else [],
            "saving_eur": couplings["saving_eur"].to_numpy(dtype=float) if len(couplings) else [],
            "openings_avoided": couplings["openings_avoided"].to_numpy(dtype=float) if len(couplings) else [],
            "nuisance_days_avoided": couplings["nuisance_days_avoided"].to_numpy(dtype=float) if len(couplings) else [],
        }
    )
    gone = decisions[~decisions["coupling_id"].isin(found["id"])]
    found = pd.concat([found, pd.DataFrame({"year": gone["year"], "id": gone["coupling_id"]})], ignore_index=True)
    years = pd.DataFrame({"year": scope.years})
    per_found = found.groupby("year").agg(
        couplings_found=("id", "nunique"),
        estimated_saving_eur=("saving_eur", "sum"),
        estimated_openings_avoided=("openings_avoided", "sum"),
        estimated_nuisance_days_avoided=("nuisance_days_avoided", "sum"),
    )
    accepted = decisions[decisions["status"].isin(_ACCEPTED)].groupby("year").size().rename("couplings_accepted")
    realised = (
        decisions[decisions["status"] == CouplingStatus.REALISED.value]
        .groupby("year")
        .size()
        .rename("couplings_realised")
    )
    saving = couplings.set_index("id")["saving_eur"] if len(couplings) else pd.Series(dtype=float)
    chosen = decisions[decisions["status"].isin(_ACCEPTED)]
    accepted_saving = (
        chosen.assign(saving=chosen["coupling_id"].map(saving).fillna(0.0)).groupby("year")["saving"].sum()
    ).rename("accepted_saving_eur")
    years = years.join(per_found, on="year").join(accepted, on="year").join(realised, on="year")
    years = years.join(accepted_saving, on="year")
    counts = ["couplings_found", "couplings_accepted", "couplings_realised", "estimated_openings_avoided"]
    years[counts] = years[counts].fillna(0).astype(int)
    return years.fillna(0.0)


# -- totals, plans, ambitions, data quality ----------------------------------------------------------
def _totals(years: pd.DataFrame, street_km: float, executed: pd.DataFrame) -> dict[str, float | int | None]:
    """The tiles: sums over the period, shares of sums, means over the works started in it."""
    sums = {
        c: years[c].sum()
        for c in (
            "openings_realised",
            "openings_planned",
            "works_realised",
            "couplings_found",
            "couplings_accepted",
            "couplings_realised",
            "estimated_saving_eur",
            "accepted_saving_eur",
            "realised_saving_eur",
            "realised_openings_avoided",
            "realised_nuisance_days_avoided",
        )
    }
    found = sums["couplings_found"]
    both = executed.dropna(subset=["cost_eur", "actual_cost"])
    planned_cost = both["cost_eur"].sum()
    n_years = len(years)
    out: dict[str, float | int | None] = {k: _plain(v) for k, v in sums.items()}
    out.update(
        {
            "street_km": round(street_km, 3),
            "openings_per_km": _plain((sums["openings_realised"] + sums["openings_planned"]) / street_km / n_years)
            if street_km and n_years
            else None,
            "share_accepted": _plain(sums["couplings_accepted"] / found) if found else None,
            "share_realised": _plain(sums["couplings_realised"] / found) if found else None,
            "mean_delay_years": _plain(executed["delay"].mean()) if len(executed) else None,
            "share_late": _plain(executed["late"].mean()) if len(executed) else None,
            "cost_overrun": _plain(both["actual_cost"].sum() / planned_cost - 1.0) if planned_cost else None,
        }
    )
    return out


def _plans(plans: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The estimated savings of every kept plan against its sectoral baseline, dated by when it was made."""
    out = []
    for plan in sorted(plans, key=lambda p: str(p.get("scenario"))):
        savings = plan.get("savings") or {}
        horizon = plan.get("horizon") or [None, None]
        out.append(
            {
                "scenario": plan.get("scenario"),
                "created_at": plan.get("created_at"),
                "horizon": list(horizon),
                "saving_eur": savings.get("eur"),
                "saving_pct": savings.get("pct"),
                "openings_avoided": savings.get("openings_avoided"),
                "nuisance_days_avoided": savings.get("nuisance_days_avoided"),
            }
        )
    return out


def _ambitions(plans: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per kept ambition scenario: what its works cost, and the plan's cost per year against the budgets."""
    out = []
    for plan in plans:
        ambition = plan.get("ambition")
        if not ambition:
            continue
        by_year = []
        for row in plan.get("by_year") or []:
            budgets = [o.get("budget_eur") for o in row.get("organisations") or [] if o.get("budget_eur") is not None]
            by_year.append(
                {"year": row["year"], "cost_eur": row.get("cost_eur"), "budget_eur": sum(budgets) if budgets else None}
            )
        known = [r for r in by_year if r["budget_eur"] is not None]
        budget = sum(r["budget_eur"] for r in known) if known else None
        cost = sum(r["cost_eur"] or 0.0 for r in known) if known else None
        out.append(
            {
                "scenario": plan.get("scenario"),
                "label": ambition.get("label"),
                "target_year": ambition.get("year"),
                "works_added": ambition.get("works_added"),
                "cost_eur": ambition.get("cost_eur"),
                "plan_cost_eur": cost,
                "budget_eur": budget,
                "share_of_budget": (cost / budget) if budget else None,
                "by_year": by_year,
            }
        )
    return sorted(out, key=lambda a: str(a["scenario"]))


def _data_quality(
    inputs: MonitoringInputs, scope: Scope, segment_ids: set[str], organisations: set[str] | None
) -> dict[str, float | int | None]:
    """Shares of the assets in the scope with known install year, material, condition, depth; stale conditions."""
    assets = inputs.assets
    if scope.area is not None and inputs.asset_links is not None:
        on_scope = inputs.asset_links.loc[inputs.asset_links["segment_id"].isin(segment_ids), "record_id"]
        assets = assets[assets["id"].isin(set(on_scope))]
    if organisations is not None:
        assets = assets[assets["organisation"].isin(organisations)]
    n = len(assets)
    if n == 0:
        return {"assets": 0}
    observed = assets["condition_year"].astype("float64").fillna(assets["install_year"].astype("float64"))
    with_condition = assets["condition"].notna()
    stale = with_condition & (observed < scope.this_year - STALE_CONDITION_YEARS)
    return {
        "assets": n,
        "install_year_known": _plain(assets["install_year"].notna().mean()),
        "material_known": _plain(assets["material"].notna().mean()),
        "condition_known": _plain(with_condition.mean()),
        "depth_known": _plain(assets["depth_m"].notna().mean()),
        "stale_conditions": _plain(stale.sum() / with_condition.sum()) if with_condition.any() else None,
    }


def _history(
    inputs: MonitoringInputs, scope: Scope, segment_ids: set[str], organisations: set[str] | None
) -> pd.DataFrame:
    """The scope's KPIs at each past year end, from the audit log (empty without one)."""
    if inputs.audit is None:
        return pd.DataFrame()
    asset_ids = None
    if scope.area is not None and inputs.asset_links is not None:
        links = inputs.asset_links
        asset_ids = set(links.loc[links["segment_id"].isin(segment_ids), "record_id"])
    return history_per_year(
        inputs.audit,
        years=scope.years,
        assets=inputs.assets,
        decisions=inputs.decisions,
        plans=inputs.plans,
        asset_ids=asset_ids,
        organisations=organisations,
        couplings_in_scope=_couplings_in_scope(inputs, scope, segment_ids, organisations),
    )


def _couplings_in_scope(
    inputs: MonitoringInputs, scope: Scope, segment_ids: set[str], organisations: set[str] | None
) -> set[str] | None:
    """The couplings of an area or organisation (by the same rule as the per-year KPIs; a workflow counts for
    its member organisations too); None when the scope is the whole register."""
    if scope.area is None and organisations is None:
        return None
    links = inputs.work_links
    scoped_works = set(links.loc[links["segment_id"].isin(segment_ids), "record_id"])
    owner = dict(zip(inputs.works["id"], inputs.works["organisation"], strict=True))
    decisions = _latest_decisions(inputs.decisions)
    couplings, decisions = _coupling_scope(inputs.couplings, decisions, scoped_works, segment_ids, organisations, owner)
    ids = set(couplings["id"]) if len(couplings) else set()
    ids |= set(decisions["coupling_id"]) if len(decisions) else set()
    workflows = inputs.audit.workflows if inputs.audit is not None else pd.DataFrame()
    if scope.area is None and organisations is not None and len(workflows):
        mine = workflows["members"].map(lambda members: bool(set(members) & organisations))
        ids |= set(workflows.loc[mine.to_numpy(dtype=bool), "coupling_id"])
    return ids


def _plain(value: Any) -> float | int | bool | None:
    """A NumPy scalar as a JSON number (None for NaN); floats rounded to 6 decimals."""
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return int(value)
    return round(float(value), 6)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) if not isinstance(v, str) else v for k, v in row.items()} for row in frame.to_dict("records")]
