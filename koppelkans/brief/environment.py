"""The environment analysis (omgevingsanalyse, PRODUCT.md C2): everything in and around a project area.

An honest spatial query, in three visible steps: check the inputs → one vectorised, exact distance
test of every candidate (`shapely.dwithin`: within `buffer_m` of the project geometry; the caller may
pre-select candidates with the store's spatial index on `search_zone`) → assemble typed tables.

- Works: every work within the buffer, whatever its status.
- Due assets: assets within the buffer whose due year (the coupling engine's rule: the stored P50 of
  the lifecycle forecast, else the forecast computed now) lies in the horizon.
- Area tasks: tasks whose own polygon, or else their area's polygon, lies within the buffer.
- Conflicts and couplings: the coupling engine's findings whose streets lie within the buffer (and,
  for couplings, those that involve the project's works).

Pure: frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from koppelkans.analysis.coupling import due_assets
from koppelkans.analysis.coupling.interventions import UNDERGROUND_DISCIPLINES
from koppelkans.brief.defaults import brief_figure
from koppelkans.brief.i18n import Text, label
from koppelkans.brief.project import members_of
from koppelkans.config import CRS, figure
from koppelkans.domain.vocabulary import Discipline, TaskTheme
from koppelkans.errors import InputError

__all__ = ["EnvironmentAnalysis", "Stakeholder", "environment_from_register", "search_zone", "zone_of"]

_INACTIVE = frozenset({"cancelled", "done"})


@dataclass(frozen=True, kw_only=True)
class Stakeholder:
    """A party to involve early, and why the data says so."""

    code: str
    name: Text
    kind: str | None
    reasons: tuple[Text, ...]
    leads: bool = False
    in_project: bool = False


@dataclass(frozen=True, kw_only=True)
class EnvironmentAnalysis:
    """What lies in the zone (EPSG:28992): works, due assets, area tasks, conflicts, couplings, networks, parties."""

    geometry: BaseGeometry
    zone: BaseGeometry
    buffer_m: float
    horizon: tuple[int, int]
    works: gpd.GeoDataFrame
    """Every work in the zone, with `in_project` and `distance_m` (0 inside the project geometry)."""
    due_assets: gpd.GeoDataFrame
    """Assets in the zone due for renewal in the horizon: `due_year`, `reason`, `renewed_by` (a work in the zone)."""
    tasks: gpd.GeoDataFrame
    """Area tasks meeting the zone, with the polygon used (their own, else their area's)."""
    conflicts: gpd.GeoDataFrame
    couplings: gpd.GeoDataFrame
    """Couplings meeting the zone or involving the project's works, with `involves_project`."""
    networks: pd.DataFrame
    """Per organisation and discipline: cables and pipes (length_m) and objects (count) in the zone."""
    areas: gpd.GeoDataFrame
    """The buurten the zone touches, with their attributes (inhabitants, liveability, …)."""
    stakeholders: tuple[Stakeholder, ...]


def zone_of(geometry: BaseGeometry, buffer_m: float) -> BaseGeometry:
    """The project geometry buffered by `buffer_m` metres (round caps: everything within that distance)."""
    if geometry is None or shapely.is_empty(geometry):
        raise InputError("the project has no geometry to analyse around", field="geometry")
    if not shapely.is_valid(geometry):
        raise InputError(f"the project geometry is not valid: {shapely.is_valid_reason(geometry)}", field="geometry")
    if buffer_m < 0:
        raise InputError(f"buffer {buffer_m} m: must be 0 or more", field="buffer")
    return shapely.buffer(geometry, buffer_m, quad_segs=16) if buffer_m > 0 else geometry


def search_zone(geometry: BaseGeometry, buffer_m: float) -> BaseGeometry:
    """A polygon that holds everything within `buffer_m` of the geometry, to pre-select candidates with a spatial
    index: the buffer polygon's chords cut inside the true circle (≤ 0.12 m at 100 m), so it is widened by 1 m."""
    return zone_of(geometry, buffer_m + 1.0)


def _within(frame: gpd.GeoDataFrame, geometry: BaseGeometry, distance: float) -> gpd.GeoDataFrame:
    """The rows whose geometry lies within `distance` metres of the geometry (exact; one vectorised test)."""
    if frame.empty:
        return frame
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    hit = ~shapely.is_missing(geoms)
    hit[hit] = shapely.dwithin(geoms[hit], geometry, distance)
    return frame[hit].reset_index(drop=True)


def environment_from_register(
    geometry: BaseGeometry,
    *,
    buffer_m: float | None = None,
    horizon: tuple[int, int],
    works: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    tasks: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    organisations: pd.DataFrame,
    couplings: gpd.GeoDataFrame,
    conflicts: gpd.GeoDataFrame,
    due_years: pd.DataFrame | None = None,
    project_work_ids: Iterable[str] = (),
    leading_party: str | None = None,
) -> EnvironmentAnalysis:
    """Everything in and around `geometry`; the frames may hold more than the zone (they are tested exactly)."""
    buffer_m = brief_figure("environment_buffer_m") if buffer_m is None else float(buffer_m)
    first, last = horizon
    if last < first:
        raise InputError(f"horizon {first}–{last}: the last year is before the first", field="to")
    zone = zone_of(geometry, buffer_m)
    project_ids = set(project_work_ids)

    near_works = _within(works, geometry, buffer_m)
    near_works = near_works.assign(
        in_project=near_works["id"].isin(project_ids).to_numpy(),
        distance_m=np.round(shapely.distance(np.asarray(near_works.geometry, dtype=object), geometry), 1),
    )
    near_assets = _within(assets, geometry, buffer_m)
    due = _due(near_assets, near_works, geometry, first=first, last=last, due_years=due_years)
    area_tasks = _within(_task_polygons(tasks, areas), geometry, buffer_m)
    near_conflicts = _within(conflicts, geometry, buffer_m)
    near_couplings = _couplings_near(couplings, geometry, buffer_m, project_ids)
    buurten = areas[areas["level"] == "buurt"] if "level" in areas else areas
    touched = _within(buurten, geometry, buffer_m)
    networks = _networks(near_assets)
    stakeholders = _stakeholders(
        near_works, due, area_tasks, networks, near_couplings, touched, organisations, leading_party
    )
    return EnvironmentAnalysis(
        geometry=geometry,
        zone=zone,
        buffer_m=buffer_m,
        horizon=(first, last),
        works=near_works,
        due_assets=due,
        tasks=area_tasks,
        conflicts=near_conflicts,
        couplings=near_couplings,
        networks=networks,
        areas=touched,
        stakeholders=stakeholders,
    )


def _due(
    assets: gpd.GeoDataFrame,
    works: gpd.GeoDataFrame,
    geometry: BaseGeometry,
    *,
    first: int,
    last: int,
    due_years: pd.DataFrame | None,
) -> gpd.GeoDataFrame:
    """The assets due in the horizon (the coupling engine's rule), with the work in the zone that renews each."""
    if assets.empty:
        return assets.assign(due_year=pd.Series(dtype="Int64"), reason=[], renewed_by=[], distance_m=[])
    wanted = None if due_years is None else due_years[due_years["asset_id"].isin(assets["id"])]
    due = due_assets(assets, year_from=first, year_to=last, due_years=wanted if wanted is not None else None)
    chosen = assets.merge(due.rename(columns={"asset_id": "id"}), on="id", how="inner")
    renews = {
        asset: work
        for work, asset_ids in zip(works["id"], works["asset_ids"], strict=True)
        for asset in _asset_list(asset_ids)
    }
    chosen["renewed_by"] = chosen["id"].map(renews)
    chosen["distance_m"] = np.round(shapely.distance(np.asarray(chosen.geometry, dtype=object), geometry), 1)
    return gpd.GeoDataFrame(chosen.sort_values(["due_year", "id"], kind="stable").reset_index(drop=True), crs=CRS)


def _asset_list(value: object) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, str):
        return tuple(v for v in value.split(";") if v)
    return tuple(str(v) for v in value)  # type: ignore[attr-defined]


