"""Lifecycle analysis: survival models, condition update, due-year forecasts, the financial plan, bridging.

Pure functions over arrays and frames, no I/O: the CLI (`koppelkans forecast`, `koppelkans
lifecycle fit`) reads the store and calls these.
"""

from __future__ import annotations

from koppelkans.analysis.lifecycle.bridging import (
    BRIDGING_COLUMNS,
    BridgingMeasure,
    bridging_options_from_forecast,
    default_bridging_measures,
)
from koppelkans.analysis.lifecycle.condition import (
    CONDITION_CLASSES,
    ConditionMapping,
    condition_virtual_ages,
    effective_ages,
)
from koppelkans.analysis.lifecycle.defaults import LIFECYCLE_DEFAULTS, lifecycle_figure
from koppelkans.analysis.lifecycle.financial_plan import (
    PLAN_COLUMNS,
    UNIT_COSTS,
    financial_plan_from_assets,
    financial_plan_from_forecast,
    plan_totals,
    replacement_costs_of,
)
from koppelkans.analysis.lifecycle.fit import (
    EVENT,
    LEFT_CENSORED,
    MIN_EVENTS,
    RIGHT_CENSORED,
    WeibullFit,
    fit_weibull,
    fits_from_assets,
    observations_from_assets,
)
from koppelkans.analysis.lifecycle.forecast import (
    DUE_QUANTILES,
    due_year_findings,
    failure_columns,
    forecast_from_assets,
    forecast_years,
)
from koppelkans.analysis.lifecycle.survival import (
    ANY,
    DIAMETER_CLASSES,
    MATERIAL_ALIASES,
    ModelAssignment,
    SurvivalTable,
    WeibullModel,
    conditional_failure_probabilities,
    diameter_classes,
    material_codes,
    renewal_density,
    residual_life_quantile,
    weibull_hazard,
    weibull_median,
    weibull_quantile,
    weibull_scale_from_median,
    weibull_survival,
)

__all__ = [
    "ANY",
    "BRIDGING_COLUMNS",
    "CONDITION_CLASSES",
    "DIAMETER_CLASSES",
    "DUE_QUANTILES",
    "EVENT",
    "LEFT_CENSORED",
    "LIFECYCLE_DEFAULTS",
    "MATERIAL_ALIASES",
    "MIN_EVENTS",
    "PLAN_COLUMNS",
    "RIGHT_CENSORED",
    "UNIT_COSTS",
    "BridgingMeasure",
    "ConditionMapping",
    "ModelAssignment",
    "SurvivalTable",
    "WeibullFit",
    "WeibullModel",
    "bridging_options_from_forecast",
    "condition_virtual_ages",
    "conditional_failure_probabilities",
    "default_bridging_measures",
    "diameter_classes",
    "due_year_findings",
    "effective_ages",
    "failure_columns",
    "financial_plan_from_assets",
    "financial_plan_from_forecast",
    "fit_weibull",
    "fits_from_assets",
    "forecast_from_assets",
    "forecast_years",
    "lifecycle_figure",
    "material_codes",
    "observations_from_assets",
    "plan_totals",
    "renewal_density",
    "replacement_costs_of",
    "residual_life_quantile",
    "weibull_hazard",
    "weibull_median",
    "weibull_quantile",
    "weibull_scale_from_median",
    "weibull_survival",
]
