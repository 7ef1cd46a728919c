"""The brief and the anatomy as documents: Jinja2 → HTML (pictures embedded), WeasyPrint → PDF, and
Markdown with its pictures beside it. Everything a template shows is prepared here, already in the
reader's language, so the templates only lay it out."""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from koppelkans.brief.anatomy import AreaAnatomy, anatomy_as_json
from koppelkans.brief.charts import DISCIPLINE_COLOURS, THEME_COLOURS, budget_png, fit_map_png, map_png, timeline_png
from koppelkans.brief.document import Brief, brief_as_json
from koppelkans.brief.i18n import label, words
from koppelkans.brief.phases import LAST_CHANCE, PHASES
from koppelkans.domain.vocabulary import (
    ConflictKind,
    CouplingKind,
    CouplingStatus,
    Discipline,
    OrganisationKind,
    Phase,
    ProjectType,
    TaskTheme,
    WorkKind,
    WorkStatus,
)

__all__ = [
    "MAX_TABLE_ROWS",
    "html_of_anatomy",
    "html_of_brief",
    "html_of_template",
    "markdown_of_brief",
    "pdf_from_html",
    "write_anatomy_file",
    "write_brief_file",
]

MAX_TABLE_ROWS = 250
"""Rows a table shows in HTML and PDF; the rest is counted under it (Markdown and JSON list everything)."""
_TIMELINE_AROUND = 24
_COUPLINGS_AROUND = 20
"""Couplings around the project (not involving its works) that HTML and PDF show, the largest savings first."""


