"""`koppelkans demo`: build the Twente demo into the store, and summarise it."""

from __future__ import annotations

import typer

from koppelkans.access import Action
from koppelkans.cli.shell import console, context_of, emit_json, fail, steps
from koppelkans.demo import DEFAULT_SEED, build_demo, demo_report, demo_step_count, print_report
from koppelkans.errors import KoppelkansError

__all__ = ["add_commands", "demo"]


def demo(
    ctx: typer.Context,
    scale: float = typer.Option(
        1.0, "--scale", help="1 ≈ Enschede (160,000 inhabitants); 0.05 a few buurten; 10 a province"
    ),
    seed: int = typer.Option(DEFAULT_SEED, "--seed", help="same seed and scale give the same demo"),
    report: bool = typer.Option(False, "--report", help="summarise the demo: counts, km and ages per discipline"),
    as_json: bool = typer.Option(False, "--json", help="print the result (or the error) as JSON"),
) -> None:
    """Generate a believable Twente municipality (streets, assets, works, area tasks) into the store."""
    store = context_of(ctx).store()
    try:
        store.initialise()
        context_of(ctx).require(store, Action.MANAGE, "register")
        with steps(demo_step_count(scale), quiet=as_json) as step:
            summary = build_demo(store, scale=scale, seed=seed, step=step)
        summary_report = demo_report(store) if report else None
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    if as_json:
        emit_json({**summary.as_dict(), **({"report": summary_report} if summary_report else {})})
        return
    counts = ", ".join(f"{n:,} {kind}" for kind, n in summary.counts.items())
    typer.echo(f"demo {', '.join(summary.towns)} ({summary.inhabitants:,} inhabitants) in {summary.store}: {counts}")
    typer.echo(f"built in {summary.seconds:.1f} s")
    if summary_report:
        print_report(summary_report, console=console)


def add_commands(app: typer.Typer) -> None:
    """Attach `koppelkans demo` to the main app."""
    app.command("demo")(demo)
