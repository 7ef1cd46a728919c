"""Named scenarios (PRODUCT.md B7): sectoral vs integrated, with budgets, and what an ambition costs.

A scenario says whether the years are optimised or left at everyone's preferred year, whether
flat annual budgets hold, and which ambition adds works: "all neighbourhoods gas-free by 2040"
adds a heat network in every street of every buurt that has none (by its energy-transition task's
target year, at the latest 2040); "climate-proof by 2050" adds water storage along the share of
each buurt's streets its climate-adaptation task names. Added works are interventions like any
other: they couple with the renewals already due in their streets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from koppelkans.analysis.coupling.interventions import COLUMNS as INTERVENTION_COLUMNS
from koppelkans.analysis.planning.defaults import planning_figure
from koppelkans.analysis.planning.instance import PlanningInstance
from koppelkans.analysis.planning.objective import spend_by_organisation_year
from koppelkans.config import figure
from koppelkans.domain.snapshot import RegisterSnapshot
from koppelkans.errors import InputError

__all__ = [
    "SCENARIOS",
    "Ambition",
    "Scenario",
    "ambition_interventions",
    "flat_budgets",
    "scenario_named",
]


@dataclass(frozen=True, kw_only=True)
class Ambition:
    """An area-task ambition: every buurt reaches it by `year`, with these works per street."""

    theme: str
    year: int
    discipline: str
    organisation_kind: str
    cost_per_m: float
    share_from_intensity: bool
    label: str


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A named way to plan: optimised or sectoral, budgets, and an optional ambition."""

    name: str
    description: str
    optimise: bool = True
    flat_budgets: bool = False
    ambition: Ambition | None = None


GAS_FREE_2040 = Ambition(
    theme="energy_transition",
    year=2040,
    discipline="heat",
    organisation_kind="heat_company",
    cost_per_m=figure("heat_main_cost_per_m"),
    share_from_intensity=False,
    label="all neighbourhoods gas-free by 2040",
)
CLIMATE_PROOF_2050 = Ambition(
    theme="climate_adaptation",
    year=2050,
    discipline="water_storage",
    organisation_kind="municipality",
    cost_per_m=450.0,  # EUR/m of street, infiltration crates (lifecycle default `water_storage_cost_per_m`)
    share_from_intensity=True,
    label="climate-proof by 2050",
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(name="sectoral", description="everyone at their own preferred year, no coordination", optimise=False),
        Scenario(name="integrated", description="synchronised plan: years chosen together"),
        Scenario(
            name="budgeted",
            description="synchronised plan under flat annual budgets per organisation (the sectoral total + 10 %)",
            flat_budgets=True,
        ),
        Scenario(name="gasfree-2040", description=GAS_FREE_2040.label, ambition=GAS_FREE_2040),
        Scenario(name="climate-2050", description=CLIMATE_PROOF_2050.label, ambition=CLIMATE_PROOF_2050),
    )
}


def scenario_named(name: str) -> Scenario:
    """A scenario by name; raises an InputError listing the known ones."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise InputError(
            f"unknown scenario {name!r}; expected one of {', '.join(SCENARIOS)}", field="scenario"
        ) from None


def flat_budgets(instance: PlanningInstance, baseline: np.ndarray, *, slack: float | None = None) -> pd.DataFrame:
    """Flat annual budgets: each organisation's sectoral spend over the horizon, spread evenly, plus slack."""
    slack = planning_figure("budget_slack_share") if slack is None else slack
    spend = spend_by_organisation_year(instance, baseline)
    per_year = spend.groupby("organisation")["spend_eur"].sum() / len(instance.years) * (1.0 + slack)
    grid = pd.MultiIndex.from_product([per_year.index, instance.years], names=["organisation", "year"])
    return (
        pd.DataFrame(index=grid).reset_index().assign(budget_eur=lambda f: f["organisation"].map(per_year).to_numpy())
    )


