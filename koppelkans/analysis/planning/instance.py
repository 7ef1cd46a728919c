"""A planning instance: every intervention's candidate years and what each choice costs, as arrays.

Built from a register snapshot in four steps: interventions (the coupling engine's one table of
active works and due assets) → candidate years per intervention (window ∩ horizon; fixed works
one year; due assets their due year ± flexibility, later with a bridging measure) with their own
costs → which street segments each one opens and what that opening costs → the constraint tables
(budgets, neighbourhood capacity, precedence and dig-free exclusions). Everything the optimiser,
the baseline and the objective read is here; nothing is decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from koppelkans.analysis.coupling.due import due_assets
from koppelkans.analysis.coupling.interventions import SURFACE_KINDS, UNDERGROUND_DISCIPLINES, interventions_from
from koppelkans.analysis.coupling.street import main_area, memberships_from, street_cost_eur
from koppelkans.analysis.planning.defaults import planning_figure
from koppelkans.config import figure
from koppelkans.domain.snapshot import RegisterSnapshot
from koppelkans.errors import InputError

__all__ = [
    "CONSTRAINT_GROUPS",
    "FIXED_STATUSES",
    "PlanOptions",
    "PlanningInstance",
    "PrecedenceRule",
    "instance_from_interventions",
    "instance_from_snapshot",
]

FIXED_STATUSES = frozenset({"committed", "in_progress"})
CONSTRAINT_GROUPS = ("budget", "capacity", "precedence", "dig_free")
"""The constraint groups that can be hard (must hold) or soft (may be broken at a penalty)."""


@dataclass(frozen=True, kw_only=True)
class PrecedenceRule:
    """`first` works go before `then` works on a shared segment: `then` may not be followed within `years`.

    The default: underground networks before a new road surface (sewer before road), so the new
    surface is not broken open for a network renewal in the years after it was laid.
    """

    first_disciplines: frozenset[str]
    then_kinds: frozenset[str]
    years: int


DEFAULT_PRECEDENCE = (
    PrecedenceRule(
        first_disciplines=frozenset(UNDERGROUND_DISCIPLINES),
        then_kinds=frozenset(SURFACE_KINDS),
        years=int(figure("default_dig_free_years_surface")),
    ),
)


def _figure(name: str) -> float:
    return planning_figure(name)


@dataclass(frozen=True, kw_only=True)
class PlanOptions:
    """What to plan and how: the horizon, budgets, which constraint groups are hard, and the figures."""

    year_from: int
    year_to: int
    budgets: pd.DataFrame | None = None
    """Annual budgets: organisation, year, budget_eur (own work costs are booked against them)."""
    hard: frozenset[str] = frozenset()
    """Constraint groups that must hold; the others are soft with their penalty (see CONSTRAINT_GROUPS)."""
    capacity: float = field(default_factory=lambda: figure("district_max_simultaneous_works"))
    precedence: tuple[PrecedenceRule, ...] = DEFAULT_PRECEDENCE
    due_flex_years: int = field(default_factory=lambda: int(_figure("due_asset_flex_years")))
    bridging_max_years: int = field(default_factory=lambda: int(_figure("bridging_max_years")))
    nuisance_per_day: float = field(default_factory=lambda: _figure("nuisance_cost_per_opening_day"))
    failure_share: float = field(default_factory=lambda: _figure("failure_cost_share"))
    deferral_rate: float = field(default_factory=lambda: _figure("deferral_failure_rate"))
    discount_rate: float = field(default_factory=lambda: _figure("discount_rate"))
    budget_penalty: float = field(default_factory=lambda: _figure("budget_penalty_per_eur"))
    capacity_penalty: float = field(default_factory=lambda: _figure("capacity_penalty_per_work"))
    dig_free_damage_share: float = field(default_factory=lambda: _figure("dig_free_damage_share"))
    use_forecast: bool = True
    """Deferral risk and bridging from the lifecycle forecast (K4); otherwise a flat failure rate."""

    def __post_init__(self) -> None:
        if self.year_to < self.year_from:
            raise InputError(f"the horizon {self.year_from}-{self.year_to} is empty", field="year_to")
        unknown = set(self.hard) - set(CONSTRAINT_GROUPS)
        if unknown:
            raise InputError(
                f"unknown constraint group(s) {', '.join(sorted(unknown))}; expected {', '.join(CONSTRAINT_GROUPS)}",
                field="hard",
            )

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.year_from, self.year_to + 1)


@dataclass(frozen=True, kw_only=True)
class PlanningInstance:
    """Everything a plan is chosen from, as tables indexed by integers (item, segment).

    items       one row per intervention: key, type, id, organisation, discipline, kind, title,
                window_start, window_end, preferred, fixed, duration_days, cost_eur, area_code,
                project_type, counts_capacity
    candidates  one row per (item, year) that may be chosen, sorted: item, year, own_eur, early_eur,
                risk_eur, bridging_eur, measure, cost_eur (their sum)
    openings    one row per (item, segment) the item opens: opening_eur (street cost of its trench +
                its share of site set-up), nuisance_eur, value_eur (their sum: what this opening
                costs if the item is its largest member), days, overlap_m
    segments    the opened segments: id, name, area_code, width_m
    exclusions  pairs (first, then, years, group, penalty_eur, segment): when `first` is done in
                year t, `then` may not be done in t+1 … t+years
    budgets     organisation, year, budget_eur
    """

    options: PlanOptions
    items: pd.DataFrame
    candidates: pd.DataFrame
    openings: pd.DataFrame
    segments: pd.DataFrame
    exclusions: pd.DataFrame
    budgets: pd.DataFrame

    @property
    def years(self) -> np.ndarray:
        return self.options.years

    @property
    def n_items(self) -> int:
        return len(self.items)

    def penalty(self, group: str) -> float | None:
        """The soft penalty of a group (None when it is hard)."""
        if group in self.options.hard:
            return None
        return {
            "budget": self.options.budget_penalty,
            "capacity": self.options.capacity_penalty,
        }.get(group, 0.0)

    def candidate_range(self) -> tuple[np.ndarray, np.ndarray]:
        """First and last candidate year of every item."""
        grouped = self.candidates.groupby("item")["year"]
        return grouped.min().to_numpy(), grouped.max().to_numpy()


def instance_from_snapshot(
    snapshot: RegisterSnapshot,
    options: PlanOptions,
    *,
    extra: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> PlanningInstance:
    """The planning instance of a register over the options' horizon.

    `extra` adds interventions (in the coupling engine's interventions schema, plus `fixed`) with
    their segment memberships (key, segment_id, overlap_m): what an ambition scenario requires.
    """
    due = due_assets(
        snapshot.assets, year_from=options.year_from, year_to=options.year_to, due_years=snapshot.due_years
    )
    interventions = interventions_from(
        snapshot.works, snapshot.assets, due, year_from=options.year_from, year_to=options.year_to
    )
    members = memberships_from(snapshot.links, interventions)
    works = snapshot.works.set_index("id")
    is_work = (interventions["type"] == "work").to_numpy()
    status = interventions["id"].map(works["status"]).where(is_work)
    interventions = interventions.assign(
        fixed=status.isin(FIXED_STATUSES).to_numpy(),
        project_type=interventions["id"].map(works["project_type"]).where(is_work).astype(object).to_numpy(),
        asset_ids=interventions["id"].map(works["asset_ids"]).where(is_work).astype(object).to_numpy(),
    )
    if extra is not None:
        interventions = pd.concat([interventions, extra[0]], ignore_index=True)
        members = pd.concat([members, extra[1]], ignore_index=True)
    return instance_from_interventions(
        interventions, members, snapshot.segments, options, assets=snapshot.assets, due_years=snapshot.due_years
    )


def instance_from_interventions(
    interventions: pd.DataFrame,
    members: pd.DataFrame,
    segments: pd.DataFrame,
    options: PlanOptions,
    *,
    assets: pd.DataFrame | None = None,
    due_years: pd.DataFrame | None = None,
) -> PlanningInstance:
    """The instance from the interventions table and its segment memberships (the pure core)."""
    items = _items(interventions, members, segments)
    forecast = _forecast(items, interventions, assets, options) if options.use_forecast else None
    candidates = _candidates(items, options, forecast)
    openings, segment_table = _openings(items, members, segments, options)
    candidates = _with_solo_costs(candidates, items, openings, options)
    return PlanningInstance(
        options=options,
        items=items,
        candidates=candidates,
        openings=openings,
        segments=segment_table,
        exclusions=_exclusions(items, openings, candidates, segment_table, options),
        budgets=_budgets(options),
    )


# -- items --------------------------------------------------------------------------------------
def _items(interventions: pd.DataFrame, members: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """One row per intervention with the columns the plan needs (no geometry)."""
    table = interventions.sort_values("key", kind="stable").reset_index(drop=True)
    area_of = main_area(members, segments) if len(members) else pd.Series(dtype=object)
    fixed = table["fixed"] if "fixed" in table else pd.Series(False, index=table.index)
    items = pd.DataFrame(
        {
            "key": table["key"].to_numpy(),
            "type": table["type"].to_numpy(),
            "id": table["id"].to_numpy(),
            "organisation": table["organisation"].to_numpy(),
            "discipline": table["discipline"].to_numpy(),
            "kind": table["kind"].to_numpy(),
            "title": table["title"].to_numpy() if "title" in table else None,
            "window_start": table["window_start"].to_numpy(dtype=int),
            "window_end": table["window_end"].to_numpy(dtype=int),
            "preferred": table["preferred"].to_numpy(dtype=int),
            "fixed": fixed.fillna(False).to_numpy(dtype=bool),
            "duration_days": table["duration_days"].to_numpy(dtype=float),
            "cost_eur": table["cost_eur"].to_numpy(dtype=float),
            "opens_street": table["opens_street"].to_numpy(dtype=bool),
            "dig_free_years": table["dig_free_years"].fillna(0).to_numpy(dtype=float),
            "area_code": table["key"].map(area_of).to_numpy(dtype=object),
            "project_type": table["project_type"].to_numpy(dtype=object) if "project_type" in table else None,
            "asset_ids": table["asset_ids"].to_numpy(dtype=object) if "asset_ids" in table else None,
        }
    )
    items["counts_capacity"] = (items["type"] == "work") & items["opens_street"] & items["area_code"].notna()
    return items


# -- candidate years and their own costs ---------------------------------------------------------
def _candidates(items: pd.DataFrame, options: PlanOptions, forecast: _Forecast | None) -> pd.DataFrame:
    """(item, year) pairs with own cost, capital destroyed by going early, deferral risk and bridging."""
    y0, y1 = options.year_from, options.year_to
    is_asset = (items["type"] == "asset").to_numpy()
    due = items["preferred"].to_numpy()
    flex = options.due_flex_years
    lo = np.where(is_asset, due - flex, items["window_start"].to_numpy())
    hi = np.where(is_asset, due + flex, items["window_end"].to_numpy())
    bridge = _bridging_costs(items, forecast, options)
    reach = np.where(is_asset & np.isfinite(bridge).any(axis=1), due + _bridge_reach(bridge), hi)
    hi = np.maximum(hi, reach)
    fixed_year = np.clip(items["preferred"].to_numpy(), np.clip(lo, y0, y1), np.clip(hi, y0, y1))
    fixed = items["fixed"].to_numpy()
    lo = np.where(fixed, fixed_year, np.clip(lo, y0, y1))
    hi = np.where(fixed, fixed_year, np.clip(hi, y0, y1))
    counts = hi - lo + 1
    item = np.repeat(np.arange(len(items)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    year = np.repeat(lo, counts) + (np.arange(counts.sum()) - starts)

    cost = items["cost_eur"].to_numpy()[item]
    preferred = items["preferred"].to_numpy()[item]
    early_rate = np.where(
        (items["kind"] == "construct").to_numpy(), options.discount_rate, 1.0 / _service_life(items, forecast)
    )[item]
    early = cost * np.maximum(preferred - year, 0) * early_rate
    cumulative = _cumulative_failure(items, forecast, options)
    risk_unbridged = options.failure_share * items["cost_eur"].to_numpy()[:, None] * cumulative
    offset = year - y0
    risk = risk_unbridged[item, offset]
    bridging = np.zeros(len(item))
    measure = np.full(len(item), None, dtype=object)
    if forecast is not None and bridge.shape[1]:
        late = np.clip(year - preferred, 0, bridge.shape[1] - 1)
        bridge_cost = np.where(year > preferred, bridge[item, late], np.inf)
        at_due = risk_unbridged[item, np.clip(preferred - y0, 0, risk_unbridged.shape[1] - 1)]
        use = np.isfinite(bridge_cost) & (at_due + bridge_cost < risk)
        bridging = np.where(use, bridge_cost, 0.0)
        risk = np.where(use, at_due, risk)
        measure[use] = np.asarray(forecast.measure_of(item[use], late[use]), dtype=object)
        out_of_reach = (year > preferred + flex) & ~use & is_asset[item] & ~fixed[item]
        keep = ~out_of_reach
        item, year, cost, early, risk, bridging, measure = (
            a[keep] for a in (item, year, cost, early, risk, bridging, measure)
        )
    return pd.DataFrame(
        {
            "item": item,
            "year": year,
            "own_eur": cost,
            "early_eur": early,
            "risk_eur": risk,
            "bridging_eur": bridging,
            "measure": measure,
            "cost_eur": cost + early + risk + bridging,
        }
    )


def _service_life(items: pd.DataFrame, forecast: _Forecast | None) -> np.ndarray:
    """Median service life per item: its assets' forecast models, else its discipline's default model."""
    life = _discipline_life(items["discipline"].to_numpy(dtype=object))
    if forecast is not None:
        life = np.where(np.isfinite(forecast.life), forecast.life, life)
    return np.maximum(life, 1.0)


def _discipline_life(disciplines: np.ndarray) -> np.ndarray:
    """The median of the lifecycle's default survival model of each discipline (50 years without K4)."""
    try:
        from koppelkans.analysis.lifecycle import SurvivalTable, weibull_median
    except ImportError:  # the lifecycle package is optional for the planner
        return np.full(len(disciplines), 50.0)
    unknown = np.full(len(disciplines), None, dtype=object)
    assignment = SurvivalTable.defaults().lookup(
        organisation=unknown, discipline=pd.Series(disciplines, dtype=object), material=unknown, diameter_mm=unknown
    )
    shape = np.array([m.shape for m in assignment.models], dtype=float)
    scale = np.array([m.scale for m in assignment.models], dtype=float)
    return np.asarray(weibull_median(shape[assignment.index], scale[assignment.index]), dtype=float)


def _cumulative_failure(items: pd.DataFrame, forecast: _Forecast | None, options: PlanOptions) -> np.ndarray:
    """P(failure before year y | in service at the horizon's start), items × horizon years.

    From the lifecycle forecast where it covers the item (its assets' yearly probabilities), else a
    flat rate for each year past the preferred year.
    """
    years = options.years
    late = np.maximum(years[None, :] - items["preferred"].to_numpy()[:, None], 0)
    flat = np.minimum(options.deferral_rate * late, 1.0)
    if forecast is None:
        return flat
    before = np.concatenate([np.zeros((len(items), 1)), np.cumsum(forecast.pf, axis=1)[:, :-1]], axis=1)
    before = before[:, : len(years)]
    return np.where(forecast.covered[:, None], np.minimum(before, 1.0), flat)


def _bridge_reach(bridge: np.ndarray) -> np.ndarray:
    """How many years past its due year a bridging measure can carry each asset."""
    if bridge.shape[1] == 0:
        return np.zeros(len(bridge), dtype=int)
    finite = np.isfinite(bridge)
    last = bridge.shape[1] - 1 - np.argmax(finite[:, ::-1], axis=1)
    return np.where(finite.any(axis=1), last, 0)


def _bridging_costs(items: pd.DataFrame, forecast: _Forecast | None, options: PlanOptions) -> np.ndarray:
    """Cheapest bridging cost to run k years past the due year (items × k = 0 … bridging_max); inf if none."""
    if forecast is None:
        return np.full((len(items), 0), np.inf)
    return forecast.bridge


@dataclass(frozen=True, kw_only=True)
class _Forecast:
    """What the lifecycle forecast says about each item: failure probabilities, life, bridging."""

    pf: np.ndarray
    """items × years (horizon plus bridging reach) of P(failure in that year)."""
    covered: np.ndarray
    life: np.ndarray
    bridge: np.ndarray
    measures: np.ndarray
    """items × k: code of the cheapest measure for k years."""

    def measure_of(self, item: np.ndarray, late: np.ndarray) -> np.ndarray:
        return self.measures[item, late]


def _forecast(
    items: pd.DataFrame, interventions: pd.DataFrame, assets: pd.DataFrame | None, options: PlanOptions
) -> _Forecast | None:
    """Yearly failure probabilities and bridging options of every item from the K4 lifecycle forecast."""
    if assets is None or assets.empty:
        return None
    try:
        from koppelkans.analysis.lifecycle import (
            bridging_options_from_forecast,
            failure_columns,
            forecast_from_assets,
            weibull_median,
        )
    except ImportError:  # the lifecycle package is optional for the planner: fall back to the flat rate
        return None
    wanted = _item_assets(items)
    if wanted.empty:
        return None
    chosen = assets[assets["id"].isin(wanted["asset_id"])].reset_index(drop=True)
    n_years = len(options.years) + options.bridging_max_years + 1
    forecast = forecast_from_assets(chosen, year=options.year_from, horizon=n_years)
    pf = forecast[failure_columns(forecast)].to_numpy(dtype=float)
    row_of = pd.Series(np.arange(len(forecast)), index=forecast["asset_id"])
    wanted = wanted[wanted["asset_id"].isin(row_of.index)]
    rows = row_of[wanted["asset_id"]].to_numpy()
    n = len(items)
    weight = np.bincount(wanted["item"], minlength=n).astype(float)
    covered = weight > 0
    per_item = np.zeros((n, pf.shape[1]))
    np.add.at(per_item, wanted["item"].to_numpy(), pf[rows])
    per_item[covered] /= weight[covered, None]
    life_assets = weibull_median(forecast["shape"].to_numpy(), forecast["scale"].to_numpy())
    life = np.full(n, np.nan)
    life_sum = np.bincount(wanted["item"], weights=life_assets[rows], minlength=n)
    life[covered] = life_sum[covered] / weight[covered]

    k_max = options.bridging_max_years
    bridge = np.full((n, k_max + 1), np.inf)
    measures = np.full((n, k_max + 1), None, dtype=object)
    asset_items = wanted[items["type"].to_numpy()[wanted["item"].to_numpy()] == "asset"]
    if len(asset_items):
        own = forecast.iloc[row_of[asset_items["asset_id"]].to_numpy()].reset_index(drop=True)
        costs = items["cost_eur"].to_numpy()[asset_items["item"].to_numpy()]
        options_table = bridging_options_from_forecast(own, costs=costs)
        gain_max = options_table["shifted_due_max"] - options_table["due_year"]
        options_table = options_table[(gain_max <= k_max).to_numpy()].assign(gain_max=gain_max)
        item_of = pd.Series(asset_items["item"].to_numpy(), index=asset_items["asset_id"].to_numpy())
        options_table = options_table.assign(item=options_table["asset_id"].map(item_of).to_numpy())
        options_table = options_table.sort_values("cost_eur", kind="stable")
        for k in range(1, k_max + 1):
            reach = options_table[options_table["gain_max"] >= k].drop_duplicates("item")
            bridge[reach["item"].to_numpy(dtype=int), k] = reach["cost_eur"].to_numpy()
            measures[reach["item"].to_numpy(dtype=int), k] = reach["measure"].to_numpy()
    return _Forecast(pf=per_item, covered=covered, life=life, bridge=bridge, measures=measures)


def _item_assets(items: pd.DataFrame) -> pd.DataFrame:
    """(item, asset_id): a due asset is its own asset; a work renews the assets it names."""
    is_asset = (items["type"] == "asset").to_numpy()
    own = pd.DataFrame({"item": np.flatnonzero(is_asset), "asset_id": items["id"].to_numpy()[is_asset]})
    lists = items["asset_ids"] if "asset_ids" in items else pd.Series(dtype=object)
    lists = lists[~is_asset].dropna()
    lists = lists[lists.astype(str).str.len() > 0]
    named = lists.astype(str).str.split(";").explode()
    renewed = pd.DataFrame({"item": named.index.to_numpy(dtype=int), "asset_id": named.to_numpy()})
    return pd.concat([own, renewed], ignore_index=True)


# -- openings ------------------------------------------------------------------------------------
def _openings(
    items: pd.DataFrame, members: pd.DataFrame, segments: pd.DataFrame, options: PlanOptions
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(item, segment) rows for every item that opens a segment along part of its length.

    A point on a segment (a tree, a lamp post) does not open the street: overlap 0 m.
    """
    index = pd.Series(np.arange(len(items)), index=items["key"].to_numpy())
    opening = members[members["key"].isin(index.index) & (members["overlap_m"] > 0)]
    opening = opening[items["opens_street"].to_numpy()[index[opening["key"]].to_numpy()]]
    used = np.unique(opening["segment_id"].to_numpy()) if len(opening) else np.array([], dtype=object)
    segment_table = segments.set_index("id").reindex(used)
    segment_table = pd.DataFrame(
        {
            "id": used,
            "name": segment_table["name"].to_numpy(dtype=object) if "name" in segment_table else None,
            "area_code": segment_table["area_code"].to_numpy(dtype=object),
            "width_m": segment_table["width_m"].to_numpy(dtype=float),
        }
    )
    item = index[opening["key"]].to_numpy()
    segment = pd.Series(np.arange(len(used)), index=used)[opening["segment_id"]].to_numpy()
    overlap = opening["overlap_m"].to_numpy(dtype=float)
    total = np.bincount(item, weights=overlap, minlength=len(items))
    mobilisation = figure("mobilisation_share") * items["cost_eur"].to_numpy()[item] * overlap / total[item]
    street = street_cost_eur(overlap, segment_table["width_m"].to_numpy()[segment])
    days = items["duration_days"].to_numpy()[item]
    openings = pd.DataFrame(
        {
            "item": item,
            "segment": segment,
            "overlap_m": overlap,
            "opening_eur": street + mobilisation,
            "nuisance_eur": options.nuisance_per_day * days,
            "days": days,
        }
    )
    openings = openings.groupby(["item", "segment"], as_index=False).agg(
        overlap_m=("overlap_m", "sum"),
        opening_eur=("opening_eur", "sum"),
        nuisance_eur=("nuisance_eur", "max"),
        days=("days", "max"),
    )
    openings["value_eur"] = openings["opening_eur"] + openings["nuisance_eur"]
    return openings, segment_table


def _with_solo_costs(
    candidates: pd.DataFrame, items: pd.DataFrame, openings: pd.DataFrame, options: PlanOptions
) -> pd.DataFrame:
    """Items that open the street but no segment along a length (points, unlinked) pay their own set-up."""
    has_opening = np.zeros(len(items), dtype=bool)
    has_opening[openings["item"].to_numpy()] = True
    solo = items["opens_street"].to_numpy() & ~has_opening
    setup = np.where(solo, figure("mobilisation_share") * items["cost_eur"].to_numpy(), 0.0)
    extra = setup[candidates["item"].to_numpy()]
    return candidates.assign(own_eur=candidates["own_eur"] + extra, cost_eur=candidates["cost_eur"] + extra)


# -- constraints ---------------------------------------------------------------------------------
def _exclusions(
    items: pd.DataFrame,
    openings: pd.DataFrame,
    candidates: pd.DataFrame,
    segments: pd.DataFrame,
    options: PlanOptions,
) -> pd.DataFrame:
    """Ordered pairs on a shared segment where `then` may not follow `first` within `years`.

    dig_free: `first` has a dig-free period; precedence: a rule says `then`'s discipline goes before
    `first`'s kind. Pairs that no choice of years can break, or that are both fixed, are left out.
    """
    columns = ["first", "then", "years", "group", "penalty_eur", "segment"]
    if openings.empty:
        return pd.DataFrame(columns=columns)
    pairs = openings[["item", "segment", "opening_eur"]].merge(
        openings[["item", "segment"]], on="segment", suffixes=("_f", "_t")
    )
    pairs = pairs[pairs["item_f"] != pairs["item_t"]]
    first, then = pairs["item_f"].to_numpy(), pairs["item_t"].to_numpy()
    dig_free = items["dig_free_years"].to_numpy()[first]
    precedence = np.zeros(len(pairs))
    kinds, disciplines = items["kind"].to_numpy(), items["discipline"].to_numpy()
    for rule in options.precedence:
        applies = np.isin(kinds[first], list(rule.then_kinds)) & np.isin(
            disciplines[then], list(rule.first_disciplines)
        )
        precedence = np.where(applies, np.maximum(precedence, rule.years), precedence)
    years = np.maximum(dig_free, precedence).astype(int)
    group = np.where(precedence >= np.maximum(dig_free, 1), "precedence", "dig_free")
    lo, hi = candidates.groupby("item")["year"].min(), candidates.groupby("item")["year"].max()
    lo, hi = lo.to_numpy(), hi.to_numpy()
    can_break = (hi[then] > lo[first]) & (lo[then] - hi[first] <= years)
    both_fixed = items["fixed"].to_numpy()[first] & items["fixed"].to_numpy()[then]
    keep = (years >= 1) & can_break & ~both_fixed
    table = pd.DataFrame(
        {
            "first": first[keep],
            "then": then[keep],
            "years": years[keep],
            "group": group[keep],
            "damage_eur": pairs["opening_eur"].to_numpy()[keep],
            "segment": pairs["segment"].to_numpy()[keep],
        }
    )
    # the new surface of `first` is broken on every segment both open: that share of its street works is lost
    table = table.groupby(["first", "then"], as_index=False, sort=True).agg(
        years=("years", "max"), group=("group", "first"), damage_eur=("damage_eur", "sum"), segment=("segment", "first")
    )
    table["penalty_eur"] = options.dig_free_damage_share * table["damage_eur"]
    return table[columns]


def _budgets(options: PlanOptions) -> pd.DataFrame:
    """The budgets within the horizon, summed per organisation and year."""
    columns = ["organisation", "year", "budget_eur"]
    if options.budgets is None or options.budgets.empty:
        return pd.DataFrame(columns=columns)
    budgets = options.budgets[list(columns)].copy()
    budgets["year"] = budgets["year"].astype(int)
    budgets = budgets[(budgets["year"] >= options.year_from) & (budgets["year"] <= options.year_to)]
    return budgets.groupby(["organisation", "year"], as_index=False)["budget_eur"].sum()
