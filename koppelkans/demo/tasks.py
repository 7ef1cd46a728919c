"""The area tasks (opgaven) of a town: the policy side that meets the works in the street.

Per buurt the Transitievisie Warmte year, the climate stress test and, where liveability is weak,
a neighbourhood approach; per wijk some greening; along the radial roads cycle routes; for the
gemeente circular management of the public space.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.config import CRS
from koppelkans.demo.areas import TownLayout
from koppelkans.demo.figures import DEMO_YEAR
from koppelkans.demo.towns import town_rng

__all__ = ["tasks_from_layout"]


def tasks_from_layout(layout: TownLayout, segments: gpd.GeoDataFrame, *, seed: int) -> gpd.GeoDataFrame:
    """Every area task of a town in the exchange schema (area_code or, for corridors, a polygon)."""
    rng = town_rng(seed, layout.town, "tasks")
    homes = layout.buurten[layout.buurten["tvw_year"].notna()]
    frames = [
        _energy_transition(homes),
        _climate_adaptation(layout.buurten[layout.buurten["era"] != "rural"]),
        _liveability(homes, rng),
        _greening(layout, rng),
        _cycle_routes(segments, rng),
        _circularity(layout),
    ]
    tasks = pd.concat([f for f in frames if len(f)], ignore_index=True)
    tasks.insert(0, "id", [f"{layout.town.code}:T{i:05d}" for i in range(1, len(tasks) + 1)])
    tasks["organisation"] = layout.town.code
    if "geometry" not in tasks:
        tasks["geometry"] = None
    return gpd.GeoDataFrame(tasks, geometry="geometry", crs=CRS)


def _energy_transition(buurten: pd.DataFrame) -> pd.DataFrame:
    """Off natural gas by the TVW year, with the strategy the TVW chose for the buurt."""
    existing = buurten["heat_strategy"].str.contains("bestaand").to_numpy()
    return pd.DataFrame(
        {
            "theme": "energy_transition",
            "target_year": buurten["tvw_year"].astype(int).to_numpy(),
            "area_code": buurten["code"].to_numpy(),
            "intensity": np.where(existing, 0.3, 1.0),
            "description": [f"Aardgasvrij volgens Transitievisie Warmte: {s}" for s in buurten["heat_strategy"]],
            "heat_strategy": buurten["heat_strategy"].to_numpy(),
            "dwellings": buurten["dwellings"].to_numpy(),
        }
    )


def _climate_adaptation(buurten: pd.DataFrame) -> pd.DataFrame:
    """Climate-proof by 2050 (Deltaplan Ruimtelijke Adaptatie), sooner where the stress test scores high."""
    stress = buurten["climate_stress"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "theme": "climate_adaptation",
            "target_year": np.where(stress >= 4.0, 2035, np.where(stress >= 3.0, 2040, 2050)),
            "area_code": buurten["code"].to_numpy(),
            "intensity": np.round((stress - 1.0) / 4.0, 2),
            "description": [f"Klimaatstresstest: score {s:.1f} van 5 (hitte, wateroverlast)" for s in stress],
            "stress_score": stress,
        }
    )


def _liveability(buurten: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A neighbourhood approach (wijkaanpak) where the Leefbaarometer-style score is 5 or lower."""
    weak = buurten[buurten["liveability"].notna()]
    weak = weak[weak["liveability"].astype(int) <= 5]
    score = weak["liveability"].astype(int).to_numpy()
    return pd.DataFrame(
        {
            "theme": "social",
            "target_year": DEMO_YEAR + 4 + rng.integers(0, 6, len(weak)),
            "area_code": weak["code"].to_numpy(),
            "intensity": np.round((9 - score) / 8.0, 2),
            "description": [f"Wijkaanpak leefbaarheid (Leefbaarometer {s} van 9)" for s in score],
            "liveability": score,
        }
    )


def _greening(layout: TownLayout, rng: np.random.Generator) -> pd.DataFrame:
    """Greening and ecological links in about a third of the wijken."""
    wijken = layout.wijken[~layout.wijken["code"].str.endswith("90")]
    chosen = wijken[rng.random(len(wijken)) < 0.35]
    return pd.DataFrame(
        {
            "theme": "biodiversity",
            "target_year": rng.integers(2030, 2036, len(chosen)),
            "area_code": chosen["code"].to_numpy(),
            "intensity": np.round(rng.uniform(0.3, 0.8, len(chosen)), 2),
            "description": [f"Vergroening en ecologische verbinding {n}" for n in chosen["name"]],
        }
    )


def _cycle_routes(segments: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Fast cycle routes along about half of the radial roads, as corridors 50 m wide."""
    radial = segments[segments["street_class"] == "gebiedsontsluitingsweg"]
    names = sorted(set(radial["name"]) & set(segments.loc[segments["street_class"] == "provinciale weg", "name"]))
    chosen = [n for n in names if rng.random() < 0.5]
    if not chosen:
        return gpd.GeoDataFrame()
    corridors = [
        shapely.buffer(shapely.union_all(segments.loc[segments["name"] == n].geometry.to_numpy()), 25.0, quad_segs=2)
        for n in chosen
    ]
    return gpd.GeoDataFrame(
        {
            "theme": "mobility",
            "target_year": rng.integers(DEMO_YEAR + 3, DEMO_YEAR + 9, len(chosen)),
            "area_code": None,
            "intensity": 0.6,
            "description": [f"Snelfietsroute langs de {n}" for n in chosen],
        },
        geometry=corridors,
        crs=CRS,
    )


def _circularity(layout: TownLayout) -> pd.DataFrame:
    """Circular management of the public space, for the whole gemeente."""
    return pd.DataFrame(
        {
            "theme": ["circularity"],
            "target_year": [2030],
            "area_code": [layout.town.code],
            "intensity": [0.5],
            "description": ["Circulair beheer openbare ruimte: hergebruik verharding en buizen"],
        }
    )
