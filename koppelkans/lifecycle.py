"""Use case: forecast the register's assets (due years P10/P50/P90) and sum the long-term financial plan.

Steps: read the assets → the survival models (defaults, a user's `--models` file on top) → forecast
every asset → keep the due years in the store (the coupling engine and the optimiser read them) →
the financial plan of the selected organisation/discipline → the JSON of `koppelkans forecast --json`.
The CLI and the API both call `forecast_register`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from koppelkans.analysis.lifecycle import (
    SurvivalTable,
    due_year_findings,
    financial_plan_from_forecast,
    forecast_from_assets,
    material_codes,
    plan_totals,
    replacement_costs_of,
)
from koppelkans.domain.vocabulary import Discipline
from koppelkans.errors import InputError, NotFound
from koppelkans.store import SYSTEM_ACTOR, Repository

__all__ = [
    "RENEWAL_RATE_YEARS",
    "Forecast",
    "assets_of",
    "forecast_as_json",
    "forecast_register",
    "read_models",
    "selected",
]

RENEWAL_RATE_YEARS = 10
"""The sewer renewal rate is reported over the plan's first ten years (RIONED reports it that way)."""

Step = Callable[[str], None]


def _no_step(_: str) -> None:
    """Default progress callback: say nothing."""


@dataclass(frozen=True)
class Forecast:
    """One forecast run: every asset's forecast, the selection shown, its costs and financial plan."""

    result: pd.DataFrame
    """Per asset: p10, p50, p90, overdue, model, age … (all assets, in store order)."""
    shown: np.ndarray
    """Which assets the plan covers (the --org/--discipline filter)."""
    costs: pd.DataFrame
    """Per asset: replacement_cost_eur, length_m, cost_source."""
    plan: pd.DataFrame
    """Expected replacement cost per year × organisation × discipline with its P10–P90 band."""
    summary: dict[str, Any]


def forecast_register(
    store: Repository,
    *,
    first: int,
    last: int,
    org: str | None = None,
    discipline: str | None = None,
    models: SurvivalTable | None = None,
    keep: bool = True,
    step: Step = _no_step,
    engine: str = "single",
    scheduler: str | None = None,
    actor: str = SYSTEM_ACTOR,
) -> Forecast:
    """Forecast every asset of the store from `first`; keep the due years (unless `keep` is off); plan to `last`.

    `engine="dask"` forecasts chunks of assets on a Dask cluster (`scheduler`, or a LocalCluster); same result.
    """
    if last < first:
        raise InputError(f"the plan ends in {last}, before it starts in {first}", field="to")
    step("reading assets")
    assets = assets_of(store)
    shown = selected(assets, org=org, discipline=discipline)
    step(f"forecasting {len(assets):,} assets")
    if engine == "dask":
        from koppelkans.scale import dask_client, forecast_on_dask

        with dask_client(scheduler) as client:
            result = forecast_on_dask(
                assets, client=client, year=first, horizon=last - first + 1, models=models or SurvivalTable.defaults()
            )
    else:
        result = forecast_from_assets(
            assets, year=first, horizon=last - first + 1, models=models or SurvivalTable.defaults()
        )
    stored = 0
    if keep:
        step("storing due years")
        with store.transaction(actor) as tx:
            stored = tx.replace_findings("due_years", due_year_findings(result, year=first))
    step("summing the financial plan")
    costs = replacement_costs_of(assets)
    plan = financial_plan_from_forecast(
        result[shown].reset_index(drop=True),
        costs=costs["replacement_cost_eur"].to_numpy()[shown],
        length_m=costs["length_m"].to_numpy()[shown],
    )
    summary = _summary(result, shown, costs, plan, first=first, last=last, stored=stored)
    return Forecast(result=result, shown=shown, costs=costs, plan=plan, summary=summary)


def forecast_as_json(forecast: Forecast) -> dict[str, Any]:
    """The JSON of `koppelkans forecast --json`: the summary, the plan rows and the totals per year."""
    return {**forecast.summary, "plan": _records(forecast.plan), "totals": _records(plan_totals(forecast.plan))}


def assets_of(store: Repository) -> pd.DataFrame:
    """Every asset of the store; an error saying what to do when there are none."""
    store.require_current_schema()
    assets = store.read("assets")
    if assets.empty:
        raise InputError("the store holds no assets; import some first (koppelkans import assets FILE)")
    return assets


def read_models(path: Path | None) -> SurvivalTable:
    """The default models, with those of a models file (CSV or JSON) replacing or adding to them."""
    table = SurvivalTable.defaults()
    if path is None:
        return table
    if not path.exists():
        raise InputError(f"models file {path} does not exist", field="models")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise InputError(f"models file {path} is not valid JSON: {exc}", field="models") from None
        rows = data.get("models", []) if isinstance(data, dict) else data
        frame = pd.DataFrame(rows)
    elif path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=object, keep_default_na=False)
    else:
        raise InputError(f"models file {path}: expected .csv or .json", field="models")
    return table.with_overrides(SurvivalTable.from_frame(frame))


def selected(
    frame: pd.DataFrame, *, org: str | None, discipline: str | None, material: str | None = None
) -> np.ndarray:
    """Rows matching the filters; an unknown discipline or an organisation without assets is an error."""
    keep = np.ones(len(frame), dtype=bool)
    if discipline is not None:
        if discipline not in Discipline.codes():
            raise InputError(
                f"unknown discipline {discipline!r}; expected one of {', '.join(Discipline.codes())}",
                field="discipline",
            )
        keep &= (frame["discipline"] == discipline).to_numpy()
    if org is not None:
        mine = (frame["organisation"] == org).to_numpy()
        if not mine.any():
            raise NotFound(f"organisation {org} has no assets in the store", record=org, field="organisation")
        keep &= mine
    if material is not None:
        wanted = material_codes([material])[0]
        keep &= material_codes(frame["material"]) == wanted
    return keep


def _summary(
    result: pd.DataFrame,
    shown: np.ndarray,
    costs: pd.DataFrame,
    plan: pd.DataFrame,
    *,
    first: int,
    last: int,
    stored: int,
) -> dict[str, Any]:
    chosen = result[shown]
    summary: dict[str, Any] = {
        "from": first,
        "to": last,
        "assets": int(shown.sum()),
        "due_years_stored": stored,
        "overdue": int(chosen["overdue"].sum()),
        "due_by_p50_within_plan": int((chosen["p50"] <= last).sum()),
        "assets_without_cost": int((costs["cost_source"].to_numpy()[shown] == "none").sum()),
        "expected_total_eur": float(plan["expected_eur"].sum()),
    }
    sewer = plan[(plan["discipline"] == "sewer") & (plan["year"] < first + RENEWAL_RATE_YEARS)]
    if not sewer.empty:
        per_year = sewer.groupby("year")[["expected_length_m", "length_m"]].sum()
        if (per_year["length_m"] > 0).all():
            summary["sewer_renewal_rate_pct"] = float(
                (per_year["expected_length_m"] / per_year["length_m"]).mean() * 100
            )
            summary["sewer_renewal_rate_years"] = [int(per_year.index.min()), int(per_year.index.max())]
    return summary


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN as null, numpy scalars as Python numbers)."""
    return json.loads(frame.to_json(orient="records"))  # type: ignore[no-any-return]