def ambition_interventions(
    snapshot: RegisterSnapshot, ambition: Ambition, *, year_from: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The works an ambition requires, as interventions with their segment memberships.

    One work per street segment of every buurt, except streets that already carry the network
    (an asset or an active work of the discipline); the window runs up to the buurt's target year.
    """
    segments = snapshot.segments
    areas = snapshot.areas
    buurten = areas.loc[areas["level"] == "buurt", "code"] if "level" in areas else areas["code"]
    candidates = segments[segments["area_code"].isin(buurten)]
    served = _segments_with(snapshot, ambition.discipline)
    candidates = candidates[~candidates["id"].isin(served)]
    tasks = snapshot.tasks[snapshot.tasks["theme"] == ambition.theme]
    target = tasks.groupby("area_code")["target_year"].min() if len(tasks) else pd.Series(dtype=float)
    intensity = tasks.groupby("area_code")["intensity"].max() if len(tasks) else pd.Series(dtype=float)
    year = np.minimum(candidates["area_code"].map(target).fillna(ambition.year).to_numpy(dtype=float), ambition.year)
    year = np.maximum(year, year_from).astype(int)
    share = np.ones(len(candidates))
    if ambition.share_from_intensity:
        known = candidates["area_code"].map(intensity).to_numpy(dtype=float)
        share = np.where(np.isnan(known), figure("task_intensity_default"), known)
    length = np.asarray(candidates.geometry.length, dtype=float) * share
    keep = length > 0
    candidates, year, length = candidates[keep], year[keep], length[keep]
    organisation = _organisation_of_kind(snapshot, ambition.organisation_kind)
    window = int(planning_figure("ambition_window_years"))
    ids = [f"AMB:{ambition.theme}:{s}" for s in candidates["id"]]
    interventions = pd.DataFrame(
        {
            "key": [f"work:{i}" for i in ids],
            "type": "work",
            "id": ids,
            "organisation": organisation,
            "discipline": ambition.discipline,
            "kind": "construct",
            "title": ambition.label,
            "window_start": np.maximum(year - window, year_from),
            "window_end": year,
            "preferred": year,
            "duration_days": figure("default_work_duration_months") * figure("working_days_per_month"),
            "cost_eur": length * ambition.cost_per_m,
            "phase": "initiatief",
            "early": True,
            "opens_street": True,
            "dig_free_years": 0.0,
            "geometry": None,
        }
    )[INTERVENTION_COLUMNS].assign(fixed=False, project_type="transitie", asset_ids=None)
    members = pd.DataFrame(
        {"key": interventions["key"].to_numpy(), "segment_id": candidates["id"].to_numpy(), "overlap_m": length}
    )
    return interventions, members


def _segments_with(snapshot: RegisterSnapshot, discipline: str) -> set[str]:
    """Segments that already carry a network of the discipline, or an active work for it."""
    links = snapshot.links
    assets = set(snapshot.assets.loc[snapshot.assets["discipline"] == discipline, "id"])
    works = snapshot.works
    active = set(works.loc[(works["discipline"] == discipline) & ~works["status"].isin(["cancelled"]), "id"])
    on_assets = links.loc[(links["kind"] == "assets") & links["record_id"].isin(assets), "segment_id"]
    on_works = links.loc[(links["kind"] == "works") & links["record_id"].isin(active), "segment_id"]
    return set(on_assets) | set(on_works)


def _organisation_of_kind(snapshot: RegisterSnapshot, kind: str) -> str:
    """The first organisation of a kind (the municipality if there is none)."""
    organisations = snapshot.organisations
    for wanted in (kind, "municipality"):
        match = organisations.loc[organisations["kind"] == wanted, "code"]
        if len(match):
            return str(sorted(match)[0])
    if organisations.empty:
        raise InputError("the register has no organisations to carry an ambition's works", field="organisations")
    return str(organisations["code"].iloc[0])
