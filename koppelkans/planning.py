"""Use case: plan the works of a register together, as a named scenario, and keep the result.

Steps: read the register snapshot → build the scenario's instance (its ambition's works added,
its budgets) → check that the hard constraints can hold (else explain why not) → solve (or keep
everyone's preferred year for the sectoral scenario) → the works plan → the plan as JSON (the
contract of `koppelkans plan --json`) → keep it in the store's `plans` table under the scenario's
name, so `koppelkans scenario compare` and the web app's timeline read it back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from koppelkans.analysis.planning import (
    PlanOptions,
    SolveProgress,
    baseline_years,
    evaluate_years,
    feasibility_of,
    flat_budgets,
    instance_from_snapshot,
    scenario_named,
    solve_instance,
    works_plan_from_schedule,
)
from koppelkans.analysis.planning.explain import PlanInfeasible
from koppelkans.analysis.planning.instance import PlanningInstance
from koppelkans.analysis.planning.scenarios import ambition_interventions
from koppelkans.analysis.planning.solve import PartRunner, Schedule
from koppelkans.analysis.planning.works_plan import WorksPlan
from koppelkans.domain.snapshot import RegisterSnapshot
from koppelkans.errors import InputError, NotFound, Problem, ValidationFailed
from koppelkans.register import snapshot_of
from koppelkans.store import SYSTEM_ACTOR, Repository

__all__ = [
    "compare_plans",
    "keep_plan",
    "load_plan",
    "plan_from_snapshot",
    "plan_register",
    "read_budgets",
    "write_plan_xlsx",
]

Progress = Callable[[SolveProgress], None]


def _quiet(_: SolveProgress) -> None:
    """Default progress callback: say nothing."""


def read_budgets(path: str | Path) -> pd.DataFrame:
    """Annual budgets from a CSV with columns organisation, year, budget_eur; every bad row is named."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such budgets file", field="budgets")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("organisation", "year", "budget_eur") if c not in frame.columns]
    if missing:
        raise InputError(f"{path.name}: budgets need the column(s) {', '.join(missing)}", field=missing[0])
    problems = []
    year = pd.to_numeric(frame["year"], errors="coerce")
    budget = pd.to_numeric(frame["budget_eur"], errors="coerce")
    for row in np.flatnonzero(year.isna() | (year % 1 != 0)):
        problems.append(Problem(kind="budgets", record=None, row=int(row) + 2, field="year", reason="not a year"))
    for row in np.flatnonzero(budget.isna() | (budget < 0)):
        problems.append(
            Problem(kind="budgets", record=None, row=int(row) + 2, field="budget_eur", reason="not an amount ≥ 0")
        )
    for row in np.flatnonzero(frame["organisation"].str.strip() == ""):
        problems.append(Problem(kind="budgets", record=None, row=int(row) + 2, field="organisation", reason="empty"))
    if problems:
        raise ValidationFailed(problems)
    return pd.DataFrame(
        {
            "organisation": frame["organisation"].str.strip(),
            "year": year.astype(int),
            "budget_eur": budget.astype(float),
        }
    )


def plan_register(
    store: Repository,
    options: PlanOptions,
    *,
    scenario: str = "integrated",
    time_limit: float = 120.0,
    progress: Progress = _quiet,
    keep: bool = True,
    engine: str = "single",
    scheduler: str | None = None,
    actor: str = SYSTEM_ACTOR,
) -> dict[str, Any]:
    """Plan the register in a store under a scenario; keep it in the store (unless `keep` is off) and return it.

    `engine="dask"` solves the instance's independent parts on a Dask cluster (`scheduler`, or a
    LocalCluster) with the same time and gap per part; the plan is the same.
    """
    snapshot = snapshot_of(store)
    if engine == "dask":
        from koppelkans.scale import dask_client, parts_on_dask

        with dask_client(scheduler) as client:
            payload, _, _ = plan_from_snapshot(
                snapshot,
                options,
                scenario=scenario,
                time_limit=time_limit,
                progress=progress,
                runner=parts_on_dask(client),
            )
    else:
        payload, _, _ = plan_from_snapshot(
            snapshot, options, scenario=scenario, time_limit=time_limit, progress=progress
        )
    if keep:
        keep_plan(store, payload, actor=actor)
    return payload


