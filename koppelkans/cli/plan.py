"""`koppelkans plan` and `koppelkans scenario compare`: the synchronised works plan and its scenarios."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from koppelkans.access import Action
from koppelkans.analysis.planning import CONSTRAINT_GROUPS, PlanOptions, SolveProgress
from koppelkans.cli.shell import console, context_of, emit_json, fail
from koppelkans.errors import KoppelkansError
from koppelkans.planning import (
    compare_plans,
    load_plan,
    plan_register,
    read_budgets,
    write_plan_xlsx,
)
from koppelkans.scale.engine import Engine

__all__ = ["add_commands", "plan", "scenario_compare"]


def plan(
    ctx: typer.Context,
    year_from: int = typer.Option(None, "--from", help="first year (default: next year)"),
    year_to: int = typer.Option(None, "--to", help="last year (default: first year + 9)"),
    budgets: Path = typer.Option(None, "--budgets", help="CSV of annual budgets: organisation,year,budget_eur"),
    time_limit: float = typer.Option(120.0, "--time-limit", help="seconds the optimiser may take"),
    scenario: str = typer.Option("integrated", "--scenario", help="sectoral, integrated, budgeted, gasfree-2040, …"),
    hard: str = typer.Option(
        "", "--hard", help=f"constraint groups that must hold, comma-separated ({', '.join(CONSTRAINT_GROUPS)})"
    ),
    keep: bool = typer.Option(True, "--keep/--no-keep", help="keep the plan in the store under its scenario name"),
    as_json: bool = typer.Option(False, "--json", help="print the plan as JSON"),
    xlsx: Path = typer.Option(None, "--xlsx", help="also write the plan as an Excel workbook"),
    engine: Engine = typer.Option(Engine.single, "--engine", help="single process, or independent parts on Dask"),
    scheduler: str = typer.Option(None, "--scheduler", help="address of a Dask scheduler (default: a LocalCluster)"),
) -> None:
    """Choose every work's year together: cost, nuisance and risk against the sectoral baseline."""
    context = context_of(ctx)
    start = year_from or date.today().year + 1
    try:
        options = PlanOptions(
            year_from=start,
            year_to=year_to or start + 9,
            budgets=read_budgets(budgets) if budgets is not None else None,
            hard=frozenset(g.strip() for g in hard.split(",") if g.strip()),
        )
        store = context.store()
        actor = context.require(store, Action.RUN, "plans").actor if keep else context.actor
        with _solver_progress(quiet=as_json) as progress:
            payload = plan_register(
                store,
                options,
                scenario=scenario,
                time_limit=time_limit,
                progress=progress,
                keep=keep,
                engine=engine.value,
                scheduler=scheduler,
                actor=actor,
            )
        if xlsx is not None:
            write_plan_xlsx(payload, xlsx)
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    if as_json:
        emit_json(payload)
        return
    _print_plan(payload)


def scenario_compare(
    ctx: typer.Context,
    a: str = typer.Argument(..., help="first scenario (as kept by `koppelkans plan --scenario`)"),
    b: str = typer.Argument(..., help="second scenario"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Two kept plans side by side: cost, openings, nuisance and cost per year."""
    try:
        store = context_of(ctx).store()
        result = compare_plans(load_plan(store, a), load_plan(store, b))
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    if as_json:
        emit_json(result)
        return
    _print_comparison(result)


@contextmanager
def _solver_progress(*, quiet: bool) -> Iterator[Callable[[SolveProgress], None]]:
    """A spinner whose line shows the solver's stage, current objective and gap."""
    if quiet:
        yield lambda _: None
        return
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task("reading the register", total=None)

        def report(state: SolveProgress) -> None:
            gap = f"{state.gap:.2%}" if state.gap != float("inf") else "–"
            bar.update(task, description=f"{state.stage}: objective € {state.objective:,.0f}, gap {gap}")

        yield report


def _money(value: Any) -> str:
    return "–" if value is None else f"€ {value:,.0f}"


def _print_plan(payload: dict[str, Any]) -> None:
    out = Console()
    savings, baseline = payload["savings"], payload["baseline"]
    gap = "–" if payload["gap"] is None else f"{payload['gap']:.2%}"
    out.print(
        f"[bold]{payload['scenario']}[/bold] {payload['horizon'][0]}-{payload['horizon'][1]}: "
        f"objective {_money(payload['objective'])} (bound {_money(payload['bound'])}, gap {gap}, {payload['method']})"
    )
    out.print(
        f"against the sectoral baseline ({_money(baseline['objective'])}): saves {_money(savings['eur'])} "
        f"({savings['pct']:.1f} %), {savings['openings_avoided']:,} openings and "
        f"{savings['nuisance_days_avoided']:,.0f} nuisance days"
    )
    if "ambition" in payload:
        ambition = payload["ambition"]
        out.print(f"ambition '{ambition['label']}': {ambition['works_added']:,} works, {_money(ambition['cost_eur'])}")
    table = Table("year", "cost", "baseline", "openings", "nuisance days", "over budget", title="cost per year")
    for row in payload["by_year"]:
        over = sum(
            max((o["cost_eur"] or 0.0) - o["budget_eur"], 0.0)
            for o in row["organisations"]
            if o["budget_eur"] is not None
        )
        table.add_row(
            str(row["year"]),
            _money(row["cost_eur"]),
            _money(row["baseline_eur"]),
            f"{row['openings']:,}",
            f"{row['nuisance_days']:,.0f}",
            _money(over) if over else "",
        )
    out.print(table)
    agenda = payload["agenda"]
    out.print(
        f"execution agenda {agenda['years'][0]}-{agenda['years'][1]}: {len(agenda['projects']):,} integrated projects; "
        f"{len(payload['projects']):,} projects in the horizon"
    )


def _print_comparison(result: dict[str, Any]) -> None:
    out = Console()
    a, b = result["a"], result["b"]
    table = Table("", a["scenario"], b["scenario"], "difference", title="scenarios")
    table.add_row("cost", _money(a["cost_eur"]), _money(b["cost_eur"]), _money(result["difference"]["cost_eur"]))
    table.add_row("openings", f"{a['openings']:,}", f"{b['openings']:,}", f"{result['difference']['openings']:+,}")
    table.add_row(
        "nuisance days",
        f"{a['nuisance_days']:,.0f}",
        f"{b['nuisance_days']:,.0f}",
        f"{result['difference']['nuisance_days']:+,.0f}",
    )
    table.add_row("projects", f"{a['projects']:,}", f"{b['projects']:,}", "")
    out.print(table)
    years = Table("year", a["scenario"], b["scenario"], "difference", title="cost per year")
    for row in result["by_year"]:
        years.add_row(
            str(row["year"]), _money(row["a_cost_eur"]), _money(row["b_cost_eur"]), _money(row["difference_eur"])
        )
    out.print(years)


def add_commands(app: typer.Typer) -> None:
    """Attach `plan` and the `scenario` group to the main app."""
    app.command("plan")(plan)
    scenarios = typer.Typer(help="Named plans side by side (sectoral vs integrated, ambitions).", no_args_is_help=True)
    scenarios.command("compare")(scenario_compare)
    app.add_typer(scenarios, name="scenario")
