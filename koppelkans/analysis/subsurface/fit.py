"""Does a claim fit? Interval arithmetic across every cross-section at once, then per segment.

In each section every occupant blocks the stretch of its body plus the clearance it keeps to the
claim. Cables and pipes that run along the street must stay reachable from above (NEN 7171-1), so a
claim may lie neither above nor below them; trees keep 2.5 m to every cable and pipe at any depth
(CROW 280); point objects (lamp-post foundations, manholes) block only where the depths meet. Both
building lines are blocked up to the claim's margin. The claim fits a section where a free stretch
is at least as wide as the claim; it fits if moved where that is true once the movable occupants
(cables, mains, lamp posts, trees; never sewers or infiltration crates) are taken out, and then the
cheapest window says what has to move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from koppelkans.analysis.subsurface.claims import Claim
from koppelkans.analysis.subsurface.profile import NETWORKS, clearance_between
from koppelkans.config import figure

__all__ = [
    "SEGMENT_FIT_COLUMNS",
    "SectionFit",
    "blocked_intervals",
    "fit_sections",
    "fits_by_segment",
    "tree_conflicts",
    "widest_gaps",
]

_FAR = 1_000.0
_GROUP = 1.0e4
_EPS = 1e-6
_PAIRS_PER_CHUNK = 2_000_000
SEGMENT_FIT_COLUMNS = [
    "segment_id",
    "verdict",
    "free_width_m",
    "blocking",
    "misfit_m",
    "unfixable_m",
    "move_cost_eur",
    "moves",
    "length_m",
    "width_m",
]


@dataclass(frozen=True, kw_only=True)
class SectionFit:
    """The fit of one claim in every section: one row per station, and what moves where."""

    stations: pd.DataFrame
    """station, fits, fixable, free_width_m, window_start_m (where the claim goes; NaN where it cannot)."""
    moves: pd.DataFrame
    """station, asset_id, discipline, shape, cost_per_m, cost_each: what must move for the claim there."""
    blockers: pd.DataFrame
    """station, asset_id: the immovable occupants of the sections where the claim cannot fit at all."""


def blocked_intervals(occupants: pd.DataFrame, claim: Claim) -> pd.DataFrame:
    """The occupants that block the claim, with the stretch [lo, hi] each keeps free of it."""
    if occupants.empty:
        return occupants.assign(lo=[], hi=[], blocks=[])
    disciplines = pd.unique(occupants["discipline"])
    clearance = occupants["discipline"].map({d: clearance_between(d, claim.discipline) for d in disciplines})
    half = occupants["size"].to_numpy(dtype=float) / 2.0 + clearance.to_numpy(dtype=float)
    x = occupants["x"].to_numpy(dtype=float)
    vertical = figure("vertical_clearance_m")
    top, bottom = claim.depth_m
    overlaps = (occupants["top"].to_numpy(dtype=float) - vertical < bottom) & (
        occupants["bottom"].to_numpy(dtype=float) + vertical > top
    )
    tree_rule = (occupants["discipline"] == "green").to_numpy() & (claim.discipline in NETWORKS)
    tree_claim = claim.is_tree & occupants["discipline"].isin(NETWORKS).to_numpy()
    blocks = occupants["longitudinal"].to_numpy(dtype=bool) | tree_rule | tree_claim | overlaps
    return occupants.assign(lo=x - half, hi=x + half, blocks=blocks)


def widest_gaps(
    station: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_stations: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The widest free stretch per station between blocked intervals, its start, and all free width together.

    Every station must have an interval reaching below every other start (the left boundary) and one
    reaching past every other end (the right boundary), so each gap lies between two intervals.
    """
    order = np.lexsort((lo, station))
    station, lo, hi = station[order], lo[order], hi[order]
    running = np.maximum.accumulate(station * _GROUP + hi) - station * _GROUP
    previous = np.concatenate([[-np.inf], running[:-1]])
    first = np.concatenate([[True], station[1:] != station[:-1]])
    gap = np.where(first, -np.inf, lo - previous)
    width = np.full(n_stations, 0.0)
    start = np.full(n_stations, np.nan)
    best = pd.Series(gap).groupby(station).idxmax()
    chosen = best.to_numpy()
    stations = best.index.to_numpy()
    width[stations] = np.maximum(gap[chosen], 0.0)
    start[stations] = np.where(gap[chosen] > 0, previous[chosen], np.nan)
    total = np.bincount(station, weights=np.maximum(gap, 0.0), minlength=n_stations)
    return width, start, total


