"""The municipal works plan (Gemeentelijk Werkenplan): projects, the 4-year agenda, the financial plan.

A schedule becomes projects: items done in the same year in the same neighbourhood on the same or
touching street segments are one integrated project, led by the party its project type usually
puts in charge. The financial plan books every item's own cost in its year, plus its share of each
shared opening (in proportion to what its own opening would have cost), per organisation, next to
the budgets and the sectoral baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from koppelkans.analysis.coupling.street import stable_id
from koppelkans.analysis.planning.defaults import planning_figure
from koppelkans.analysis.planning.instance import PlanningInstance
from koppelkans.analysis.planning.objective import chosen_rows

__all__ = ["LEADING_KINDS", "WorksPlan", "cost_by_organisation_year", "works_plan_from_schedule"]

LEADING_KINDS: dict[str, tuple[str, ...]] = {
    "beheer": (),
    "transitie": ("heat_company", "grid_operator"),
    "ontwikkeling": ("municipality", "housing_corporation"),
    "herstructurering": ("municipality", "housing_corporation"),
    "wijkgericht": ("municipality",),
}
"""Who usually leads a project of each type (PRODUCT.md C2): management-driven projects are led by
the asset owner with the largest share; the others by the first of these organisation kinds present."""


@dataclass(frozen=True, kw_only=True)
class WorksPlan:
    """Projects, each item's project, the execution agenda and the financial plan."""

    projects: pd.DataFrame
    """id, year, area_code, segments, works (ids), items (keys), organisations, project_type, leading_party, cost."""
    assignments: pd.DataFrame
    """key, type, id, organisation, year, project."""
    finance: pd.DataFrame
    """year, organisation, cost_eur, baseline_eur, budget_eur."""
    agenda_years: tuple[int, int]

    @property
    def agenda(self) -> pd.DataFrame:
        """The projects of the execution agenda (the first years of the horizon)."""
        first, last = self.agenda_years
        return self.projects[(self.projects["year"] >= first) & (self.projects["year"] <= last)]


def works_plan_from_schedule(
    instance: PlanningInstance,
    years: np.ndarray,
    *,
    baseline: np.ndarray,
    segment_geometry: pd.Series | None = None,
    organisations: pd.DataFrame | None = None,
) -> WorksPlan:
    """Group a schedule into projects and book its costs per organisation and year.

    `segment_geometry` (segment id → line) lets touching segments join one project; without it only
    shared segments do. `organisations` (code, kind) names the leading party by kind.
    """
    years = np.asarray(years, dtype=np.int64)
    project = _project_labels(instance, years, segment_geometry)
    items = instance.items
    assignments = pd.DataFrame(
        {
            "key": items["key"].to_numpy(),
            "type": items["type"].to_numpy(),
            "id": items["id"].to_numpy(),
            "organisation": items["organisation"].to_numpy(),
            "year": years,
            "group": project,
        }
    )
    cost = _item_costs(instance, years)
    projects = _projects(instance, assignments.assign(cost_eur=cost), organisations)
    assignments = assignments.merge(projects[["group", "id"]].rename(columns={"id": "project"}), on="group")
    assignments = assignments.sort_values("key", kind="stable").drop(columns="group").reset_index(drop=True)
    agenda = int(planning_figure("execution_agenda_years"))
    first = int(instance.options.year_from)
    return WorksPlan(
        projects=projects.drop(columns="group"),
        assignments=assignments,
        finance=_finance(instance, years, baseline),
        agenda_years=(first, first + agenda - 1),
    )


def _project_labels(instance: PlanningInstance, years: np.ndarray, segment_geometry: pd.Series | None) -> np.ndarray:
    """Connected components of items in the same year and area linked by a shared or touching segment."""
    n = instance.n_items
    openings = instance.openings
    item, segment = openings["item"].to_numpy(), openings["segment"].to_numpy()
    year_of = years[item]
    edges_a, edges_b = [], []
    # items that open the same segment in the same year
    key = segment.astype(np.int64) * 10_000 + year_of
    order = np.argsort(key, kind="stable")
    same = key[order][1:] == key[order][:-1]
    edges_a.append(item[order][1:][same])
    edges_b.append(item[order][:-1][same])
    touching = _touching_segments(instance, segment_geometry)
    if len(touching):
        frame = pd.DataFrame({"item": item, "segment": segment, "year": year_of})
        joined = touching.merge(frame, left_on="a", right_on="segment").merge(
            frame, left_on=["b", "year"], right_on=["segment", "year"], suffixes=("_a", "_b")
        )
        edges_a.append(joined["item_a"].to_numpy())
        edges_b.append(joined["item_b"].to_numpy())
    a, b = np.concatenate(edges_a).astype(np.int64), np.concatenate(edges_b).astype(np.int64)
    area = instance.items["area_code"].to_numpy()
    keep = pd.Series(area[a]).fillna("").to_numpy() == pd.Series(area[b]).fillna("").to_numpy()
    graph = coo_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _touching_segments(instance: PlanningInstance, segment_geometry: pd.Series | None) -> pd.DataFrame:
    """Pairs (a, b) of opened segments whose lines touch (one STRtree query for all of them)."""
    if segment_geometry is None or instance.segments.empty:
        return pd.DataFrame(columns=["a", "b"])
    lines = segment_geometry.reindex(instance.segments["id"]).to_numpy()
    present = np.flatnonzero(pd.notna(lines))
    if not len(present):
        return pd.DataFrame(columns=["a", "b"])
    tree = shapely.STRtree(lines[present])
    left, right = tree.query(lines[present], predicate="intersects")
    keep = left < right
    return pd.DataFrame({"a": present[left[keep]], "b": present[right[keep]]})


