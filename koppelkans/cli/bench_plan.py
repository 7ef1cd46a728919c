"""`koppelkans bench plan`: our optimiser against one monolithic HiGHS MILP, same instance, same time limit."""

from __future__ import annotations

import typer

from koppelkans.cli.shell import emit_json

__all__ = ["bench_plan"]


def bench_plan(
    scale: float = typer.Option(1.0, "--scale", help="demo scale (1 ≈ Enschede)"),
    time_limit: float = typer.Option(120.0, "--time-limit", help="seconds for each of the two solvers"),
    store: str = typer.Option(None, "--store", help="an existing demo store to plan (default: build the demo)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Solve time and gap of ours vs a single monolithic HiGHS MILP on the demo (ratios)."""
    from koppelkans.benchmarks.plan import run_plan_benchmark  # its imports cost seconds: only when run

    r = run_plan_benchmark(scale=scale, time_limit=time_limit, store_path=store)
    if as_json:
        emit_json(r)
        return
    typer.echo(
        f"scale {r['scale']:g}: {r['items']:,} works and due renewals, {r['year_choices']:,} year choices, "
        f"{r['components']:,} components (largest {r['largest_component']:,}); time limit {r['time_limit']:g} s each"
    )
    for name in ("ours", "monolithic"):
        run = r[name]
        gap = "–" if run["gap"] is None else f"{run['gap']:.3%}"
        typer.echo(
            f"{name:<11} {run['seconds']:7.1f} s  objective € {run['objective']:,.0f}  gap {gap}  "
            f"saves {run['savings_pct']:.1f} % against the sectoral baseline  ({run['status']})"
        )
    ratio = r["gap_ratio_monolithic_to_ours"]
    typer.echo(
        f"monolithic / ours: gap {'–' if ratio is None else f'{ratio:.1f}x'}, "
        f"time {r['time_ratio_monolithic_to_ours']:.2f}x"
    )