def fit_sections(stations: pd.DataFrame, occupants: pd.DataFrame, claim: Claim) -> SectionFit:
    """Fit the claim in every station's section: fits as is, fits once movable occupants move, or not."""
    n = len(stations)
    width = stations["width_m"].to_numpy(dtype=float)
    margin = claim.building_line_margin_m
    blocked = blocked_intervals(occupants, claim)
    blocked = blocked[blocked["blocks"].to_numpy(dtype=bool)].reset_index(drop=True)
    st = blocked["station"].to_numpy(dtype=np.int64)
    lo, hi = blocked["lo"].to_numpy(dtype=float), blocked["hi"].to_numpy(dtype=float)
    movable = blocked["movable"].to_numpy(dtype=bool)
    all_st = np.arange(n, dtype=np.int64)
    bound_st = np.concatenate([all_st, all_st])
    bound_lo = np.concatenate([np.full(n, -_FAR), width - margin])
    bound_hi = np.concatenate([np.full(n, margin), np.full(n, _FAR)])
    free, start, _ = widest_gaps(
        np.concatenate([st, bound_st]), np.concatenate([lo, bound_lo]), np.concatenate([hi, bound_hi]), n
    )
    fixed = ~movable
    free_fixed, _, room = widest_gaps(
        np.concatenate([st[fixed], bound_st]),
        np.concatenate([lo[fixed], bound_lo]),
        np.concatenate([hi[fixed], bound_hi]),
        n,
    )
    fits = free >= claim.width_m - _EPS
    fixable = fits | ((free_fixed >= claim.width_m - _EPS) & (room >= _room_needed(blocked, claim, n) - _EPS))
    window = np.where(fits, start, np.nan)
    to_fix = np.flatnonzero(~fits & fixable)
    chosen, moves = _cheapest_windows(blocked, to_fix, width, claim, stations["piece_m"].to_numpy(dtype=float))
    window[to_fix] = chosen
    unfit = ~fixable
    blockers = blocked[fixed & unfit[st]][["station", "asset_id"]].reset_index(drop=True)
    table = pd.DataFrame(
        {
            "station": stations["station"].to_numpy(),
            "fits": fits,
            "fixable": fixable,
            "free_width_m": free,
            "window_start_m": window,
        }
    )
    return SectionFit(stations=table, moves=moves, blockers=blockers)


def _room_needed(blocked: pd.DataFrame, claim: Claim, n: int) -> np.ndarray:
    """Width the claim and every movable cable or pipe need side by side, with the standard clearance each.

    Moving a network only helps when it can be relaid elsewhere in the profile: a section has room
    for the claim once moved only when the free width beside its immovable occupants holds all of
    them (a capacity bound; trees and posts move along the street instead).
    """
    relaid = blocked["movable"].to_numpy(dtype=bool) & blocked["longitudinal"].to_numpy(dtype=bool)
    widths = blocked["size"].to_numpy(dtype=float)[relaid] + figure("network_clearance_m")
    per_station = np.bincount(blocked["station"].to_numpy(dtype=np.int64)[relaid], weights=widths, minlength=n)
    # a new tree keeps its CROW 280 distance on both sides from the networks relaid beside it
    own = 2.0 * figure("tree_clearance_m") if claim.is_tree else figure("network_clearance_m")
    return per_station + claim.width_m + own


