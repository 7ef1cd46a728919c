"""`/api/forecast`, `/api/plans` and `/api/jobs`: the lifecycle forecast (K4) and the works plan (K5).

A plan takes minutes, so `POST /api/plans` starts a background job (202 with its `Location`); the
job resource shows its progress (stage, objective, bound, gap) and, when done, links the plan, which
is kept in the store under its scenario name, in the JSON of `koppelkans plan --json`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from koppelkans.access import Action, require
from koppelkans.analysis.planning import CONSTRAINT_GROUPS, SCENARIOS, PlanOptions, SolveProgress, scenario_named
from koppelkans.api.deps import PrincipalDep, StoreDep, VisibleStoreDep, WriteLockDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.api.jobs import JobRunner
from koppelkans.errors import InputError, Problem, ValidationFailed
from koppelkans.lifecycle import forecast_as_json, forecast_register
from koppelkans.planning import compare_plans, load_plan, plan_register
from koppelkans.store.repository import SYSTEM_ACTOR

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["analysis"])

SCENARIO_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
"""Scenario names as `koppelkans plan --scenario` knows them (also kept plans of older versions)."""
ScenarioPath = Annotated[str, Path(pattern=SCENARIO_NAME, description="a scenario name, e.g. integrated")]


# -- forecast ------------------------------------------------------------------------------------
def _forecast(
    store: StoreDep,
    year_from: int | None,
    year_to: int | None,
    organisation: str | None,
    discipline: str | None,
    *,
    keep: bool,
    actor: str = SYSTEM_ACTOR,
) -> dict[str, Any]:
    first = year_from or date.today().year
    run = forecast_register(
        store, first=first, last=year_to or first + 29, org=organisation, discipline=discipline, keep=keep, actor=actor
    )
    return forecast_as_json(run)


YearFrom = Annotated[int | None, Query(ge=1900, le=2200, description="first year of the plan (default: this year)")]
YearTo = Annotated[int | None, Query(ge=1900, le=2200, description="last year (default: first year + 29)")]
Organisation = Annotated[str | None, Query(description="the plan of one organisation (code)")]
DisciplineQ = Annotated[str | None, Query(description="the plan of one discipline, e.g. sewer")]


@router.get("/forecast", response_class=JSONResponse, responses=ERROR_RESPONSES, name="forecast")
def forecast(
    store: VisibleStoreDep,
    year_from: YearFrom = None,
    year_to: YearTo = None,
    organisation: Organisation = None,
    discipline: DisciplineQ = None,
) -> JSONResponse:
    """Due years and the financial plan now (computed, not stored): the JSON of `koppelkans forecast --json`."""
    return JSONResponse(_forecast(store, year_from, year_to, organisation, discipline, keep=False))


@router.post("/forecast", response_class=JSONResponse, responses=ERROR_RESPONSES, name="run_forecast")
def run_forecast(
    store: StoreDep,
    lock: WriteLockDep,
    principal: PrincipalDep,
    year_from: YearFrom = None,
    year_to: YearTo = None,
    organisation: Organisation = None,
    discipline: DisciplineQ = None,
) -> JSONResponse:
    """Forecast and store every asset's due years (the coupling engine and the optimiser use them)."""
    require(principal, Action.RUN, "forecast")
    with lock:
        return JSONResponse(
            _forecast(store, year_from, year_to, organisation, discipline, keep=True, actor=principal.actor)
        )


# -- plans ---------------------------------------------------------------------------------------
class Budget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(min_length=1)
    year: int = Field(ge=1900, le=2200)
    budget_eur: float = Field(ge=0, allow_inf_nan=False)


