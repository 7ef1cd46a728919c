"""Commands on the shared register: init, import, export, info, org add."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from koppelkans.cli import formats
from koppelkans.cli.shell import console, context_of, emit_json, fail, steps
from koppelkans.domain.records import KINDS
from koppelkans.domain.vocabulary import OrganisationKind
from koppelkans.errors import KoppelkansError, ValidationFailed
from koppelkans.io.exchange import write_problem_report
from koppelkans.io.package import Legend
from koppelkans.register import export_all, export_file, import_file, import_records, register_summary

__all__ = ["add_commands"]

org_app = typer.Typer(help="Organisations: municipalities, departments, utilities.", no_args_is_help=True)


def init(ctx: typer.Context) -> None:
    """Create the store (or migrate it to the newest schema)."""
    store = context_of(ctx).store()
    try:
        store.initialise()
    except KoppelkansError as error:
        fail(error, as_json=False)
    typer.echo(f"store ready: {store.url} (schema {store.revision()})")


def import_(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help=f"one of {', '.join(KINDS)}, or a format: imkl, gwsw, bgt, crow"),
    path: Path = typer.Argument(
        ..., help="GeoJSON, GeoPackage, Shapefile, CSV (WKT column) or XLSX; or the format's file"
    ),
    crs: str = typer.Option(None, "--crs", help="CRS of a file that declares none, e.g. EPSG:28992"),
    layer: str = typer.Option(None, "--layer", help="layer or sheet to read (default: the kind's name)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check everything, store nothing"),
    replace: bool = typer.Option(False, "--replace", help="records with an id already stored replace it"),
    report: Path = typer.Option(None, "--report", help="write every rejected record to this CSV"),
    as_json: bool = typer.Option(False, "--json", help="print the result (or the error) as JSON"),
    org_map: Path = typer.Option(None, "--org-map", help="imkl/bgt: CSV bronhoudercode,organisation"),
    organisation: str = typer.Option(None, "--organisation", help="gwsw: the organisation whose sewer it is"),
    unknown_install_year: str = typer.Option(
        None, "--unknown-install-year", help="imkl/gwsw/bgt: reject (default), registration or a year"
    ),
    offset: str = typer.Option(None, "--offset", help="gwsw hydx: DX,DY metres to shift local coordinates into RD"),
    derive_segments: bool = typer.Option(False, "--derive-segments", help="bgt: also store street centrelines"),
    mapping: Path = typer.Option(None, "--mapping", help="YAML column mapping (renames, values, units, defaults)"),
) -> None:
    """Import records of one kind (or a KLIC/GWSW/BGT/CROW file); all-or-nothing, every rejection reported."""
    store = context_of(ctx).store()
    options = {
        "org_map": org_map,
        "organisation": organisation,
        "unknown_install_year": unknown_install_year,
        "offset": offset,
        "derive_segments": derive_segments,
        "mapping": mapping,
        "dry_run": dry_run,
        "replace": replace,
        "crs": crs,
        "layer": layer,
        "json": as_json,
    }
    try:
        if kind in formats.FORMATS:
            result = formats.import_format(ctx, kind, path, options)
        elif mapping is not None:
            result = formats.import_with_mapping(ctx, kind, path, options)
        else:
            with steps(4, quiet=as_json) as step:
                result = import_file(
                    store,
                    kind,
                    path,
                    crs=crs,
                    layer=layer,
                    dry_run=dry_run,
                    replace=replace,
                    settings=context_of(ctx).settings,
                    step=step,
                    principal=context_of(ctx).principal(store),
                )
    except ValidationFailed as error:
        if report is not None:
            write_problem_report(error.problems, report)
        fail(error, as_json=as_json)
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    if report is not None:
        write_problem_report((), report)
    if as_json:
        emit_json(result.as_dict())
        return
    verb = "would store" if dry_run else "stored"
    typer.echo(
        f"{verb} {result.stored if not dry_run else result.read:,} {result.kind} from {path.name} "
        f"({result.crs or 'no CRS'})"
    )
    if result.unlinked:
        shown = ", ".join(result.unlinked[:10]) + (" …" if len(result.unlinked) > 10 else "")
        typer.echo(f"{len(result.unlinked):,} {result.kind} lie on no street segment: {shown}")


def export(
    ctx: typer.Context,
    kind: str = typer.Argument(..., help=f"one of {', '.join(KINDS)}, or all (a QGIS-ready GeoPackage)"),
    path: Path = typer.Argument(..., help="output file; the format follows the extension (all: PATH.gpkg)"),
) -> None:
    """Export every record of one kind (GeoJSON in WGS 84, other formats in RD New), or all kinds with QGIS styles."""
    store = context_of(ctx).store()
    try:
        principal = context_of(ctx).principal(store)
        if kind == "all":
            layers = export_all(store, path, legend=_map_legend(), principal=principal)
        else:
            written = export_file(store, kind, path, principal=principal)
    except KoppelkansError as error:
        fail(error, as_json=False)
    if kind != "all":
        typer.echo(f"wrote {written:,} {kind} to {path}")
        return
    summary = ", ".join(f"{name} {n:,}" for name, n in layers.items())
    typer.echo(f"wrote {len(layers)} layers with their QGIS styles to {path}: {summary}")


def _map_legend() -> Legend:
    """The web map's colours, for the QGIS styles of `export all` (imported here: the web package is heavy)."""
    from koppelkans.web.legend import DISCIPLINE_COLOURS, STATUS_STYLES, THEME_COLOURS

    return Legend(disciplines=DISCIPLINE_COLOURS, statuses=STATUS_STYLES, themes=THEME_COLOURS)


def info(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="print as JSON"),
) -> None:
    """What the store holds: counts per kind, per organisation and discipline, extent."""
    try:
        summary = register_summary(context_of(ctx).store())
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    if as_json:
        emit_json(summary)
        return
    out = console.__class__()
    out.print(f"store: {summary['store']} (schema {summary['schema']})")
    counts = Table("kind", "records", title="register")
    for kind, n in summary["counts"].items():
        counts.add_row(kind, f"{n:,}")
    out.print(counts)
    for kind, groups in summary["by_organisation_discipline"].items():
        if groups:
            table = Table("organisation/discipline", kind)
            for key, n in groups.items():
                table.add_row(key, f"{n:,}")
            out.print(table)
    if summary["extent_epsg28992"]:
        out.print("extent (EPSG:28992): " + ", ".join(f"{v:.0f}" for v in summary["extent_epsg28992"]))


@org_app.command("add")
def org_add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="stable code, e.g. GM0153 or ENEXIS"),
    name: str = typer.Argument(..., help="display name"),
    kind: OrganisationKind = typer.Option(..., "--kind", help="kind of organisation"),
    parent: str = typer.Option(None, "--parent", help="code of the organisation this is a department of"),
    as_json: bool = typer.Option(False, "--json", help="print errors as JSON"),
) -> None:
    """Add one organisation."""
    record = pd.DataFrame([{"code": code, "name": name, "kind": kind.value, "parent_code": parent}])
    try:
        store = context_of(ctx).store()
        principal = context_of(ctx).principal(store)
        import_records(store, "organisations", record, source_crs=None, source="org add", principal=principal)
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    typer.echo(f"added organisation {code} ({name}, {kind.value})")


def add_commands(app: typer.Typer) -> None:
    """Attach the register commands to the main app."""
    app.command("init")(init)
    app.command("import")(import_)
    app.command("export")(export)
    app.command("info")(info)
    app.add_typer(org_app, name="org")