def _cheapest_windows(
    blocked: pd.DataFrame, to_fix: np.ndarray, width: np.ndarray, claim: Claim, piece: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame]:
    """For each station to fix, the claim window whose movable occupants cost least to move.

    An optimal window can slide left until it touches the left margin or the end of an interval,
    so those are the candidates; each is scored against the occupants of its station (vectorised
    over candidate × occupant pairs, in chunks).
    """
    move_columns = ["station", "asset_id", "discipline", "shape", "cost_per_m", "cost_each"]
    if not len(to_fix):
        return np.array([]), pd.DataFrame(columns=move_columns)
    margin, w = claim.building_line_margin_m, claim.width_m
    sub = blocked[np.isin(blocked["station"].to_numpy(), to_fix)].sort_values("station", kind="stable")
    sub = sub.reset_index(drop=True)
    occ_st = sub["station"].to_numpy(dtype=np.int64)
    first = np.searchsorted(occ_st, to_fix, side="left")
    count = np.searchsorted(occ_st, to_fix, side="right") - first
    cand_st = np.concatenate([to_fix, occ_st])
    cand_a = np.concatenate([np.full(len(to_fix), margin), sub["hi"].to_numpy(dtype=float)])
    lookup = pd.Series(np.arange(len(to_fix)), index=to_fix)
    cand_slot = lookup[cand_st].to_numpy()
    lo, hi = sub["lo"].to_numpy(dtype=float), sub["hi"].to_numpy(dtype=float)
    movable = sub["movable"].to_numpy(dtype=bool)
    weight = np.where(
        sub["shape"].to_numpy() == "point",
        sub["cost_each"].to_numpy(dtype=float),
        sub["cost_per_m"].to_numpy(dtype=float) * piece[occ_st],
    )
    best_cost = np.full(len(to_fix), np.inf)
    best_a = np.full(len(to_fix), np.nan)
    per_candidate = count[cand_slot]
    bounds = np.searchsorted(
        np.cumsum(per_candidate), np.arange(_PAIRS_PER_CHUNK, per_candidate.sum() + 1, _PAIRS_PER_CHUNK)
    )
    for part in np.split(np.arange(len(cand_st)), bounds):  # chunks bound memory, not a loop over features
        if not len(part):
            continue
        reps = per_candidate[part]
        c = np.repeat(part, reps)
        occ = np.repeat(first[cand_slot[part]], reps) + (np.arange(len(c)) - np.repeat(np.cumsum(reps) - reps, reps))
        a = cand_a[c]
        hit = (lo[occ] < a + w - _EPS) & (hi[occ] > a + _EPS)
        bad = np.bincount(c - part[0], weights=(hit & ~movable[occ]).astype(float), minlength=len(part)) > 0
        cost = np.bincount(c - part[0], weights=np.where(hit & movable[occ], weight[occ], 0.0), minlength=len(part))
        slot = cand_slot[part]
        bad |= cand_a[part] + w > width[cand_st[part]] - margin + _EPS
        bad |= cand_a[part] < margin - _EPS
        cost = np.where(bad, np.inf, cost)
        # keep, per station, the cheapest candidate (ties: the leftmost)
        order = np.lexsort((cand_a[part], cost, slot))
        first_of = np.concatenate([[True], slot[order][1:] != slot[order][:-1]])
        pick = order[first_of]
        better = cost[pick] < best_cost[slot[pick]] - _EPS
        best_cost[slot[pick][better]] = cost[pick][better]
        best_a[slot[pick][better]] = cand_a[part][pick][better]
    a = best_a[lookup[occ_st].to_numpy()]
    moved = movable & (lo < a + w - _EPS) & (hi > a + _EPS)
    moves = sub.loc[moved, move_columns].reset_index(drop=True)
    return best_a, moves


