"""`koppelkans brief`, `koppelkans anatomy` and `koppelkans project …`: the project brief with its
environment analysis, the area anatomy, and projects run through the uniform phases and gates."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from koppelkans.access import Action
from koppelkans.brief.i18n import check_language
from koppelkans.briefing import (
    Timings,
    anatomy_of_area,
    brief_for,
    subject_of_area,
    subject_of_geometry,
    subject_of_project,
    subject_of_work,
    write_anatomy,
    write_brief,
)
from koppelkans.cli.shell import context_of, emit_json, fail, steps
from koppelkans.domain.vocabulary import Phase, ProjectType
from koppelkans.errors import InputError, KoppelkansError
from koppelkans.projects import (
    add_project,
    decide_coupling,
    list_projects,
    move_project,
    project_status,
    status_as_json,
)

__all__ = ["add_commands"]


def brief(
    ctx: typer.Context,
    work: str = typer.Option(None, "--work", help="the brief of one work (its id)"),
    project: str = typer.Option(None, "--project", help="the brief of a project (see `koppelkans project add`)"),
    area: str = typer.Option(None, "--area", help="the brief of an area (a buurt, wijk or gemeente code)"),
    geometry: str = typer.Option(None, "--geometry", help="the brief of a drawn geometry (WKT)"),
    crs: str = typer.Option("EPSG:28992", "--crs", help="CRS of --geometry (e.g. EPSG:4326 for lon/lat)"),
    buffer: float = typer.Option(None, "--buffer", help="metres around the project to analyse (default 100)"),
    year_from: int = typer.Option(None, "--from", help="first year of the horizon (default: this year)"),
    year_to: int = typer.Option(None, "--to", help="last year (default: first year + 10)"),
    claim: list[str] = typer.Option(None, "--claim", help="claims to fit under its streets (default: from the tasks)"),
    out: Path = typer.Option(
        None, "--out", help="write to PATH.html, .pdf, .md or .json (default: Markdown on stdout)"
    ),
    lang: str = typer.Option(None, "--lang", help="nl (default) or en"),
) -> None:
    """The project brief: the project and its type, the environment analysis, couplings, map, timeline, the six
    questions and the team."""
    context = context_of(ctx)
    language = lang or context.settings.language
    started = time.perf_counter()
    try:
        check_language(language)
        named = [
            name
            for name, value in (("work", work), ("project", project), ("area", area), ("geometry", geometry))
            if value is not None
        ]
        if len(named) != 1:
            raise InputError("give exactly one of --work, --project, --area or --geometry", field="work")
        with steps(3, quiet=out is None) as step:
            step("reading the project and its surroundings")
            store = context.store()
            if work is not None:
                subject = subject_of_work(store, work)
            elif project is not None:
                subject = subject_of_project(store, project)
            elif area is not None:
                subject = subject_of_area(store, area)
            else:
                subject = subject_of_geometry(geometry, crs=crs)
            timings = Timings(steps={})
            result = brief_for(
                store,
                subject,
                buffer_m=buffer,
                year_from=year_from,
                year_to=year_to,
                claims=tuple(claim) if claim else None,
                timings=timings,
            )
            step("drawing and writing")
            if out is not None:
                write_brief(result, out, language=language)
    except KoppelkansError as error:
        fail(error, as_json=False)
    if out is None:
        from koppelkans.brief.render import markdown_of_brief  # matplotlib comes with it: only when printing

        typer.echo(markdown_of_brief(result, language=language))
        return
    env = result.environment
    typer.echo(
        f"{out}: {len(env.works)} works, {len(env.due_assets)} due assets, {len(env.tasks)} area tasks, "
        f"{len(env.conflicts)} conflicts, {len(env.couplings)} couplings within {env.buffer_m:.0f} m "
        f"({time.perf_counter() - started:.1f} s)",
        err=True,
    )


def anatomy(
    ctx: typer.Context,
    area: str = typer.Option(..., "--area", help="a gemeente, wijk or buurt code"),
    out: Path = typer.Option(None, "--out", help="write to PATH.html, .pdf or .json (default: JSON on stdout)"),
    year_from: int = typer.Option(None, "--from", help="first year of the horizon (default: this year)"),
    year_to: int = typer.Option(None, "--to", help="last year (default: first year + 10)"),
    claim: str = typer.Option("heat", "--claim", help="the claim whose fit shows subsurface crowding"),
    lang: str = typer.Option(None, "--lang", help="nl (default) or en"),
) -> None:
    """The area anatomy: per buurt the physical, social and technical layers, now and desired, and a timeline."""
    from koppelkans.brief.anatomy import anatomy_as_json

    context = context_of(ctx)
    language = lang or context.settings.language
    try:
        check_language(language)
        with steps(2, quiet=out is None) as step:
            step("reading the area and everything in it")
            result = anatomy_of_area(context.store(), area, year_from=year_from, year_to=year_to, claim=claim)
            step("writing")
            if out is not None:
                write_anatomy(result, out, language=language)
    except KoppelkansError as error:
        fail(error, as_json=out is None)
    if out is None:
        emit_json(anatomy_as_json(result, language=language))
        return
    typer.echo(f"{out}: {len(result.neighbourhoods)} buurten, {len(result.timeline)} tasks and works", err=True)


# -- projects -----------------------------------------------------------------------------------
def project_add(
    ctx: typer.Context,
    project_id: str = typer.Argument(..., help="the project's id, e.g. roomweg"),
    works: str = typer.Option(..., "--works", help="its works, comma-separated ids"),
    project_type: str = typer.Option(..., "--type", help=f"project type: {', '.join(ProjectType.codes())}"),
    name: str = typer.Option(None, "--name", help="a title (default: from its works)"),
    phase: str = typer.Option(None, "--phase", help="the phase it starts in (default: its works' earliest)"),
    lead: str = typer.Option(None, "--lead", help="the leading party (default: the usual one for its type)"),
    by: str = typer.Option(None, "--by", help="who starts it (default: your user name)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Start a project from works; its type, leading party and phase are recorded."""
    with context_of(ctx).authorised(Action.RUN, "projects", as_json=as_json) as (store, _):
        created = add_project(
            store,
            project_id,
            work_ids=works.split(","),
            project_type=project_type,
            name=name,
            phase=phase,
            leading_party=lead,
            by=by or context_of(ctx).settings.user,
            actor=context_of(ctx).actor,
        )
        status = project_status(store, created.id)
    _show(status_as_json(status, language=context_of(ctx).settings.language), as_json=as_json)