class PlanRun(BaseModel):
    """What to plan, as `koppelkans plan` takes it."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field("integrated", description=f"one of {', '.join(SCENARIOS)}")
    year_from: int | None = Field(None, ge=1900, le=2200, description="first year (default: next year)")
    year_to: int | None = Field(None, ge=1900, le=2200, description="last year (default: first year + 9)")
    time_limit: float = Field(120.0, gt=0, le=3600, allow_inf_nan=False, description="seconds the optimiser may take")
    hard: list[str] = Field(default_factory=list, description=f"groups that must hold: {', '.join(CONSTRAINT_GROUPS)}")
    budgets: list[Budget] = Field(default_factory=list, description="annual budgets per organisation")


class JobBody(BaseModel):
    id: str
    kind: str
    status: str
    progress: dict[str, Any]
    result: str | None
    error: dict[str, Any] | None
    created_at: str
    finished_at: str | None


class PlanListing(BaseModel):
    scenario: str
    created_at: str
    horizon_from: int | None
    horizon_to: int | None
    objective_eur: float | None
    gap: float | None


def _plan_options(run: PlanRun) -> PlanOptions:
    """The optimiser's options; bad values are refused before a job is queued."""
    scenario_named(run.scenario)
    start = run.year_from or date.today().year + 1
    budgets = pd.DataFrame([b.model_dump() for b in run.budgets], columns=["organisation", "year", "budget_eur"])
    try:
        return PlanOptions(
            year_from=start,
            year_to=run.year_to or start + 9,
            budgets=budgets if len(budgets) else None,
            hard=frozenset(run.hard),
        )
    except InputError as error:
        raise ValidationFailed(
            [Problem(kind="plan", record=run.scenario, field=error.field, reason=error.message)]
        ) from None


def jobs_of(request: Request) -> JobRunner:
    """The app's job runner (made on first use)."""
    state = request.app.state
    if getattr(state, "jobs", None) is None:
        state.jobs = JobRunner()
    return state.jobs  # type: ignore[no-any-return]


@router.post(
    "/plans",
    status_code=202,
    response_model=JobBody,
    responses={**ERROR_RESPONSES, 422: ERROR_RESPONSES.get(422, {"description": "invalid run"})},
    name="run_plan",
)
def run_plan(
    run: PlanRun, request: Request, response: Response, store: StoreDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Start planning in the background (202); follow the job at its `Location`, then read the kept plan."""
    require(principal, Action.RUN, "plans")
    options = _plan_options(run)
    prefix = str(request.url_for("read_plan", scenario=run.scenario)).removesuffix(quote(run.scenario, safe=""))

    def work(report: Any) -> str:
        def progress(state: SolveProgress) -> None:
            report(
                {
                    "stage": state.stage,
                    "objective": state.objective,
                    "bound": state.bound,
                    "gap": state.gap if state.gap != float("inf") else None,
                    "done": state.done,
                    "total": state.total,
                }
            )

        report({"stage": "reading the register"})
        plan_register(
            store,
            options,
            scenario=run.scenario,
            time_limit=run.time_limit,
            progress=progress,
            actor=principal.actor,
        )
        return prefix + quote(run.scenario, safe="")

    job = jobs_of(request).submit("plan", work)
    response.headers["Location"] = str(request.url_for("read_job", job_id=job.id))
    return job.as_json()


@router.get("/jobs/{job_id}", response_model=JobBody, responses=ERROR_RESPONSES, name="read_job")
def read_job(
    job_id: Annotated[str, Path(pattern=r"^[0-9a-f]{1,32}$", description="the job's id")], request: Request
) -> dict[str, Any]:
    """A background job: queued, running (with progress), done (with its result's URL) or failed (with why)."""
    return jobs_of(request).get(job_id).as_json()


@router.get("/plans", response_model=list[PlanListing], name="list_plans")
def list_plans(store: StoreDep) -> list[dict[str, Any]]:
    """The kept plans, one per scenario."""
    frame = store.plans()
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")  # type: ignore[return-value]


@router.get("/plans/compare", response_class=JSONResponse, responses=ERROR_RESPONSES, name="compare_plans")
def compare(
    store: StoreDep,
    a: Annotated[str, Query(pattern=SCENARIO_NAME, description="first scenario")],
    b: Annotated[str, Query(pattern=SCENARIO_NAME, description="second scenario")],
) -> JSONResponse:
    """Two kept plans side by side: the JSON of `koppelkans scenario compare A B --json`."""
    return JSONResponse(compare_plans(load_plan(store, a), load_plan(store, b)))


@router.get("/plans/{scenario}", response_class=JSONResponse, responses=ERROR_RESPONSES, name="read_plan")
def read_plan(scenario: ScenarioPath, store: StoreDep) -> JSONResponse:
    """The plan kept for a scenario: the JSON of `koppelkans plan --json`."""
    return JSONResponse(load_plan(store, scenario))
