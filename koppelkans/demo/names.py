"""Names that make the demo read like Twente: neighbourhoods, wijken and street names.

Enschede and Hengelo get real neighbourhood names (by the era they were built in); other towns get
common Dutch ones. Streets follow the Dutch habit of one theme per neighbourhood.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "COMPASS",
    "compass_name",
    "main_road_names",
    "neighbourhood_names",
    "radial_road_name",
    "street_names",
]

_ENSCHEDE: dict[str, tuple[str, ...]] = {
    "centre": ("Binnensingelgebied", "De Laares", "Lasonder-Zeggelt", "Cromhoffsbleek-Kotman", "Horstlanden-Veldkamp"),
    "prewar": (
        "Pathmos",
        "Velve-Lindenhof",
        "Tubantia-Toekomst",
        "Het Zwering",
        "Boddenkamp",
        "Sleutelkamp",
        "Getfert",
        "Bolhaar",
        "Walhof-Roessingh",
        "Elferink-Heuwkamp",
        "Hogeland-Noord",
        "Lipperkerkstraat-Noord",
    ),
    "postwar": (
        "Twekkelerveld",
        "Stadsveld",
        "Boswinkel",
        "Wesselerbrink",
        "Mekkelholt",
        "Deppenbroek",
        "Varvik-Diekman",
        "Ruwenbos",
        "Schreurserve",
        "Het Wooldrik",
        "Hogeland-Zuid",
        "Drienerveld",
        "Bruggert",
        "Glanerveld",
    ),
    "seventies": (
        "Stroinkslanden",
        "Helmerhoek",
        "Dolphia",
        "Ribbelt",
        "Stokhorst",
        "Perik",
        "Park Stokhorst",
        "Geessinkweg",
        "Het Brunink",
        "De Bijvank",
        "Sterrenbuurt",
    ),
    "vinex": (
        "De Eschmarke",
        "Roombeek",
        "Hogeland-Oost",
        "Broekheurne",
        "Dennekamp",
        "Het Vaneker",
        "Zuid-Esmarke",
        "Westelijke Esch",
        "Hoge Hexel",
    ),
    "industrial": (
        "Marssteden",
        "Haven",
        "Twentekanaal",
        "Kennispark",
        "Josink Esch",
        "Zuiderval",
        "Westerval",
        "Binnenhaven",
        "Euregioweg",
        "De Reggen",
    ),
}

_HENGELO: dict[str, tuple[str, ...]] = {
    "centre": ("Binnenstad", "Hart van Zuid", "Noorderhagen", "Het Lansink"),
    "prewar": ("Tuindorp 't Lansink", "Nijverheid", "Berflo Es", "Sluitersveld", "Villapark"),
    "postwar": ("Hasseler Es", "Klein Driene", "Wilderinkshoek", "Slangenbeek", "Kristalbuurt", "Veldwijk"),
    "seventies": ("Groot Driene", "Woolde", "Hasseler Es-Zuid", "De Hoeve", "Ter Bosch", "Gezellenbuurt"),
    "vinex": ("Vossenbelt", "Hengelose Es", "Thiemsbrug", "Oele", "Veldkamp"),
    "industrial": ("Twentekanaal", "Havengebied", "Westermaat", "Hazewinkel", "Twence"),
}

_GENERIC: dict[str, tuple[str, ...]] = {
    "centre": ("Centrum", "Binnenstad", "Oude Kern", "Stationsbuurt", "Kerkbuurt"),
    "prewar": ("Tuindorp", "Oranjewijk", "Molenkamp", "De Esch", "Stationskwartier", "Burgemeesterswijk", "Het Kamp"),
    "postwar": ("De Brink", "Kerkenveld", "Het Veld", "Schildersbuurt", "Bloemenbuurt", "De Weuste", "Zuidbroek"),
    "seventies": ("De Marke", "Het Hulsbeek", "Vogelbuurt", "Boomkamp", "Hoge Es", "De Haare", "Ter Horst"),
    "vinex": ("De Akkers", "Waterrijk", "De Hagen", "Esmarke", "Het Loo", "Veldhoek", "Nieuwe Es"),
    "industrial": ("Bedrijvenpark", "Industrieterrein", "De Mors", "Havenkwartier", "Euregio Parc"),
}

_TOWN_NEIGHBOURHOODS = {"GM0153": _ENSCHEDE, "GM0164": _HENGELO}
_SUFFIXES = ("Noord", "Zuid", "Oost", "West", "Midden", "II", "III")

COMPASS = ("Noord", "Noord-Oost", "Oost", "Zuid-Oost", "Zuid", "Zuid-West", "West", "Noord-West")
"""Compass names, clockwise from north (45 degrees each)."""

_COMPASS_ADJECTIVE = ("Noorder", "Noordooster", "Ooster", "Zuidooster", "Zuider", "Zuidwester", "Wester", "Noordwester")

_THEMES: dict[str, tuple[str, ...]] = {
    "bloemen": ("Rozen", "Tulp", "Lelie", "Anjer", "Narcis", "Iris", "Dahlia", "Goudsbloem", "Krokus", "Papaver"),
    "bomen": ("Eiken", "Beuken", "Linden", "Berken", "Essen", "Wilgen", "Populieren", "Kastanje", "Elzen", "Iepen"),
    "vogels": ("Merel", "Lijster", "Spreeuwen", "Mussen", "Zwaluw", "Kievit", "Reiger", "Specht", "Vink", "Uilen"),
    "schrijvers": (
        "Vondel",
        "Bilderdijk",
        "Multatuli",
        "Potgieter",
        "Tollens",
        "Da Costa",
        "Hooft",
        "Staring",
        "Beets",
    ),
    "schilders": (
        "Rembrandt",
        "Vermeer",
        "Hals",
        "Steen",
        "Ruisdael",
        "Mesdag",
        "Israëls",
        "Maris",
        "Mauve",
        "Breitner",
    ),
    "componisten": ("Mozart", "Bach", "Haydn", "Chopin", "Schubert", "Brahms", "Händel", "Verdi", "Grieg", "Sweelinck"),
    "ambachten": ("Smids", "Bakkers", "Wevers", "Kuipers", "Molenaars", "Timmer", "Spinners", "Ververs", "Leidekkers"),
    "twentse erven": ("Brink", "Hoeve", "Kamp", "Esch", "Veld", "Hof", "Marke", "Horst", "Broek", "Haar", "Wieke"),
    "sterren": ("Orion", "Pegasus", "Sirius", "Vega", "Andromeda", "Castor", "Pollux", "Draco", "Lyra", "Perseus"),
    "rivieren": ("Dinkel", "Regge", "Berkel", "Vecht", "Schipbeek", "Twickel", "Glanerbeek", "Roombeek", "Buurser"),
    "industrie": ("Industrie", "Transport", "Energie", "Haven", "Nijverheids", "Handels", "Expeditie", "Fabrieks"),
}

_ERA_SUFFIXES: dict[str, tuple[str, ...]] = {
    "centre": ("straat", "steeg", "straat", "plein", "markt", "gang"),
    "prewar": ("straat", "straat", "laan", "plein"),
    "postwar": ("straat", "laan", "straat", "weg"),
    "seventies": ("erve", "brink", "hof", "kamp", "straat", "hoek"),
    "vinex": ("laan", "hof", "dreef", "singel", "straat", "park"),
    "industrial": ("weg", "straat", "weg"),
    "rural": ("weg", "dijk", "weg", "laan"),
}

_ERA_THEMES: dict[str, tuple[str, ...]] = {
    "centre": ("ambachten", "rivieren", "schrijvers"),
    "prewar": ("schrijvers", "schilders", "componisten", "bomen"),
    "postwar": ("bloemen", "bomen", "vogels", "schilders", "componisten"),
    "seventies": ("twentse erven", "vogels", "sterren", "bloemen"),
    "vinex": ("rivieren", "sterren", "bomen", "twentse erven"),
    "industrial": ("industrie", "ambachten"),
    "rural": ("twentse erven", "rivieren"),
}

_ENSCHEDE_MAIN_ROADS = (
    "Hengelosestraat",
    "Haaksbergerstraat",
    "Gronausestraat",
    "Oldenzaalsestraat",
    "Deurningerstraat",
    "Kuipersdijk",
    "Hoge Bothofstraat",
    "Lasondersingel",
    "Boddenkampsingel",
    "Getfertsingel",
    "Varviksingel",
    "Wesselernering",
    "Broekheurnering",
    "Europalaan",
    "Kottendijk",
    "Spelbergsweg",
    "Lipperkerkstraat",
    "Ariënslaan",
    "Oliemolensingel",
    "Roomweg",
    "Tubantiasingel",
    "Pathmossingel",
    "Lonnekerweg",
    "Usselerrondweg",
    "Vliegveldweg",
    "Buurserstraat",
    "Dr. Stamstraat",
    "Schuttersveld",
    "Hogelandsingel",
    "Laaressingel",
)
_GENERIC_MAIN_ROADS = (
    "Stationsweg",
    "Kerkweg",
    "Molenweg",
    "Hoofdstraat",
    "Grotestraat",
    "Oranjelaan",
    "Nijverheidsstraat",
    "Julianalaan",
    "Wilhelminalaan",
    "Burgemeester Lambooylaan",
    "Parallelweg",
    "Schoolstraat",
    "Markeweg",
    "Esweg",
    "Dorpsstraat",
    "Veldweg",
)


def _unique(candidates: list[str], count: int, *, taken: set[str] | None = None) -> list[str]:
    """`count` distinct names not in `taken`: the candidates first, then the candidates with a suffix."""
    names: list[str] = []
    if count <= 0:
        return names
    seen: set[str] = set(taken or ())
    rounds = [""] + [f" {s}" for s in _SUFFIXES] + [f" {n}" for n in range(4, 1_000)]
    for suffix in rounds:
        for base in candidates:
            name = f"{base}{suffix}"
            if name not in seen:
                seen.add(name)
                names.append(name)
                if len(names) == count:
                    return names
    return names


def neighbourhood_names(town_code: str, eras: list[str], rng: np.random.Generator) -> list[str]:
    """A distinct name for each neighbourhood, drawn from the names of its era (real ones for Enschede)."""
    pools = _TOWN_NEIGHBOURHOODS.get(town_code, _GENERIC)
    names: list[str] = [""] * len(eras)
    taken: set[str] = set()
    for era in dict.fromkeys(eras):
        where = [i for i, e in enumerate(eras) if e == era]
        pool = list(pools.get(era, _GENERIC["industrial"]))
        drawn = [pool[i] for i in rng.permutation(len(pool))]
        chosen = _unique(drawn, len(where), taken=taken)
        for i, name in zip(where, chosen):
            names[i] = name
            taken.add(name)
    return names


def compass_name(angle: float, *, adjective: bool = False) -> str:
    """The compass direction of an angle (radians, mathematical: 0 = east, counter-clockwise)."""
    bearing = (90.0 - np.degrees(angle)) % 360.0
    index = int(((bearing + 22.5) % 360.0) // 45.0)
    return _COMPASS_ADJECTIVE[index] if adjective else COMPASS[index]


def street_names(era: str, count: int, rng: np.random.Generator, *, taken: set[str]) -> list[str]:
    """`count` distinct street names in one theme suited to the era, avoiding names already used in the town."""
    themes = _ERA_THEMES.get(era, ("bomen",))
    theme = themes[int(rng.integers(len(themes)))]
    words = [_THEMES[theme][i] for i in rng.permutation(len(_THEMES[theme]))]
    suffixes = _ERA_SUFFIXES.get(era, ("straat",))
    candidates = [f"{w}{suffixes[(i + j) % len(suffixes)]}" for j in range(len(suffixes)) for i, w in enumerate(words)]
    chosen = _unique(list(dict.fromkeys(candidates)), count, taken=taken)
    taken.update(chosen)
    return chosen


def main_road_names(town_code: str, count: int, rng: np.random.Generator, *, taken: set[str]) -> list[str]:
    """Names for the town's distributor roads (real Enschede ones for Enschede)."""
    pool = _ENSCHEDE_MAIN_ROADS if town_code == "GM0153" else _GENERIC_MAIN_ROADS
    drawn = [pool[i] for i in rng.permutation(len(pool))]
    chosen = _unique(drawn, count, taken=taken)
    taken.update(chosen)
    return chosen


def radial_road_name(destination: str) -> str:
    """The Dutch name of the road towards a town: Hengelo → Hengelosestraat, Oldenzaal → Oldenzaalsestraat."""
    base = destination.split()[-1] if " " in destination else destination
    return f"{base}sestraat" if not base.endswith("s") else f"{base}estraat"
