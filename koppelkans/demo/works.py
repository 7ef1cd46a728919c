"""What each organisation would plan for the next 1-12 years, each from its own view of its own assets.

Every planner works alone, as sectors do today: the sewer department bundles the pipes that
inspections or age say are due, per street; the road department resurfaces what CROW inspections
flag; Vitens and the grid operator renew old mains; the grid operator reinforces the low-voltage
grid where the heat transition electrifies homes; the heat company builds networks where the TVW
says so and the grid operator then removes the gas; a fibre company rolls out where there is no
fibre. Each planner has a yearly capacity, so what is due but does not fit moves to later years.
Couplings and conflicts are not planted: they emerge because streets built together age together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.config import CRS
from koppelkans.demo.areas import TownLayout
from koppelkans.demo.figures import DEMO_YEAR, demo_figure
from koppelkans.demo.materials import LIFECYCLES
from koppelkans.demo.organisations import corporation_code, department_code
from koppelkans.demo.towns import Town, town_rng

__all__ = ["FIRST_YEAR", "LAST_YEAR", "works_from_assets"]

FIRST_YEAR = DEMO_YEAR + 1
LAST_YEAR = DEMO_YEAR + 12
_REMAINING_BY_CONDITION = np.array([0, 40, 25, 12, 5, 2, 0])
"""Years a planner expects an asset to last after an inspection found condition 1..6 (index = condition)."""


@dataclass(frozen=True, kw_only=True)
class _Town:
    """What the planners look at: the town, its buurten, its streets and its assets."""

    town: Town
    buurten: pd.DataFrame
    streets: gpd.GeoDataFrame
    assets: gpd.GeoDataFrame


def works_from_assets(
    layout: TownLayout, segments: gpd.GeoDataFrame, assets: gpd.GeoDataFrame, *, seed: int
) -> gpd.GeoDataFrame:
    """The works every organisation plans for FIRST_YEAR..LAST_YEAR, in the exchange schema."""
    rng = town_rng(seed, layout.town, "works")
    streets = segments.set_index("id", drop=False).rename_axis(None)
    buurten = layout.buurten.set_index("code", drop=False).rename_axis(None)
    view = _Town(town=layout.town, buurten=buurten, streets=streets, assets=assets)
    planners: list[Callable[[_Town, np.random.Generator], pd.DataFrame]] = [
        _sewer_renewal,
        _road_maintenance,
        _water_main_renewal,
        _gas_main_renewal,
        _grid_reinforcement,
        _heat_networks,
        _heat_main_renewal,
        _fibre_rollout,
        _lighting_renewal,
        _tree_renewal,
        _climate_adaptation,
        _pressure_main_renewal,
        _restructuring,
    ]
    frames = [frame for frame in (plan(view, rng) for plan in planners) if len(frame)]
    works = pd.concat(frames, ignore_index=True)
    works.insert(0, "id", _ids(layout.town, works["organisation"].to_numpy()))
    return gpd.GeoDataFrame(works, geometry="geometry", crs=CRS)


# -- the planner's view of its assets ----------------------------------------------------------
def _due_years(assets: pd.DataFrame, life: np.ndarray) -> np.ndarray:
    """When a planner expects each asset to need renewal: from its last inspection, else from its age."""
    condition = assets["condition"].fillna(0).to_numpy(dtype=int)
    inspected = assets["condition_year"].fillna(0).to_numpy(dtype=int)
    by_age = assets["install_year"].to_numpy(dtype=int) + life
    by_condition = inspected + _REMAINING_BY_CONDITION[condition]
    due = np.where(condition > 0, by_condition, by_age)
    return np.maximum(np.round(due).astype(int), FIRST_YEAR)


def _median_life(lifecycle: str, materials: np.ndarray) -> np.ndarray:
    table = LIFECYCLES[lifecycle].life
    return np.array([table.get(m, (60.0, 3.0))[0] for m in materials])


def _of(view: _Town, organisation: str, discipline: str, asset_type: str | None = None) -> pd.DataFrame:
    assets = view.assets
    mask = (assets["organisation"] == organisation) & (assets["discipline"] == discipline)
    if asset_type is not None:
        mask &= assets["asset_type"] == asset_type
    return assets[mask]


def _with_street(view: _Town, assets: pd.DataFrame) -> pd.DataFrame:
    """Assets with the name and buurt of their street (the unit a planner bundles by)."""
    street = view.streets.loc[assets["segment_id"].to_numpy()]
    return assets.assign(street=street["name"].to_numpy(), buurt=street["area_code"].to_numpy())


# -- bundling, scheduling, the exchange frame --------------------------------------------------
def _bundles(assets: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One bundle per key (street × buurt): earliest due year, worst condition, cost, length, ids, geometry."""
    if assets.empty:
        return pd.DataFrame()
    assets = assets.sort_values([*keys, "id"], kind="stable")
    code = assets.groupby(keys, sort=False).ngroup().to_numpy()
    geoms = assets.geometry.to_numpy()
    lines = shapely.get_type_id(geoms[0]) in (1, 5)
    length = shapely.length(geoms) if lines else np.zeros(len(geoms))
    grouped = assets.assign(_code=code, _length=length).groupby("_code", sort=True)
    bundles = grouped.agg(
        due=("due", "min"),
        worst=("condition", "max"),
        cost=("replacement_cost_eur", "sum"),
        length=("_length", "sum"),
        count=("id", "size"),
        asset_ids=("id", ";".join),
        oldest=("install_year", "min"),
        **{k: (k, "first") for k in keys},
    )
    make = shapely.multilinestrings if lines else shapely.multipoints
    bundles["geometry"] = make(geoms, indices=code)
    return bundles.reset_index(drop=True)


