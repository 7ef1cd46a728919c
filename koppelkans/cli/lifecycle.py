"""Commands on asset lifecycles: `forecast` (due years and the financial plan) and `lifecycle fit`.

The `--models PATH` file overrides survival models, per organisation if wanted. CSV (or a JSON list
of objects with the same keys, optionally under "models"), one model per row:

    organisation,discipline,material,diameter_class,shape,scale,median,source
    GM0153-RIO,sewer,beton,,3.0,,65,own inspection data 2024

discipline and shape are required, and scale or median; organisation, material and diameter_class
(small < 400 mm, medium 400-799, large ≥ 800) may be blank for "any". `lifecycle fit --write`
writes this format.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from koppelkans.access import Action
from koppelkans.analysis.lifecycle import (
    ANY,
    MIN_EVENTS,
    SurvivalTable,
    fits_from_assets,
    lifecycle_figure,
    plan_totals,
)
from koppelkans.cli.shell import context_of, emit_json, fail, steps
from koppelkans.errors import InputError, KoppelkansError, NotFound
from koppelkans.lifecycle import assets_of, forecast_as_json, forecast_register, read_models, selected
from koppelkans.scale.engine import Engine

__all__ = ["add_commands", "lifecycle_app"]

lifecycle_app = typer.Typer(help="Survival models of the assets: fit them to the register.", no_args_is_help=True)


def forecast(
    ctx: typer.Context,
    from_year: int = typer.Option(None, "--from", help="first year of the plan (default: this year)"),
    to_year: int = typer.Option(None, "--to", help="last year of the plan (default: 29 years after --from)"),
    org: str = typer.Option(None, "--org", help="show the plan of one organisation (code)"),
    discipline: str = typer.Option(None, "--discipline", help="show the plan of one discipline, e.g. sewer"),
    models: Path = typer.Option(None, "--models", help="survival models overriding the defaults (.csv or .json)"),
    as_json: bool = typer.Option(False, "--json", help="print the plan (or the error) as JSON"),
    xlsx: Path = typer.Option(None, "--xlsx", help="write plan, totals and due years to this Excel file"),
    plot: Path = typer.Option(None, "--plot", help="draw the yearly cost per discipline with its band (PNG)"),
    engine: Engine = typer.Option(Engine.single, "--engine", help="single process, or chunks of assets on Dask"),
    scheduler: str = typer.Option(None, "--scheduler", help="address of a Dask scheduler (default: a LocalCluster)"),
) -> None:
    """Due year (P10/P50/P90) of every asset, stored in the store, and the long-term financial plan.

    Due years are stored for every asset; --org and --discipline narrow the plan that is shown.
    """
    with context_of(ctx).authorised(Action.RUN, "forecast", as_json=as_json) as (store, principal):
        first = from_year or datetime.date.today().year
        with steps(5, quiet=as_json) as step:
            run = forecast_register(
                store,
                first=first,
                last=to_year or first + 29,
                org=org,
                discipline=discipline,
                models=read_models(models),
                step=step,
                engine=engine.value,
                scheduler=scheduler,
                actor=principal.actor,
            )
            step("writing")
            if xlsx is not None:
                _write_xlsx(xlsx, run.plan, run.result[run.shown], run.costs[run.shown])
            if plot is not None:
                title = _plot_title(run.summary["from"], run.summary["to"], org=org, discipline=discipline)
                _draw_plot(plot, run.plan, title=title)
    if as_json:
        emit_json(forecast_as_json(run))
        return
    _print_plan(run.plan, run.summary)
    if xlsx is not None:
        typer.echo(f"wrote {xlsx}")
    if plot is not None:
        typer.echo(f"drew {plot}")


@lifecycle_app.command("fit")
def fit(
    ctx: typer.Context,
    discipline: str = typer.Option(None, "--discipline", help="fit only this discipline"),
    material: str = typer.Option(None, "--material", help="fit only this material (e.g. beton or concrete)"),
    org: str = typer.Option(None, "--org", help="fit only this organisation's assets"),
    year: int = typer.Option(None, "--year", help="the year assets are censored at (default: this year)"),
    write: Path = typer.Option(None, "--write", help="write the fitted models as a --models CSV"),
    as_json: bool = typer.Option(False, "--json", help="print the fits (or the error) as JSON"),
) -> None:
    """Weibull models fitted to the register: renewals and poor conditions are events, the rest censored."""
    try:
        at = year or datetime.date.today().year
        store = context_of(ctx).store()
        with steps(2, quiet=as_json) as step:
            step("reading assets and works")
            assets = assets_of(store)
            assets = assets[selected(assets, org=org, discipline=discipline, material=material)]
            if assets.empty:
                raise NotFound("no assets match the filters", field="discipline" if discipline else "material")
            step(f"fitting {len(assets):,} assets")
            fits = fits_from_assets(assets, year=at, works=store.read("works"))
            fits = _with_defaults(fits)
        if write is not None:
            _write_models(write, fits, org=org)
    except KoppelkansError as error:
        fail(error, as_json=as_json)
    if as_json:
        emit_json({"year": at, "organisation": org, "fits": _records(fits)})
        return
    _print_fits(fits, year=at)
    if write is not None:
        typer.echo(f"wrote {write}")


def add_commands(app: typer.Typer) -> None:
    """Attach `forecast` and `lifecycle fit` to the main app."""
    app.command("forecast")(forecast)
    app.add_typer(lifecycle_app, name="lifecycle")


# -- reading ---------------------------------------------------------------------------------------
# -- the forecast's outputs -----------------------------------------------------------------------
def _print_plan(plan: pd.DataFrame, summary: dict[str, Any]) -> None:
    out = Console()
    by_discipline = plan.pivot_table(index="year", columns="discipline", values="expected_eur", aggfunc="sum")
    totals = plan_totals(plan).set_index("year")
    table = Table(
        "year",
        *by_discipline.columns,
        "total",
        "P10",
        "P90",
        title=f"expected replacement cost {summary['from']}-{summary['to']} (EUR thousand, excl. VAT)",
    )
    for year, row in by_discipline.iterrows():
        total = totals.loc[year]
        table.add_row(
            str(year),
            *(f"{v / 1000:,.0f}" for v in row),
            f"{total['expected_eur'] / 1000:,.0f}",
            f"{total['p10_eur'] / 1000:,.0f}",
            f"{total['p90_eur'] / 1000:,.0f}",
        )
    out.print(table)
    out.print(
        f"{summary['assets']:,} assets forecast from {summary['from']}; due years stored for "
        f"{summary['due_years_stored']:,}; {summary['overdue']:,} past their median life; "
        f"{summary['due_by_p50_within_plan']:,} due (P50) by {summary['to']}"
    )
    out.print(f"expected replacement cost {summary['from']}-{summary['to']}: EUR {summary['expected_total_eur']:,.0f}")
    if summary["assets_without_cost"]:
        out.print(f"{summary['assets_without_cost']:,} assets have no replacement cost and no unit cost: counted as 0")
    if "sewer_renewal_rate_pct" in summary:
        out.print(
            f"sewer renewal rate {'-'.join(map(str, summary['sewer_renewal_rate_years']))}: "
            f"{summary['sewer_renewal_rate_pct']:.2f} %/yr of length (NL: 0.87 %/yr, rising to 1.85 %/yr; RIONED)"
        )


def _write_xlsx(path: Path, plan: pd.DataFrame, result: pd.DataFrame, costs: pd.DataFrame) -> None:
    columns = ["asset_id", "organisation", "discipline", "material", "model", "age", "effective_age"]
    due = result[[*columns, "p10", "p50", "p90", "overdue"]].reset_index(drop=True)
    due = due.assign(**costs[["replacement_cost_eur", "cost_source"]].reset_index(drop=True))
    try:
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            plan.to_excel(writer, sheet_name="plan", index=False)
            plan_totals(plan).to_excel(writer, sheet_name="totals", index=False)
            due.to_excel(writer, sheet_name="due_years", index=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot write {path}: {exc}", field="xlsx") from None


def _plot_title(first: int, last: int, *, org: str | None, discipline: str | None) -> str:
    scope = " · ".join(part for part in (org, discipline) if part)
    return f"Expected replacement cost per year {first}-{last}" + (f" ({scope})" if scope else "")


DISCIPLINE_COLOURS = {
    "sewer": "#8c564b",
    "road": "#7f7f7f",
    "water": "#1f77b4",
    "gas": "#e6b800",
    "electricity_lv": "#d62728",
    "electricity_mv": "#8b0000",
    "telecom": "#9467bd",
    "fibre": "#e377c2",
    "heat": "#ff7f0e",
    "green": "#2ca02c",
    "lighting": "#bcbd22",
    "water_storage": "#17becf",
    "charging": "#393b79",
}
"""One colour per discipline, the same in every plot."""


def _draw_plot(path: Path, plan: pd.DataFrame, *, title: str) -> None:
    """Stacked yearly expected cost per discipline, with the P10-P90 band of the total as whiskers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_discipline = plan.pivot_table(index="year", columns="discipline", values="expected_eur", aggfunc="sum")
    totals = plan_totals(plan).set_index("year")
    unit, divisor = ("EUR million", 1e6) if totals["p90_eur"].max() >= 1e6 else ("EUR thousand", 1e3)
    years = by_discipline.index.to_numpy()
    figure, axes = plt.subplots(figsize=(11, 5.5), dpi=120)
    bottom = np.zeros(len(years))
    for name in by_discipline.columns:
        values = by_discipline[name].to_numpy() / divisor
        axes.bar(years, values, bottom=bottom, color=DISCIPLINE_COLOURS.get(name, "#c7c7c7"), label=name, width=0.8)
        bottom += values
    expected = totals["expected_eur"].to_numpy() / divisor
    band = np.vstack([expected - totals["p10_eur"] / divisor, totals["p90_eur"] / divisor - expected])
    axes.errorbar(
        years, expected, yerr=band, fmt="none", ecolor="black", elinewidth=1.0, capsize=3, label="total P10-P90"
    )
    axes.set_title(title)
    axes.set_xlabel("year")
    axes.set_ylabel(f"{unit} (excl. VAT)")
    axes.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    handles, labels = axes.get_legend_handles_labels()
    axes.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    figure.tight_layout()
    try:
        figure.savefig(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot write {path}: {exc}", field="plot") from None
    finally:
        plt.close(figure)


# -- the fit's outputs ----------------------------------------------------------------------------
def _with_defaults(fits: pd.DataFrame) -> pd.DataFrame:
    """Each group's default median life next to its fit, to see how far the register departs from it."""
    table = SurvivalTable.defaults()
    medians = [
        table[table.resolve(ANY, str(row["discipline"]), str(row["material"]), ANY)].median
        for _, row in fits.iterrows()
    ]
    return fits.assign(default_median=medians)


def _print_fits(fits: pd.DataFrame, *, year: int) -> None:
    out = Console()
    table = Table(
        "discipline",
        "material",
        "n",
        "renewed",
        "poor",
        "in service",
        "shape (95% CI)",
        "median (95% CI)",
        "default",
        title=f"Weibull fits, censored at {year} (median life in years)",
    )
    unfitted = []
    for _, row in fits.iterrows():
        fitted = row.get("note") == ""
        if not fitted:
            unfitted.append(f"{row['discipline']}/{row['material']}")
        table.add_row(
            str(row["discipline"]),
            str(row["material"]),
            f"{row['n']:,}",
            f"{row['events']:,}",
            f"{row['left_censored']:,}",
            f"{row['right_censored']:,}",
            f"{row['shape']:.2f} ({row['shape_ci'][0]:.2f}-{row['shape_ci'][1]:.2f})" if fitted else "-",
            f"{row['median']:.0f} ({row['median_ci'][0]:.0f}-{row['median_ci'][1]:.0f})" if fitted else "too few",
            f"{row['default_median']:.0f}",
        )
    out.print(table)
    if unfitted:
        out.print(
            f"no fit for {', '.join(unfitted)}: a fit needs at least {MIN_EVENTS} renewals or end-of-life "
            f"conditions (NEN 2767 ≥ {lifecycle_figure('end_of_life_condition'):.0f})"
        )
    warned = fits[fits["warning"] != ""] if "warning" in fits.columns else fits.iloc[0:0]
    for _, row in warned.iterrows():
        out.print(f"warning: {row['discipline']}/{row['material']}: {row['warning']}")


def _write_models(path: Path, fits: pd.DataFrame, *, org: str | None) -> None:
    fitted = fits[fits["note"] == ""] if "note" in fits.columns else fits.iloc[0:0]
    rows = pd.DataFrame(
        {
            "organisation": org or "",
            "discipline": fitted.get("discipline"),
            "material": fitted.get("material", pd.Series(dtype=object)).replace(ANY, ""),
            "diameter_class": "",
            "shape": fitted.get("shape"),
            "scale": fitted.get("scale"),
            "median": fitted.get("median"),
            "source": "lifecycle fit on the register",
        },
        columns=["organisation", "discipline", "material", "diameter_class", "shape", "scale", "median", "source"],
    )
    try:
        rows.to_csv(path, index=False)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc}", field="write") from None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN as null, numpy scalars as Python numbers)."""
    return json.loads(frame.to_json(orient="records"))
