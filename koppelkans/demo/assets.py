"""The assets in and under every street, per discipline, as the street's history left them.

Each network follows its street: laid when the street was built (or when the technology arrived),
renewed as its material wore out (`materials`), at its place in the NEN 7171-1 order counted from
the building line on one side of the street (telecom, LV, gas, water, MV, lighting), with the
covers of §8. Sewers run in the road, split into pipes between manholes; trees stand on the side
away from the cables. Replacement costs use the figures of §8 and `demo.figures`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.config import CRS
from koppelkans.demo.areas import TownLayout
from koppelkans.demo.figures import DEMO_YEAR, demo_figure
from koppelkans.demo.materials import LIFECYCLES, Renewed, observed_condition, renewed_assets
from koppelkans.demo.organisations import department_code
from koppelkans.demo.towns import Town, town_rng

__all__ = ["assets_from_streets", "sewer_cost_per_m"]

_MAIN_CLASSES = ("gebiedsontsluitingsweg", "wijkontsluitingsweg", "buurtontsluitingsweg", "provinciale weg")
_RURAL_CLASSES = ("landweg", "provinciale weg")
_PIPE_MAX_M = 1.3 * demo_figure("sewer_m_per_manhole")
"""Longest pipe between manholes: equal pieces of at most this length average ≈40 m (GWSW Juinen, §8)."""
_SEPARATED_FROM = 1975


def assets_from_streets(layout: TownLayout, segments: gpd.GeoDataFrame, *, seed: int) -> gpd.GeoDataFrame:
    """Every asset of a town, in the exchange schema (the street segment kept as an attribute)."""
    town = layout.town
    rng = town_rng(seed, town, "assets")
    streets = _streets(layout, segments, rng)
    parts = [
        *_sewers(streets, town, rng),
        _pressure_mains(streets, town, rng),
        _water_storage(streets, town, rng),
        _roads(streets, town, rng),
        _water_mains(streets, town, rng),
        _gas_mains(streets, town, rng),
        _low_voltage(streets, town, rng),
        _medium_voltage(streets, town, rng),
        _telecom(streets, town, rng),
        _fibre(streets, town, rng),
        _heat(streets, town, rng),
        _lighting(streets, town, rng),
        _trees(streets, town, rng),
    ]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)


def sewer_cost_per_m(diameter_mm: np.ndarray) -> np.ndarray:
    """Replacement cost per metre: ≈€400/m at Ø300 to ≈€800/m at Ø700 (RIONED, §8), extended linearly."""
    low, high = demo_figure("sewer_cost_per_m_300"), demo_figure("sewer_cost_per_m_700")
    return np.maximum(300.0, low + (np.asarray(diameter_mm, dtype=float) - 300.0) * (high - low) / 400.0)


# -- the working frame -------------------------------------------------------------------------
def _streets(layout: TownLayout, segments: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Segments with what the assets depend on: era, buurt flags, and the side of the cable strip."""
    buurten = layout.buurten.set_index("code")
    codes = segments["area_code"].to_numpy()
    return pd.DataFrame(
        {
            "segment_id": segments["id"].to_numpy(),
            "line": segments.geometry.to_numpy(),
            "length": shapely.length(segments.geometry.to_numpy()),
            "width": segments["width_m"].to_numpy(dtype=float),
            "street_class": segments["street_class"].to_numpy(),
            "built": segments["construction_year"].to_numpy(dtype=int),
            "era": buurten.loc[codes, "era"].to_numpy(),
            "existing_heat": buurten.loc[codes, "existing_heat"].to_numpy(dtype=bool),
            "fibre_year": buurten.loc[codes, "fibre_year"].to_numpy(dtype=int),
            "name": segments["name"].to_numpy(),
            "side": rng.choice([-1.0, 1.0], len(segments)),
        }
    )


def _strip(streets: pd.DataFrame, from_building_line: float, *, side: np.ndarray | None = None) -> np.ndarray:
    """A line along each street at a distance from the building line on the cable-strip side (NEN 7171-1)."""
    side = streets["side"].to_numpy() if side is None else side
    distance = side * np.maximum(streets["width"].to_numpy() / 2.0 - from_building_line, 0.3)
    return _offset(streets["line"].to_numpy(), distance)