def fits_by_segment(stations: pd.DataFrame, fit: SectionFit, claim: Claim) -> pd.DataFrame:
    """Per segment: verdict, free width at its narrowest section, what blocks, misfit length, move cost."""
    table = stations[["station", "segment_id", "piece_m", "width_m"]].merge(fit.stations, on="station")
    piece = table["piece_m"].to_numpy(dtype=float)
    table["misfit_m"] = np.where(table["fits"], 0.0, piece)
    table["unfixable_m"] = np.where(table["fixable"], 0.0, piece)
    per = table.groupby("segment_id", sort=False).agg(
        free_width_m=("free_width_m", "min"),
        misfit_m=("misfit_m", "sum"),
        unfixable_m=("unfixable_m", "sum"),
        length_m=("piece_m", "sum"),
        width_m=("width_m", "min"),
    )
    verdict = np.where(per["unfixable_m"] > 0, "does_not_fit", np.where(per["misfit_m"] > 0, "fits_if_moved", "fits"))
    per["verdict"] = verdict
    moves = _moves_by_segment(stations, fit.moves)
    blockers = fit.blockers.merge(stations[["station", "segment_id"]], on="station")
    blocking_ids = pd.concat([moves[["segment_id", "asset_id"]], blockers[["segment_id", "asset_id"]]])
    blocking = blocking_ids.drop_duplicates().groupby("segment_id")["asset_id"].agg(lambda ids: tuple(sorted(ids)))
    per["blocking"] = [blocking.get(segment, ()) for segment in per.index]
    cost = moves.groupby("segment_id")["cost_eur"].sum()
    per["move_cost_eur"] = per.index.map(cost).fillna(0.0).to_numpy(dtype=float)
    listed = moves.groupby("segment_id").apply(_move_list, include_groups=False) if len(moves) else pd.Series()
    per["moves"] = [listed.get(s, ()) for s in per.index]
    per["free_width_m"] = per["free_width_m"].round(2)
    per["misfit_m"] = per["misfit_m"].round(1)
    per["unfixable_m"] = per["unfixable_m"].round(1)
    per["move_cost_eur"] = per["move_cost_eur"].round(-1)
    per["length_m"] = per["length_m"].round(1)
    return per.reset_index()[SEGMENT_FIT_COLUMNS]


def _moves_by_segment(stations: pd.DataFrame, moves: pd.DataFrame) -> pd.DataFrame:
    """Per segment and asset: the length over which it moves and what that costs (a point once)."""
    columns = ["segment_id", "asset_id", "discipline", "length_m", "cost_eur"]
    if moves.empty:
        return pd.DataFrame(columns=columns)
    joined = moves.merge(stations[["station", "segment_id", "piece_m"]], on="station")
    per = joined.groupby(["segment_id", "asset_id"], sort=True).agg(
        discipline=("discipline", "first"),
        shape=("shape", "first"),
        length_m=("piece_m", "sum"),
        cost_per_m=("cost_per_m", "first"),
        cost_each=("cost_each", "first"),
    )
    point = per["shape"] == "point"
    per["length_m"] = np.where(point, 0.0, per["length_m"])
    per["cost_eur"] = np.where(point, per["cost_each"], per["cost_per_m"] * per["length_m"])
    return per.reset_index()[columns]


def _move_list(group: pd.DataFrame) -> tuple[dict[str, object], ...]:
    return tuple(
        {
            "type": "asset",
            "id": str(row.asset_id),
            "discipline": str(row.discipline),
            "length_m": round(float(row.length_m), 1),
            "cost_eur": round(float(row.cost_eur), -1),
        }
        for row in group.itertuples(index=False)
    )


def tree_conflicts(occupants: pd.DataFrame) -> pd.DataFrame:
    """Existing trees closer than CROW 280's 2.5 m to a cable or pipe in the same section (one row per pair)."""
    columns = ["station", "tree_id", "asset_id", "discipline", "distance_m"]
    trees = occupants[(occupants["discipline"] == "green") & (occupants["shape"] == "point")]
    networks = occupants[occupants["discipline"].isin(NETWORKS) & occupants["longitudinal"]]
    if trees.empty or networks.empty:
        return pd.DataFrame(columns=columns)
    pairs = trees.merge(networks, on="station", suffixes=("_tree", ""))
    gap = (pairs["x"] - pairs["x_tree"]).abs() - pairs["size_tree"] / 2.0 - pairs["size"] / 2.0
    pairs = pairs.assign(distance_m=np.maximum(gap, 0.0).round(2))
    close = pairs[pairs["distance_m"] < figure("tree_clearance_m") - _EPS]
    close = close.rename(columns={"asset_id_tree": "tree_id"})[columns]
    close = close.sort_values(["tree_id", "asset_id", "distance_m"]).drop_duplicates(["tree_id", "asset_id"])
    return close.reset_index(drop=True)
