"""`koppelkans couplings`: every koppelkans, meekoppelkans, afstemming and conflict in the register."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from koppelkans.access import Action
from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.cli.shell import context_of, emit_json, steps
from koppelkans.config import figure
from koppelkans.couplings import find_couplings, findings_as_json, write_findings
from koppelkans.scale.engine import Engine

__all__ = ["add_commands"]


def couplings(
    ctx: typer.Context,
    year_from: int = typer.Option(None, "--from", help="first year (default: this year)"),
    year_to: int = typer.Option(None, "--to", help="last year (default: first year + 10)"),
    area: str = typer.Option(None, "--area", help="only this area (a buurt, or a wijk/gemeente and all below)"),
    flex: float = typer.Option(figure("coupling_flex_years"), "--flex", help="years a window may move to couple"),
    subsurface: list[str] = typer.Option(
        None, "--subsurface", help="also fit planned new networks of this claim kind underground (heat, lv, …)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the findings as JSON"),
    geojson: Path = typer.Option(None, "--geojson", help="also write them as GeoJSON"),
    xlsx: Path = typer.Option(None, "--xlsx", help="also write them as an Excel workbook"),
    engine: Engine = typer.Option(Engine.single, "--engine", help="single process, or spatial partitions on Dask"),
    scheduler: str = typer.Option(None, "--scheduler", help="address of a Dask scheduler (default: a LocalCluster)"),
) -> None:
    """Find couplings and conflicts, store them, and list them."""
    context = context_of(ctx)
    start = year_from or date.today().year
    options = CouplingOptions(
        year_from=start,
        year_to=year_to or start + 10,
        flex_years=flex,
        area=area,
        subsurface_claims=tuple(subsurface or ()),
    )
    with context.authorised(Action.RUN, "couplings", as_json=as_json) as (store, principal):
        with steps(2, quiet=as_json) as step:
            step("matching works, due assets and area tasks")
            findings = find_couplings(store, options, engine=engine.value, scheduler=scheduler, actor=principal.actor)
            step("writing")
            for path in (geojson, xlsx):
                if path is not None:
                    write_findings(findings, path)
    if as_json:
        emit_json(findings_as_json(findings, language=context.settings.language))
        return
    _print(findings_as_json(findings, language=context.settings.language))


def _print(result: dict[str, object]) -> None:
    out = Console()
    table = Table("kind", "members", "window", "saving", "explanation", title="couplings", show_lines=False)
    for c in result["couplings"]:  # type: ignore[union-attr]
        members = ", ".join(m["id"] for m in c["members"])
        window = "–".join(str(y) for y in sorted(set(c["window"])))
        table.add_row(c["kind"], members, window, f"€ {c['saving_eur']:,.0f}", c["explanation"])
    out.print(table)
    conflicts = Table("type", "members", "years", "explanation", title="conflicts")
    for c in result["conflicts"]:  # type: ignore[union-attr]
        conflicts.add_row(
            c["type"], ", ".join(m["id"] for m in c["members"]), ", ".join(map(str, c["years"])), c["explanation"]
        )
    out.print(conflicts)
    totals = result["totals"]
    out.print(
        f"{sum(totals['couplings'].values())} couplings {totals['couplings']}, "  # type: ignore[index,union-attr]
        f"{sum(totals['conflicts'].values())} conflicts {totals['conflicts']}; "  # type: ignore[index,union-attr]
        f"estimated saving € {totals['saving_eur']:,.0f}, {totals['openings_avoided']} openings avoided"  # type: ignore[index]
    )


def add_commands(app: typer.Typer) -> None:
    """Attach `couplings` to the main app."""
    app.command("couplings")(couplings)
