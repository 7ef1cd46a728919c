"""`/api/kpi`: monitoring and evaluation (K12) — the JSON of `koppelkans kpi --json`, the openings per street
for the dashboard's heat map, and the printable report (HTML or PDF)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse

from koppelkans.api.deps import SettingsDep, StoreDep
from koppelkans.api.errors import ERROR_RESPONSES
from koppelkans.monitoring import html_of_kpi_report, kpi_report, openings_geojson, scope_of
from koppelkans.store import Repository

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["monitoring"])

YearFrom = Annotated[int | None, Query(alias="from", ge=1900, le=2200, description="first year (default: 7 years ago)")]
YearTo = Annotated[int | None, Query(alias="to", ge=1900, le=2200, description="last year (default: 4 years ahead)")]
Area = Annotated[str | None, Query(description="a buurt, wijk or gemeente code (the areas below it count too)")]
Org = Annotated[str | None, Query(description="an organisation code (its departments count too)")]


def _report(store: Repository, year_from: int | None, year_to: int | None, area: str | None, org: str | None) -> Any:
    return kpi_report(store, scope_of(year_from=year_from, year_to=year_to, area=area, organisation=org))


@router.get("/kpi", response_class=JSONResponse, responses=ERROR_RESPONSES, name="kpi")
def get_kpi(
    store: StoreDep, year_from: YearFrom = None, year_to: YearTo = None, area: Area = None, org: Org = None
) -> JSONResponse:
    """KPIs per year, area and organisation, with every KPI's definition (the JSON of `koppelkans kpi --json`)."""
    return JSONResponse(_report(store, year_from, year_to, area, org).as_dict())


@router.get(
    "/kpi/openings",
    response_class=JSONResponse,
    responses={
        **ERROR_RESPONSES,
        200: {"description": "GeoJSON FeatureCollection (lon/lat)", "content": {"application/geo+json": {}}},
    },
    name="kpi_openings",
)
def get_kpi_openings(
    store: StoreDep, year_from: YearFrom = None, year_to: YearTo = None, area: Area = None, org: Org = None
) -> JSONResponse:
    """The street segments opened in the period (GeoJSON, lon/lat) with their realised and planned openings."""
    report = _report(store, year_from, year_to, area, org)
    return JSONResponse(openings_geojson(store, report), media_type="application/geo+json")


@router.get(
    "/kpi/report.{fmt}",
    response_class=HTMLResponse,
    responses={
        **ERROR_RESPONSES,
        200: {"description": "The report: HTML or PDF", "content": {"text/html": {}, "application/pdf": {}}},
    },
    name="kpi_report",
)
def get_kpi_report(
    store: StoreDep,
    settings: SettingsDep,
    fmt: Literal["html", "pdf"],
    year_from: YearFrom = None,
    year_to: YearTo = None,
    area: Area = None,
    org: Org = None,
    lang: Annotated[Literal["nl", "en"] | None, Query(description="nl or en (default: the server's)")] = None,
) -> Response:
    """The printable KPI report: tiles, trend charts, streets opened most often, plans, data quality, definitions."""
    html = html_of_kpi_report(_report(store, year_from, year_to, area, org), language=lang or settings.language)
    if fmt == "pdf":
        from koppelkans.brief.render import pdf_from_html

        return Response(pdf_from_html(html), media_type="application/pdf")
    return HTMLResponse(html)