def _offset(lines: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Parallel lines at a distance (left positive); where a tight curve breaks the offset, the line itself."""
    moved = shapely.offset_curve(lines, distance, join_style="mitre", mitre_limit=2.0)
    broken = (shapely.get_type_id(moved) != 1) | shapely.is_empty(moved)
    return np.where(broken, lines, moved)


def _assets(
    *,
    town: Town,
    organisation: str,
    discipline: str,
    prefix: str,
    asset_type: np.ndarray | str,
    geometry: np.ndarray,
    renewed: Renewed,
    condition: tuple[np.ndarray, np.ndarray],
    diameter: np.ndarray | float | None,
    depth: np.ndarray | float | None,
    cost: np.ndarray,
    segment_id: np.ndarray,
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One discipline's assets in the exchange schema, with stable ids."""
    n = len(geometry)
    local = f"{organisation}:" if organisation.startswith(town.code) else f"{organisation}:{town.digits}-"
    state, year = condition
    frame = pd.DataFrame(
        {
            "id": local + prefix + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(6).to_numpy(dtype=object),
            "organisation": organisation,
            "discipline": discipline,
            "asset_type": asset_type,
            "material": renewed.material,
            "diameter_mm": np.nan if diameter is None else diameter,
            "depth_m": np.nan if depth is None else np.round(depth, 2),
            "install_year": renewed.install_year,
            "condition": pd.array(np.where(state > 0, state, 0), dtype="Int64"),
            "condition_year": pd.array(np.where(year > 0, year, 0), dtype="Int64"),
            "replacement_cost_eur": np.round(cost, -1),
            "segment_id": segment_id,
            **(extra or {}),
            "geometry": geometry,
        }
    )
    never = frame["condition"] == 0
    frame.loc[never, ["condition", "condition_year"]] = pd.NA
    return frame


def _pieces(lines: np.ndarray, max_length: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut lines into equal straight pieces of at most max_length: (pieces, owner line, start points)."""
    count = np.maximum(1, np.ceil(shapely.length(lines) / max_length)).astype(int)
    owner = np.repeat(np.arange(len(lines)), count)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    start = shapely.line_interpolate_point(lines[owner], k / count[owner], normalized=True)
    end = shapely.line_interpolate_point(lines[owner], (k + 1) / count[owner], normalized=True)
    coords = np.stack([shapely.get_coordinates(start), shapely.get_coordinates(end)], axis=1)
    return shapely.linestrings(coords), owner, start


def _points_along(lines: np.ndarray, spacing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points every `spacing` metres along each line, starting half a spacing in: (points, owner line)."""
    length = shapely.length(lines)
    count = np.floor(length / spacing).astype(int)
    owner = np.repeat(np.arange(len(lines)), count)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    at = (k + 0.5) * spacing[owner]
    return shapely.line_interpolate_point(lines[owner], at), owner


# -- municipality: sewer, roads, lighting, trees, water storage --------------------------------
def _sewers(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> list[pd.DataFrame]:
    """Sewer pipes between manholes: one combined sewer in older streets, foul and storm sewers in newer ones."""
    urban = streets[~streets["street_class"].isin(_RURAL_CLASSES)]
    separated = urban["built"].to_numpy() >= _SEPARATED_FROM
    collector = (urban["street_class"] != "woonerf").to_numpy()
    storm = separated & collector & (rng.random(len(urban)) < np.where(urban["era"] == "vinex", 0.3, 0.5))
    runs = [
        ("gemengd riool", ~separated, 0.0),
        ("vuilwaterriool (DWA)", separated, 0.9),
        ("hemelwaterriool (HWA)", storm, -0.9),
    ]
    pipes, manholes = [], []
    for asset_type, mask, offset in runs:
        run = urban[mask]
        if run.empty:
            continue
        line = _offset(run["line"].to_numpy(), offset * run["side"].to_numpy())
        diameter = _sewer_diameters(run, asset_type, rng)
        strand = renewed_assets(LIFECYCLES["sewer"], run["built"].to_numpy(), rng)
        material = np.where(diameter >= 500, "beton", strand.material)
        geoms, owner, starts = _pieces(line, _PIPE_MAX_M)
        renewed = Renewed(install_year=strand.install_year[owner], material=material[owner], life=strand.life[owner])
        length = shapely.length(geoms)
        depth = 1.4 + diameter[owner] / 1000.0 + rng.uniform(0.0, 1.2, len(geoms))
        segment_id = run["segment_id"].to_numpy()[owner]
        common = {"town": town, "organisation": department_code(town, "RIO"), "discipline": "sewer"}
        pipes.append(
            (
                common,
                asset_type,
                geoms,
                renewed,
                diameter[owner],
                depth,
                length * sewer_cost_per_m(diameter[owner]),
                segment_id,
                length,
            )
        )
        manholes.append((common, starts, renewed, depth, segment_id))
    result = []
    prefix_pipes = _concat_runs(pipes, rng, prefix="R")
    if prefix_pipes is not None:
        result.append(prefix_pipes)
    prefix_manholes = _concat_manholes(manholes, rng)
    if prefix_manholes is not None:
        result.append(prefix_manholes)
    return result


def _concat_runs(runs: list[tuple], rng: np.random.Generator, *, prefix: str) -> pd.DataFrame | None:
    """The pipes of all sewer runs as one frame (so their ids run on)."""
    if not runs:
        return None
    common = runs[0][0]
    renewed = Renewed(
        install_year=np.concatenate([r[3].install_year for r in runs]),
        material=np.concatenate([r[3].material for r in runs]),
        life=np.concatenate([r[3].life for r in runs]),
    )
    asset_type = np.concatenate([np.full(len(r[2]), r[1], dtype=object) for r in runs])
    return _assets(
        **common,
        prefix=prefix,
        asset_type=asset_type,
        geometry=np.concatenate([r[2] for r in runs]),
        renewed=renewed,
        condition=observed_condition(renewed, rng, share=0.6, within_years=10),
        diameter=np.concatenate([r[4] for r in runs]),
        depth=np.concatenate([r[5] for r in runs]),
        cost=np.concatenate([r[6] for r in runs]),
        segment_id=np.concatenate([r[7] for r in runs]),
        extra={"length_m": np.round(np.concatenate([r[8] for r in runs]), 1)},
    )


def _concat_manholes(runs: list[tuple], rng: np.random.Generator) -> pd.DataFrame | None:
    """A manhole at the start of every pipe (GWSW: about one per 40 m of sewer)."""
    if not runs:
        return None
    common = runs[0][0]
    n = sum(len(r[1]) for r in runs)
    install = np.concatenate([r[2].install_year for r in runs])
    renewed = Renewed(
        install_year=install, material=np.full(n, "beton", dtype=object), life=np.concatenate([r[2].life for r in runs])
    )
    return _assets(
        **common,
        prefix="P",
        asset_type="inspectieput",
        geometry=np.concatenate([r[1] for r in runs]),
        renewed=renewed,
        condition=observed_condition(renewed, rng, share=0.5, within_years=10),
        diameter=1000.0,
        depth=np.concatenate([r[3] for r in runs]) + 0.3,
        cost=np.full(n, demo_figure("sewer_manhole_cost")),
        segment_id=np.concatenate([r[4] for r in runs]),
    )


def _sewer_diameters(run: pd.DataFrame, asset_type: str, rng: np.random.Generator) -> np.ndarray:
    """Diameters by street class: collectors under the main roads, Ø250-400 in residential streets."""
    n = len(run)
    main = run["street_class"].isin(_MAIN_CLASSES).to_numpy()
    big = (run["street_class"] == "gebiedsontsluitingsweg").to_numpy()
    if asset_type == "vuilwaterriool (DWA)":
        return np.where(main, rng.choice([315.0, 400.0], n), rng.choice([200.0, 250.0], n))
    if asset_type == "hemelwaterriool (HWA)":
        return np.where(main, rng.choice([500.0, 600.0], n), rng.choice([315.0, 400.0], n))
    residential = rng.choice([250.0, 300.0, 400.0], n, p=[0.15, 0.55, 0.3])
    return np.select([big, main], [rng.choice([700.0, 800.0, 1000.0], n), rng.choice([500.0, 600.0], n)], residential)


def _roads(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """The carriageway of every segment: asphalt on main roads and industrial estates, paving elsewhere."""
    classes = streets["street_class"].to_numpy()
    asphalt = np.isin(classes, [*_MAIN_CLASSES, "bedrijfsweg", "landweg"]) | (rng.random(len(streets)) < 0.15)
    install = np.empty(len(streets), dtype=int)
    material = np.empty(len(streets), dtype=object)
    life = np.empty(len(streets))
    for mask, lifecycle in ((asphalt, LIFECYCLES["asphalt"]), (~asphalt, LIFECYCLES["paving"])):
        renewed = renewed_assets(lifecycle, streets["built"].to_numpy()[mask], rng)
        install[mask], material[mask], life[mask] = renewed.install_year, renewed.material, renewed.life
    renewed = Renewed(install_year=install, material=material, life=life)
    carriageway = np.clip(0.5 * streets["width"].to_numpy(), 4.5, 14.0)
    area = streets["length"].to_numpy() * carriageway
    rate = np.where(asphalt, demo_figure("asphalt_cost_per_m2"), demo_figure("paving_cost_per_m2"))
    return _assets(
        town=town,
        organisation=department_code(town, "WEG"),
        discipline="road",
        prefix="V",
        asset_type=np.where(asphalt, "rijbaan asfalt", "rijbaan elementen"),
        geometry=streets["line"].to_numpy(),
        renewed=renewed,
        condition=observed_condition(renewed, rng, share=0.85, within_years=2),
        diameter=None,
        depth=None,
        cost=area * rate,
        segment_id=streets["segment_id"].to_numpy(),
        extra={"surface_m2": np.round(area), "street_class": classes},
    )


def _lighting(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """Lamp posts every 30-50 m on the cable side, last in the NEN 7171-1 order."""
    lit = streets[streets["street_class"] != "landweg"]
    spacing = np.where(lit["street_class"].isin(_MAIN_CLASSES), 42.0, 32.0) * rng.uniform(0.9, 1.1, len(lit))
    points, owner = _points_along(_strip(lit, demo_figure("nen7171_lighting_offset_m")), spacing)
    first = np.maximum(lit["built"].to_numpy()[owner], 1955)
    renewed = renewed_assets(LIFECYCLES["lighting"], first, rng)
    led = (renewed.install_year >= 2012) | (rng.random(len(points)) < 0.35)
    return _assets(
        town=town,
        organisation=department_code(town, "OVL"),
        discipline="lighting",
        prefix="O",
        asset_type="lichtmast",
        geometry=points,
        renewed=renewed,
        condition=observed_condition(renewed, rng, share=0.5, within_years=4),
        diameter=None,
        depth=0.8,
        cost=np.full(len(points), demo_figure("lamp_post_cost")),
        segment_id=lit["segment_id"].to_numpy()[owner],
        extra={"fixture": np.where(led, "LED", "PL/SOX"), "mast_height_m": rng.choice([4.0, 6.0, 8.0], len(points))},
    )


_SPECIES = {
    "centre": ("Tilia (linde)", "Platanus (plataan)"),
    "prewar": ("Tilia (linde)", "Ulmus (iep)", "Aesculus (kastanje)"),
    "postwar": ("Platanus (plataan)", "Fraxinus (es)", "Acer (esdoorn)"),
    "seventies": ("Betula (berk)", "Alnus (els)", "Sorbus (lijsterbes)"),
    "vinex": ("Acer (esdoorn)", "Carpinus (haagbeuk)", "Gleditsia (valse christusdoorn)"),
    "industrial": ("Populus (populier)", "Quercus (eik)"),
    "rural": ("Quercus (eik)", "Fagus (beuk)"),
}


def _trees(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """Street trees on the side away from the cables (CROW 280: ≥2.5 m from cables), both sides in wide streets."""
    from koppelkans.demo.eras import ERAS

    share = np.array([ERAS[e].tree_share for e in streets["era"]])
    share = np.where(streets["street_class"].isin(_MAIN_CLASSES), 0.85, share)
    with_trees = streets[rng.random(len(streets)) < share]
    far_side = _strip(with_trees, 2.0, side=-with_trees["side"].to_numpy())
    wide = with_trees[with_trees["width"] >= 16.0]
    near_side = _strip(wide, demo_figure("nen7171_lighting_offset_m") + demo_figure("tree_clearance_m"))
    lines = np.concatenate([far_side, near_side])
    source = pd.concat([with_trees, wide], ignore_index=True)
    spacing = rng.uniform(10.0, 16.0, len(source))
    points, owner = _points_along(lines, spacing)
    first = source["built"].to_numpy()[owner] + rng.integers(0, 4, len(points))
    renewed = renewed_assets(LIFECYCLES["tree"], first, rng)
    species = _species(source["era"].to_numpy(), rng)[owner]
    age = DEMO_YEAR - renewed.install_year
    return _assets(
        town=town,
        organisation=department_code(town, "GRN"),
        discipline="green",
        prefix="B",
        asset_type="straatboom",
        geometry=points,
        renewed=Renewed(install_year=renewed.install_year, material=species, life=renewed.life),
        condition=observed_condition(renewed, rng, share=0.7, within_years=3),
        diameter=np.minimum(900.0, 40.0 + 9.0 * age).round(),
        depth=None,
        cost=np.full(len(points), demo_figure("tree_cost")),
        segment_id=source["segment_id"].to_numpy()[owner],
        extra={"species": species},
    )


def _species(eras: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One species per street (streets are planted with one species), drawn from what its era planted."""
    species = np.empty(len(eras), dtype=object)
    for era, pool in _SPECIES.items():
        where = eras == era
        species[where] = rng.choice(np.array(pool, dtype=object), int(where.sum()))
    return species


def _water_storage(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """Infiltration sewers and crates under a third of the VINEX streets (rainwater kept in the area)."""
    chosen = streets[(streets["era"] == "vinex") & (streets["street_class"] == "erftoegangsweg")]
    chosen = chosen[rng.random(len(chosen)) < 0.3]
    renewed = renewed_assets(LIFECYCLES["water_storage"], chosen["built"].to_numpy(), rng)
    line = _offset(chosen["line"].to_numpy(), -1.8 * chosen["side"].to_numpy())
    length = shapely.length(line)
    return _assets(
        town=town,
        organisation=department_code(town, "RIO"),
        discipline="water_storage",
        prefix="I",
        asset_type="infiltratievoorziening",
        geometry=line,
        renewed=renewed,
        condition=observed_condition(renewed, rng, share=0.3, within_years=6),
        diameter=400.0,
        depth=1.2,
        cost=length * demo_figure("water_storage_cost_per_m"),
        segment_id=chosen["segment_id"].to_numpy(),
    )


def _pressure_mains(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """The water board's sewage pressure mains along two radial roads towards the treatment plant."""
    radial = streets[streets["street_class"].isin(["gebiedsontsluitingsweg", "provinciale weg"])]
    if radial.empty:
        return pd.DataFrame()
    names = np.array(sorted(set(radial["name"])), dtype=object)
    along = rng.choice(names, size=min(2, len(names)), replace=False)
    chosen = radial[radial["name"].isin(along)]
    first = np.maximum(chosen["built"].to_numpy(), rng.integers(1965, 1996, len(chosen)))
    renewed = renewed_assets(LIFECYCLES["pressure_main"], first, rng)
    line = _strip(chosen, 4.0)
    diameter = rng.choice([300.0, 400.0, 500.0], len(chosen))
    return _assets(
        town=town,
        organisation=town.water_board,
        discipline="sewer",
        prefix="PL",
        asset_type="rioolpersleiding",
        geometry=line,
        renewed=renewed,
        condition=observed_condition(renewed, rng, share=0.4, within_years=8),
        diameter=diameter,
        depth=1.2 + diameter / 1000.0,
        cost=shapely.length(line) * (sewer_cost_per_m(diameter) + 100.0),
        segment_id=chosen["segment_id"].to_numpy(),
    )


# -- utilities ---------------------------------------------------------------------------------
def _water_mains(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """Vitens' distribution mains (Ø110-160) and transport mains under the main roads, 1.8 m from the building line."""
    served = streets[(streets["street_class"] != "landweg") | (rng.random(len(streets)) < 0.7)]
    n = len(served)
    classes = served["street_class"]
    diameter = np.select(
        [
            classes.isin(["gebiedsontsluitingsweg", "provinciale weg"]),
            classes.isin(_MAIN_CLASSES),
            classes == "bedrijfsweg",
        ],
        [rng.choice([250.0, 315.0, 400.0], n), np.full(n, 160.0), np.full(n, 200.0)],
        rng.choice([110.0, 160.0], n, p=[0.8, 0.2]),
    )
    renewed = renewed_assets(LIFECYCLES["water"], served["built"].to_numpy(), rng)
    line = _strip(served, demo_figure("nen7171_water_offset_m"))
    cost = shapely.length(line) * demo_figure("water_main_cost_per_m") * (1.0 + (diameter - 110.0) / 500.0)
    return _assets(
        town=town,
        organisation="VITENS",
        discipline="water",
        prefix="W",
        asset_type=np.where(diameter >= 250, "transportleiding", "distributieleiding"),
        geometry=line,
        renewed=renewed,
        condition=observed_condition(renewed, rng, share=0.1, within_years=10),
        diameter=diameter,
        depth=demo_figure("cover_gas_water_m") + diameter / 1000.0,
        cost=cost,
        segment_id=served["segment_id"].to_numpy(),
    )


def _gas_mains(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """Low-pressure gas mains in every street, high pressure under the main roads; 1.3 m from the building line."""
    served = streets[(streets["street_class"] != "landweg") | (rng.random(len(streets)) < 0.8)]
    n = len(served)
    main = served["street_class"].isin(_MAIN_CLASSES).to_numpy()
    diameter = np.where(main, rng.choice([160.0, 200.0], n), rng.choice([63.0, 110.0, 125.0], n, p=[0.3, 0.5, 0.2]))
    renewed = renewed_assets(LIFECYCLES["gas"], served["built"].to_numpy(), rng)
    line = _strip(served, demo_figure("nen7171_gas_offset_m"))
    return _assets(
        town=town,
        organisation=town.grid_operator,
        discipline="gas",
        prefix="G",
        asset_type=np.where(main, "gasleiding HD (4 bar)", "gasleiding LD (100 mbar)"),
        geometry=line,
        renewed=renewed,
        condition=observed_condition(renewed, rng, share=0.15, within_years=8),
        diameter=diameter,
        depth=demo_figure("cover_gas_water_m") + diameter / 1000.0,
        cost=shapely.length(line) * demo_figure("gas_main_cost_per_m"),
        segment_id=served["segment_id"].to_numpy(),
    )


def _low_voltage(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """LV cables 0.8 m from the building line, on both sides of wide streets."""
    served = streets[(streets["street_class"] != "landweg") | (rng.random(len(streets)) < 0.7)]
    wide = served[served["width"] >= 20.0]
    both = pd.concat([served, wide.assign(side=-wide["side"])], ignore_index=True)
    first = np.maximum(both["built"].to_numpy(), 1915)
    renewed = renewed_assets(LIFECYCLES["cable"], first, rng)
    line = _strip(both, demo_figure("nen7171_lv_offset_m"))
    return _assets(
        town=town,
        organisation=town.grid_operator,
        discipline="electricity_lv",
        prefix="L",
        asset_type="LS-kabel",
        geometry=line,
        renewed=renewed,
        condition=observed_condition(renewed, rng, share=0.05, within_years=10),
        diameter=None,
        depth=demo_figure("cover_telecom_lv_m") + 0.1,
        cost=shapely.length(line) * demo_figure("lv_cable_cost_per_m"),
        segment_id=both["segment_id"].to_numpy(),
        extra={"cross_section_mm2": rng.choice([95.0, 150.0], len(both))},
    )


def _medium_voltage(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """MV ring cables under the main roads, industrial streets and a quarter of the other streets."""
    classes = streets["street_class"]
    chosen = streets[classes.isin([*_MAIN_CLASSES, "bedrijfsweg"]) | (rng.random(len(streets)) < 0.25)]
    first = np.maximum(chosen["built"].to_numpy(), 1930)
    renewed = renewed_assets(LIFECYCLES["cable"], first, rng)
    material = np.where(renewed.install_year < 1986, "GPLK", renewed.material)
    line = _strip(chosen, demo_figure("nen7171_mv_offset_m"))
    return _assets(
        town=town,
        organisation=town.grid_operator,
        discipline="electricity_mv",
        prefix="M",
        asset_type="MS-kabel 10 kV",
        geometry=line,
        renewed=Renewed(install_year=renewed.install_year, material=material, life=renewed.life),
        condition=observed_condition(renewed, rng, share=0.1, within_years=10),
        diameter=None,
        depth=demo_figure("cover_mv_m") + 0.1,
        cost=shapely.length(line) * demo_figure("mv_cable_cost_per_m"),
        segment_id=chosen["segment_id"].to_numpy(),
    )


def _telecom(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """KPN's copper network, nearest the building line."""
    first = np.maximum(streets["built"].to_numpy(), rng.integers(1955, 1972, len(streets)))
    renewed = renewed_assets(LIFECYCLES["telecom"], first, rng)
    line = _strip(streets, demo_figure("nen7171_telecom_offset_m"))
    return _assets(
        town=town,
        organisation="KPN",
        discipline="telecom",
        prefix="T",
        asset_type="koperkabel",
        geometry=line,
        renewed=renewed,
        condition=(np.zeros(len(streets), dtype=int), np.zeros(len(streets), dtype=int)),
        diameter=None,
        depth=demo_figure("cover_telecom_lv_m"),
        cost=shapely.length(line) * demo_figure("telecom_cost_per_m"),
        segment_id=streets["segment_id"].to_numpy(),
    )


def _fibre(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """Fibre where the buurt was rolled out (2009-2024), next to the copper."""
    served = streets[streets["fibre_year"] > 0]
    renewed = renewed_assets(LIFECYCLES["fibre"], served["fibre_year"].to_numpy(), rng)
    line = _strip(served, 0.5)
    return _assets(
        town=town,
        organisation="GLASOOST",
        discipline="fibre",
        prefix="F",
        asset_type="glasvezel (buisjes)",
        geometry=line,
        renewed=renewed,
        condition=(np.zeros(len(served), dtype=int), np.zeros(len(served), dtype=int)),
        diameter=None,
        depth=demo_figure("cover_telecom_lv_m"),
        cost=shapely.length(line) * demo_figure("fibre_cost_per_m"),
        segment_id=served["segment_id"].to_numpy(),
    )


def _heat(streets: pd.DataFrame, town: Town, rng: np.random.Generator) -> pd.DataFrame:
    """District heating mains in the buurten already on a heat network, on the side away from the cables."""
    served = streets[streets["existing_heat"] & ~streets["street_class"].isin(_RURAL_CLASSES)]
    first = np.maximum(served["built"].to_numpy(), 1975) + rng.integers(0, 9, len(served))
    renewed = renewed_assets(LIFECYCLES["heat"], first, rng)
    line = _strip(served, 3.2, side=-served["side"].to_numpy())
    diameter = np.where(
        served["street_class"].isin(_MAIN_CLASSES), 200.0, rng.choice([80.0, 100.0, 125.0], len(served))
    )
    return _assets(
        town=town,
        organisation="WARMTEOOST",
        discipline="heat",
        prefix="H",
        asset_type="warmteleiding (aanvoer+retour)",
        geometry=line,
        renewed=renewed,
        condition=observed_condition(renewed, rng, share=0.3, within_years=6),
        diameter=diameter,
        depth=0.8 + diameter / 1000.0,
        cost=shapely.length(line) * demo_figure("heat_main_cost_per_m"),
        segment_id=served["segment_id"].to_numpy(),
    )
