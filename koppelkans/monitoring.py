"""Use case: the KPI report of a store (K12) — read the register's dated facts, compute the KPIs, and hand
them out as JSON, Excel, HTML or PDF (the CLI, the API and the dashboard call these)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from koppelkans.analysis.monitoring import (
    KPIS,
    AuditHistory,
    KpiReport,
    MonitoringInputs,
    Scope,
    kpi_named,
    kpis_from_register,
)
from koppelkans.brief.trend_svg import Series, bars_svg, histogram_svg
from koppelkans.config import CRS, MAP_CRS
from koppelkans.domain.audit import timestamp
from koppelkans.errors import InputError
from koppelkans.store import Repository

__all__ = [
    "DEFAULT_HISTORY_YEARS",
    "html_of_kpi_report",
    "kpi_report",
    "openings_geojson",
    "report_context",
    "scope_of",
    "write_kpi_file",
]

DEFAULT_HISTORY_YEARS = 8
"""Without --from, the report starts this many years before this year (and runs 4 years ahead)."""
_AHEAD_YEARS = 4
_REALISED, _PLANNED = "#00695c", "#9ccc65"


def scope_of(
    *,
    year_from: int | None = None,
    year_to: int | None = None,
    area: str | None = None,
    organisation: str | None = None,
    today: date | None = None,
) -> Scope:
    """The scope a user asked for, with the default period around this year."""
    this_year = (today or date.today()).year
    first = year_from if year_from is not None else this_year - DEFAULT_HISTORY_YEARS + 1
    last = year_to if year_to is not None else max(this_year + _AHEAD_YEARS, first)
    return Scope(year_from=first, year_to=last, this_year=this_year, area=area, organisation=organisation)


_ASSET_COLUMNS = ["id", "organisation", "install_year", "material", "condition", "condition_year", "depth_m"]


def inputs_of(store: Repository, *, area: str | None = None) -> MonitoringInputs:
    """The register's tables the KPIs read, as the store holds them now (assets only the columns the data
    quality looks at, and their street links only when an area is asked for: those are the large tables)."""
    plans = []
    for scenario, created_at in store.plans()[["scenario", "created_at"]].itertuples(index=False):
        payload = store.read_plan(scenario)
        if payload is not None:
            plans.append({**payload, "created_at": created_at})
    return MonitoringInputs(
        organisations=store.read("organisations"),
        areas=store.read("areas"),
        segments=store.read("segments"),
        works=store.read("works"),
        work_links=store.links("works"),
        assets=store.read_columns("assets", _ASSET_COLUMNS),
        asset_links=store.links("assets") if area is not None else None,
        couplings=store.read_findings("couplings"),
        decisions=store.read_coupling_decisions(),
        plans=plans,
        audit=audit_history(store),
    )


_HISTORY_KINDS = ("assets", "coupling_decisions", "coupling_workflow")


def audit_history(store: Repository) -> AuditHistory:
    """The audit entries the KPI history is rebuilt from, read in one query, their states parsed."""
    entries = store.read_audit_frame(_HISTORY_KINDS)
    for column in ("old", "new"):
        entries[column] = pd.Series(
            [orjson.loads(t) if isinstance(t, str) else None for t in entries[column]], dtype=object
        )
    workflows = pd.DataFrame(store.read_coupling_workflows(), columns=["coupling_id", "status", "members"])
    return AuditHistory(
        entries=entries, start=store.audit_start(), now=timestamp(datetime.now(UTC)), workflows=workflows
    )


def kpi_report(store: Repository, scope: Scope) -> KpiReport:
    """The KPIs of a store for a scope."""
    store.require_current_schema()
    return kpis_from_register(inputs_of(store, area=scope.area), scope)


# -- files ---------------------------------------------------------------------------------------
def write_kpi_file(report: KpiReport, path: Path, *, language: str = "nl") -> None:
    """The report to `path` in the format its suffix names: .json, .xlsx, .html or .pdf."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    elif suffix == ".xlsx":
        _write_xlsx(report, path)
    elif suffix in (".html", ".pdf"):
        from koppelkans.brief.render import pdf_from_html

        html = html_of_kpi_report(report, language=language)
        if suffix == ".pdf":
            path.write_bytes(pdf_from_html(html))
        else:
            path.write_text(html, encoding="utf-8")
    else:
        raise InputError(f"{path.name}: write .json, .xlsx, .html or .pdf", field="path")


