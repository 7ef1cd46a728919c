"""Everything that may open a street in the horizon, in one table: active works and due assets.

A due asset that no active work renews is a candidate intervention of its owner in its due year,
so two due networks in one street are found before anyone has planned a work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from koppelkans.config import figure
from koppelkans.domain.vocabulary import TRENCHLESS_WORK_KINDS

__all__ = ["INACTIVE_STATUSES", "SURFACE_KINDS", "UNDERGROUND_DISCIPLINES", "interventions_from"]

INACTIVE_STATUSES = frozenset({"cancelled", "done"})
SURFACE_KINDS = frozenset({"resurface", "reconstruct"})
UNDERGROUND_DISCIPLINES = frozenset(
    {"sewer", "water", "gas", "electricity_lv", "electricity_mv", "telecom", "fibre", "heat", "water_storage"}
)
STREET_OPENING_DISCIPLINES = UNDERGROUND_DISCIPLINES | {"road"}
EARLY_PHASES = frozenset({"initiatief", "psu", "pve"})

COLUMNS = [
    "key",
    "type",
    "id",
    "organisation",
    "discipline",
    "kind",
    "title",
    "window_start",
    "window_end",
    "preferred",
    "duration_days",
    "cost_eur",
    "phase",
    "early",
    "opens_street",
    "dig_free_years",
    "geometry",
]


def interventions_from(
    works: pd.DataFrame, assets: pd.DataFrame, due: pd.DataFrame, *, year_from: int, year_to: int
) -> pd.DataFrame:
    """Active works whose window meets [year_from, year_to], and due assets no active work renews."""
    active = works[~works["status"].isin(INACTIVE_STATUSES)]
    active = active[(active["latest_start"] >= year_from) & (active["earliest_start"] <= year_to)]
    months = active["duration_months"].fillna(figure("default_work_duration_months"))
    preferred = active["preferred_start"].fillna(active["earliest_start"])
    dig_free = active["dig_free_years"].astype("float64")
    default_dig_free = np.where(active["kind"].isin(SURFACE_KINDS), figure("default_dig_free_years_surface"), 0.0)
    from_works = pd.DataFrame(
        {
            "type": "work",
            "id": active["id"].to_numpy(),
            "organisation": active["organisation"].to_numpy(),
            "discipline": active["discipline"].to_numpy(),
            "kind": active["kind"].to_numpy(),
            "title": active["title"].astype(object).to_numpy(),
            "window_start": active["earliest_start"].to_numpy(dtype=int),
            "window_end": active["latest_start"].to_numpy(dtype=int),
            "preferred": preferred.to_numpy(dtype=int),
            "duration_days": (months * figure("working_days_per_month")).to_numpy(dtype=float),
            "cost_eur": active["cost_eur"].fillna(0.0).to_numpy(dtype=float),
            "phase": active["phase"].astype(object).to_numpy(),
            "early": (
                active["phase"].isin(EARLY_PHASES) | (active["phase"].isna() & (active["status"] == "idea"))
            ).to_numpy(),
            "opens_street": (~active["kind"].isin([k.value for k in TRENCHLESS_WORK_KINDS])).to_numpy(),
            "dig_free_years": dig_free.fillna(pd.Series(default_dig_free, index=dig_free.index)).to_numpy(),
            "geometry": active.geometry.to_numpy(),
        }
    )
    renewed = _renewed_asset_ids(active)
    pending = due[~due["asset_id"].isin(renewed)]
    owned = assets.set_index("id").loc[pending["asset_id"]]
    # Only networks and pavements open the street when renewed; a lamp post, a tree or a manhole
    # (points) is renewed without a trench of its own.
    opens = owned["discipline"].isin(STREET_OPENING_DISCIPLINES).to_numpy() & ~np.isin(
        shapely.get_type_id(np.asarray(owned.geometry.to_numpy(), dtype=object)), (0, 4)
    )
    pending, owned = pending[opens], owned[opens]
    from_assets = pd.DataFrame(
        {
            "type": "asset",
            "id": pending["asset_id"].to_numpy(),
            "organisation": owned["organisation"].to_numpy(),
            "discipline": owned["discipline"].to_numpy(),
            "kind": np.where(owned["discipline"] == "road", "resurface", "replace"),
            "title": None,
            "window_start": pending["due_year"].to_numpy(dtype=int),
            "window_end": pending["due_year"].to_numpy(dtype=int),
            "preferred": pending["due_year"].to_numpy(dtype=int),
            "duration_days": figure("default_work_duration_months") * figure("working_days_per_month"),
            "cost_eur": owned["replacement_cost_eur"].fillna(0.0).to_numpy(dtype=float),
            "phase": None,
            "early": True,
            "opens_street": True,
            "dig_free_years": np.where(owned["discipline"] == "road", figure("default_dig_free_years_surface"), 0.0),
            "geometry": owned.geometry.to_numpy(),
        }
    )
    table = pd.concat([from_works, from_assets], ignore_index=True)
    table["key"] = table["type"] + ":" + table["id"]
    table = table.sort_values("key", kind="stable").reset_index(drop=True)
    return table[COLUMNS]


def _renewed_asset_ids(works: pd.DataFrame) -> set[str]:
    """The assets that active works say they renew (their `asset_ids`)."""
    lists = works["asset_ids"].dropna()
    if lists.empty:
        return set()
    return set(lists.str.split(";").explode())