def _task_polygons(tasks: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Tasks with the polygon that places them: their own geometry, else their area's polygon."""
    if tasks.empty:
        return tasks
    own = np.asarray(tasks.geometry.to_numpy(), dtype=object)
    polygon_of = pd.Series(np.asarray(areas.geometry.to_numpy(), dtype=object), index=areas["code"])
    from_area = tasks["area_code"].map(polygon_of).to_numpy(dtype=object)
    placed = np.where(shapely.is_missing(own), from_area, own)
    placed = np.array([None if (g is None or (isinstance(g, float) and np.isnan(g))) else g for g in placed])
    return gpd.GeoDataFrame(tasks.drop(columns="geometry"), geometry=gpd.GeoSeries(placed, crs=CRS), crs=CRS)


def _couplings_near(
    couplings: gpd.GeoDataFrame, geometry: BaseGeometry, buffer_m: float, project_ids: set[str]
) -> gpd.GeoDataFrame:
    """Couplings whose streets lie within the buffer, plus those involving the project's works (project ones first)."""
    if couplings.empty:
        return couplings.assign(involves_project=[])
    members = [members_of(m) for m in couplings["members"]]
    involves = np.array([any(t == "work" and i in project_ids for t, i in m) for m in members], dtype=bool)
    geoms = np.asarray(couplings.geometry.to_numpy(), dtype=object)
    near = ~shapely.is_missing(geoms)
    near[near] = shapely.dwithin(geoms[near], geometry, buffer_m)
    keep = near | involves
    chosen = couplings[keep].assign(involves_project=involves[keep], members=[m for m, k in zip(members, keep) if k])
    order = chosen.assign(_first=~chosen["involves_project"]).sort_values(
        ["_first", "saving_eur", "id"], ascending=[True, False, True], kind="stable"
    )
    return order.drop(columns="_first").reset_index(drop=True)


def _networks(assets: gpd.GeoDataFrame) -> pd.DataFrame:
    """Cables and pipes (metres inside the zone is not asked: the whole asset is in play) and objects per owner."""
    if assets.empty:
        return pd.DataFrame(columns=["organisation", "discipline", "length_m", "count"])
    geoms = np.asarray(assets.geometry.to_numpy(), dtype=object)
    lines = np.isin(shapely.get_type_id(geoms), (1, 5))
    table = pd.DataFrame(
        {
            "organisation": assets["organisation"].to_numpy(),
            "discipline": assets["discipline"].to_numpy(),
            "length_m": np.where(lines, shapely.length(geoms), 0.0),
            "count": 1,
        }
    )
    summed = table.groupby(["organisation", "discipline"], as_index=False).agg(
        length_m=("length_m", "sum"), count=("count", "sum")
    )
    summed["length_m"] = summed["length_m"].round(0)
    return summed.sort_values(["organisation", "discipline"], kind="stable").reset_index(drop=True)


def _stakeholders(
    works: gpd.GeoDataFrame,
    due: gpd.GeoDataFrame,
    tasks: gpd.GeoDataFrame,
    networks: pd.DataFrame,
    couplings: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    organisations: pd.DataFrame,
    leading_party: str | None,
) -> tuple[Stakeholder, ...]:
    """Every organisation with a reason to be at the table early, and the residents; the leading party first."""
    reasons: dict[str, list[Text]] = {}

    def add(code: object, text: Text) -> None:
        if isinstance(code, str) and code:
            reasons.setdefault(code, []).append(text)

    if leading_party:
        add(leading_party, Text("trekt dit projecttype", "usually leads this project type"))
    active = works[~works["status"].isin(_INACTIVE)]
    for code, group in active.groupby("organisation", sort=True):
        own = group[group["in_project"]]
        if len(own):
            add(code, Text(f"werken in het project: {_ids(own['id'])}", f"works in the project: {_ids(own['id'])}"))
        near = group[~group["in_project"]]
        if len(near):
            span = f"{int(near['earliest_start'].min())}–{int(near['latest_start'].max())}"
            nl = f"{len(near)} werk(en) in de omgeving ({span}): {_ids(near['id'])}"
            add(code, Text(nl, f"{len(near)} work(s) around ({span}): {_ids(near['id'])}"))
    for code, group in due.groupby("organisation", sort=True):
        open_ = group[group["renewed_by"].isna()]
        if len(open_):
            nl, en = _disciplines(open_["discipline"])
            n, year = len(open_), int(open_["due_year"].min())
            add(
                code,
                Text(
                    f"{n} asset(s) aan vervanging toe zonder werk ({nl}), vanaf {year}",
                    f"{n} asset(s) due without a work ({en}), from {year}",
                ),
            )
    for code, group in tasks.groupby("organisation", sort=True):
        nl = ", ".join(f"{label(TaskTheme, t, 'nl')} {y}" for t, y in zip(group["theme"], group["target_year"]))
        en = ", ".join(f"{label(TaskTheme, t, 'en')} {y}" for t, y in zip(group["theme"], group["target_year"]))
        add(code, Text(f"eigenaar van opgave(n): {nl}", f"owner of area task(s): {en}"))
    cables = networks[(networks["length_m"] > 0) & networks["discipline"].isin(UNDERGROUND_DISCIPLINES)]
    for code, group in cables.groupby("organisation", sort=True):
        nl, en = _disciplines(group["discipline"])
        km = group["length_m"].sum() / 1000.0
        km_nl = f"{km:.1f}".replace(".", ",")
        add(
            code,
            Text(
                f"{km_nl} km kabels/leidingen in het gebied ({nl}): KLIC, dwarsprofiel, mogelijk verleggen",
                f"{km:.1f} km of cables/pipes in the area ({en}): KLIC, cross-section, may have to move",
            ),
        )
    _housing_and_water(add, buurten, tasks, organisations)
    kind_of = organisations.set_index("code")["kind"].to_dict() if len(organisations) else {}
    name_of = organisations.set_index("code")["name"].to_dict() if len(organisations) else {}
    in_project = set(works.loc[works["in_project"], "organisation"])
    parties = [
        Stakeholder(
            code=code,
            name=Text(str(name_of.get(code, code)), str(name_of.get(code, code))),
            kind=kind_of.get(code),
            reasons=tuple(texts),
            leads=code == leading_party,
            in_project=code in in_project,
        )
        for code, texts in reasons.items()
    ]
    parties.sort(key=lambda s: (not s.leads, not s.in_project, -len(s.reasons), s.code))
    residents = _residents(buurten, works)
    return tuple(parties + ([residents] if residents is not None else []))


def _housing_and_water(
    add: Callable[[object, Text], None], buurten: gpd.GeoDataFrame, tasks: gpd.GeoDataFrame, organisations: pd.DataFrame
) -> None:
    """Housing corporations where social housing is a large share; the water board where water is a task."""
    if organisations.empty:
        return
    share = _attribute(buurten, "social_housing_share")
    high = share[share >= brief_figure("social_housing_share_high")]
    for code in organisations.loc[organisations["kind"] == "housing_corporation", "code"]:
        for buurt, value in high.items():
            add(code, Text(f"{value:.0%} sociale huur in {buurt}", f"{value:.0%} social housing in {buurt}"))
    climate = tasks[tasks["theme"] == "climate_adaptation"]
    if len(climate):
        years = ", ".join(str(y) for y in sorted(set(climate["target_year"])))
        for code in organisations.loc[organisations["kind"] == "water_board", "code"]:
            text = Text(
                f"klimaatopgave (doeljaar {years}): berging en afvoer van regenwater",
                f"climate task (target {years}): rainwater storage and discharge",
            )
            add(code, text)


def _residents(buurten: gpd.GeoDataFrame, works: gpd.GeoDataFrame) -> Stakeholder | None:
    """Residents and businesses of the buurten the zone touches (when their population is known)."""
    inhabitants = _attribute(buurten, "inhabitants")
    if inhabitants.empty:
        return None
    names = dict(zip(buurten["code"], buurten["name"], strict=True))
    listed = ", ".join(f"{names.get(code, code)} ({int(n):,})".replace(",", ".") for code, n in inhabitants.items())
    listed_en = ", ".join(f"{names.get(code, code)} ({int(n):,})" for code, n in inhabitants.items())
    reasons = [Text(f"inwoners van {listed}", f"inhabitants of {listed_en}")]
    project = works[works["in_project"]]
    if len(project):
        months = project["duration_months"].fillna(figure("default_work_duration_months")).sum()
        days = round(float(months) * figure("working_days_per_month"))
        reasons.append(
            Text(f"hinder: ≈ {days} werkdagen straat open", f"nuisance: ≈ {days} working days of open street")
        )
    return Stakeholder(
        code="residents",
        name=Text("Bewoners en ondernemers", "Residents and businesses"),
        kind=None,
        reasons=tuple(reasons),
    )


def _attribute(frame: gpd.GeoDataFrame, name: str) -> pd.Series:
    """A numeric attribute of the buurten (from their `attributes`), by code; missing values left out."""
    if frame.empty or "attributes" not in frame:
        return pd.Series(dtype=float)
    values = pd.to_numeric(pd.Series([a.get(name) for a in frame["attributes"]], index=frame["code"]), errors="coerce")
    return values.dropna()


def _ids(values: pd.Series, limit: int = 4) -> str:
    ids = list(values)
    return ", ".join(ids[:limit]) + (f" (+{len(ids) - limit})" if len(ids) > limit else "")


def _disciplines(values: pd.Series) -> tuple[str, str]:
    codes = sorted(set(values))
    return (
        ", ".join(label(Discipline, c, "nl") for c in codes),
        ", ".join(label(Discipline, c, "en") for c in codes),
    )