def html_of_kpi_report(report: KpiReport, *, language: str = "nl") -> str:
    """The printable report (tiles, trend charts, tables, definitions) as one HTML page."""
    from koppelkans.brief.render import html_of_template

    return html_of_template("kpi.html.j2", **report_context(report, language=language))


def openings_geojson(store: Repository, report: KpiReport) -> dict[str, Any]:
    """The heat map: every segment opened in the report's period, in lon/lat, with its openings counted."""
    counts = report.segments
    segments = store.read("segments", ids=counts["segment_id"].tolist()) if len(counts) else None
    if segments is None or segments.empty:
        return {"type": "FeatureCollection", "features": []}
    table = segments[["id", "name", "geometry"]].merge(counts, left_on="id", right_on="segment_id")
    lonlat = gpd.GeoSeries(table.geometry.to_numpy(), crs=CRS).to_crs(MAP_CRS)
    geoms = shapely.to_geojson(np.asarray(lonlat.to_numpy(), dtype=object))
    features = [
        {
            "type": "Feature",
            "id": row["id"],
            "properties": {
                "id": row["id"],
                "name": row["name"],
                "openings": int(row["openings"]),
                "realised": int(row["realised"]),
                "planned": int(row["planned"]),
            },
            "geometry": json.loads(geom),
        }
        for row, geom in zip(table.to_dict("records"), geoms, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _write_xlsx(report: KpiReport, path: Path) -> None:
    """One sheet per table: totals, years, delays, streets, plans, ambitions, data quality, definitions."""
    payload = report.as_dict()
    sheets = {
        "totals": pd.DataFrame([{"kpi": k, "value": v} for k, v in payload["totals"].items()]),
        "years": report.years,
        "delays": report.delays,
        "streets": report.streets,
        "plans": pd.DataFrame(payload["plans"]).drop(columns=["horizon"], errors="ignore"),
        "ambitions": pd.DataFrame(payload["ambitions"]).drop(columns=["by_year"], errors="ignore"),
        "data_quality": pd.DataFrame([{"kpi": k, "value": v} for k, v in payload["data_quality"].items()]),
        "history": pd.DataFrame(payload["history"]["years"]),
        "definitions": pd.DataFrame(payload["definitions"]),
    }
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)


# -- what the report and the dashboard show ---------------------------------------------------------
_WORDS = {
    "title": ("Monitoring en evaluatie", "Monitoring and evaluation"),
    "scope_all": ("alle gebieden en organisaties", "all areas and organisations"),
    "h_openings": ("Openbrekingen per jaar", "Street openings per year"),
    "h_couplings": ("Koppelkansen per jaar", "Couplings per year"),
    "h_savings": ("Gerealiseerde besparing per jaar", "Realised savings per year"),
    "h_delay": ("Vertraging: start t.o.v. gepland jaar", "Delay: start against planned year"),
    "h_streets": ("Straten die het vaakst open gaan", "Streets opened most often"),
    "h_plans": ("Bewaarde plannen en ambities", "Kept plans and ambitions"),
    "h_quality": ("Datakwaliteit", "Data quality"),
    "h_definitions": ("Definities", "Definitions"),
    "realised": ("gerealiseerd", "realised"),
    "planned": ("gepland", "planned"),
    "found": ("gevonden", "found"),
    "accepted": ("aanvaard", "accepted"),
    "works": ("werken", "works"),
    "street": ("Straat", "Street"),
    "openings": ("Openbrekingen", "Openings"),
    "per_km": ("per km", "per km"),
    "scenario": ("Scenario", "Scenario"),
    "saving": ("Besparing", "Saving"),
    "budget": ("Budget", "Budget"),
    "cost": ("Kosten", "Cost"),
    "unknown": ("onbekend", "unknown"),
    "none_yet": ("Nog geen gegevens.", "No data yet."),
    "future": ("lichte achtergrond: toekomstige jaren (gepland)", "light background: future years (planned)"),
    "formula": ("Formule", "Formula"),
    "install_year_known": ("aanlegjaar bekend", "install year known"),
    "material_known": ("materiaal bekend", "material known"),
    "condition_known": ("conditie bekend", "condition known"),
    "depth_known": ("diepte bekend", "depth known"),
    "stale_conditions": ("conditie ouder dan 5 jaar", "condition older than 5 years"),
    "source": ("Bron", "Source"),
    "h_history": ("Verloop per jaareinde (uit het auditlog)", "At each year end (from the audit log)"),
    "h_history_quality": ("Conditie bekend per jaareinde", "Condition known at each year end"),
    "h_history_couplings": ("Koppelkansen vastgelegd per jaareinde", "Couplings on record at each year end"),
    "h_history_plan": ("Besparing van het laatst bewaarde plan", "Savings of the latest kept plan"),
    "history_known_from": ("Het auditlog begint op", "The audit log begins on"),
    "history_unknown": (
        "jaren daarvóór: niet bekend (?), het register heeft geen geschiedenis van vóór het auditlog",
        "years before it: not known (?), the register has no history from before its audit log",
    ),
    "history_none": ("Het auditlog is leeg: geen geschiedenis bekend.", "The audit log is empty: no history known."),
    "year": ("Jaar", "Year"),
    "not_known": ("niet bekend", "not known"),
    "other": ("overig", "other"),
    "plan": ("Plan", "Plan"),
    "unit": ("Eenheid", "Unit"),
}


def _w(key: str, language: str) -> str:
    nl, en = _WORDS[key]
    return nl if language == "nl" else en


def _fmt(value: Any, unit: str, language: str) -> str:
    """A KPI value as the tiles show it."""
    from koppelkans.brief.render import money

    if value is None:
        return "—"
    if unit == "EUR":
        return money(value, language)
    if unit == "%":
        text = f"{100 * float(value):.1f} %"
    elif unit in ("openings/km/year", "years", "km"):
        text = f"{float(value):.2f}"
    else:
        text = f"{float(value):,.0f}"
    return text.translate(str.maketrans(",.", ".,")) if language == "nl" else text  # 4.200; 0,98


_TILES = (
    "openings_per_km",
    "openings_realised",
    "couplings_found",
    "share_accepted",
    "share_realised",
    "estimated_saving_eur",
    "realised_saving_eur",
    "realised_openings_avoided",
    "realised_nuisance_days_avoided",
    "mean_delay_years",
    "share_late",
    "cost_overrun",
)


def report_context(report: KpiReport, *, language: str = "nl") -> dict[str, Any]:
    """Tiles, SVG charts and tables of a report, in the reader's language (the template only lays them out)."""
    payload = report.as_dict()
    totals = payload["totals"]
    tiles = []
    for code in _TILES:
        kpi = kpi_named(code)
        tiles.append(
            {
                "code": code,
                "label": kpi.label_nl if language == "nl" else kpi.label,
                "value": totals.get(code),
                "text": _fmt(totals.get(code), kpi.unit, language),
                "formula": kpi.formula,
            }
        )
    years = report.years
    ys = [int(y) for y in years["year"]]
    future = report.scope.this_year + 1
    charts = {
        "openings": bars_svg(
            ys,
            [
                Series(name="realised", colour=_REALISED, values=years["openings_realised"].tolist()),
                Series(name="planned", colour=_PLANNED, values=years["openings_planned"].tolist()),
            ],
            title=_w("h_openings", language),
            chart_id="chart-openings",
            highlight_from=future,
        ),
        "couplings": bars_svg(
            ys,
            [
                Series(name="accepted", colour=_REALISED, values=years["couplings_accepted"].tolist()),
                Series(
                    name="found",
                    colour=_PLANNED,
                    values=(years["couplings_found"] - years["couplings_accepted"]).clip(lower=0).tolist(),
                ),
            ],
            title=_w("h_couplings", language),
            chart_id="chart-couplings",
            highlight_from=future,
        ),
        "savings": bars_svg(
            ys,
            [Series(name="realised", colour=_REALISED, values=years["realised_saving_eur"].round(0).tolist())],
            title=_w("h_savings", language),
            chart_id="chart-savings",
            highlight_from=future,
        ),
        "delay": histogram_svg(
            report.delays["delay_years"].tolist(),
            report.delays["works"].tolist(),
            title=_w("h_delay", language),
            chart_id="chart-delay",
            unit="works",
        ),
    }
    charts |= _history_charts(report, language)
    scope = report.scope
    named = [p for p in (scope.area, scope.organisation) if p]
    quality = payload["data_quality"]
    return {
        "lang": language,
        "t": {key: _w(key, language) for key in _WORDS},
        "title": _w("title", language),
        "period": f"{scope.year_from}–{scope.year_to}",
        "scope": " · ".join(named) if named else _w("scope_all", language),
        "street_km": _fmt(report.street_km, "km", language),
        "tiles": tiles,
        "charts": charts,
        "streets": payload["streets"],
        "plans": payload["plans"],
        "ambitions": [
            {**a, "cost": _fmt(a["cost_eur"], "EUR", language), "budget": _fmt(a["budget_eur"], "EUR", language)}
            for a in payload["ambitions"]
        ],
        "plan_rows": [
            {**p, "saving": _fmt(p["saving_eur"], "EUR", language), "pct": p["saving_pct"]} for p in payload["plans"]
        ],
        "quality": [
            {
                "name": name,
                "label": _w(name, language),
                "value": quality.get(name),
                "text": _fmt(quality.get(name), "%", language),
            }
            for name in ("install_year_known", "material_known", "condition_known", "depth_known", "stale_conditions")
        ],
        "assets": quality.get("assets", 0),
        "history": _history_rows(payload["history"]["years"], language),
        "history_from": payload["history"]["known_from"],
        "definitions": [
            {
                "label": k.label_nl if language == "nl" else k.label,
                "formula": k.formula,
                "source": k.source,
                "unit": k.unit,
            }
            for k in KPIS
        ],
        "payload": payload,
    }


def _history_charts(report: KpiReport, language: str) -> dict[str, str]:
    """The trends at each year end: condition known, couplings on record, the latest plan's savings; a year the
    audit log does not reach is labelled "?" and drawn empty (not known is not 0)."""
    history = report.history
    if history.empty:
        return {}
    years = [int(y) for y in history["year"]]
    labels = [str(y) if known else f"{y}?" for y, known in zip(years, history["known"], strict=True)]

    def values(column: str, scale: float = 1.0) -> list[float]:
        return [0.0 if v is None or v != v else float(v) * scale for v in history[column]]

    found, accepted, realised = values("couplings_found"), values("couplings_accepted"), values("couplings_realised")
    return {
        "history_quality": bars_svg(
            years,
            [
                Series(
                    name="condition_known",
                    colour=_REALISED,
                    values=[round(v, 1) for v in values("condition_known", 100)],
                )
            ],
            title=_w("h_history_quality", language) + " (%)",
            chart_id="chart-history-quality",
            labels=labels,
        ),
        "history_couplings": bars_svg(
            years,
            [
                Series(name="realised", colour=_REALISED, values=realised),
                Series(
                    name="accepted", colour="#4db6ac", values=[a - r for a, r in zip(accepted, realised, strict=True)]
                ),
                Series(name="other", colour=_PLANNED, values=[f - a for f, a in zip(found, accepted, strict=True)]),
            ],
            title=_w("h_history_couplings", language),
            chart_id="chart-history-couplings",
            labels=labels,
        ),
        "history_plan": bars_svg(
            years,
            [Series(name="plan_saving_eur", colour=_REALISED, values=[round(v) for v in values("plan_saving_eur")])],
            title=_w("h_history_plan", language),
            chart_id="chart-history-plan",
        ),
    }


def _history_rows(rows: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """The history table: each year end's figures as text, "not known" where the audit log does not reach."""
    unknown = _w("not_known", language)
    out = []
    for row in rows:
        shares = {
            name: _fmt(row[name], "%", language) if row["known"] else unknown
            for name in ("install_year_known", "material_known", "condition_known", "depth_known", "stale_conditions")
        }
        counts = {
            name: str(row[name]) if row["known"] else unknown
            for name in ("assets", "couplings_found", "couplings_accepted", "couplings_realised")
        }
        plan = _fmt(row["plan_saving_eur"], "EUR", language) if row["plan_saving_eur"] is not None else unknown
        out.append({**row, **shares, **counts, "plan_saving": plan})
    return out
