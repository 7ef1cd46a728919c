"""What the parties did in the years before the demo year: works started 2019–DEMO_YEAR, with the day they
started and what they cost, so monitoring (K12) has a history to show a trend in.

Only works that are done (an in_progress work still occupies the street, so the engines plan around it)
and no renewed asset ids: the coupling engine and the optimiser leave done works out, and the lifecycle
fit reads renewals only from `asset_ids`, so the planned demo (its works, couplings, plans) stays the same.
Some parties opened a street together (a realised coupling) — more often in later years, as coordination
grows — and some streets were opened again a year or three after another party's work.
"""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.config import CRS
from koppelkans.demo.areas import TownLayout
from koppelkans.demo.figures import DEMO_YEAR
from koppelkans.demo.organisations import department_code
from koppelkans.demo.towns import town_rng

__all__ = ["FIRST_HISTORY_YEAR", "history_from_streets", "history_projects"]

FIRST_HISTORY_YEAR = 2019
_STREETS_PER_YEAR = 0.035
"""Share of a town's streets opened by a lead work each year (demo assumption: ≈ 3 % renewal a year)."""
_JOINT_SHARE = (0.12, 0.45)
"""Chance that a second party joins a lead work in the same street and year, first year → demo year."""
_REOPEN_SHARE = 0.25
"""Chance that another party opens the same street again 1–3 years later (a repeated opening)."""
_DELAYS = np.array([-1, 0, 1, 2, 3])
_DELAY_P = np.array([0.05, 0.55, 0.25, 0.10, 0.05])
"""Years between the planned and the actual start (demo assumption; planners report most works on time)."""
_LAST_MONTH_THIS_YEAR = 10
"""Works of the demo year started at the latest in October (so no start lies after the build date)."""

# party key → (organisation suffix or code, discipline, kind, EUR per metre, Dutch title)
_PARTIES = {
    "sewer": ("RIO", "sewer", "replace", 900.0, "Vervangen riool"),
    "road": ("WEG", "road", "reconstruct", 160.0, "Herinrichten"),
    "water": ("VITENS", "water", "replace", 350.0, "Vervangen waterleiding"),
    "gas": ("GRID", "gas", "replace", 300.0, "Vervangen gasleiding"),
    "lv": ("GRID", "electricity_lv", "construct", 220.0, "Verzwaren laagspanningsnet"),
    "fibre": ("GLASOOST", "fibre", "construct", 60.0, "Aanleg glasvezel"),
}
_KEYS = list(_PARTIES)


def _organisation(layout: TownLayout, code: str) -> str:
    if code in ("RIO", "WEG"):
        return department_code(layout.town, code)
    return layout.town.grid_operator if code == "GRID" else code


def _streets(segments: gpd.GeoDataFrame) -> pd.DataFrame:
    """The town's streets: segments of one name in one buurt, their geometry merged, their length."""
    named = segments[segments["name"].notna()]
    grouped = named.groupby(["name", "area_code"], sort=True)
    geometry = grouped["geometry"].agg(lambda g: _multi(shapely.line_merge(shapely.union_all(g.to_numpy()))))
    frame = geometry.reset_index()
    frame["length"] = shapely.length(frame["geometry"].to_numpy())
    return frame[frame["length"] > 0].reset_index(drop=True)


def _multi(line: shapely.Geometry) -> shapely.Geometry:
    """Always a multi-line, as the planned works are: an exported layer holds one geometry type."""
    return shapely.MultiLineString([line]) if line.geom_type == "LineString" else line


def _start_days(years: np.ndarray, rng: np.random.Generator) -> list[str]:
    """A working day in each year (never after October of the demo year)."""
    last = np.where(years == DEMO_YEAR, _LAST_MONTH_THIS_YEAR, 11)
    months = 2 + np.floor(rng.random(len(years)) * (last - 1)).astype(int)
    days = 1 + np.floor(rng.random(len(years)) * 28).astype(int)
    return [date(int(y), int(m), int(d)).isoformat() for y, m, d in zip(years, months, days, strict=True)]


def history_from_streets(layout: TownLayout, segments: gpd.GeoDataFrame, *, seed: int) -> gpd.GeoDataFrame:
    """Executed works of FIRST_HISTORY_YEAR..DEMO_YEAR in the exchange schema (ids `…:H00001`)."""
    rng = town_rng(seed, layout.town, "history")
    streets = _streets(segments)
    if streets.empty:
        return gpd.GeoDataFrame(geometry=[], crs=CRS)
    years = np.arange(FIRST_HISTORY_YEAR, DEMO_YEAR + 1)
    rows: list[tuple[int, int, str]] = []  # (street index, year, party)
    per_year = max(1, round(_STREETS_PER_YEAR * len(streets)))
    for i, year in enumerate(years):
        chosen = rng.choice(len(streets), size=min(per_year, len(streets)), replace=False)
        lead = rng.choice(_KEYS, size=len(chosen), p=[0.3, 0.25, 0.15, 0.1, 0.1, 0.1])
        joint = _JOINT_SHARE[0] + (_JOINT_SHARE[1] - _JOINT_SHARE[0]) * i / max(len(years) - 1, 1)
        for street, party in zip(chosen, lead, strict=True):
            rows.append((int(street), int(year), str(party)))
            others = [k for k in _KEYS if _PARTIES[k][1] != _PARTIES[party][1]]
            if rng.random() < joint:
                rows.append((int(street), int(year), str(rng.choice(others))))
            later = int(year) + int(rng.integers(1, 4))
            if rng.random() < _REOPEN_SHARE and later <= DEMO_YEAR:
                rows.append((int(street), later, str(rng.choice(others))))
    table = pd.DataFrame(rows, columns=["street", "year", "party"]).drop_duplicates(["street", "year", "party"])
    table = table.sort_values(["year", "street", "party"], kind="stable").reset_index(drop=True)
    return _works_frame(layout, streets, table, rng)


