"""`koppelkans fit`: does a new cable, heat main or row of trees fit under a street (or every street of an area)?"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from koppelkans.analysis.subsurface import CLAIM_KINDS, claim_from_kind
from koppelkans.cli.shell import context_of, emit_json, fail, steps
from koppelkans.errors import InputError, KoppelkansError
from koppelkans.subsurface import (
    FitResult,
    fit_area,
    fit_as_json,
    fit_segment,
    write_misfit_geojson,
    write_section_svg,
)

__all__ = ["add_commands"]


def fit(
    ctx: typer.Context,
    claim: str = typer.Option(..., "--claim", help=f"what has to fit: {', '.join(CLAIM_KINDS)}"),
    segment: str = typer.Option(None, "--segment", help="one street segment (its id)"),
    area: str = typer.Option(None, "--area", help="every segment of an area (a buurt, or a wijk/gemeente and below)"),
    at: float = typer.Option(None, "--at", help="the cross-section this many metres along the segment"),
    width: float = typer.Option(None, "--width", help="width the claim needs, in metres (default per claim)"),
    depth: tuple[float, float] | None = typer.Option(None, "--depth", help="top and underside of the claim (m)"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
    svg: Path = typer.Option(None, "--svg", help="draw the cross-section (dwarsprofiel) to this SVG file"),
    geojson: Path = typer.Option(None, "--geojson", help="write the misfit pieces to GeoJSON (WGS 84)"),
) -> None:
    """Fit a claim in the street's cross-sections: fits, fits only if something moves, or does not fit."""
    context = context_of(ctx)
    try:
        if segment is not None and area is not None:
            raise InputError("give --segment or --area, not both", field="segment")
        if at is not None and segment is None:
            raise InputError("--at names a point along one segment: give --segment too", field="at")
        wanted = claim_from_kind(claim, width_m=width, depth_m=depth)
        with steps(3, quiet=as_json) as step:
            step("reading the street and what lies under it")
            store = context.store()
            if segment is not None:
                result = fit_segment(store, segment, wanted, at_m=at)
            else:
                result = fit_area(store, wanted, area=area)
            step("writing")
            if svg is not None:
                write_section_svg(result, svg, language=context.settings.language)
            if geojson is not None:
                write_misfit_geojson(result, geojson)
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    payload = fit_as_json(result)
    if as_json:
        emit_json(payload)
        return
    _print(result, payload)


def _print(result: FitResult, payload: dict[str, object]) -> None:
    out = Console()
    rows = payload["segments"] if "segments" in payload else [payload]
    table = Table("segment", "street", "verdict", "free m", "misfit m", "move €", "blocking", title="fit")
    for row in rows[:50]:  # type: ignore[index]
        blocking = ", ".join(b["id"] for b in row["blocking"][:4]) + (" …" if len(row["blocking"]) > 4 else "")
        table.add_row(
            row["segment"],
            row["name"] or "",
            row["verdict"],
            f"{row['free_width_m']:.2f}",
            f"{row['misfit_m']:.0f}",
            f"{row['move_cost_eur']:,.0f}",
            blocking,
        )
    out.print(table)
    if len(rows) > 50:  # type: ignore[arg-type]
        out.print(f"… and {len(rows) - 50} more segments; --json or --geojson gives them all")  # type: ignore[arg-type]
    if result.section is None:
        areas = Table("area", "name", "segments", "fits", "if moved", "no fit", "share fits", title="per area")
        for a in result.areas.sort_values("area").itertuples(index=False):
            areas.add_row(
                a.area, a.name or "", str(a.segments), str(a.fits), str(a.fits_if_moved), str(a.does_not_fit),
                f"{a.share_fits:.0%}",
            )  # fmt: skip
        out.print(areas)
    totals = payload.get("totals")
    if isinstance(totals, dict):
        out.print(
            f"{totals['segments']} segments: {totals['fits']} fit, {totals['fits_if_moved']} fit if moved, "
            f"{totals['does_not_fit']} do not fit; "
            f"{totals['tree_conflicts']} trees closer than 2.5 m to a cable or pipe"
        )


def add_commands(app: typer.Typer) -> None:
    """Attach `fit` to the main app."""
    app.command("fit")(fit)
