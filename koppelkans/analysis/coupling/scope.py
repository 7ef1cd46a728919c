"""Koppelkansen: an early-phase work or a due asset meets an area task whose target year is near.

The scope of the work can still be broadened (PSU/NvU/PvE): the heat network, extra cables, water
storage or greening of the task can use the same opening.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from koppelkans.analysis.coupling.street import street_cost_eur
from koppelkans.config import figure

__all__ = ["scope_matches", "task_geometries"]


def task_geometries(tasks: pd.DataFrame, areas: pd.DataFrame) -> np.ndarray:
    """Each task's own geometry, or else its area's polygon."""
    own = np.asarray(tasks.geometry.to_numpy(), dtype=object) if len(tasks) else np.array([], dtype=object)
    area_geometry = pd.Series(np.asarray(areas.geometry.to_numpy(), dtype=object), index=areas["code"].to_numpy())
    from_area = tasks["area_code"].map(area_geometry).to_numpy(dtype=object)
    return np.where(shapely.is_missing(own), from_area, own)


def scope_matches(
    interventions: pd.DataFrame, tasks: pd.DataFrame, areas: pd.DataFrame, *, flex_years: float
) -> pd.DataFrame:
    """Pairs (intervention key, task id) with the saving of broadening the intervention's scope."""
    early = interventions[interventions["early"]].reset_index(drop=True)
    geometries = task_geometries(tasks, areas)
    usable = ~shapely.is_missing(geometries)
    tasks, geometries = tasks[usable].reset_index(drop=True), geometries[usable]
    if early.empty or tasks.empty:
        return _empty()
    tree = shapely.STRtree(geometries)
    i, t = tree.query(np.asarray(early["geometry"].to_numpy(), dtype=object), predicate="intersects")
    target = tasks["target_year"].to_numpy(dtype=float)[t]
    near = (target >= early["window_start"].to_numpy()[i] - flex_years) & (
        target <= early["window_end"].to_numpy()[i] + flex_years
    )
    i, t = i[near], t[near]
    # Only a line's length inside the task area is street that can be shared; an area or a point
    # work gives no measurable length (its saving is then 0, the opportunity is still reported).
    pieces = np.asarray(early["geometry"].to_numpy(), dtype=object)[i]
    lines = np.isin(shapely.get_type_id(pieces), (1, 5))
    inside = np.where(lines, shapely.length(shapely.intersection(pieces, geometries[t])), 0.0)
    intensity = tasks["intensity"].fillna(figure("task_intensity_default")).to_numpy(dtype=float)[t]
    opens = early["opens_street"].to_numpy(dtype=bool)[i] & (inside > 0)
    matches = pd.DataFrame(
        {
            "key": early["key"].to_numpy()[i],
            "task_id": tasks["id"].to_numpy()[t],
            "theme": tasks["theme"].to_numpy()[t],
            "target_year": tasks["target_year"].to_numpy(dtype=int)[t],
            "window_start": early["window_start"].to_numpy()[i],
            "window_end": early["window_end"].to_numpy()[i],
            "saving_eur": np.where(opens, intensity * street_cost_eur(inside, np.full(len(i), np.nan)), 0.0),
            "openings_avoided": np.where(opens & (intensity >= 0.5), 1, 0),
            "nuisance_days_avoided": np.where(opens, intensity * early["duration_days"].to_numpy()[i], 0.0),
            "inside_m": inside,
        }
    )
    # One opportunity per party (organisation × discipline) and task: the forty pipe sections of a
    # sewer in a gas-free neighbourhood are one scope decision, not forty.
    matches["party"] = early["organisation"].to_numpy()[i] + "|" + early["discipline"].to_numpy()[i]
    grouped = matches.groupby(["party", "task_id"], sort=True).agg(
        keys=("key", lambda k: tuple(sorted(k))),
        theme=("theme", "first"),
        target_year=("target_year", "first"),
        window_start=("window_start", "min"),
        window_end=("window_end", "max"),
        saving_eur=("saving_eur", "sum"),
        openings_avoided=("openings_avoided", "max"),
        nuisance_days_avoided=("nuisance_days_avoided", "max"),
        inside_m=("inside_m", "sum"),
    )
    return grouped.reset_index().drop(columns="party")


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "task_id",
            "keys",
            "theme",
            "target_year",
            "window_start",
            "window_end",
            "saving_eur",
            "openings_avoided",
            "nuisance_days_avoided",
            "inside_m",
        ]
    )
