"""The `koppelkans` command: a thin shell over the library (datasette-style)."""

from __future__ import annotations

import typer

from koppelkans.cli import (
    bench,
    bench_api,
    bench_demo,
    bench_forecast,
    bench_imkl,
    bench_plan,
    bench_scale,
    brief,
    couplings,
    demo,
    fit,
    formats,
    history,
    kpi,
    lifecycle,
    plan,
    register,
    serve,
    subscriptions,
    users,
    workflow,
)
from koppelkans.cli.shell import Context
from koppelkans.config import Settings

__all__ = ["app"]

app = typer.Typer(
    name="koppelkans",
    help="Plan works in the public space together: shared register, couplings, conflicts, works plan.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    db: str = typer.Option(
        None, "--db", envvar="KOPPELKANS_DB", help="Store: a .gpkg path (default ./koppelkans.gpkg) or postgresql://…"
    ),
    user: str = typer.Option(
        None, "--as", envvar="KOPPELKANS_USER", help="Act as this user (e-mail); default cli:<login>"
    ),
) -> None:
    """Koppelkans: one register of assets, works and area tasks for everyone who digs in the street."""
    settings = Settings(**{k: v for k, v in {"db": db, "user": user}.items() if v is not None})
    ctx.obj = Context(settings=settings)


register.add_commands(app)
couplings.add_commands(app)
lifecycle.add_commands(app)
demo.add_commands(app)
formats.add_commands(app)
serve.add_commands(app)
plan.add_commands(app)
fit.add_commands(app)
brief.add_commands(app)
kpi.add_commands(app)
history.add_commands(app)
workflow.add_commands(app)
subscriptions.add_commands(app)
users.add_commands(app)
bench.app.command("forecast")(bench_forecast.bench_forecast)
bench.app.command("demo")(bench_demo.bench_demo)
bench.app.command("api")(bench_api.bench_api)
bench.app.command("import-imkl")(bench_imkl.bench_import_imkl)
bench.app.command("plan")(bench_plan.bench_plan)
bench.app.command("scale")(bench_scale.bench_scale)
app.add_typer(bench.app, name="bench")
