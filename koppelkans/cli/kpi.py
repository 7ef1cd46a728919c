"""`koppelkans kpi`: monitoring and evaluation — openings per km, couplings, savings, delays, data quality."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from koppelkans.cli.shell import context_of, emit_json, fail
from koppelkans.errors import InputError, KoppelkansError
from koppelkans.monitoring import kpi_report, report_context, scope_of, write_kpi_file

__all__ = ["add_commands"]


def kpi(
    ctx: typer.Context,
    year_from: int = typer.Option(None, "--from", help="first year (default: 7 years before this year)"),
    year_to: int = typer.Option(None, "--to", help="last year (default: 4 years after this year)"),
    area: str = typer.Option(None, "--area", help="only this area (a buurt, or a wijk/gemeente and all below)"),
    org: str = typer.Option(None, "--org", help="only this organisation (and its departments)"),
    as_json: bool = typer.Option(False, "--json", help="print the KPIs as JSON"),
    xlsx: Path = typer.Option(None, "--xlsx", help="write the KPIs to an Excel workbook"),
    html: Path = typer.Option(None, "--html", help="write the printable report as HTML"),
    pdf: Path = typer.Option(None, "--pdf", help="write the printable report as PDF"),
    lang: str = typer.Option(None, "--lang", help="nl (default) or en, for the report"),
) -> None:
    """KPIs per year, area and organisation: openings per km of street, couplings found/accepted/realised,
    estimated and realised savings, planned vs actual, ambitions vs budget, data quality."""
    context = context_of(ctx)
    language = lang or context.settings.language
    try:
        if language not in ("nl", "en"):
            raise InputError(f"--lang {language!r}: expected nl or en", field="lang")
        scope = scope_of(year_from=year_from, year_to=year_to, area=area, organisation=org)
        report = kpi_report(context.store(), scope)
        for path in (xlsx, html, pdf):
            if path is not None:
                write_kpi_file(report, path, language=language)
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    if as_json:
        emit_json(report.as_dict())
        return
    _print(report_context(report, language=language), report.years)
    _print_history(report_context(report, language=language)["history"])


def _print(context: dict, years: object) -> None:
    """The tiles and the per-year table as Rich tables."""
    console = Console()
    tiles = Table("KPI", "value", title=f"{context['title']} {context['period']} · {context['scope']}")
    for tile in context["tiles"]:
        tiles.add_row(tile["label"], tile["text"])
    console.print(tiles)
    table = Table(
        "year", "openings", "planned", "per km", "works", "found", "accepted", "realised", "saved €", title="per year"
    )
    for row in years.to_dict("records"):  # type: ignore[attr-defined]
        table.add_row(
            str(row["year"]),
            str(row["openings_realised"]),
            str(row["openings_planned"]),
            "—" if row["openings_per_km"] != row["openings_per_km"] else f"{row['openings_per_km']:.2f}",
            str(row["works_realised"]),
            str(row["couplings_found"]),
            str(row["couplings_accepted"]),
            str(row["couplings_realised"]),
            f"{row['realised_saving_eur']:,.0f}",
        )
    console.print(table)


def _print_history(rows: list[dict]) -> None:
    """The KPIs at each year end, "not known" before the audit log began."""
    table = Table(
        "year end", "assets", "condition", "depth", "stale", "couplings", "realised", "plan €", title="history"
    )
    for row in rows:
        table.add_row(
            str(row["year"]),
            row["assets"],
            row["condition_known"],
            row["depth_known"],
            row["stale_conditions"],
            row["couplings_found"],
            row["couplings_realised"],
            row["plan_saving"],
        )
    Console().print(table)


def add_commands(app: typer.Typer) -> None:
    """Attach `kpi` to the main app."""
    app.command("kpi")(kpi)
