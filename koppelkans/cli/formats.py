"""`koppelkans import imkl|gwsw|bgt|crow PATH` and `koppelkans template KIND PATH`: the formats users already have.

A thin shell: each format is read by its module in `koppelkans.io` and stored all-or-nothing by
`koppelkans.register` (a KLIC delivery in chunks, so memory does not grow with its size); this module
turns CLI options into arguments and prints what was mapped to what. `import_format` is
called by `koppelkans import` when KIND is a format name; `import_with_mapping` when `--mapping`
is given for one of the register's kinds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from koppelkans.cli.shell import console, context_of, fail, steps
from koppelkans.domain.records import KINDS
from koppelkans.errors import InputError, KoppelkansError
from koppelkans.io.bgt import road_parts_from_bgt
from koppelkans.io.gwsw import assets_from_gwsw
from koppelkans.io.imkl import iter_assets_from_imkl
from koppelkans.io.mapping import ColumnMapping, InstallYearPolicy, OrganisationMap
from koppelkans.io.template import write_template
from koppelkans.register import (
    FormatImportReport,
    ImportReport,
    import_crow,
    import_file,
    import_mapped,
    import_mapped_chunks,
)

__all__ = ["FORMATS", "add_commands", "import_format", "import_with_mapping"]

FORMATS = {"imkl", "gwsw", "bgt", "crow"}
"""Format names `koppelkans import` accepts besides the register's kinds."""


def _offset(text: str | None) -> tuple[float, float] | None:
    """`--offset 257000,472000` → (257000.0, 472000.0)."""
    if not text:
        return None
    try:
        dx, dy = (float(part) for part in str(text).replace(";", ",").split(","))
    except ValueError:
        raise InputError(
            f"--offset {text!r}: give DX,DY in metres, e.g. --offset 257000,472000", field="offset"
        ) from None
    return dx, dy


def import_format(ctx: typer.Context, fmt: str, path: Path, options: dict[str, Any]) -> ImportReport:
    """Import a KLIC delivery, GWSW data, BGT road parts or CROW inspections; raises KoppelkansError.

    Options (all optional): org_map (Path), organisation (str), unknown_install_year (str),
    offset (str "DX,DY"), derive_segments (bool), mapping (Path), dry_run, replace, json (bool).
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(sorted(FORMATS))}")
    context = context_of(ctx)
    store = context.store()
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file or folder: {path}")
    quiet = bool(options.get("json"))
    dry_run, replace = bool(options.get("dry_run")), bool(options.get("replace"))
    install_years = InstallYearPolicy.parse(options.get("unknown_install_year"))
    org_map = OrganisationMap.read(options["org_map"]) if options.get("org_map") else None
    mapping = ColumnMapping.read(options["mapping"]) if options.get("mapping") else None
    principal = context.principal(store)
    storing = {"dry_run": dry_run, "replace": replace, "settings": context.settings, "principal": principal}
    with steps(5, quiet=quiet) as step:
        step(f"reading {path.name}")
        if fmt == "crow":
            report = import_crow(
                store, path, mapping=mapping, dry_run=dry_run, settings=context.settings, step=step, principal=principal
            )
        elif fmt == "imkl":
            chunks = iter_assets_from_imkl(path, org_map=org_map, install_years=install_years)
            report = import_mapped_chunks(store, chunks, **storing, step=step)
        elif fmt == "bgt":
            *derived, assets = road_parts_from_bgt(
                path,
                org_map=org_map,
                install_years=install_years,
                derive_segments=bool(options.get("derive_segments")),
            )
            report = import_mapped(store, assets, also=derived, **storing, step=step)
        else:
            mapped = assets_from_gwsw(
                path,
                organisation=options.get("organisation"),
                install_years=install_years,
                offset=_offset(options.get("offset")),
            )
            report = import_mapped(store, mapped, **storing, step=step)
    if not quiet:
        _print_summary(report)
    return report


def import_with_mapping(ctx: typer.Context, kind: str, path: Path, options: dict[str, Any]) -> ImportReport:
    """Import a user's own file of one of the register's kinds through a column mapping (options["mapping"])."""
    context = context_of(ctx)
    mapping = ColumnMapping.read(options["mapping"])
    store = context.store()
    principal = context.principal(store)
    with steps(4, quiet=bool(options.get("json"))) as step:
        return import_file(
            store,
            kind,
            path,
            mapping=mapping,
            crs=options.get("crs"),
            layer=options.get("layer"),
            dry_run=bool(options.get("dry_run")),
            replace=bool(options.get("replace")),
            settings=context.settings,
            step=step,
            principal=principal,
        )


def _print_summary(report: ImportReport) -> None:
    """What was mapped to what (and skipped) on stderr, before the usual 'stored …' line."""
    if not isinstance(report, FormatImportReport):
        return
    for also in report.also:
        verb = "would store" if also.dry_run else "stored"
        console.print(f"{verb} {also.read:,} {also.kind} derived from {Path(also.source).name}")
    for what, n in report.mapped.items():
        console.print(f"  {n:>7,}  {what}", highlight=False)
    for what, n in report.skipped.items():
        console.print(f"  {n:>7,}  skipped: {what}", highlight=False)


def template(
    kind: str = typer.Argument(..., help=f"one of {', '.join(KINDS)}"),
    path: Path = typer.Argument(..., help="PATH.xlsx (with drop-downs) or PATH.csv"),
) -> None:
    """Write an empty exchange template (columns, allowed values, an example row) to fill in by hand."""
    try:
        written = write_template(kind, path)
    except KoppelkansError as error:
        fail(error, as_json=False)
    extra = " with drop-downs and a columns sheet" if written.suffix.lower() == ".xlsx" else ""
    typer.echo(f"wrote the {kind} template{extra} to {written}")


def add_commands(app: typer.Typer) -> None:
    """Attach `template` to the main app (`import` dispatches to `import_format` itself)."""
    app.command("template")(template)
