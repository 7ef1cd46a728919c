"""`/api/brief`, `/api/anatomy/{area}` and `/api/projects`: the project brief with its environment
analysis (HTML by default; PDF, Markdown or JSON on request), the area anatomy (JSON for the web app's
side panel, or HTML/PDF), and projects with their phase, couplings and phase log (read-only)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse

from koppelkans.api.deps import SettingsDep, StoreDep, VisibleStoreDep
from koppelkans.api.errors import ERROR_RESPONSES, documented_error
from koppelkans.brief.anatomy import anatomy_as_json
from koppelkans.brief.document import brief_as_json
from koppelkans.brief.i18n import check_language
from koppelkans.brief.render import html_of_anatomy, html_of_brief, markdown_of_brief, pdf_from_html
from koppelkans.briefing import (
    anatomy_of_area,
    brief_for,
    subject_of_area,
    subject_of_geometry,
    subject_of_project,
    subject_of_work,
)
from koppelkans.errors import InputError
from koppelkans.projects import list_projects, project_status, status_as_json

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["brief"])

Language = Annotated[Literal["nl", "en"] | None, Query(description="nl (default: the server's language) or en")]
YearFrom = Annotated[int | None, Query(alias="from", ge=1900, le=2200, description="first year (default: this year)")]
YearTo = Annotated[int | None, Query(alias="to", ge=1900, le=2200, description="last year (default: first + 10)")]
_RESPONSES = {**ERROR_RESPONSES, 409: documented_error("The project cannot pass the gate")}


def _language(lang: str | None, default: str) -> str:
    return check_language(lang or default)


@router.get(
    "/brief",
    response_class=HTMLResponse,
    responses={
        **_RESPONSES,
        200: {
            "description": "The brief: HTML (default), PDF, Markdown or JSON",
            "content": {"text/html": {}, "application/pdf": {}, "text/markdown": {}, "application/json": {}},
        },
    },
    name="project_brief",
)
def project_brief(
    store: VisibleStoreDep,
    settings: SettingsDep,
    work: Annotated[str | None, Query(description="the brief of one work (its id)")] = None,
    project: Annotated[str | None, Query(description="the brief of a project")] = None,
    area: Annotated[str | None, Query(description="the brief of an area (buurt, wijk or gemeente code)")] = None,
    geometry: Annotated[str | None, Query(description="the brief of a drawn geometry (WKT)")] = None,
    crs: Annotated[str, Query(description="CRS of `geometry` (EPSG:28992 or EPSG:4326 for lon/lat)")] = "EPSG:28992",
    buffer: Annotated[float | None, Query(ge=0, le=5000, description="metres around the project (default 100)")] = None,
    year_from: YearFrom = None,
    year_to: YearTo = None,
    lang: Language = None,
    output: Annotated[
        Literal["html", "pdf", "md", "json"], Query(alias="format", description="what to return")
    ] = "html",
) -> Response:
    """The project brief with its environment analysis (`koppelkans brief`), for a work, a project, an area or a
    drawn geometry; the web app links to it from the side panel of a work."""
    language = _language(lang, settings.language)
    named = [n for n, v in (("work", work), ("project", project), ("area", area), ("geometry", geometry)) if v]
    if len(named) != 1:
        raise InputError("give exactly one of work, project, area or geometry", field="work")
    if work is not None:
        subject = subject_of_work(store, work)
    elif project is not None:
        subject = subject_of_project(store, project)
    elif area is not None:
        subject = subject_of_area(store, area)
    else:
        subject = subject_of_geometry(geometry or "", crs=crs)
    result = brief_for(store, subject, buffer_m=buffer, year_from=year_from, year_to=year_to)
    if output == "json":
        return JSONResponse(brief_as_json(result, language=language))
    if output == "md":
        return Response(markdown_of_brief(result, language=language), media_type="text/markdown; charset=utf-8")
    html = html_of_brief(result, language=language)
    if output == "pdf":
        name = (subject.id or "brief").replace(":", "_")
        return Response(
            pdf_from_html(html),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="projectopdracht_{name}.pdf"'},
        )
    return HTMLResponse(html)


@router.get(
    "/anatomy/{area}",
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "The anatomy: JSON (default), HTML or PDF",
            "content": {"application/json": {}, "text/html": {}, "application/pdf": {}},
        },
    },
    name="area_anatomy",
)
def area_anatomy(
    store: VisibleStoreDep,
    settings: SettingsDep,
    area: Annotated[str, Path(description="a gemeente, wijk or buurt code, e.g. BU01530311")],
    year_from: YearFrom = None,
    year_to: YearTo = None,
    claim: Annotated[str, Query(description="the claim whose fit shows subsurface crowding")] = "heat",
    lang: Language = None,
    output: Annotated[Literal["json", "html", "pdf"], Query(alias="format", description="what to return")] = "json",
) -> Response:
    """The area anatomy (`koppelkans anatomy`): per buurt the physical, social and technical layers, now and
    desired, the timeline of tasks and works and the budgets per year."""
    language = _language(lang, settings.language)
    result = anatomy_of_area(store, area, year_from=year_from, year_to=year_to, claim=claim)
    if output == "json":
        return JSONResponse(anatomy_as_json(result, language=language))
    html = html_of_anatomy(result, language=language)
    if output == "pdf":
        return Response(pdf_from_html(html), media_type="application/pdf")
    return HTMLResponse(html)


@router.get("/projects", response_class=JSONResponse, responses=ERROR_RESPONSES, name="list_projects")
def projects(store: StoreDep) -> JSONResponse:
    """Every project with its type, phase and leading party (`koppelkans project list --json`)."""
    rows = [{k: v for k, v in p.as_row().items() if k != "attributes"} for p in list_projects(store)]
    return JSONResponse({"projects": rows})


@router.get("/projects/{project_id}", response_class=JSONResponse, responses=ERROR_RESPONSES, name="get_project")
def project(
    store: StoreDep,
    settings: SettingsDep,
    project_id: Annotated[str, Path(description="the project's id")],
    lang: Language = None,
) -> JSONResponse:
    """Where a project stands: phase, the gate ahead, its couplings and decisions, the phase log
    (`koppelkans project show --json`)."""
    return JSONResponse(status_as_json(project_status(store, project_id), language=_language(lang, settings.language)))
