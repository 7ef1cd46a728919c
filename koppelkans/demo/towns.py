"""Which towns the demo builds for a scale: Enschede shrunk or whole, then the towns around it.

`--scale 1` is Enschede (≈160,000 inhabitants); below 1 it is a smaller Enschede (the core and the
first rings of neighbourhoods); above 1 the real municipalities of Twente and beyond are added in
order of distance, each a town of its own size at its real place, until the inhabitants add up.
Each town is generated on its own, so memory grows with the largest town, not with the scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from koppelkans.demo.figures import demo_figure
from koppelkans.errors import InputError

__all__ = ["CATALOGUE", "MAX_SCALE", "MIN_SCALE", "Town", "territory_of", "town_rng", "towns_for_scale"]


@dataclass(frozen=True, kw_only=True)
class Town:
    """A municipality to generate: CBS code, name, centre in RD New, inhabitants and its utilities."""

    index: int
    code: str
    name: str
    centre: tuple[float, float]
    inhabitants: int
    water_board: str
    grid_operator: str

    @property
    def digits(self) -> str:
        """The four digits of the CBS code (0153 for GM0153), used in wijk and buurt codes."""
        return self.code[2:]


_VECHTSTROMEN, _WDOD, _RIJN_IJSSEL, _VALLEI = "VECHTSTROMEN", "WDODELTA", "RIJNIJSSEL", "VALLEIVELUWE"

# code, name, RD x, RD y (town centre, rounded to 100 m; a few nudged apart), inhabitants (CBS, rounded),
# water board, grid operator. Ordered by distance from Enschede, so a larger scale adds the nearest towns.
_TOWNS: tuple[tuple[str, str, float, float, int, str, str], ...] = (
    ("GM0153", "Enschede", 257_900, 471_400, 160_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM0164", "Hengelo", 250_600, 476_800, 82_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM0168", "Losser", 265_900, 476_300, 23_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM0173", "Oldenzaal", 260_400, 482_600, 32_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM0158", "Haaksbergen", 247_500, 463_600, 24_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM0147", "Borne", 246_500, 481_900, 24_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM1774", "Dinkelland", 266_000, 489_500, 26_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM0183", "Tubbergen", 251_100, 492_200, 21_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM1735", "Hof van Twente", 236_700, 472_400, 35_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM0141", "Almelo", 242_300, 486_700, 74_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM1859", "Berkelland", 241_700, 457_900, 44_000, _RIJN_IJSSEL, "LIANDER"),
    ("GM0189", "Wierden", 235_300, 487_000, 25_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM1742", "Rijssen-Holten", 231_700, 480_200, 38_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM1700", "Twenterand", 239_800, 493_300, 34_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM1586", "Oost Gelre", 239_400, 451_100, 30_000, _RIJN_IJSSEL, "LIANDER"),
    ("GM0294", "Winterswijk", 246_500, 443_500, 29_000, _RIJN_IJSSEL, "LIANDER"),
    ("GM0163", "Hellendoorn", 228_300, 486_600, 36_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM0262", "Lochem", 225_100, 464_000, 34_000, _RIJN_IJSSEL, "LIANDER"),
    ("GM0197", "Aalten", 236_900, 438_300, 27_000, _RIJN_IJSSEL, "LIANDER"),
    ("GM0160", "Hardenberg", 238_500, 510_500, 61_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM0177", "Raalte", 215_400, 489_000, 38_000, _WDOD, "ENEXIS"),
    ("GM0175", "Ommen", 225_100, 504_300, 18_000, _VECHTSTROMEN, "ENEXIS"),
    ("GM0301", "Zutphen", 210_700, 461_500, 48_000, _RIJN_IJSSEL, "LIANDER"),
    ("GM0222", "Doetinchem", 217_000, 442_200, 58_000, _RIJN_IJSSEL, "LIANDER"),
    ("GM1509", "Oude IJsselstreek", 225_500, 436_000, 39_000, _RIJN_IJSSEL, "LIANDER"),
    ("GM0150", "Deventer", 208_000, 474_400, 101_000, _WDOD, "ENEXIS"),
    ("GM0148", "Dalfsen", 214_100, 502_300, 29_000, _WDOD, "ENEXIS"),
    ("GM1773", "Olst-Wijhe", 205_800, 488_900, 18_000, _WDOD, "ENEXIS"),
    ("GM0285", "Voorst", 203_500, 465_800, 24_000, _VALLEI, "LIANDER"),
    ("GM0213", "Brummen", 205_400, 455_000, 21_000, _RIJN_IJSSEL, "LIANDER"),
    ("GM0193", "Zwolle", 203_000, 503_000, 130_000, _WDOD, "ENEXIS"),
    ("GM0200", "Apeldoorn", 194_800, 469_400, 165_000, _VALLEI, "LIANDER"),
    ("GM0180", "Staphorst", 210_800, 517_800, 17_000, _WDOD, "ENEXIS"),
    ("GM1896", "Zwartewaterland", 202_900, 511_800, 23_000, _WDOD, "ENEXIS"),
    ("GM0232", "Epe", 195_600, 484_300, 33_000, _VALLEI, "LIANDER"),
    ("GM0166", "Kampen", 190_500, 507_600, 55_000, _WDOD, "ENEXIS"),
    ("GM1708", "Steenwijkerland", 204_400, 533_600, 44_000, _WDOD, "ENEXIS"),
)

CATALOGUE: tuple[Town, ...] = tuple(
    Town(
        index=i,
        code=code,
        name=name,
        centre=(float(x), float(y)),
        inhabitants=inhabitants,
        water_board=water_board,
        grid_operator=grid,
    )
    for i, (code, name, x, y, inhabitants, water_board, grid) in enumerate(_TOWNS)
)
"""Every town the demo can build, nearest to Enschede first."""

_SMALLEST_TOWN = 5_000
MIN_SCALE = 0.01
MAX_SCALE = round(sum(t.inhabitants for t in CATALOGUE) / demo_figure("enschede_inhabitants"), 2)


def towns_for_scale(scale: float) -> list[Town]:
    """The towns (with their inhabitants) that make up a demo of `scale` × Enschede."""
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise InputError(f"--scale must lie between {MIN_SCALE} and {MAX_SCALE} (a province), got {scale}")
    budget = round(scale * demo_figure("enschede_inhabitants"))
    enschede = CATALOGUE[0]
    if budget <= enschede.inhabitants:
        return [_with_inhabitants(enschede, budget)]
    towns: list[Town] = []
    for town in CATALOGUE:
        if budget < _SMALLEST_TOWN:
            break
        take = min(town.inhabitants, budget)
        towns.append(_with_inhabitants(town, take))
        budget -= take
    return towns


def _with_inhabitants(town: Town, inhabitants: int) -> Town:
    return Town(
        index=town.index,
        code=town.code,
        name=town.name,
        centre=town.centre,
        inhabitants=inhabitants,
        water_board=town.water_board,
        grid_operator=town.grid_operator,
    )


@cache
def _territories() -> tuple[BaseGeometry, ...]:
    """Each catalogue town's share of the map: its cell in the Voronoi diagram of the town centres."""
    centres = shapely.points(np.array([t.centre for t in CATALOGUE]))
    frame = shapely.box(100_000, 380_000, 330_000, 620_000)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=frame, ordered=True))
    return tuple(shapely.intersection(cells, frame))


def territory_of(town: Town) -> BaseGeometry:
    """The land no other catalogue town is nearer to; a municipality never crosses it."""
    return _territories()[town.index]


_STREAMS = {"areas": 1, "streets": 2, "assets": 3, "works": 4, "tasks": 5, "history": 6}


def town_rng(seed: int, town: Town, purpose: str) -> np.random.Generator:
    """An independent, reproducible random stream per (seed, town, purpose).

    A town is the same whatever else the scale adds, and a change in one module's draws leaves the
    other modules' draws alone.
    """
    return np.random.default_rng([seed, town.index, _STREAMS[purpose]])
