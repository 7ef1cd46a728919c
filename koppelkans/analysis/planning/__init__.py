"""Synchronisation optimiser, works plan and scenarios (PRODUCT.md B4, B7).

Pure: from a register snapshot to an instance (`instance`), scored by one objective (`objective`),
solved exactly per component or by LNS with an LP bound (`milp`, `heuristic`, `solve`), compared
with the sectoral baseline (`baseline`), grouped into projects and a financial plan (`works_plan`),
under named scenarios (`scenarios`), with infeasibility explained (`explain`).
"""

from __future__ import annotations

from koppelkans.analysis.planning.baseline import baseline_years, evaluate_baseline
from koppelkans.analysis.planning.defaults import PLANNING_DEFAULTS, planning_figure
from koppelkans.analysis.planning.explain import Culprit, PlanInfeasible, feasibility_of
from koppelkans.analysis.planning.instance import (
    CONSTRAINT_GROUPS,
    PlanningInstance,
    PlanOptions,
    PrecedenceRule,
    instance_from_interventions,
    instance_from_snapshot,
)
from koppelkans.analysis.planning.milp import SolveProgress
from koppelkans.analysis.planning.objective import Evaluation, evaluate_years, spend_by_organisation_year
from koppelkans.analysis.planning.scenarios import SCENARIOS, Ambition, Scenario, flat_budgets, scenario_named
from koppelkans.analysis.planning.solve import Schedule, solve_instance, solve_monolithic
from koppelkans.analysis.planning.works_plan import WorksPlan, cost_by_organisation_year, works_plan_from_schedule

__all__ = [
    "CONSTRAINT_GROUPS",
    "PLANNING_DEFAULTS",
    "SCENARIOS",
    "Ambition",
    "Culprit",
    "Evaluation",
    "PlanInfeasible",
    "PlanOptions",
    "PlanningInstance",
    "PrecedenceRule",
    "Scenario",
    "Schedule",
    "SolveProgress",
    "WorksPlan",
    "baseline_years",
    "cost_by_organisation_year",
    "evaluate_baseline",
    "evaluate_years",
    "feasibility_of",
    "flat_budgets",
    "instance_from_interventions",
    "instance_from_snapshot",
    "planning_figure",
    "scenario_named",
    "solve_instance",
    "solve_monolithic",
    "spend_by_organisation_year",
    "works_plan_from_schedule",
]