def _works_frame(
    layout: TownLayout, streets: pd.DataFrame, table: pd.DataFrame, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """The exchange frame: planned window around a year the actual start may miss, planned and actual cost."""
    n = len(table)
    street = streets.loc[table["street"].to_numpy()]
    parties = [_PARTIES[p] for p in table["party"]]
    actual_year = table["year"].to_numpy(dtype=int)
    preferred = actual_year - rng.choice(_DELAYS, size=n, p=_DELAY_P)
    length = street["length"].to_numpy(dtype=float)
    cost = np.round(length * np.array([p[3] for p in parties]), -2)
    overrun = np.exp(rng.normal(0.06, 0.15, size=n))
    organisations = np.array([_organisation(layout, p[0]) for p in parties], dtype=object)
    numbers = pd.Series(organisations).groupby(organisations).cumcount().to_numpy() + 1
    return gpd.GeoDataFrame(
        {
            "id": [f"{o}:H{layout.town.digits}{k:04d}" for o, k in zip(organisations, numbers, strict=True)],
            "organisation": organisations,
            "discipline": [p[1] for p in parties],
            "kind": [p[2] for p in parties],
            "title": [f"{p[4]} {s}" for p, s in zip(parties, street["name"], strict=True)],
            "earliest_start": preferred - 1,
            "latest_start": preferred + 1,
            "preferred_start": preferred,
            "duration_months": np.clip(np.round(1.0 + 6.0 * length / 1000.0), 1, 12),
            "status": "done",
            "phase": "beheer",
            "cost_eur": cost,
            "project_type": "beheer",
            "actual_start": _start_days(actual_year, rng),
            "actual_cost": np.round(cost * overrun, -2),
            "buurt": street["area_code"].to_numpy(),
            "geometry": street["geometry"].to_numpy(),
        },
        geometry="geometry",
        crs=CRS,
    )


_DECIDED_BY = "demo"
_REALISED_REASON = "één sleuf en één herbestrating: samen uitgevoerd"
_DECLINED_REASON = "budget van de tweede partij pas later beschikbaar"


def history_projects(works: pd.DataFrame) -> dict[str, list[dict[str, object]]]:
    """Projects and coupling decisions behind the history (K9 rows): works that started in one street in the
    same year were one project whose meekoppelkans was realised; a street another party opened again within
    three years had a meekoppelkans that was declined."""
    history = works[works["id"].str.contains(":H", regex=False)]
    frame = history.assign(street=shapely.to_wkb(np.asarray(history.geometry.to_numpy(), dtype=object)))
    frame = frame.assign(year=frame["actual_start"].str.slice(0, 4).astype(int)).sort_values(["actual_start", "id"])
    rows: dict[str, list[dict[str, object]]] = {"projects": [], "gates": [], "decisions": []}
    for _, street in frame.groupby("street", sort=False):
        years = sorted(set(street["year"]))
        for year in years:
            together = street[street["year"] == year]
            if len(together) >= 2:
                _add(rows, together, status="realised", at=str(together["actual_start"].max()))
            later = street[(street["year"] > year) & (street["year"] <= year + 3)]
            if len(together) == 1 and len(later) and later.iloc[0]["organisation"] != together.iloc[0]["organisation"]:
                _add(
                    rows,
                    pd.concat([together, later.iloc[:1]]),
                    status="declined",
                    at=str(together["actual_start"].min()),
                )
    return rows


def _add(rows: dict[str, list[dict[str, object]]], works: pd.DataFrame, *, status: str, at: str) -> None:
    """One project of the works (the first one's, for a declined coupling) and its decision on their coupling."""
    number = len(rows["projects"]) + 1
    first = works.iloc[0]
    own = works if status == "realised" else works.iloc[:1]
    project_id = f"PR-H{first['id'].split(':H', 1)[1][:4]}{number:04d}"
    created = f"{int(at[:4]) - 1}{at[4:10]}T09:00:00+00:00"
    decided = f"{at[:10]}T09:00:00+00:00"
    rows["projects"].append(
        {
            "id": project_id,
            "name": str(first["title"]),
            "project_type": "beheer",
            "phase": "beheer",
            "leading_party": str(first["organisation"]),
            "work_ids": ";".join(own["id"]),
            "area_code": first.get("buurt"),
            "created_at": created,
            "created_by": _DECIDED_BY,
            "attributes": {},
        }
    )
    rows["gates"].append(
        {
            "project_id": project_id,
            "from_phase": None,
            "to_phase": "beheer",
            "outcome": "started",
            "decided_at": created,
            "decided_by": _DECIDED_BY,
            "override_reason": None,
            "undecided": None,
        }
    )
    rows["decisions"].append(
        {
            "project_id": project_id,
            "coupling_id": f"MK-{project_id[3:]}",
            "coupling_kind": "meekoppelkans",
            "status": status,
            "reason": _REALISED_REASON if status == "realised" else _DECLINED_REASON,
            "members": json.dumps([f"work:{i}" for i in works["id"]]),
            "decided_at": decided,
            "decided_by": _DECIDED_BY,
        }
    )