def project_show(
    ctx: typer.Context,
    project_id: str = typer.Argument(..., help="the project's id"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Where a project stands: phase, the gate ahead and its checklist, its couplings and decisions, the log."""
    try:
        status = project_status(context_of(ctx).store(), project_id)
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    _show(status_as_json(status, language=context_of(ctx).settings.language), as_json=as_json)


def project_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Every project with its type, phase and leading party."""
    try:
        projects = list_projects(context_of(ctx).store())
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    rows = [{k: v for k, v in p.as_row().items() if k != "attributes"} for p in projects]
    if as_json:
        emit_json({"projects": rows})
        return
    table = Table("id", "name", "type", "phase", "leading party", "works", title="projects")
    for row in rows:
        table.add_row(
            row["id"],
            row["name"] or "",
            row["project_type"],
            row["phase"],
            row["leading_party"] or "",
            row["work_ids"].replace(";", ", "),
        )
    Console().print(table)


def project_decide(
    ctx: typer.Context,
    project_id: str = typer.Argument(..., help="the project's id"),
    coupling: str = typer.Argument(..., help="the coupling's id (see `koppelkans project show`)"),
    accept: bool = typer.Option(False, "--accept", help="take the coupling into the project"),
    decline: bool = typer.Option(False, "--decline", help="do not take it"),
    reason: str = typer.Option(..., "--reason", help="why (kept with the decision)"),
    by: str = typer.Option(None, "--by", help="who decides (default: your user name)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record the project's decision on one of its couplings: accepted or declined, with a reason."""
    with context_of(ctx).authorised(Action.RUN, "projects", as_json=as_json) as (store, _):
        if accept == decline:
            raise InputError("give --accept or --decline", record=coupling, field="status")
        decision = decide_coupling(
            store,
            project_id,
            coupling,
            status="accepted" if accept else "declined",
            reason=reason,
            by=by or context_of(ctx).settings.user,
            actor=context_of(ctx).actor,
        )
    if as_json:
        emit_json(decision.as_row())
        return
    typer.echo(
        f"{project_id}: {decision.coupling_kind.value} {coupling} {decision.status.value} by {decision.decided_by} "
        f"({decision.reason})"
    )


def project_gate(
    ctx: typer.Context,
    project_id: str = typer.Argument(..., help="the project's id"),
    to: str = typer.Option(..., "--to", help=f"the phase to move to: {', '.join(Phase.codes())}"),
    by: str = typer.Option(None, "--by", help="who decides (default: your user name)"),
    override: str = typer.Option(None, "--override", help="pass although couplings are undecided, for this reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Move a project through its gates; refused while couplings whose last chance a gate is are undecided."""
    with context_of(ctx).authorised(Action.RUN, "projects", as_json=as_json) as (store, _):
        entry = move_project(
            store,
            project_id,
            to,
            by=by or context_of(ctx).settings.user,
            override_reason=override,
            actor=context_of(ctx).actor,
        )
    row = entry.as_row()
    if as_json:
        emit_json(row)
        return
    note = (
        f"; override: {entry.override_reason} (undecided: {', '.join(entry.undecided)})"
        if entry.override_reason
        else ""
    )
    typer.echo(
        f"{project_id}: {row['from_phase']} → {row['to_phase']} {entry.outcome.value} by {entry.decided_by} "
        f"at {entry.decided_at}{note}"
    )


def _show(payload: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        emit_json(payload)
        return
    out = Console()
    project, phase = payload["project"], payload["phase"]
    out.print(
        f"[bold]{project['id']}[/bold] {project['name'] or ''} — {project['project_type']}, led by "
        f"{project['leading_party'] or '?'}; works {', '.join(project['works'])}"
    )
    out.print(f"phase [bold]{phase['code']}[/bold] ({phase['label']}); gate ahead: {phase['gate']}")
    for item in phase["checklist"]:
        out.print(f"  [ ] {item}")
    table = Table(title="couplings")
    for name in ("coupling", "kind", "decide by", "status", "saving", "members"):
        table.add_column(name, no_wrap=name in ("coupling", "kind", "saving"))
    for c in payload["couplings"]:
        status = c["status"] + (" [red](blocks the gate)[/red]" if c["blocks_next_gate"] else "")
        table.add_row(
            c["id"],
            c["kind"],
            c["last_phase"],
            status,
            f"€ {c['saving_eur']:,.0f}",
            ", ".join(m["id"] for m in c["members"]),
        )
    out.print(table)
    log = Table("from", "to", "outcome", "by", "at", "override reason", title="phase log")
    for e in payload["log"]:
        log.add_row(
            e["from_phase"] or "",
            e["to_phase"],
            e["outcome"],
            e["decided_by"],
            e["decided_at"],
            e["override_reason"] or "",
        )
    out.print(log)


def add_commands(app: typer.Typer) -> None:
    """Attach `brief`, `anatomy` and the `project` group to the main app."""
    app.command("brief")(brief)
    app.command("anatomy")(anatomy)
    projects = typer.Typer(help="Projects through the uniform phases and gates.", no_args_is_help=True)
    projects.command("add")(project_add)
    projects.command("show")(project_show)
    projects.command("list")(project_list)
    projects.command("decide")(project_decide)
    projects.command("gate")(project_gate)
    app.add_typer(projects, name="project")
