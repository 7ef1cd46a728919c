"""Due year per asset as a distribution (P10/P50/P90) and its probability of failure in each year.

Three steps, each over all assets at once: look up every asset's survival model (`survival`),
shift its age by its latest condition (`condition`), then read due years and yearly failure
probabilities off the conditional survival given that effective age. Because the asset is still in
service, its due years never lie before the forecast year: an asset past its median life (or in a
very poor condition) is due now or soon, with its failure probability front-loaded over the first
years instead of being stacked into one impossible backlog year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from koppelkans.analysis.lifecycle.condition import ConditionMapping, condition_virtual_ages, effective_ages
from koppelkans.analysis.lifecycle.survival import (
    SurvivalTable,
    conditional_failure_probabilities,
    material_codes,
    residual_life_quantile,
    weibull_median,
)
from koppelkans.errors import InputError

__all__ = [
    "DUE_QUANTILES",
    "column_numbers",
    "due_year_findings",
    "failure_columns",
    "forecast_from_assets",
    "forecast_years",
]

DUE_QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}
"""Due-year columns and the failure probability each stands for (P10: one in ten has failed by then)."""

_PF_PREFIX = "pf_"


def forecast_from_assets(
    assets: pd.DataFrame,
    *,
    year: int,
    horizon: int = 30,
    models: SurvivalTable | None = None,
    conditions: ConditionMapping | None = None,
) -> pd.DataFrame:
    """The due-year distribution and yearly failure probabilities of every asset, seen from `year`.

    Parameters
    ----------
    assets
        Canonical asset records (as `store.read("assets")` gives): id, discipline, install_year;
        organisation, material, diameter_mm, condition and condition_year are used when present.
        A condition without condition_year counts as observed in `year`.
    year
        The forecast year: ages are counted at its start, and it is the first year of the horizon.
    horizon
        Number of years with a failure probability column `pf_<year>` (default 30).
    models
        Survival models; default `SurvivalTable.defaults()`. Pass `defaults().with_overrides(own)`
        to add an organisation's own models.
    conditions
        The condition → remaining-life mapping; default `ConditionMapping.defaults()`.

    Returns
    -------
    One row per asset, in input order: asset_id, organisation, discipline, material (canonical
    code), model, shape, scale, age, effective_age, p10, p50, p90 (due years, integers ≥ `year`),
    overdue (effective age past the median life), `pf_<y>` for each year of the horizon (float32)
    and p_beyond (probability of lasting past the horizon).
    """
    if horizon < 1:
        raise InputError(f"the horizon must be at least 1 year, got {horizon}", field="horizon")
    table = models if models is not None else SurvivalTable.defaults()
    mapping = conditions if conditions is not None else ConditionMapping.defaults()
    ids, install_year, condition, condition_year = _checked_inputs(assets)

    assignment = table.lookup(
        organisation=_column(assets, "organisation"),
        discipline=assets["discipline"],
        material=_column(assets, "material"),
        diameter_mm=_column(assets, "diameter_mm"),
    )
    model_shape = np.array([m.shape for m in assignment.models], dtype=float)
    model_scale = np.array([m.scale for m in assignment.models], dtype=float)
    shape, scale = model_shape[assignment.index], model_scale[assignment.index]

    age = np.maximum(year - install_year, 0.0)
    observed_year = np.where(np.isnan(condition_year), float(year), np.minimum(condition_year, year))
    effective = effective_ages(
        age=age,
        condition=condition,
        condition_age=np.clip(observed_year - install_year, 0.0, age),
        years_since=year - observed_year,
        model_index=assignment.index,
        virtual_ages=condition_virtual_ages(model_shape, model_scale, mapping),
        half_life=mapping.half_life,
    )

    frame = pd.DataFrame(
        {
            "asset_id": ids,
            "organisation": _column(assets, "organisation"),
            "discipline": assets["discipline"].to_numpy(dtype=object),
            "material": material_codes(_column(assets, "material")),
            "model": assignment.labels,
            "shape": shape,
            "scale": scale,
            "age": age,
            "effective_age": effective,
        }
    )
    for name, q in DUE_QUANTILES.items():
        frame[name] = year + np.floor(residual_life_quantile(q, effective, shape, scale)).astype(np.int64)
    frame["overdue"] = effective >= weibull_median(shape, scale)
    probabilities, beyond = conditional_failure_probabilities(effective, shape, scale, horizon=horizon)
    columns = pd.DataFrame(probabilities, columns=[f"{_PF_PREFIX}{year + j}" for j in range(horizon)])
    frame = pd.concat([frame, columns], axis=1)
    frame["p_beyond"] = beyond
    return frame


def failure_columns(forecast: pd.DataFrame) -> list[str]:
    """The `pf_<year>` columns of a forecast, in year order."""
    return [c for c in forecast.columns if isinstance(c, str) and c.startswith(_PF_PREFIX)]


def forecast_years(forecast: pd.DataFrame) -> list[int]:
    """The years of a forecast's horizon."""
    return [int(c.removeprefix(_PF_PREFIX)) for c in failure_columns(forecast)]