def _item_costs(instance: PlanningInstance, years: np.ndarray) -> np.ndarray:
    """Own cost plus bridging plus the item's share of the openings it takes part in."""
    rows = instance.candidates.iloc[chosen_rows(instance, years)]
    cost = (rows["own_eur"] + rows["early_eur"] + rows["risk_eur"] + rows["bridging_eur"]).to_numpy().copy()
    openings = instance.openings
    if openings.empty:
        return cost
    frame = pd.DataFrame(
        {
            "item": openings["item"].to_numpy(),
            "segment": openings["segment"].to_numpy(),
            "year": years[openings["item"].to_numpy()],
            "value": openings["value_eur"].to_numpy(),
        }
    )
    grouped = frame.groupby(["segment", "year"])["value"]
    share = frame["value"] / grouped.transform("sum").replace(0.0, 1.0)
    np.add.at(cost, frame["item"].to_numpy(), (share * grouped.transform("max")).to_numpy())
    return cost


def cost_by_organisation_year(instance: PlanningInstance, years: np.ndarray) -> pd.DataFrame:
    """organisation, year, cost_eur: everything an organisation pays in a year under a schedule."""
    frame = pd.DataFrame(
        {
            "organisation": instance.items["organisation"].to_numpy(),
            "year": np.asarray(years, dtype=int),
            "cost_eur": _item_costs(instance, np.asarray(years, dtype=np.int64)),
        }
    )
    return frame.groupby(["organisation", "year"], as_index=False)["cost_eur"].sum()


def _finance(instance: PlanningInstance, years: np.ndarray, baseline: np.ndarray) -> pd.DataFrame:
    plan = cost_by_organisation_year(instance, years)
    base = cost_by_organisation_year(instance, baseline).rename(columns={"cost_eur": "baseline_eur"})
    finance = plan.merge(base, on=["organisation", "year"], how="outer")
    finance = finance.merge(instance.budgets, on=["organisation", "year"], how="outer")
    finance[["cost_eur", "baseline_eur"]] = finance[["cost_eur", "baseline_eur"]].fillna(0.0)
    return finance.sort_values(["year", "organisation"], kind="stable").reset_index(drop=True)


def _projects(
    instance: PlanningInstance, assignments: pd.DataFrame, organisations: pd.DataFrame | None
) -> pd.DataFrame:
    """One row per project with its segments, works, type and leading party (grouped, not looped)."""
    openings = instance.openings
    segment_ids = instance.segments["id"].to_numpy()
    seg = pd.DataFrame(
        {"group": assignments["group"].to_numpy()[openings["item"]], "segment": segment_ids[openings["segment"]]}
    ).drop_duplicates()
    items = instance.items
    frame = assignments.assign(project_type=items["project_type"].to_numpy(), area_code=items["area_code"].to_numpy())
    frame = frame.sort_values(["group", "key"], kind="stable")
    grouped = frame.groupby("group", sort=True)
    projects = pd.DataFrame(
        {
            "year": grouped["year"].first(),
            "area_code": grouped["area_code"].first(),
            "items": grouped["key"].agg(tuple),
            "cost_eur": grouped["cost_eur"].sum(),
        }
    )
    works = frame[frame["type"] == "work"].groupby("group")["id"].agg(tuple)
    projects["works"] = works.reindex(projects.index).apply(lambda w: w if isinstance(w, tuple) else ())
    orgs = frame.drop_duplicates(["group", "organisation"]).sort_values(["group", "organisation"], kind="stable")
    projects["organisations"] = orgs.groupby("group")["organisation"].agg(tuple)
    segments = seg.sort_values(["group", "segment"], kind="stable").groupby("group")["segment"].agg(tuple)
    projects["segments"] = segments.reindex(projects.index).apply(lambda s: s if isinstance(s, tuple) else ())
    typed = frame[frame["project_type"].notna()].sort_values(["group", "cost_eur"], ascending=[True, False])
    project_type = typed.drop_duplicates("group").set_index("group")["project_type"]
    projects["project_type"] = project_type.reindex(projects.index).fillna("beheer").astype(str)
    projects["leading_party"] = _leading_parties(frame, projects["project_type"], organisations)
    projects["id"] = [stable_id("PR", (*keys, str(year))) for keys, year in zip(projects["items"], projects["year"])]
    projects = projects.reset_index(names="group").sort_values(["year", "id"], kind="stable").reset_index(drop=True)
    return projects[
        [
            "group",
            "id",
            "year",
            "area_code",
            "segments",
            "works",
            "items",
            "organisations",
            "project_type",
            "leading_party",
            "cost_eur",
        ]
    ]


def _leading_parties(frame: pd.DataFrame, project_type: pd.Series, organisations: pd.DataFrame | None) -> pd.Series:
    """Per project: the first organisation of a kind its type puts in charge, else the largest cost share."""
    shares = frame.groupby(["group", "organisation"], as_index=False)["cost_eur"].sum()
    kind_of = organisations.set_index("code")["kind"] if organisations is not None and len(organisations) else None
    kinds = shares["organisation"].map(kind_of) if kind_of is not None else pd.Series(None, index=shares.index)
    types = shares["group"].map(project_type).to_numpy()
    rank = np.full(len(shares), 99)
    for type_code, preferred in LEADING_KINDS.items():
        for position, kind in enumerate(preferred):
            rank[(types == type_code) & (kinds.to_numpy() == kind)] = position
    shares = shares.assign(rank=rank).sort_values(
        ["group", "rank", "cost_eur", "organisation"], ascending=[True, True, False, True], kind="stable"
    )
    return shares.drop_duplicates("group").set_index("group")["organisation"].reindex(project_type.index)
