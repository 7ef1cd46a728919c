"""`koppelkans bench import-imkl`: KLIC import speed and peak memory at three sizes, against a DOM parse."""

from __future__ import annotations

import typer

from koppelkans.cli.shell import emit_json

__all__ = ["bench_import_imkl"]


def bench_import_imkl(
    mb: float = typer.Option(
        100.0, "--mb", help="size of the largest generated delivery in MB (the others are a quarter and a half)"
    ),
    dom: bool = typer.Option(True, "--dom/--no-dom", help="also measure a whole-document ElementTree parse"),
    store: bool = typer.Option(True, "--store/--no-store", help="also time the whole import into a GeoPackage store"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import generated IMKL 2.0 deliveries of MB/4, MB/2 and MB megabytes: seconds, MB/s and peak RSS per reader."""
    readers = ("stream", "parse", *(("import",) if store else ()), *(("dom",) if dom else ()))
    from koppelkans.benchmarks.imkl import run_imkl_benchmark  # its imports cost seconds: only when run

    result = run_imkl_benchmark(mb=mb, readers=readers)
    if as_json:
        emit_json(result)
        return
    for run in result["runs"]:
        typer.echo(
            f"{run['reader']:<7} {run['mb']:7.1f} MB  {run['cables']:>9,} cables  {run['seconds']:7.2f} s  "
            f"{run['mb_per_second']:6.1f} MB/s  peak RSS {run['peak_rss_mb']:7.0f} MB "
            f"(+{run['above_baseline_mb']:.0f} MB while reading)"
        )
    growth = result["growth"]
    typer.echo(
        "memory growth per MB of file: " + ", ".join(f"{reader} {growth[reader]:.2f} MB/MB" for reader in readers)
    )
    by_reader = {(r["reader"], round(r["mb"])): r for r in result["runs"]}
    largest = max(round(r["mb"]) for r in result["runs"])
    if dom and ("dom", largest) in by_reader:
        ours, theirs = by_reader[("parse", largest)], by_reader[("dom", largest)]
        typer.echo(
            f"at {largest} MB: ours uses {theirs['above_baseline_mb'] / max(ours['above_baseline_mb'], 1):.1f}x less "
            f"memory than a DOM parse and takes {ours['seconds'] / theirs['seconds']:.2f}x its time "
            "(ours also maps every cable onto an asset record)"
        )