def _checked_inputs(assets: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ids, install years, conditions (0 = none) and condition years as arrays; refuse what cannot be forecast."""
    key = "id" if "id" in assets.columns else "asset_id"
    for column in (key, "discipline", "install_year"):
        if column not in assets.columns:
            raise InputError(f"assets need a column {column!r} to be forecast", field=column)
    ids = assets[key].to_numpy(dtype=object)
    install_year = column_numbers(assets, "install_year")
    missing = np.isnan(install_year)
    if missing.any():
        record = str(ids[np.argmax(missing)])
        raise InputError(f"asset {record} has no install_year", record=record, field="install_year")
    condition = column_numbers(assets, "condition")
    bad = ~np.isnan(condition) & ~np.isin(condition, (1, 2, 3, 4, 5, 6))
    if bad.any():
        record = str(ids[np.argmax(bad)])
        raise InputError(
            f"asset {record}: condition must be a NEN 2767 class 1-6, got {condition[np.argmax(bad)]:g}",
            record=record,
            field="condition",
        )
    condition_year = column_numbers(assets, "condition_year")
    return ids, install_year, np.nan_to_num(condition, nan=0.0).astype(np.int64), condition_year


def _column(assets: pd.DataFrame, name: str) -> np.ndarray:
    if name in assets.columns:
        return assets[name].to_numpy(dtype=object)
    return np.full(len(assets), None, dtype=object)


def column_numbers(assets: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64 with NaN where missing (or all NaN when the column is absent)."""
    if name not in assets.columns:
        return np.full(len(assets), np.nan)
    values = assets[name]
    if not pd.api.types.is_numeric_dtype(values):
        values = pd.to_numeric(values.astype(object), errors="coerce")
    return values.to_numpy(dtype=float, na_value=np.nan)


def due_year_findings(forecast: pd.DataFrame, *, year: int) -> pd.DataFrame:
    """The forecast as rows of the store's `due_years` findings table (one per asset).

    Columns asset_id, p10, p50, p90, model, computed_year and attributes: a dict with shape,
    scale, age, effective_age, overdue and the probability of renewal within the horizon.
    """
    within = 1.0 - forecast["p_beyond"].to_numpy(dtype=float)
    attributes = [
        {
            "shape": round(float(shape), 4),
            "scale": round(float(scale), 3),
            "age": float(age),
            "effective_age": round(float(effective), 2),
            "overdue": bool(overdue),
            "p_within_horizon": round(float(p), 4),
            "horizon_end": year + len(failure_columns(forecast)) - 1,
        }
        for shape, scale, age, effective, overdue, p in zip(
            forecast["shape"],
            forecast["scale"],
            forecast["age"],
            forecast["effective_age"],
            forecast["overdue"],
            within,
        )
    ]
    return pd.DataFrame(
        {
            "asset_id": forecast["asset_id"].to_numpy(dtype=object),
            "p10": forecast["p10"].to_numpy(dtype=np.int64),
            "p50": forecast["p50"].to_numpy(dtype=np.int64),
            "p90": forecast["p90"].to_numpy(dtype=np.int64),
            "model": forecast["model"].to_numpy(dtype=object),
            "computed_year": year,
            "attributes": attributes,
        }
    )
