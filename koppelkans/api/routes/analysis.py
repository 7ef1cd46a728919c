"""`/api/couplings` and `/api/conflicts`: the coupling engine's findings, in the JSON of
`koppelkans couplings --json` (the use case computes them; the API only hands them out)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from koppelkans.access import Action, Principal, hidden_assets, require, visible_findings
from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.api.deps import PrincipalDep, SettingsDep, StoreDep, WriteLockDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.config import figure
from koppelkans.couplings import find_couplings, findings_as_json
from koppelkans.errors import InputError
from koppelkans.store import Repository
from koppelkans.store.repository import SYSTEM_ACTOR

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["analysis"])

Language = Literal["nl", "en"]


class Member(BaseModel):
    type: str
    id: str


class CouplingBody(BaseModel):
    """A coupling opportunity; `explanation` is in the asked language, the other language beside it."""

    id: str
    kind: str
    members: list[Member]
    segments: list[str]
    window: list[int]
    saving_eur: float
    openings_avoided: int
    nuisance_days_avoided: float
    explanation: str


class ConflictBody(BaseModel):
    id: str
    type: str
    members: list[Member]
    segments: list[str]
    years: list[int]
    explanation: str


class FindingsBody(BaseModel):
    """The JSON of `koppelkans couplings --json`."""

    couplings: list[CouplingBody]
    conflicts: list[ConflictBody]
    totals: dict[str, Any]


class ConflictsBody(BaseModel):
    conflicts: list[ConflictBody]
    totals: dict[str, Any]


class CouplingRun(BaseModel):
    """What to look for, as `koppelkans couplings` takes it."""

    model_config = ConfigDict(extra="forbid")

    year_from: int | None = Field(None, ge=1900, le=2200, description="first year (default: this year)")
    year_to: int | None = Field(None, ge=1900, le=2200, description="last year (default: first year + 10)")
    flex_years: float = Field(figure("coupling_flex_years"), ge=0, le=50, allow_inf_nan=False)
    area: str | None = Field(None, description="only this area (a buurt, or a wijk/gemeente and all below)")
    language: Language | None = None


def _options(store: Repository, run: CouplingRun) -> CouplingOptions:
    start = run.year_from or date.today().year
    end = run.year_to or start + 10
    if end < start:
        raise InputError(f"year_to {end} is before year_from {start}", field="year_to")
    if run.area is not None and run.area not in store.keys("areas"):
        raise InputError(f"unknown area {run.area!r}", record=run.area, field="area")
    return CouplingOptions(year_from=start, year_to=end, flex_years=run.flex_years, area=run.area)


def _query(
    year_from: Annotated[int | None, Query(ge=1900, le=2200, description="first year (default: this year)")] = None,
    year_to: Annotated[int | None, Query(ge=1900, le=2200, description="last year (default: first year + 10)")] = None,
    flex_years: Annotated[float, Query(ge=0, le=50, description="years a window may move to couple")] = figure(
        "coupling_flex_years"
    ),
    area: Annotated[str | None, Query(description="only this area and the areas below it")] = None,
    language: Annotated[Language | None, Query(description="language of `explanation` (default: settings)")] = None,
) -> CouplingRun:
    return CouplingRun(year_from=year_from, year_to=year_to, flex_years=flex_years, area=area, language=language)


RunQuery = Annotated[CouplingRun, Depends(_query)]


def _findings(
    store: Repository,
    run: CouplingRun,
    *,
    default_language: str,
    keep: bool,
    principal: Principal,
    actor: str = SYSTEM_ACTOR,
) -> dict[str, Any]:
    """The findings as `principal` may see them (none that involve a confidential asset hidden from it)."""
    findings = find_couplings(store, _options(store, run), keep=keep, actor=actor)
    payload = findings_as_json(findings, language=run.language or default_language)
    if principal.sees_all:
        return payload
    assets = store.read("assets")
    return visible_findings(payload, assets.loc[hidden_assets(principal, assets), "id"])


_FINDINGS = {**ERROR_RESPONSES, 200: {"model": FindingsBody, "description": "couplings, conflicts and totals"}}


@router.get("/couplings", response_class=JSONResponse, responses=_FINDINGS, name="couplings")
def couplings(store: StoreDep, settings: SettingsDep, run: RunQuery, principal: PrincipalDep) -> JSONResponse:
    """Couplings and conflicts in the register now (computed, not stored)."""
    return JSONResponse(_findings(store, run, default_language=settings.language, keep=False, principal=principal))


@router.post("/couplings", response_class=JSONResponse, responses=_FINDINGS, name="run_couplings")
def run_couplings(
    store: StoreDep, settings: SettingsDep, lock: WriteLockDep, run: CouplingRun, principal: PrincipalDep
) -> JSONResponse:
    """Find couplings and conflicts and store them (replacing the last run), as `koppelkans couplings` does."""
    require(principal, Action.RUN, "couplings")
    with lock:
        return JSONResponse(
            _findings(
                store, run, default_language=settings.language, keep=True, principal=principal, actor=principal.actor
            )
        )


@router.get(
    "/conflicts",
    response_class=JSONResponse,
    responses={**ERROR_RESPONSES, 200: {"model": ConflictsBody, "description": "conflicts and totals"}},
    name="conflicts",
)
def conflicts(store: StoreDep, settings: SettingsDep, run: RunQuery, principal: PrincipalDep) -> JSONResponse:
    """The conflicts in the register now: repeated openings, capital destruction, dig-free violations, overload."""
    found = _findings(store, run, default_language=settings.language, keep=False, principal=principal)
    return JSONResponse({"conflicts": found["conflicts"], "totals": found["totals"]})
