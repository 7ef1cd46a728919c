"""The JSON the pages read besides the register API: findings listed with their areas and boxes, one
finding's streets, the timeline of an area or street, the searchable works table and the subscriptions'
areas.

Under `/web/api`, left out of the OpenAPI document: these shapes serve the pages and may change with
them; integrations use `/api` and `/ogc`.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import Annotated, Any

import pandas as pd
import shapely
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from koppelkans.access import ANONYMOUS, Action, hidden_assets, may
from koppelkans.access.confidentiality import involves_hidden
from koppelkans.api.deps import PrincipalDep, SettingsDep, StoreDep, VisibleStoreDep, WriteLockDep
from koppelkans.config import CRS, MAP_CRS, Settings
from koppelkans.domain.crs import transform_geometries
from koppelkans.domain.workflow import CouplingWorkflow
from koppelkans.notifications import contacts_shown_to, subscriptions_of
from koppelkans.store import Repository
from koppelkans.web.findings import (
    FindingQuery,
    WebFindings,
    coupling_item,
    finding_feature,
    findings_page,
    web_findings,
)
from koppelkans.web.i18n import language_of, vocabulary_labels
from koppelkans.web.timeline import timeline_of
from koppelkans.web.works_table import WorksQuery, works_page
from koppelkans.workflow import deadline_of, steps_for, workflow_as_json

__all__ = ["router"]

router = APIRouter(prefix="/web/api", include_in_schema=False)

Text = Annotated[str | None, Query(max_length=200)]
Offset = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=500)]


def _cache(request: Request) -> dict[str, Any]:
    """The app's cache of enriched findings (created on first use)."""
    state = request.app.state
    if not hasattr(state, "web_cache"):
        state.web_cache = {}
    return state.web_cache  # type: ignore[no-any-return]


