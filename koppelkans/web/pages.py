"""The HTML pages: the map (`/`), the couplings and conflicts (`/couplings`), the timeline (`/timeline`),
the works register (`/works`), the dashboard (`/dashboard`) and the subscriptions (`/subscriptions`). Each
page is a Jinja2 template plus one ES module; what the module needs (words, labels, colours, organisations,
areas, the map's extent) is embedded as JSON."""

from __future__ import annotations

from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from koppelkans.access import ANONYMOUS, Action, Principal, may
from koppelkans.api.deps import SettingsDep, StoreDep
from koppelkans.config import CRS, MAP_CRS, Settings
from koppelkans.domain.crs import transformer
from koppelkans.store import Repository
from koppelkans.store.schema import table_named
from koppelkans.web.findings import HORIZON_YEARS
from koppelkans.web.i18n import LANGUAGE_COOKIE, LANGUAGES, Language, language_of, texts, vocabulary_labels
from koppelkans.web.legend import DISCIPLINE_COLOURS, DUE_COLOURS, STATUS_STYLES, THEME_COLOURS
from koppelkans.web.timeline import busiest_buurt, kept_plan, street_names

__all__ = ["TEMPLATES_DIR", "router"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
router = APIRouter(include_in_schema=False)

_TO_LONLAT = transformer(CRS, MAP_CRS)
_NETHERLANDS = [3.31, 50.75, 7.23, 53.7]
_PAGES = {
    "map": ("nav_map", "/"),
    "couplings": ("nav_couplings", "/couplings"),
    "timeline": ("nav_timeline", "/timeline"),
    "works": ("nav_works", "/works"),
    "dashboard": ("nav_dashboard", "/dashboard"),
    "subscriptions": ("nav_subscriptions", "/subscriptions"),
}


def _extent(store: Repository) -> list[float]:
    """The register's extent in lon/lat (streets first, then works and areas), for the map's first view."""
    for kind in ("segments", "works", "areas"):
        box = store.extent(kind)
        if box is not None:
            lon, lat = _TO_LONLAT.transform(np.array([box[0], box[2]]), np.array([box[1], box[3]]))
            return [round(float(v), 6) for v in (lon[0], lat[0], lon[1], lat[1])]
    return _NETHERLANDS


def _has_due_years(store: Repository) -> bool:
    """Whether a lifecycle forecast is stored (the map then highlights assets by due year)."""
    engine = getattr(store, "engine", None)
    if engine is None:
        return bool(len(store.read_findings("due_years")))
    with engine.connect() as conn:
        return conn.execute(select(table_named("due_years").c.asset_id).limit(1)).first() is not None


def _first_year(store: Repository, this_year: int) -> int:
    """The year the slider starts on: this year, or the first later year in which a work may start."""
    works = table_named("works")
    engine = getattr(store, "engine", None)
    if engine is None:
        return this_year
    query = select(func.min(works.c.earliest_start)).where(works.c.latest_start >= this_year)
    with engine.connect() as conn:
        first = conn.execute(query).scalar()
    return int(min(max(first or this_year, this_year), this_year + HORIZON_YEARS))


def _areas_of(store: Repository) -> list[dict[str, Any]]:
    """The areas for the pages' area filters and names: code, name, level and parent."""
    areas = store.read("areas")
    return [
        {"code": c, "name": n, "level": lv, "parent": p if isinstance(p, str) else None}
        for c, n, lv, p in zip(areas["code"], areas["name"], areas["level"], areas["parent_code"])
    ]


def _user_of(principal: Principal) -> dict[str, Any]:
    """Who looks at the page and what it may start, so the scripts offer only that (the API checks again).
    `public`: an anonymous visitor of the public works view (`Settings.public_works`)."""
    return {
        "email": principal.email,
        "organisation": principal.organisation,
        "role": principal.role.value if principal.role else None,
        "public": principal.anonymous,
        "may_run": may(principal, Action.RUN, "couplings"),
    }


def _page_config(
    store: Repository, settings: Settings, language: Language, page: str, principal: Principal
) -> dict[str, Any]:
    """What a page's script needs, embedded in the page as JSON: words, labels, colours, lists, extent, years.
    The public works view gets no areas and no forecast: it shows the works only."""
    organisations = store.read("organisations")
    this_year = date.today().year
    return {
        "page": page,
        "lang": language,
        "texts": texts(language),
        "labels": vocabulary_labels(language),
        "colours": {
            "discipline": DISCIPLINE_COLOURS,
            "theme": THEME_COLOURS,
            "status": STATUS_STYLES,
            "due": [list(step) for step in DUE_COLOURS],
        },
        "organisations": [{"code": c, "name": n} for c, n in zip(organisations["code"], organisations["name"])],
        "areas": [] if principal.anonymous else _areas_of(store),
        "extent": _extent(store),
        "years": [this_year, this_year + HORIZON_YEARS],
        "year": _first_year(store, this_year),
        "due_years_stored": not principal.anonymous and _has_due_years(store),
        "user": _user_of(principal),
        "basemap": {"url": settings.basemap_url, "attribution": texts(language)["basemap_attribution"]},
    }


def _render(request: Request, store: Repository, settings: Settings, page: str, **extra: Any) -> HTMLResponse:
    """A page in the request's language; `?lang=` is remembered in a cookie."""
    language = language_of(request, settings.language)
    principal = getattr(request.state, "principal", ANONYMOUS)
    config = _page_config(store, settings, language, page, principal) | extra
    words = config["texts"]
    pages = {"map": _PAGES["map"]} if principal.anonymous else _PAGES
    response = templates.TemplateResponse(
        request,
        f"{page}.html",
        {
            "lang": language,
            "t": words,
            "page": page,
            "nav": [(name, words[key], href) for name, (key, href) in pages.items()],
            "config": config,
            "asset_version": version("koppelkans"),
            "language_links": {code: _with_language(request, code) for code in LANGUAGES},
            "csrf_token": getattr(request.state, "csrf_token", None),
            "user": principal.email,
            "public": principal.anonymous,
        },
    )
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax")
    return response


def _with_language(request: Request, language: str) -> str:
    """This page's URL (its query kept) in another language."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    return f"?{urlencode({**params, 'lang': language})}"


Lang = Annotated[str | None, Query(description="nl or en; remembered in a cookie")]


@router.get("/", response_class=HTMLResponse, name="web_map")
def map_page(request: Request, store: StoreDep, settings: SettingsDep, lang: Lang = None) -> HTMLResponse:
    """The shared map: layers per discipline, the year slider, filters and the details panel. Anonymous
    visitors reach it only with `Settings.public_works`, and then see the works layer alone."""
    return _render(request, store, settings, "map")


@router.get("/couplings", response_class=HTMLResponse, name="web_couplings")
def couplings_page(request: Request, store: StoreDep, settings: SettingsDep, lang: Lang = None) -> HTMLResponse:
    """The couplings and conflicts lists beside a map that zooms to each one's streets."""
    return _render(request, store, settings, "couplings")


@router.get("/timeline", response_class=HTMLResponse, name="web_timeline")
def timeline_page(request: Request, store: StoreDep, settings: SettingsDep, lang: Lang = None) -> HTMLResponse:
    """The Gantt chart of a street or neighbourhood, sectoral or integrated."""
    return _render(
        request,
        store,
        settings,
        "timeline",
        streets=street_names(store),
        plan_available=kept_plan(store) is not None,
        default_area=busiest_buurt(store),
    )


@router.get("/works", response_class=HTMLResponse, name="web_works")
def works_page(request: Request, store: StoreDep, settings: SettingsDep, lang: Lang = None) -> HTMLResponse:
    """The works register: search the table, add or edit a work with the map."""
    return _render(request, store, settings, "works")


@router.get("/dashboard", response_class=HTMLResponse, name="web_dashboard")
def dashboard_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    lang: Lang = None,
    year_from: Annotated[int | None, Query(alias="from", ge=1900, le=2200)] = None,
    year_to: Annotated[int | None, Query(alias="to", ge=1900, le=2200)] = None,
    area: Annotated[str | None, Query()] = None,
    org: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """Monitoring (K12): KPI tiles, trend charts, the heat map of openings per street, the streets opened most."""
    from koppelkans.monitoring import kpi_report, report_context, scope_of

    language = language_of(request, settings.language)
    scope = scope_of(year_from=year_from, year_to=year_to, area=area or None, organisation=org or None)
    context = report_context(kpi_report(store, scope), language=language)
    query = urlencode(
        {k: v for k, v in {"from": scope.year_from, "to": scope.year_to, "area": area, "org": org}.items() if v}
    )
    keys = ("tiles", "charts", "streets", "ambitions", "plan_rows", "quality", "history", "history_from", "t")
    kpi = {key: context[key] for key in keys}
    kpi |= {"period": context["period"], "scope": context["scope"], "street_km": context["street_km"], "query": query}
    kpi |= {"from": scope.year_from, "to": scope.year_to, "area": area or "", "org": org or ""}
    return _render(request, store, settings, "dashboard", kpi=kpi)


@router.get("/subscriptions", response_class=HTMLResponse, name="web_subscriptions")
def subscriptions_page(request: Request, store: StoreDep, settings: SettingsDep, lang: Lang = None) -> HTMLResponse:
    """The organisations' interest areas (C4): drawn on the map or uploaded as a file, listed with their areas.
    The form offers the organisations the user may subscribe (an editor its own, a coordinator any); a viewer
    gets the list alone."""
    principal = getattr(request.state, "principal", ANONYMOUS)
    organisations = store.read("organisations")
    subscribable = [
        {"code": c, "name": n}
        for c, n in zip(organisations["code"], organisations["name"])
        if may(principal, Action.CREATE, "subscriptions", c)
    ]
    return _render(request, store, settings, "subscriptions", subscribable=subscribable)