def _scheduled(bundles: pd.DataFrame, *, capacity: float, measure: str, horizon: int = LAST_YEAR) -> pd.DataFrame:
    """Fit bundles into the planner's yearly capacity, most urgent first; what does not fit by `horizon` waits."""
    if bundles.empty:
        return bundles
    order = bundles.assign(worst=bundles["worst"].fillna(0)).sort_values(["due", "worst"], ascending=[True, False])
    used = order[measure].cumsum().to_numpy() - order[measure].to_numpy()
    earliest_free = FIRST_YEAR + np.floor(used / max(capacity, 1e-9)).astype(int)
    planned = np.maximum(order["due"].to_numpy(), earliest_free)
    order = order.assign(preferred=planned)
    return order[order["preferred"] <= horizon].sort_index()


def _status_and_phase(preferred: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """How far a plan has come depends on how near its year is."""
    lead = preferred - DEMO_YEAR
    pick = rng.random(len(lead))
    status = np.select([lead <= 1, lead <= 4, (lead <= 7) & (pick < 0.6)], ["committed", "planned", "planned"], "idea")
    phase = np.select(
        [lead <= 1, lead == 2, lead <= 4, lead <= 7],
        [
            np.where(pick < 0.6, "bestek", "do"),
            np.where(pick < 0.5, "do", "pve"),
            np.where(pick < 0.5, "pve", "psu"),
            np.where(pick < 0.4, "psu", "initiatief"),
        ],
        "initiatief",
    )
    return status, phase


def _works(
    bundles: pd.DataFrame,
    rng: np.random.Generator,
    *,
    organisation: str,
    discipline: str,
    kind: str | np.ndarray,
    title: str | np.ndarray,
    before: int,
    after: int,
    project_type: str,
    dig_free_years: int | np.ndarray,
    months_per_km: float,
    cost: np.ndarray | None = None,
    trigger: str | np.ndarray = "",
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Works in the exchange schema from scheduled bundles: window around the preferred year, status, phase."""
    if bundles.empty:
        return pd.DataFrame()
    preferred = bundles["preferred"].to_numpy(dtype=int)
    status, phase = _status_and_phase(preferred, rng)
    length_km = bundles["length"].to_numpy(dtype=float) / 1000.0
    duration = np.clip(np.round(1.0 + months_per_km * length_km), 1, 36)
    return pd.DataFrame(
        {
            "organisation": organisation,
            "discipline": discipline,
            "kind": kind,
            "title": title,
            "earliest_start": np.maximum(FIRST_YEAR, preferred - before),
            "latest_start": preferred + after,
            "preferred_start": preferred,
            "duration_months": duration,
            "status": status,
            "phase": phase,
            "cost_eur": np.round(bundles["cost"].to_numpy(dtype=float) if cost is None else cost, -2),
            "project_type": project_type,
            "dig_free_years": dig_free_years,
            "asset_ids": bundles["asset_ids"].to_numpy() if "asset_ids" in bundles else None,
            "buurt": bundles["buurt"].to_numpy(),
            "length_m": np.round(bundles["length"].to_numpy(dtype=float)),
            "trigger": trigger,
            **(extra or {}),
            "geometry": bundles["geometry"].to_numpy(),
        }
    )


def _ids(town: Town, organisations: np.ndarray) -> list[str]:
    """Ids per organisation, numbered in order: GM0153-RIO:W00001, VITENS:0153-W00001."""
    numbers = pd.Series(organisations).groupby(organisations).cumcount().to_numpy() + 1
    return [
        f"{org}:W{n:05d}" if org.startswith(town.code) or org.startswith("WOON") else f"{org}:{town.digits}-W{n:05d}"
        for org, n in zip(organisations, numbers)
    ]


def _rate(start: float, end: float) -> float:
    """The mean of a yearly rate that rises linearly from start to end over the plan period."""
    return (start + end) / 2.0


def _street_titles(prefix: str, bundles: pd.DataFrame) -> np.ndarray:
    if bundles.empty:
        return np.array([], dtype=object)
    return (prefix + " " + bundles["street"].astype(str)).to_numpy()


def _why(bundles: pd.DataFrame) -> np.ndarray:
    """A short reason a planner would give: the inspection result, or the age."""
    if bundles.empty:
        return np.array([], dtype=object)
    worst = bundles["worst"].fillna(0).to_numpy(dtype=int)
    age = DEMO_YEAR - bundles["oldest"].to_numpy(dtype=int)
    return np.where(worst > 0, [f"conditie {w} (NEN 2767)" for w in worst], [f"leeftijd {a} jaar" for a in age])


# -- municipality ------------------------------------------------------------------------------
def _sewer_renewal(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """Replace (or reline) the sewers per street when inspections or age say they are due."""
    organisation = department_code(view.town, "RIO")
    pipes = _of(view, organisation, "sewer")
    pipes = pipes[pipes["asset_type"] != "inspectieput"]
    if pipes.empty:
        return pd.DataFrame()
    pipes = _with_street(view, pipes).assign(due=_due_years(pipes, _median_life("sewer", pipes["material"].to_numpy())))
    total = float(shapely.length(pipes.geometry.to_numpy()).sum())
    rate = _rate(demo_figure("sewer_renewal_rate"), demo_figure("sewer_renewal_rate_future"))
    bundles = _scheduled(_bundles(pipes, ["street", "buurt"]), capacity=rate * total, measure="length")
    if bundles.empty:
        return pd.DataFrame()
    first_ids = bundles["asset_ids"].str.split(";").str[0]
    material = pipes.set_index("id").loc[first_ids, "material"].to_numpy()
    diameter = pipes.set_index("id").loc[first_ids, "diameter_mm"].to_numpy()
    reline = (material == "beton") & (diameter >= 400) & (bundles["worst"].fillna(0).to_numpy() <= 4)
    reline &= rng.random(len(bundles)) < 0.6
    combined = pipes.set_index("id").loc[first_ids, "asset_type"].to_numpy() == "gemengd riool"
    road_share = demo_figure("road_share_of_sewer_cost")
    sewer_cost = bundles["cost"].to_numpy() + demo_figure("sewer_manhole_cost") * bundles["length"].to_numpy() / 40.0
    cost = np.where(reline, 0.35 * sewer_cost, sewer_cost / (1.0 - road_share))
    title = np.where(
        reline,
        _street_titles("Relining riool", bundles),
        np.where(
            combined,
            _street_titles("Vervangen gemengd riool en afkoppelen", bundles),
            _street_titles("Vervangen riool", bundles),
        ),
    )
    return _works(
        bundles,
        rng,
        organisation=organisation,
        discipline="sewer",
        kind=np.where(reline, "reline", "replace"),
        title=title,
        before=2,
        after=2,
        project_type="beheer",
        dig_free_years=np.where(reline, 0, 5),
        months_per_km=10.0,
        cost=cost,
        trigger=_why(bundles),
        extra={"street_cost_eur": np.where(reline, 0.0, np.round(cost * road_share, -2))},
    )


def _road_maintenance(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """Resurface asphalt and relay paving where CROW inspections find it worn (a 4-year road programme)."""
    organisation = department_code(view.town, "WEG")
    roads = _of(view, organisation, "road")
    asphalt = (roads["material"] == "asfalt").to_numpy()
    life = np.where(
        asphalt,
        _median_life("asphalt", roads["material"].to_numpy()),
        _median_life("paving", roads["material"].to_numpy()),
    )
    roads = _with_street(view, roads).assign(due=_due_years(roads, life), asphalt=asphalt)
    frames = []
    horizon = DEMO_YEAR + 4
    for is_asphalt, rate in (
        (True, demo_figure("road_resurfacing_rate")),
        (False, demo_figure("road_resurfacing_rate") / 3.0),
    ):
        part = roads[roads["asphalt"] == is_asphalt]
        total = float(shapely.length(part.geometry.to_numpy()).sum())
        bundles = _scheduled(
            _bundles(part, ["street", "buurt"]), capacity=rate * total, measure="length", horizon=horizon
        )
        if bundles.empty:
            continue
        age = DEMO_YEAR - bundles["oldest"].to_numpy()
        reconstruct = (bundles["worst"].fillna(0).to_numpy() >= 5) & (age > demo_figure("road_reconstruction_life") / 2)
        base_kind = "resurface" if is_asphalt else "renovate"
        kind = np.where(reconstruct, "reconstruct", base_kind)
        factor = np.where(
            reconstruct, demo_figure("road_reconstruction_cost_per_m2") / demo_figure("paving_cost_per_m2"), 1.0
        )
        label = np.where(reconstruct, "Reconstructie", "Groot onderhoud asfalt" if is_asphalt else "Herstraten")
        frames.append(
            _works(
                bundles,
                rng,
                organisation=organisation,
                discipline="road",
                kind=kind,
                title=(label + " " + bundles["street"].astype(str)).to_numpy(),
                before=1,
                after=1,
                project_type="beheer",
                dig_free_years=np.where(reconstruct, 5, 3 if is_asphalt else 2),
                months_per_km=3.0,
                cost=bundles["cost"].to_numpy() * factor,
                trigger=_why(bundles),
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _lighting_renewal(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """Replace lamp posts that are old or poor, per street."""
    organisation = department_code(view.town, "OVL")
    posts = _of(view, organisation, "lighting")
    posts = _with_street(view, posts).assign(
        due=_due_years(posts, _median_life("lighting", posts["material"].to_numpy()))
    )
    bundles = _scheduled(
        _bundles(posts, ["street", "buurt"]), capacity=0.02 * len(posts), measure="count", horizon=DEMO_YEAR + 4
    )
    return _works(
        bundles,
        rng,
        organisation=organisation,
        discipline="lighting",
        kind="replace",
        title=_street_titles("Vervangen lichtmasten", bundles),
        before=2,
        after=2,
        project_type="beheer",
        dig_free_years=0,
        months_per_km=0.0,
        trigger=_why(bundles),
    )


def _tree_renewal(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """Replant street trees that are dying or past their life, per street."""
    organisation = department_code(view.town, "GRN")
    trees = _of(view, organisation, "green")
    life = np.full(len(trees), demo_figure("street_tree_life"))
    trees = _with_street(view, trees).assign(due=_due_years(trees, life))
    bundles = _scheduled(
        _bundles(trees, ["street", "buurt"]), capacity=0.01 * len(trees), measure="count", horizon=DEMO_YEAR + 6
    )
    return _works(
        bundles,
        rng,
        organisation=organisation,
        discipline="green",
        kind="replace",
        title=_street_titles("Herplant bomen", bundles),
        before=1,
        after=2,
        project_type="beheer",
        dig_free_years=0,
        months_per_km=0.0,
        trigger=_why(bundles),
    )


def _climate_adaptation(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """Disconnect paved surfaces and store rainwater in the buurten the stress test marks worst."""
    organisation = department_code(view.town, "RIO")
    buurten = view.buurten[view.buurten["climate_stress"] >= 3.8].sort_values("climate_stress", ascending=False)
    if buurten.empty:
        return pd.DataFrame()
    sewers = _of(view, organisation, "sewer", "gemengd riool")
    combined = set(sewers["segment_id"])
    streets = view.streets[view.streets["area_code"].isin(buurten.index) & view.streets["id"].isin(combined)]
    streets = streets[rng.random(len(streets)) < 0.25]
    bundles = _area_bundles(streets, rng)
    if bundles.empty:
        return pd.DataFrame()
    rank = pd.Series(np.arange(len(buurten)), index=buurten.index).loc[bundles["buurt"]].to_numpy()
    bundles = bundles.assign(preferred=FIRST_YEAR + 1 + rank // 2)
    bundles = bundles[bundles["preferred"] <= LAST_YEAR]
    names = view.buurten.loc[bundles["buurt"], "name"].to_numpy()
    return _works(
        bundles,
        rng,
        organisation=organisation,
        discipline="water_storage",
        kind="construct",
        title=np.array([f"Klimaatadaptatie {n}: afkoppelen en waterberging" for n in names], dtype=object),
        before=3,
        after=3,
        project_type="wijkgericht",
        dig_free_years=5,
        months_per_km=4.0,
        cost=bundles["length"].to_numpy() * demo_figure("water_storage_cost_per_m"),
        trigger="klimaatstresstest",
    )


def _area_bundles(streets: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One bundle per buurt from its chosen street segments (for area-wide works)."""
    if streets.empty:
        return pd.DataFrame()
    streets = streets.sort_values(["area_code", "id"], kind="stable")
    code = streets.groupby("area_code", sort=False).ngroup().to_numpy()
    geoms = streets.geometry.to_numpy()
    frame = streets.assign(_code=code, _length=shapely.length(geoms)).groupby("_code", sort=True)
    bundles = frame.agg(buurt=("area_code", "first"), length=("_length", "sum"), segments=("id", "size"))
    bundles["geometry"] = shapely.multilinestrings(geoms, indices=code)
    bundles["cost"] = 0.0
    return bundles.reset_index(drop=True)


# -- utilities ---------------------------------------------------------------------------------
def _water_main_renewal(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """Vitens renews its oldest mains (asbestos cement and cast iron first), ≈0.5 % of the network a year."""
    mains = _of(view, "VITENS", "water")
    mains = _with_street(view, mains).assign(due=_due_years(mains, _median_life("water", mains["material"].to_numpy())))
    total = float(shapely.length(mains.geometry.to_numpy()).sum())
    capacity = demo_figure("water_main_renewal_rate") * total * 1.5
    bundles = _scheduled(
        _bundles(mains, ["street", "buurt"]), capacity=capacity, measure="length", horizon=DEMO_YEAR + 10
    )
    return _works(
        bundles,
        rng,
        organisation="VITENS",
        discipline="water",
        kind="replace",
        title=_street_titles("Vervangen waterleiding", bundles),
        before=2,
        after=2,
        project_type="beheer",
        dig_free_years=0,
        months_per_km=6.0,
        trigger=_why(bundles),
    )


def _gas_main_renewal(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """The grid operator replaces old gas mains, but not in buurten that go off gas before 2040."""
    operator = view.town.grid_operator
    mains = _with_street(view, _of(view, operator, "gas"))
    tvw = view.buurten.loc[mains["buurt"], "tvw_year"].fillna(2100).to_numpy(dtype=int)
    mains = mains[tvw > 2040]
    mains = mains.assign(due=_due_years(mains, _median_life("gas", mains["material"].to_numpy())))
    total = float(shapely.length(_of(view, operator, "gas").geometry.to_numpy()).sum())
    capacity = demo_figure("gas_main_renewal_rate") * total
    bundles = _scheduled(
        _bundles(mains, ["street", "buurt"]), capacity=capacity, measure="length", horizon=DEMO_YEAR + 8
    )
    return _works(
        bundles,
        rng,
        organisation=operator,
        discipline="gas",
        kind="replace",
        title=_street_titles("Vervangen gasleiding", bundles),
        before=2,
        after=2,
        project_type="beheer",
        dig_free_years=0,
        months_per_km=6.0,
        trigger=_why(bundles),
    )


def _grid_reinforcement(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """Reinforce the LV grid (and lay MV feeders) in buurten that electrify their heat, earliest TVW first."""
    operator = view.town.grid_operator
    buurten = view.buurten[view.buurten["heat_strategy"].isin(["all-electric", "hybride"])]
    buurten = buurten[buurten["tvw_year"].fillna(2100).astype(int) <= 2040]
    if buurten.empty:
        return pd.DataFrame()
    per_year = max(
        1.0, demo_figure("grid_reinforcement_buurten_per_year") * (view.buurten["era"] != "industrial").sum()
    )
    order = buurten.sort_values(["tvw_year", "code"]).reset_index(drop=True)
    planned = np.maximum(
        FIRST_YEAR + np.floor(np.arange(len(order)) / per_year).astype(int), order["tvw_year"].astype(int) - 6
    )
    order = order.assign(preferred=planned)
    order = order[order["preferred"] <= LAST_YEAR]
    cables = _with_street(view, _of(view, operator, "electricity_lv"))
    cables = cables[cables["buurt"].isin(order["code"])]
    old = (cables["material"] == "GPLK").to_numpy()
    cables = cables[rng.random(len(cables)) < np.where(old, 0.5, 0.15)]
    if cables.empty:
        return pd.DataFrame()
    bundles = _bundles(cables.assign(due=FIRST_YEAR), ["buurt"])
    bundles = bundles.merge(order[["code", "preferred", "name"]], left_on="buurt", right_on="code")
    lv = _works(
        bundles,
        rng,
        organisation=operator,
        discipline="electricity_lv",
        kind="replace",
        title=("Netverzwaring laagspanning " + bundles["name"]).to_numpy(),
        before=1,
        after=1,
        project_type="transitie",
        dig_free_years=0,
        months_per_km=1.5,
        trigger=np.array(
            [f"TVW {y}: elektrificatie warmte" for y in order.set_index("code").loc[bundles["buurt"], "tvw_year"]]
        ),
    )
    feeders = view.streets[
        view.streets["area_code"].isin(order["code"])
        & view.streets["street_class"].isin(["wijkontsluitingsweg", "buurtontsluitingsweg"])
    ]
    feeders = feeders[rng.random(len(feeders)) < 0.5]
    mv_bundles = _area_bundles(feeders, rng)
    if mv_bundles.empty:
        return lv
    mv_bundles = mv_bundles.merge(order[["code", "preferred", "name"]], left_on="buurt", right_on="code")
    mv_bundles["preferred"] = np.maximum(FIRST_YEAR, mv_bundles["preferred"] - 1)
    mv = _works(
        mv_bundles,
        rng,
        organisation=operator,
        discipline="electricity_mv",
        kind="construct",
        title=("Nieuwe MS-verbinding en MS-ruimtes " + mv_bundles["name"]).to_numpy(),
        before=1,
        after=1,
        project_type="transitie",
        dig_free_years=0,
        months_per_km=2.0,
        cost=mv_bundles["length"].to_numpy() * demo_figure("mv_cable_cost_per_m"),
        trigger="netcongestie",
    )
    return pd.concat([lv, mv], ignore_index=True)


def _heat_networks(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """The heat company builds networks, in phases, in buurten whose TVW chooses heat; then the gas goes."""
    buurten = view.buurten[(view.buurten["heat_strategy"] == "warmtenet")]
    buurten = buurten[buurten["tvw_year"].fillna(2100).astype(int) <= LAST_YEAR + 2]
    if buurten.empty:
        return pd.DataFrame()
    streets = view.streets[view.streets["area_code"].isin(buurten.index)]
    streets = streets[~streets["street_class"].isin(["landweg", "provinciale weg"])]
    phases = _phases(streets, buurten)
    bundles = _phase_bundles(streets, phases)
    tvw = buurten.loc[bundles["buurt"], "tvw_year"].astype(int).to_numpy()
    bundles["preferred"] = np.maximum(FIRST_YEAR, tvw - 4 + bundles["phase"].to_numpy())
    bundles = bundles[bundles["preferred"] <= LAST_YEAR]
    names = buurten.loc[bundles["buurt"], "name"].to_numpy()
    heat = _works(
        bundles,
        rng,
        organisation="WARMTEOOST",
        discipline="heat",
        kind="construct",
        title=np.array([f"Aanleg warmtenet {n} fase {p + 1}" for n, p in zip(names, bundles["phase"])], dtype=object),
        before=1,
        after=2,
        project_type="transitie",
        dig_free_years=3,
        months_per_km=4.0,
        cost=bundles["length"].to_numpy() * demo_figure("heat_main_cost_per_m"),
        trigger=np.array([f"TVW {y}: warmtenet" for y in buurten.loc[bundles["buurt"], "tvw_year"]]),
    )
    return pd.concat([heat, _gas_removal(view, buurten, rng)], ignore_index=True)


def _gas_removal(view: _Town, buurten: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Once a buurt is on heat, the grid operator removes its gas mains (one to three years after the TVW year)."""
    operator = view.town.grid_operator
    mains = _with_street(view, _of(view, operator, "gas"))
    mains = mains[mains["buurt"].isin(buurten.index)]
    if mains.empty:
        return pd.DataFrame()
    bundles = _bundles(mains.assign(due=FIRST_YEAR), ["buurt"])
    bundles["preferred"] = buurten.loc[bundles["buurt"], "tvw_year"].astype(int).to_numpy() + rng.integers(
        1, 4, len(bundles)
    )
    bundles = bundles[bundles["preferred"] <= LAST_YEAR]
    return _works(
        bundles,
        rng,
        organisation=operator,
        discipline="gas",
        kind="remove",
        title=np.array([f"Verwijderen gasnet {n}" for n in buurten.loc[bundles["buurt"], "name"]], dtype=object),
        before=1,
        after=2,
        project_type="transitie",
        dig_free_years=0,
        months_per_km=1.0,
        cost=0.3 * bundles["cost"].to_numpy(),
        trigger="aardgasvrij volgens TVW",
    )


def _phases(streets: gpd.GeoDataFrame, buurten: pd.DataFrame) -> np.ndarray:
    """Phase number of each street segment: about 2.5 km of street per phase, built from one side of the buurt."""
    middle = shapely.line_interpolate_point(streets.geometry.to_numpy(), 0.5, normalized=True)
    seed_x = buurten.loc[streets["area_code"], "seed_x"].to_numpy()
    along = shapely.get_x(middle) - seed_x
    frame = pd.DataFrame(
        {
            "buurt": streets["area_code"].to_numpy(),
            "along": along,
            "length": shapely.length(streets.geometry.to_numpy()),
        }
    )
    frame = frame.sort_values(["buurt", "along"], kind="stable")
    frame["cumulative"] = frame.groupby("buurt")["length"].cumsum()
    frame["phase"] = (frame["cumulative"] // 2_500.0).astype(int)
    return frame.sort_index()["phase"].to_numpy()


def _phase_bundles(streets: gpd.GeoDataFrame, phases: np.ndarray) -> pd.DataFrame:
    """One bundle per (buurt, phase) of street segments."""
    frame = streets.assign(phase=phases).sort_values(["area_code", "phase", "id"], kind="stable")
    code = frame.groupby(["area_code", "phase"], sort=False).ngroup().to_numpy()
    geoms = frame.geometry.to_numpy()
    grouped = frame.assign(_code=code, _length=shapely.length(geoms)).groupby("_code", sort=True)
    bundles = grouped.agg(buurt=("area_code", "first"), phase=("phase", "first"), length=("_length", "sum"))
    bundles["geometry"] = shapely.multilinestrings(geoms, indices=code)
    bundles["cost"] = 0.0
    return bundles.reset_index(drop=True)


def _heat_main_renewal(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """The heat company renews the oldest steel mains of its existing networks."""
    mains = _of(view, "WARMTEOOST", "heat")
    if mains.empty:
        return pd.DataFrame()
    mains = _with_street(view, mains).assign(due=_due_years(mains, _median_life("heat", mains["material"].to_numpy())))
    total = float(shapely.length(mains.geometry.to_numpy()).sum())
    bundles = _scheduled(
        _bundles(mains, ["street", "buurt"]), capacity=0.02 * total, measure="length", horizon=DEMO_YEAR + 8
    )
    return _works(
        bundles,
        rng,
        organisation="WARMTEOOST",
        discipline="heat",
        kind="replace",
        title=_street_titles("Vervangen warmteleiding", bundles),
        before=1,
        after=2,
        project_type="beheer",
        dig_free_years=0,
        months_per_km=6.0,
        trigger=_why(bundles),
    )


def _fibre_rollout(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """Fibre for the buurten that have none yet, three buurten a year."""
    buurten = view.buurten[(view.buurten["fibre_year"] == 0)]
    streets = view.streets[view.streets["area_code"].isin(buurten.index)]
    bundles = _area_bundles(streets, rng)
    if bundles.empty:
        return pd.DataFrame()
    bundles["preferred"] = FIRST_YEAR + np.arange(len(bundles)) // 3
    bundles = bundles[bundles["preferred"] <= LAST_YEAR]
    names = view.buurten.loc[bundles["buurt"], "name"].to_numpy()
    return _works(
        bundles,
        rng,
        organisation="GLASOOST",
        discipline="fibre",
        kind="construct",
        title=np.array([f"Aanleg glasvezel {n}" for n in names], dtype=object),
        before=0,
        after=1,
        project_type="ontwikkeling",
        dig_free_years=0,
        months_per_km=0.6,
        cost=bundles["length"].to_numpy() * demo_figure("fibre_cost_per_m"),
        trigger="geen glasvezel",
    )


def _pressure_main_renewal(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """The water board renews the pressure mains that carry sewage to the treatment plant."""
    board = view.town.water_board
    mains = _of(view, board, "sewer")
    if mains.empty:
        return pd.DataFrame()
    mains = _with_street(view, mains).assign(
        due=_due_years(mains, _median_life("pressure_main", mains["material"].to_numpy()))
    )
    total = float(shapely.length(mains.geometry.to_numpy()).sum())
    bundles = _scheduled(_bundles(mains, ["street", "buurt"]), capacity=0.03 * total, measure="length")
    return _works(
        bundles,
        rng,
        organisation=board,
        discipline="sewer",
        kind="replace",
        title=_street_titles("Vervangen rioolpersleiding", bundles),
        before=2,
        after=3,
        project_type="beheer",
        dig_free_years=0,
        months_per_km=5.0,
        trigger=_why(bundles),
    )


def _restructuring(view: _Town, rng: np.random.Generator) -> pd.DataFrame:
    """The housing corporation demolishes and rebuilds part of its weakest postwar buurt and readies its streets."""
    postwar = view.buurten[(view.buurten["era"] == "postwar") & view.buurten["liveability"].notna()]
    if postwar.empty:
        return pd.DataFrame()
    count = max(1, round(0.1 * len(postwar)))
    chosen = postwar.sort_values(["liveability", "code"]).head(count)
    streets = view.streets[view.streets["area_code"].isin(chosen.index)]
    middle = shapely.line_interpolate_point(streets.geometry.to_numpy(), 0.5, normalized=True)
    centres = chosen.loc[streets["area_code"], ["seed_x", "seed_y"]].to_numpy()
    near = np.hypot(shapely.get_x(middle) - centres[:, 0], shapely.get_y(middle) - centres[:, 1]) < 260.0
    bundles = _area_bundles(streets[near & ~streets["street_class"].isin(["wijkontsluitingsweg"])], rng)
    if bundles.empty:
        return pd.DataFrame()
    bundles["preferred"] = FIRST_YEAR + 3 + rng.integers(0, 3, len(bundles))
    width = 10.0
    dwellings = (chosen.loc[bundles["buurt"], "dwellings"].to_numpy() * 0.15).round().astype(int)
    names = chosen.loc[bundles["buurt"], "name"].to_numpy()
    return _works(
        bundles,
        rng,
        organisation=corporation_code(view.town),
        discipline="road",
        kind="reconstruct",
        title=np.array(
            [f"Herstructurering {n}: sloop-nieuwbouw {d} woningen, woonrijp maken" for n, d in zip(names, dwellings)],
            dtype=object,
        ),
        before=0,
        after=2,
        project_type="herstructurering",
        dig_free_years=5,
        months_per_km=12.0,
        cost=bundles["length"].to_numpy() * width * demo_figure("road_reconstruction_cost_per_m2"),
        trigger="leefbaarheid",
    )