def _visible(request: Request, store: Repository, findings: WebFindings) -> WebFindings:
    """The findings without those involving a confidential asset the user may not see (`access.visible_findings`)."""
    principal = getattr(request.state, "principal", ANONYMOUS)
    if principal.sees_all:
        return findings
    assets = store.read("assets")
    hidden = frozenset(assets.loc[hidden_assets(principal, assets), "id"])
    if not hidden:
        return findings

    def shown(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[[not involves_hidden(members, hidden) for members in frame["members"]]]

    return dataclasses.replace(findings, couplings=shown(findings.couplings), conflicts=shown(findings.conflicts))


def _findings_response(
    which: str,
    request: Request,
    store: Repository,
    settings: Settings,
    lock: threading.Lock,
    query: FindingQuery,
) -> JSONResponse:
    """One page of couplings or conflicts in the page's language."""
    language = language_of(request, settings.language)
    findings = _visible(request, store, web_findings(store, lock=lock, cache=_cache(request)))
    page = findings_page(findings, which, query, language=language, labels=vocabulary_labels(language))
    if which == "couplings":
        principal = getattr(request.state, "principal", ANONYMOUS)
        rows = store.read_coupling_workflows(ids=[i["id"] for i in page["items"]])
        workflows = {row["coupling_id"]: CouplingWorkflow.from_row(row) for row in rows}
        for item in page["items"]:
            workflow = workflows.get(item["id"])
            item["workflow"] = _workflow_summary(workflow)
            item["actions"] = steps_for(principal, workflow)
    return JSONResponse(page)


def _workflow_summary(workflow: CouplingWorkflow | None) -> dict[str, Any] | None:
    """What the couplings list shows of a coupling's workflow: status, the step's deadline, escalation and
    each member's answer."""
    if workflow is None:
        return None
    row = workflow.as_row()
    keys = ("status", "escalated", "responses", "members", "cost_split")
    return {key: row[key] for key in keys} | deadline_of(workflow)


@router.get("/couplings", name="web_list_couplings")
def list_couplings(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    lock: WriteLockDep,
    kind: Text = None,
    area: Text = None,
    organisation: Text = None,
    member: Text = None,
    segment: Text = None,
    sort: Annotated[str, Query(max_length=20)] = "saving_desc",
    offset: Offset = 0,
    limit: Limit = 50,
) -> JSONResponse:
    """Couplings, filtered by kind, area, organisation, member or street segment, sorted by saving or year."""
    query = FindingQuery(
        kind=kind,
        area=area,
        organisation=organisation,
        member=member,
        segment=segment,
        sort=sort,
        offset=offset,
        limit=limit,
    )
    return _findings_response("couplings", request, store, settings, lock, query)


@router.get("/conflicts", name="web_list_conflicts")
def list_conflicts(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    lock: WriteLockDep,
    kind: Text = None,
    area: Text = None,
    organisation: Text = None,
    member: Text = None,
    segment: Text = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> JSONResponse:
    """Conflicts, filtered like the couplings, listed by year."""
    query = FindingQuery(
        kind=kind,
        area=area,
        organisation=organisation,
        member=member,
        segment=segment,
        sort="year",
        offset=offset,
        limit=limit,
    )
    return _findings_response("conflicts", request, store, settings, lock, query)


@router.get("/couplings/{coupling_id}/workflow", name="web_coupling_workflow")
def coupling_workflow(
    coupling_id: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    lock: WriteLockDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """One coupling for the workflow panel: the finding, its workflow with events and the step's deadline (null
    before it is proposed), and what the user may do on it now."""
    language = language_of(request, settings.language)
    findings = _visible(request, store, web_findings(store, lock=lock, cache=_cache(request)))
    item = coupling_item(findings, coupling_id, language=language, labels=vocabulary_labels(language))
    rows = store.read_coupling_workflows(ids=[coupling_id])
    workflow = CouplingWorkflow.from_row(rows[0]) if rows else None
    shown = None if workflow is None else workflow_as_json(store, workflow) | deadline_of(workflow)
    return JSONResponse({"coupling": item, "workflow": shown, "actions": steps_for(principal, workflow)})


@router.get("/findings/{finding_id}", name="web_finding")
def finding(
    finding_id: str, request: Request, store: StoreDep, settings: SettingsDep, lock: WriteLockDep
) -> JSONResponse:
    """One coupling or conflict as a GeoJSON Feature (lon/lat) of its streets, to zoom to and highlight."""
    findings = _visible(request, store, web_findings(store, lock=lock, cache=_cache(request)))
    return JSONResponse(finding_feature(findings, finding_id, language=language_of(request, settings.language)))


@router.get("/timeline", name="web_timeline_rows")
def timeline(store: VisibleStoreDep, area: Text = None, street: Text = None) -> JSONResponse:
    """The works of an area or street with their windows, preferred years and the integrated plan's years."""
    return JSONResponse(timeline_of(store, area=area, street=street))


@router.get("/works", name="web_works_table")
def works(
    store: StoreDep,
    q: Text = None,
    organisation: Text = None,
    discipline: Text = None,
    status: Text = None,
    sort: Annotated[str, Query(max_length=30)] = "earliest_start",
    offset: Offset = 0,
    limit: Limit = 50,
) -> JSONResponse:
    """Works matching a search text and filters, one page, without geometry."""
    query = WorksQuery(
        q=q, organisation=organisation, discipline=discipline, status=status, sort=sort, offset=offset, limit=limit
    )
    return JSONResponse(works_page(store, query))


@router.get("/subscriptions", name="web_subscriptions_areas")
def subscriptions(store: StoreDep, principal: PrincipalDep) -> JSONResponse:
    """Every subscription as a GeoJSON Feature in lon/lat, with its area in km² and whether the user may delete
    it (the secret never, the addresses only as `contacts_shown_to` says; `GET /api/subscriptions` gives the
    same as WKT in EPSG:28992)."""
    features = []
    for watched in subscriptions_of(store):
        geometry = transform_geometries(watched.area, CRS, MAP_CRS)
        contacts = contacts_shown_to(principal, watched.organisation)
        properties = {
            "id": watched.id,
            "organisation": watched.organisation,
            "email": watched.email if contacts else None,
            "webhook_url": watched.webhook_url if contacts else None,
            "signed": bool(watched.secret),
            "language": watched.language,
            "area_km2": round(float(shapely.area(watched.area)) / 1e6, 3),
            "may_delete": may(principal, Action.DELETE, "subscriptions", watched.organisation),
        }
        feature = {"type": "Feature", "id": watched.id, "properties": properties}
        features.append(feature | {"geometry": json.loads(shapely.to_geojson(geometry))})
    return JSONResponse({"type": "FeatureCollection", "features": features})