@cache
def _templates() -> Environment:
    environment = Environment(
        loader=PackageLoader("koppelkans.brief", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["md"] = _md_cell
    return environment


def _md_cell(value: object) -> str:
    """A value for a Markdown table cell (pipes escaped, line breaks flattened)."""
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


# -- formatting ---------------------------------------------------------------------------------
def money(value: object, language: str) -> str:
    """€ 152.000 (nl) or €152,000 (en); '—' when unknown."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "—"
    amount = round(float(value))  # type: ignore[arg-type]
    return f"€{amount:,.0f}" if language == "en" else "€ " + f"{amount:,.0f}".replace(",", ".")


def _number(value: object, digits: int = 0, language: str = "nl") -> str:
    """A number with the reader's separators: 2.403 and 3,9 in Dutch, 2,403 and 3.9 in English."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "—"
    text = f"{float(value):,.{digits}f}"  # type: ignore[arg-type]
    return text if language == "en" else text.translate(str.maketrans(",.", ".,"))


def _year(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return str(int(value))  # type: ignore[call-overload]


def _span(first: object, last: object) -> str:
    a, b = _year(first), _year(last)
    return a if a == b else f"{a}–{b}"


_SHORT_PHASES = {
    "initiatief": ("initiatief", "initiative"),
    "psu": ("PSU", "PSU"),
    "pve": ("NvU/PvE", "NvU/PvE"),
    "do": ("DO", "DO"),
    "bestek": ("bestek", "specification"),
    "realisatie": ("realisatie", "realisation"),
    "beheer": ("beheer", "management"),
}


def short_phase(code: object, language: str) -> str:
    """A phase as tables show it: the acronym practitioners use (PSU, NvU/PvE, DO)."""
    if not isinstance(code, str) or code not in _SHORT_PHASES:
        return "—"
    nl, en = _SHORT_PHASES[code]
    return en if language == "en" else nl


def _members(members: tuple[tuple[str, str], ...], language: str, *, full: bool) -> str:
    """The members of a coupling: all of them (Markdown), or counted per type with the first few (HTML, PDF)."""
    ids = [i for _, i in members]
    if full or len(ids) <= 6:
        return ", ".join(ids)
    names = {
        "work": (("werk", "werken"), ("work", "works")),
        "asset": (("asset", "assets"), ("asset", "assets")),
        "task": (("opgave", "opgaven"), ("task", "tasks")),
    }
    counts = pd.Series([t for t, _ in members]).value_counts()
    counted = ", ".join(
        f"{n} {names.get(str(t), ((t, t), (t, t)))[language == 'en'][n != 1]}" for t, n in counts.items()
    )
    return f"{counted}: {', '.join(ids[:6])} …"


def _clipped(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _limited(rows: list[dict[str, Any]], limit: int | None) -> tuple[list[dict[str, Any]], int]:
    if limit is None or len(rows) <= limit:
        return rows, 0
    return rows[:limit], len(rows) - limit


# -- the brief ----------------------------------------------------------------------------------
def timeline_items(brief: Brief, language: str) -> pd.DataFrame:
    """The rows of the brief's timeline: the project's works, the area tasks, the nearest other works, due assets."""
    env = brief.environment
    works = env.works[~env.works["status"].isin(["cancelled"])].copy()
    works["_order"] = np.where(works["in_project"], 0, 1)
    own = works[works["in_project"]].sort_values(["earliest_start", "id"], kind="stable")
    around = works[~works["in_project"]].sort_values(["distance_m", "earliest_start", "id"], kind="stable")
    around = around.head(_TIMELINE_AROUND).sort_values(["earliest_start", "id"], kind="stable")
    rows = []
    for frame, bold in ((own, True), (around, False)):
        for w in frame.itertuples(index=False):
            months = w.duration_months if pd.notna(w.duration_months) else 3.0
            preferred = w.preferred_start if pd.notna(w.preferred_start) else w.earliest_start
            title = str(w.title or "")
            short = title if len(title) <= 34 else title[:33] + "…"
            rows.append(
                {
                    "kind": "work",
                    "label": f"{short} ({w.organisation})" if short else f"{w.id}",
                    "start": int(w.earliest_start),
                    "end": int(w.latest_start),
                    "preferred": int(preferred),
                    "duration_years": float(months) / 12.0,
                    "colour": DISCIPLINE_COLOURS.get(w.discipline, "#607d8b"),
                    "bold": bold,
                    "count": 1,
                    "cost_label": money(w.cost_eur, language) if pd.notna(w.cost_eur) else "",
                }
            )
        if bold:
            for t in env.tasks.sort_values(["target_year", "id"], kind="stable").itertuples(index=False):
                rows.append(
                    {
                        "kind": "task",
                        "label": f"{label(TaskTheme, t.theme, language)} ({t.id})",
                        "start": int(t.target_year),
                        "end": int(t.target_year),
                        "preferred": int(t.target_year),
                        "duration_years": 0.0,
                        "colour": THEME_COLOURS.get(t.theme, "#607d8b"),
                        "bold": False,
                        "count": 1,
                        "cost_label": "",
                    }
                )
    due = env.due_assets
    for year, n in due.groupby("due_year").size().items():
        rows.append(
            {
                "kind": "due",
                "label": "",
                "start": int(year),
                "end": int(year),
                "preferred": int(year),
                "duration_years": 0.0,
                "colour": "#c62828",
                "bold": False,
                "count": int(n),
                "cost_label": "",
            }
        )
    return pd.DataFrame(rows)


def brief_images(brief: Brief, language: str) -> dict[str, bytes]:
    """The map and the timeline of a brief as PNGs."""
    env = brief.environment
    streets = brief.streets if brief.streets is not None else env.works.iloc[0:0]
    items = timeline_items(brief, language)
    first, last = brief.horizon
    if len(items):
        first, last = min(first, int(items["start"].min())), max(last, int(items["end"].max()))
    return {
        "map": map_png(env, segments=streets, buurten=env.areas, language=language),
        "timeline": timeline_png(items, horizon=(first, last), language=language),
    }


def brief_context(brief: Brief, language: str, images: dict[str, str], *, limit: int | None) -> dict[str, Any]:
    """Everything the brief templates show, formatted in the language."""
    env, subject = brief.environment, brief.subject
    t = words(language)
    names = brief.organisation_names

    def work_row(w: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": w["id"],
            "title": w["title"] or "",
            "organisation": w["organisation"],
            "discipline": label(Discipline, w["discipline"], language),
            "colour": DISCIPLINE_COLOURS.get(w["discipline"], "#607d8b"),
            "kind": label(WorkKind, w["kind"], language),
            "window": _span(w["earliest_start"], w["latest_start"]),
            "preferred": _year(w["preferred_start"]),
            "phase": short_phase(w["phase"], language),
            "status": label(WorkStatus, w["status"], language) if w["status"] else "—",
            "cost": money(w["cost_eur"], language),
            "distance": _number(w["distance_m"], language=language),
            "own": bool(w["in_project"]),
            "faded": w["status"] in ("done", "cancelled"),
        }

    works = [
        work_row(w)
        for w in env.works.sort_values(
            ["in_project", "distance_m", "id"], ascending=[False, True, True], kind="stable"
        ).to_dict("records")
    ]
    due = [
        {
            "id": a["id"],
            "organisation": a["organisation"],
            "discipline": label(Discipline, a["discipline"], language),
            "colour": DISCIPLINE_COLOURS.get(a["discipline"], "#607d8b"),
            "what": " ".join(str(v) for v in (a.get("asset_type"), a.get("material")) if v),
            "install_year": _year(a["install_year"]),
            "condition": _year(a["condition"]),
            "due_year": _year(a["due_year"]),
            "cost": money(a["replacement_cost_eur"], language),
            "renewed_by": a["renewed_by"] or "",
            "distance": _number(a["distance_m"], language=language),
        }
        for a in env.due_assets.to_dict("records")
    ]
    tasks = [
        {
            "id": row["id"],
            "theme": label(TaskTheme, row["theme"], language),
            "colour": THEME_COLOURS.get(row["theme"], "#607d8b"),
            "target_year": _year(row["target_year"]),
            "area": row["area_code"] or "",
            "organisation": row["organisation"] or "",
            "intensity": _number(row["intensity"], 2, language=language) if row["intensity"] is not None else "—",
            "description": row["description"] or "",
        }
        for row in env.tasks.sort_values(["target_year", "id"], kind="stable").to_dict("records")
    ]
    conflicts = [
        {
            "id": row["id"],
            "kind": label(ConflictKind, row["kind"], language),
            "years": str(row.get("years") or "").replace(";", ", "),
            "explanation": row.get(f"explanation_{language}") or "",
        }
        for row in env.conflicts.to_dict("records")
    ]
    couplings = []
    for row in env.couplings.to_dict("records"):
        kind = CouplingKind(row["kind"])
        decision = brief.decisions.get(row["id"])
        couplings.append(
            {
                "id": row["id"],
                "kind": label(CouplingKind, kind, language),
                "members": _members(row["members"], language, full=limit is None),
                "window": _span(row.get("window_start"), row.get("window_end")),
                "saving": money(row.get("saving_eur"), language),
                "last_phase": label(Phase, LAST_CHANCE[kind], language),
                "status": label(CouplingStatus, decision.status, language) if decision else t["undecided"],
                "decided": decision is not None and decision.decided,
                "reason": decision.reason if decision else "",
                "own": bool(row.get("involves_project")),
                "explanation": _clipped(row.get(f"explanation_{language}") or "", None if limit is None else 260),
            }
        )
    own_rows = [c for c in couplings if c["own"]]
    around_rows = [c for c in couplings if not c["own"]]
    stakeholders = [
        {
            "name": s.name.in_(language),
            "code": s.code if s.code != "residents" else "",
            "kind": label(OrganisationKind, s.kind, language) if s.kind else t["residents_kind"],
            "reasons": [r.in_(language) for r in s.reasons],
            "leads": s.leads,
            "in_project": s.in_project,
        }
        for s in env.stakeholders
    ]
    subsurface = [
        {
            "segment": row["segment_id"],
            "name": row.get("name") or "",
            "claim": row["claim"],
            "verdict": t[f"verdict_{row['verdict']}"],
            "verdict_code": row["verdict"],
            "free_width": _number(row["free_width_m"], 1, language=language),
            "misfit": _number(row["misfit_m"], 0, language=language),
            "move_cost": money(row["move_cost_eur"], language) if row["move_cost_eur"] else "—",
            "trees": int(row["tree_conflicts"]),
        }
        for row in brief.subsurface.to_dict("records")
    ]
    current = subject.project.phase if subject.project is not None else None
    phases = [
        {
            "code": spec.phase.value,
            "label": label(Phase, spec.phase, language),
            "gate": spec.gate.in_(language),
            "checklist": [c.in_(language) for c in spec.checklist],
            "decidable": ", ".join(label(CouplingKind, k, language) for k in spec.decidable) or "—",
            "last_chance": ", ".join(label(CouplingKind, k, language) for k in spec.last_chance_for),
            "now": spec.phase == current,
        }
        for spec in PHASES
    ]
    own_works = env.works[env.works["in_project"]]
    project_cost = float(pd.to_numeric(own_works["cost_eur"], errors="coerce").fillna(0.0).sum())
    own_couplings = env.couplings[env.couplings["involves_project"]] if len(env.couplings) else env.couplings
    saving = float(own_couplings["saving_eur"].sum()) if len(own_couplings) else 0.0
    works_rows, works_more = _limited(works, limit)
    due_rows, due_more = _limited(due, limit)
    around_rows, around_more = _limited(around_rows, None if limit is None else _COUPLINGS_AROUND)
    coupling_rows, coupling_more = _limited(own_rows + around_rows, limit)
    coupling_more += around_more
    conflict_rows, conflict_more = _limited(conflicts, limit)
    return {
        "t": t,
        "lang": language,
        "title": subject.title,
        "subject_kind": t[f"subject_{subject.kind}"],
        "subject_id": subject.id or "",
        "generated_at": brief.generated_at[:10],
        "horizon": f"{brief.horizon[0]}–{brief.horizon[1]}",
        "buffer": _number(env.buffer_m, language=language),
        "project_type": label(ProjectType, brief.project_type, language),
        "project_type_basis": brief.project_type_basis.in_(language),
        "leading_party": brief.leading_party or "—",
        "leading_party_name": names.get(brief.leading_party or "", ""),
        "leading_party_basis": brief.leading_party_basis.in_(language),
        "phase": label(Phase, current, language) if current else None,
        "facts": [
            (str(len(own_works)), t["fact_works"]),
            (money(project_cost, language), t["fact_cost"]),
            (str(len(env.works) - len(own_works)), t["fact_works_around"]),
            (str(len(env.due_assets)), t["fact_due"]),
            (f"{len(own_couplings)} · {money(saving, language)}", t["fact_couplings"]),
            (str(len(env.conflicts)), t["fact_conflicts"]),
        ],
        "works": works_rows,
        "works_more": works_more,
        "due": due_rows,
        "due_more": due_more,
        "tasks": tasks,
        "conflicts": conflict_rows,
        "conflicts_more": conflict_more,
        "couplings": coupling_rows,
        "couplings_more": coupling_more,
        "stakeholders": stakeholders,
        "subsurface": subsurface,
        "questions": [
            {
                "n": n,
                "question": q.question.in_(language),
                "suggestions": [s.in_(language) for s in q.suggestions],
                "open": q.is_open,
                "note": q.open_note.in_(language),
            }
            for n, q in enumerate(brief.questions, start=1)
        ],
        "roles": [
            {
                "title": r.role.title.in_(language),
                "responsibility": r.role.responsibility.in_(language),
                "competencies": ", ".join(c.in_(language) for c in r.role.competencies),
                "why": r.why.in_(language),
            }
            for r in brief.roles
        ],
        "phases": phases,
        "images": images,
    }


def html_of_brief(brief: Brief, *, language: str = "nl", images: dict[str, bytes] | None = None) -> str:
    """The brief as one self-contained HTML page (the map and the timeline embedded as PNG)."""
    images = images if images is not None else brief_images(brief, language)
    sources = {name: _data_uri(png) for name, png in images.items()}
    context = brief_context(brief, language, sources, limit=MAX_TABLE_ROWS)
    return _templates().get_template("brief.html.j2").render(**context, css=_css())


def markdown_of_brief(brief: Brief, *, language: str = "nl", image_names: dict[str, str] | None = None) -> str:
    """The brief as Markdown (every row; pictures referenced by file name)."""
    context = brief_context(brief, language, image_names or {}, limit=None)
    return _templates().get_template("brief.md.j2").render(**context)


def html_of_template(name: str, **context: Any) -> str:
    """Render another report template (e.g. the KPI report) with the shared stylesheet of the brief."""
    return _templates().get_template(name).render(css=_css(), **context)


def pdf_from_html(html: str) -> bytes:
    """Print an HTML report to PDF with WeasyPrint (A4, page numbers from the stylesheet)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(Path.cwd())).write_pdf()  # type: ignore[no-any-return]


@cache
def _css() -> str:
    return (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")


def write_brief_file(brief: Brief, path: Path, *, language: str) -> None:
    """The brief to `path` in the format its suffix names (.html, .pdf, .md with PNGs beside it, .json)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(brief_as_json(brief, language=language), ensure_ascii=False, indent=2) + "\n")
        return
    images = brief_images(brief, language)
    if suffix == ".md":
        names = {name: f"{path.stem}_{name}.png" for name in images}
        for name, png in images.items():
            (path.parent / names[name]).write_bytes(png)
        path.write_text(markdown_of_brief(brief, language=language, image_names=names), encoding="utf-8")
        return
    html = html_of_brief(brief, language=language, images=images)
    if suffix == ".pdf":
        path.write_bytes(pdf_from_html(html))
    else:
        path.write_text(html, encoding="utf-8")


# -- the anatomy --------------------------------------------------------------------------------
def anatomy_images(anatomy: AreaAnatomy, language: str) -> dict[str, bytes]:
    """Budgets per year with task target years, and (for more than one buurt) the subsurface map."""
    tasks = anatomy.timeline[anatomy.timeline["kind"] == "task"].rename(columns={"start": "target_year"})
    images = {"budget": budget_png(anatomy.by_year, tasks=tasks, horizon=anatomy.horizon, language=language)}
    if len(anatomy.neighbourhoods) > 1:
        share = pd.Series({n.code: n.fit.get("share_fits") for n in anatomy.neighbourhoods}, dtype=float)
        images["fit_map"] = fit_map_png(anatomy.buurten, share=share, language=language)
    return images


def anatomy_context(anatomy: AreaAnatomy, language: str, images: dict[str, str]) -> dict[str, Any]:
    """Everything the anatomy template shows."""
    t = words(language)

    def indicators(items: tuple[Any, ...]) -> list[dict[str, str]]:
        return [
            {
                "label": i.label.in_(language),
                "now": i.now.in_(language) if i.now is not None else "—",
                "desired": i.desired.in_(language) if i.desired is not None else "—",
            }
            for i in items
        ]

    neighbourhoods = []
    for n in anatomy.neighbourhoods:
        neighbourhoods.append(
            {
                "code": n.code,
                "name": n.name,
                "period": n.attributes.get("construction_period") or "",
                "physical": indicators(n.physical),
                "social": indicators(n.social),
                "technical": indicators(n.technical),
                "networks": [
                    {
                        "discipline": label(Discipline, row["discipline"], language),
                        "colour": DISCIPLINE_COLOURS.get(row["discipline"], "#607d8b"),
                        "length": _number(row["length_km"], 1, language=language) if row["length_km"] else "—",
                        "count": _number(row["count"], language=language) if row["count"] else "—",
                        "median": _year(row["median_install_year"]),
                        "oldest": _year(row["oldest"]),
                        "due": _number(row["due"], language=language) if row["due"] else "—",
                        "due_cost": money(row["due_eur"], language) if row["due_eur"] else "—",
                    }
                    for row in n.networks.to_dict("records")
                ],
                "share_fits": n.fit.get("share_fits"),
            }
        )
    summary = [
        {
            "code": n.code,
            "name": n.name,
            "inhabitants": _number(n.attributes.get("inhabitants"), language=language),
            "liveability": _year(n.attributes.get("liveability")),
            "stress": _number(n.attributes.get("climate_stress"), 1, language=language),
            "tvw": _year(n.attributes.get("tvw_year")),
            "due": _number(n.networks["due"].sum(), language=language) if len(n.networks) else "0",
            "fits": f"{n.fit['share_fits']:.0%}" if n.fit.get("segments") else "—",
        }
        for n in anatomy.neighbourhoods
    ]
    timeline = anatomy.timeline
    rows = [
        {
            "kind": t["work"] if row["kind"] == "work" else t["task"],
            "id": row["id"],
            "title": row["title"] or "",
            "buurt": row["buurt"] or "",
            "organisation": row["organisation"] or "",
            "what": label(Discipline, row["discipline"], language)
            if row["kind"] == "work"
            else label(TaskTheme, row["theme"], language),
            "colour": DISCIPLINE_COLOURS.get(row["discipline"] or "", THEME_COLOURS.get(row["theme"] or "", "#607d8b")),
            "years": _span(row["start"], row["end"]),
            "cost": money(row["cost_eur"], language) if row["kind"] == "work" else "",
        }
        for row in timeline.to_dict("records")
    ]
    rows, more = _limited(rows, MAX_TABLE_ROWS)
    per_year = anatomy.by_year.pivot_table(index="year", columns="source", values="cost_eur", aggfunc="sum").fillna(0.0)
    budget = [
        {
            "year": int(year),
            "works": money(values.get("work", 0.0), language),
            "due": money(values.get("due", 0.0), language),
            "total": money(values.get("work", 0.0) + values.get("due", 0.0), language),
        }
        for year, values in per_year.iterrows()
    ]
    return {
        "t": t,
        "lang": language,
        "code": anatomy.code,
        "name": anatomy.name,
        "level": anatomy.level or "",
        "horizon": f"{anatomy.horizon[0]}–{anatomy.horizon[1]}",
        "claim": anatomy.claim,
        "summary": summary,
        "neighbourhoods": neighbourhoods,
        "timeline": rows,
        "timeline_more": more,
        "budget": budget,
        "images": images,
    }


def html_of_anatomy(anatomy: AreaAnatomy, *, language: str = "nl") -> str:
    """The anatomy as one self-contained HTML page."""
    images = {name: _data_uri(png) for name, png in anatomy_images(anatomy, language).items()}
    context = anatomy_context(anatomy, language, images)
    return _templates().get_template("anatomy.html.j2").render(**context, css=_css())


def write_anatomy_file(anatomy: AreaAnatomy, path: Path, *, language: str) -> None:
    """The anatomy to `path`: .json (for the web app), .html or .pdf."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(anatomy_as_json(anatomy, language=language), ensure_ascii=False, indent=2) + "\n")
        return
    html = html_of_anatomy(anatomy, language=language)
    if suffix == ".pdf":
        path.write_bytes(pdf_from_html(html))
    else:
        path.write_text(html, encoding="utf-8")