def plan_from_snapshot(
    snapshot: RegisterSnapshot,
    options: PlanOptions,
    *,
    scenario: str = "integrated",
    time_limit: float = 120.0,
    progress: Progress = _quiet,
    runner: PartRunner | None = None,
) -> tuple[dict[str, Any], Schedule | None, WorksPlan]:
    """The plan of a snapshot under a scenario: its JSON, the schedule (None if sectoral), the works plan.

    `runner` solves the independent parts of the instance (default: in this process; see `solve_instance`).
    """
    chosen = scenario_named(scenario)
    extra = None
    if chosen.ambition is not None:
        options = replace(options, year_to=max(options.year_to, chosen.ambition.year))
        extra = ambition_interventions(snapshot, chosen.ambition, year_from=options.year_from)
    instance = instance_from_snapshot(snapshot, options, extra=extra)
    baseline = baseline_years(instance)
    if chosen.flat_budgets and instance.budgets.empty:
        instance = replace(instance, budgets=flat_budgets(instance, baseline))
    schedule = None
    if chosen.optimise:
        start = _feasible_start(instance)
        schedule = solve_instance(instance, time_limit=time_limit, progress=progress, start=start, runner=runner)
        years = schedule.years
    else:
        years = baseline
    plan = works_plan_from_schedule(
        instance,
        years,
        baseline=baseline,
        segment_geometry=snapshot.segments.set_index("id").geometry if len(snapshot.segments) else None,
        organisations=snapshot.organisations,
    )
    payload = plan_as_json(instance, years, baseline, plan, schedule=schedule, scenario=scenario)
    if chosen.ambition is not None:
        added = instance.items["key"].str.startswith(f"work:AMB:{chosen.ambition.theme}:")
        payload["ambition"] = {
            "label": chosen.ambition.label,
            "year": chosen.ambition.year,
            "works_added": int(added.sum()),
            "cost_eur": round(float(instance.items.loc[added, "cost_eur"].sum()), 2),
        }
    return payload, schedule, plan


def _feasible_start(instance: PlanningInstance) -> np.ndarray | None:
    """With hard groups: a schedule that keeps them, or PlanInfeasible naming what cannot hold."""
    if not instance.options.hard:
        return None
    years, culprits = feasibility_of(instance)
    if culprits:
        raise PlanInfeasible(culprits)
    return years


def plan_as_json(
    instance: PlanningInstance,
    years: np.ndarray,
    baseline: np.ndarray,
    plan: WorksPlan,
    *,
    schedule: Schedule | None,
    scenario: str,
) -> dict[str, Any]:
    """The JSON contract of `koppelkans plan --json`."""
    evaluation = schedule.evaluation if schedule is not None else evaluate_years(instance, years)
    base = evaluate_years(instance, baseline)
    bound = schedule.bound if schedule is not None else None
    saving = base.cost_eur - evaluation.cost_eur
    return {
        "scenario": scenario,
        "horizon": [int(instance.options.year_from), int(instance.options.year_to)],
        "objective": _round(evaluation.objective),
        "bound": _round(bound),
        "gap": None if schedule is None else _round(schedule.gap, 6),
        "method": schedule.method if schedule is not None else "sectoral",
        "seconds": None if schedule is None else round(schedule.seconds, 2),
        "cost": {k: _round(v) if isinstance(v, float) else v for k, v in evaluation.as_dict().items()},
        "baseline": {
            "objective": _round(base.objective),
            "cost_eur": _round(base.cost_eur),
            "openings": base.openings,
            "nuisance_days": _round(base.nuisance_days),
        },
        "savings": {
            "eur": _round(saving),
            "pct": _round(100.0 * saving / base.cost_eur if base.cost_eur else 0.0, 3),
            "openings_avoided": int(base.openings - evaluation.openings),
            "nuisance_days_avoided": _round(base.nuisance_days - evaluation.nuisance_days),
        },
        "works": [
            {"id": r.id, "type": r.type, "organisation": r.organisation, "year": int(r.year), "project": r.project}
            for r in plan.assignments.itertuples(index=False)
        ],
        "projects": [
            {
                "id": p.id,
                "year": int(p.year),
                "area_code": p.area_code if isinstance(p.area_code, str) else None,
                "segments": list(p.segments),
                "works": list(p.works),
                "items": len(p.items),
                "organisations": list(p.organisations),
                "project_type": p.project_type,
                "leading_party": p.leading_party,
                "cost_eur": _round(p.cost_eur),
            }
            for p in plan.projects.itertuples(index=False)
            if len(p.items) > 1 or len(p.works)
        ],
        "agenda": {
            "years": list(plan.agenda_years),
            "projects": [p for p, n in zip(plan.agenda["id"], plan.agenda["items"]) if len(n) > 1],
        },
        "by_year": _by_year(instance, years, plan),
    }


def _by_year(instance: PlanningInstance, years: np.ndarray, plan: WorksPlan) -> list[dict[str, Any]]:
    """Per year: cost and baseline cost, openings and nuisance days, and each organisation against its budget."""
    openings = instance.openings
    frame = pd.DataFrame(
        {
            "segment": openings["segment"].to_numpy(),
            "year": years[openings["item"].to_numpy()],
            "days": openings["days"].to_numpy(),
        }
    )
    per_opening = frame.groupby(["segment", "year"])["days"].max().reset_index()
    counts = per_opening.groupby("year").agg(openings=("days", "size"), nuisance_days=("days", "sum"))
    rows = []
    finance = dict(tuple(plan.finance.groupby("year")))
    empty = plan.finance.iloc[:0]
    for year in instance.years:
        group = finance.get(year, empty)
        rows.append(
            {
                "year": int(year),
                "cost_eur": _round(group["cost_eur"].sum()),
                "baseline_eur": _round(group["baseline_eur"].sum()),
                "openings": int(counts["openings"].get(year, 0)),
                "nuisance_days": _round(float(counts["nuisance_days"].get(year, 0.0))),
                "organisations": [
                    {
                        "organisation": o.organisation,
                        "cost_eur": _round(o.cost_eur),
                        "baseline_eur": _round(o.baseline_eur),
                        "budget_eur": None if pd.isna(o.budget_eur) else _round(o.budget_eur),
                    }
                    for o in group.itertuples(index=False)
                ],
            }
        )
    return rows


