"""Bridging measures: interventions that move an asset's due year at a cost, so timelines can be aligned.

A measure applied before the asset is due shifts its due year by a number of years (a central gain
and a range) at a share of its replacement cost: relining a sewer (+20-30 years, no trench),
surface treatment of asphalt (+3-5 years), a temporary repair (+1-3 years). The optimiser picks
among the options `bridging_options_from_forecast` lists; nothing here decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from koppelkans.analysis.lifecycle.defaults import lifecycle_figure
from koppelkans.domain.vocabulary import WorkKind
from koppelkans.errors import InputError

__all__ = ["BRIDGING_COLUMNS", "BridgingMeasure", "bridging_options_from_forecast", "default_bridging_measures"]

_NETWORKS = frozenset(
    {"sewer", "road", "water", "gas", "heat", "electricity_lv", "electricity_mv", "telecom", "fibre", "water_storage"}
)

BRIDGING_COLUMNS = (
    "asset_id",
    "measure",
    "work_kind",
    "opens_street",
    "due_year",
    "apply_by",
    "gain_years",
    "shifted_due_year",
    "shifted_due_min",
    "shifted_due_max",
    "cost_eur",
)


@dataclass(frozen=True, kw_only=True)
class BridgingMeasure:
    """One way to postpone a renewal: where it applies, how many years it buys and what it costs."""

    code: str
    label_nl: str
    disciplines: frozenset[str]
    materials: frozenset[str] | None
    """Canonical material codes it applies to (None: any material)."""
    gain_years: float
    gain_min_years: float
    gain_max_years: float
    cost_share: float
    """Cost as a share of the asset's replacement cost."""
    work_kind: WorkKind
    opens_street: bool

    def __post_init__(self) -> None:
        if not (0 < self.gain_min_years <= self.gain_years <= self.gain_max_years):
            raise InputError(f"bridging measure {self.code}: gains must satisfy 0 < min ≤ central ≤ max", field="gain")
        if self.cost_share < 0:
            raise InputError(f"bridging measure {self.code}: the cost share cannot be negative", field="cost_share")


def default_bridging_measures() -> tuple[BridgingMeasure, ...]:
    """The three measures of the K4 issue with their figures from `LIFECYCLE_DEFAULTS`."""

    def measure(code: str, **kwargs: object) -> BridgingMeasure:
        return BridgingMeasure(
            code=code,
            gain_years=lifecycle_figure(f"{code}_gain_years"),
            gain_min_years=lifecycle_figure(f"{code}_gain_min_years"),
            gain_max_years=lifecycle_figure(f"{code}_gain_max_years"),
            cost_share=lifecycle_figure(f"{code}_cost_share"),
            **kwargs,  # type: ignore[arg-type]
        )

    return (
        measure(
            "reline",
            label_nl="relinen",
            disciplines=frozenset({"sewer"}),
            materials=None,
            work_kind=WorkKind.RELINE,
            opens_street=False,
        ),
        measure(
            "surface_treatment",
            label_nl="oppervlakbehandeling",
            disciplines=frozenset({"road"}),
            materials=frozenset({"asphalt"}),
            work_kind=WorkKind.MAINTAIN,
            opens_street=False,
        ),
        measure(
            "temporary_repair",
            label_nl="tijdelijke reparatie",
            disciplines=_NETWORKS,
            materials=None,
            work_kind=WorkKind.MAINTAIN,
            opens_street=True,
        ),
    )


def bridging_options_from_forecast(
    forecast: pd.DataFrame,
    *,
    costs: Sequence[float] | np.ndarray | pd.Series,
    measures: Sequence[BridgingMeasure] | None = None,
) -> pd.DataFrame:
    """Per asset, every bridging measure that applies to it, its cost and the due year it shifts to.

    The due year is the forecast's P50; a measure must be applied by then (`apply_by`) and moves it
    by the central gain (`shifted_due_year`) or anywhere within its range (`shifted_due_min/max`).
    Returns `BRIDGING_COLUMNS`, one row per asset × applicable measure, measures in the given order.
    """
    cost = np.asarray(costs, dtype=float)
    if len(cost) != len(forecast):
        raise InputError("costs need one value per forecast row", field="costs")
    chosen = default_bridging_measures() if measures is None else tuple(measures)
    discipline = forecast["discipline"].to_numpy(dtype=object)
    material = forecast["material"].to_numpy(dtype=object)
    due = forecast["p50"].to_numpy(dtype=np.int64)
    parts = []
    for measure in chosen:
        applies = np.isin(discipline, list(measure.disciplines))
        if measure.materials is not None:
            applies &= np.isin(material, list(measure.materials))
        rows = np.flatnonzero(applies)
        parts.append(
            pd.DataFrame(
                {
                    "asset_id": forecast["asset_id"].to_numpy(dtype=object)[rows],
                    "measure": measure.code,
                    "work_kind": measure.work_kind.value,
                    "opens_street": measure.opens_street,
                    "due_year": due[rows],
                    "apply_by": due[rows],
                    "gain_years": measure.gain_years,
                    "shifted_due_year": due[rows] + round(measure.gain_years),
                    "shifted_due_min": due[rows] + int(np.floor(measure.gain_min_years)),
                    "shifted_due_max": due[rows] + int(np.ceil(measure.gain_max_years)),
                    "cost_eur": measure.cost_share * cost[rows],
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=list(BRIDGING_COLUMNS))
    return pd.concat(parts, ignore_index=True)[list(BRIDGING_COLUMNS)]