def _round(value: float | None, digits: int = 2) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


# -- keeping plans ---------------------------------------------------------------------------------
def keep_plan(store: Repository, payload: dict[str, Any], *, actor: str = SYSTEM_ACTOR) -> None:
    """Keep a plan in the store under its scenario name (replacing the last one of that name), as `actor`."""
    with store.transaction(actor) as writer:
        writer.keep_plan(payload)


def load_plan(store: Repository, name: str) -> dict[str, Any]:
    """A kept plan by scenario name; NotFound names the scenarios that are kept."""
    plan = store.read_plan(name)
    if plan is None:
        kept = list(store.plans()["scenario"])
        raise NotFound(
            f"no plan kept for scenario {name!r}"
            + (f"; kept: {', '.join(kept)}" if kept else "; run `koppelkans plan --scenario NAME` first"),
            record=name,
            field="scenario",
        )
    return plan


def compare_plans(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two kept plans side by side: totals, savings against each one's baseline, and cost per year."""

    def summary(plan: dict[str, Any]) -> dict[str, Any]:
        return {
            "scenario": plan["scenario"],
            "horizon": plan["horizon"],
            "objective": plan["objective"],
            "cost_eur": plan["cost"]["cost_eur"],
            "gap": plan["gap"],
            "openings": plan["cost"]["openings"],
            "nuisance_days": plan["cost"]["nuisance_days"],
            "projects": len(plan["projects"]),
            "savings": plan["savings"],
            "ambition": plan.get("ambition"),
        }

    years_a = {row["year"]: row for row in a["by_year"]}
    years_b = {row["year"]: row for row in b["by_year"]}
    by_year = []
    for year in sorted(set(years_a) | set(years_b)):
        cost_a = years_a.get(year, {}).get("cost_eur") or 0.0
        cost_b = years_b.get(year, {}).get("cost_eur") or 0.0
        by_year.append(
            {
                "year": year,
                "a_cost_eur": cost_a,
                "b_cost_eur": cost_b,
                "difference_eur": round(cost_b - cost_a, 2),
                "a_openings": years_a.get(year, {}).get("openings", 0),
                "b_openings": years_b.get(year, {}).get("openings", 0),
            }
        )
    sa, sb = summary(a), summary(b)
    return {
        "a": sa,
        "b": sb,
        "difference": {
            "cost_eur": round((sb["cost_eur"] or 0.0) - (sa["cost_eur"] or 0.0), 2),
            "openings": sb["openings"] - sa["openings"],
            "nuisance_days": round((sb["nuisance_days"] or 0.0) - (sa["nuisance_days"] or 0.0), 1),
        },
        "by_year": by_year,
    }


def write_plan_xlsx(payload: dict[str, Any], path: str | Path) -> None:
    """The plan as an Excel workbook: summary, works, projects, cost per year × organisation."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path.name}: write a plan to .xlsx", field="xlsx")
    summary = pd.DataFrame(
        [
            {"what": k, "value": v}
            for k, v in {
                "scenario": payload["scenario"],
                "horizon": "-".join(map(str, payload["horizon"])),
                "objective_eur": payload["objective"],
                "bound_eur": payload["bound"],
                "gap": payload["gap"],
                "baseline_objective_eur": payload["baseline"]["objective"],
                "savings_eur": payload["savings"]["eur"],
                "savings_pct": payload["savings"]["pct"],
                "openings_avoided": payload["savings"]["openings_avoided"],
                "nuisance_days_avoided": payload["savings"]["nuisance_days_avoided"],
            }.items()
        ]
    )
    projects = pd.DataFrame(payload["projects"])
    for column in ("segments", "works", "organisations"):
        if column in projects:
            projects[column] = projects[column].map(";".join)
    finance = pd.DataFrame([{"year": row["year"], **org} for row in payload["by_year"] for org in row["organisations"]])
    with pd.ExcelWriter(path) as excel:
        summary.to_excel(excel, sheet_name="summary", index=False)
        pd.DataFrame(payload["works"]).to_excel(excel, sheet_name="works", index=False)
        projects.to_excel(excel, sheet_name="projects", index=False)
        finance.to_excel(excel, sheet_name="by_year", index=False)
