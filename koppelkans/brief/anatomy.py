"""The area anatomy (gebiedsanatomie, PRODUCT.md B6): per neighbourhood (buurt) the physical layer
(networks, ages, due assets, paved and green), the social layer (population, liveability, social
tasks) and the technical layer (subsurface crowding, constraints), each now and desired, plus a
timeline of every task and work with its budget.

"Desired" comes only from what the register says: the area tasks with their target years (gas-free,
climate-proof, liveability) and the rules the product already applies (no tree closer than 2.5 m to a
cable, no conflicts); where nothing is registered it stays empty rather than invented.

Steps: place assets, works and tasks in their buurt (one vectorised spatial join each) → sum per buurt
and discipline → indicators now and desired → timeline and budgets per year. Pure: frames in, an
`AreaAnatomy` out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from koppelkans.brief.defaults import brief_figure
from koppelkans.brief.i18n import Text, label
from koppelkans.config import figure
from koppelkans.domain.vocabulary import ConflictKind, Discipline, TaskTheme

__all__ = ["AreaAnatomy", "Indicator", "NeighbourhoodAnatomy", "anatomy_as_json", "anatomy_from_register"]

_INACTIVE = ("cancelled", "done")


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """One line of a layer: what it measures, now, and what is desired (None when nothing is registered)."""

    key: str
    label: Text
    now: Text | None
    desired: Text | None = None


@dataclass(frozen=True, kw_only=True)
class NeighbourhoodAnatomy:
    """One buurt: its three layers and its networks."""

    code: str
    name: str
    attributes: Mapping[str, Any]
    physical: tuple[Indicator, ...]
    social: tuple[Indicator, ...]
    technical: tuple[Indicator, ...]
    networks: pd.DataFrame
    """Per discipline: length_km (cables, pipes, roads), count (objects), median_install_year, oldest, due, due_eur."""
    fit: Mapping[str, Any]
    """Subsurface fit of the claim: segments, fits, fits_if_moved, does_not_fit, share_fits, median_free_width_m."""


@dataclass(frozen=True, kw_only=True)
class AreaAnatomy:
    """The anatomy of an area: its buurten, the timeline of tasks and works, the budgets per year."""

    code: str
    name: str
    level: str | None
    horizon: tuple[int, int]
    claim: str
    neighbourhoods: tuple[NeighbourhoodAnatomy, ...]
    timeline: pd.DataFrame
    """kind (work|task), id, title, buurt, organisation, discipline, theme, start, end, preferred, year, cost_eur."""
    by_year: pd.DataFrame
    """year, discipline, source (work|due), cost_eur."""
    buurten: gpd.GeoDataFrame


def _first_buurt(geoms: np.ndarray, buurten: gpd.GeoDataFrame) -> np.ndarray:
    """The code of the buurt each geometry's representative point lies in (None outside every buurt)."""
    codes = np.full(len(geoms), None, dtype=object)
    if len(geoms) == 0 or buurten.empty:
        return codes
    present = ~shapely.is_missing(geoms)
    points = shapely.point_on_surface(geoms[present])
    tree = shapely.STRtree(np.asarray(buurten.geometry, dtype=object))
    point_index, buurt_index = tree.query(points, predicate="intersects")
    first = pd.DataFrame({"p": point_index, "b": buurt_index}).drop_duplicates("p")
    placed = np.full(len(points), None, dtype=object)
    placed[first["p"].to_numpy()] = buurten["code"].to_numpy()[first["b"].to_numpy()]
    codes[present] = placed
    return codes


def _tasks_by_buurt(tasks: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame, parents: Mapping[str, str]) -> pd.DataFrame:
    """(buurt, task row) for every task on a buurt, on an area above it, or whose own polygon meets it."""
    rows = []
    codes = list(buurten["code"])
    ancestors = {code: _ancestors(code, parents) for code in codes}
    for task in tasks.to_dict("records"):
        area = task.get("area_code")
        for code in codes:
            if area == code or (area is not None and area in ancestors[code]):
                rows.append({**task, "buurt": code})
    own = tasks[~shapely.is_missing(np.asarray(tasks.geometry, dtype=object))] if len(tasks) else tasks
    if len(own) and len(buurten):
        tree = shapely.STRtree(np.asarray(buurten.geometry, dtype=object))
        task_index, buurt_index = tree.query(np.asarray(own.geometry, dtype=object), predicate="intersects")
        for t, b in zip(task_index, buurt_index, strict=True):
            rows.append({**own.iloc[int(t)].to_dict(), "buurt": codes[int(b)]})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=["id", "theme", "target_year", "description", "intensity", "attributes", "buurt"])
    return frame.drop_duplicates(["id", "buurt"]).reset_index(drop=True)


def _ancestors(code: str, parents: Mapping[str, str]) -> set[str]:
    found, current = set(), parents.get(code)
    while current is not None and current not in found:
        found.add(current)
        current = parents.get(current)
    return found


def anatomy_from_register(
    area: Mapping[str, Any],
    buurten: gpd.GeoDataFrame,
    *,
    horizon: tuple[int, int],
    parents: Mapping[str, str],
    segments: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    due: pd.DataFrame,
    works: gpd.GeoDataFrame,
    tasks: gpd.GeoDataFrame,
    conflicts: gpd.GeoDataFrame,
    fit: pd.DataFrame,
    claim: str = "heat",
) -> AreaAnatomy:
    """The anatomy of `area` (code, name, level) over its `buurten`; the frames may cover more than the area.

    `due`: asset_id, due_year (the coupling engine's due rule over the horizon). `fit`: per segment the
    subsurface verdict of the claim (segment_id, verdict, free_width_m, tree_conflicts, length_m).
    """
    buurten = buurten.reset_index(drop=True)
    asset_geoms = np.asarray(assets.geometry, dtype=object)
    assets = assets.assign(buurt=_first_buurt(asset_geoms, buurten))
    assets = assets[assets["buurt"].notna()]
    due_year = pd.Series(due["due_year"].to_numpy(), index=due["asset_id"]) if len(due) else pd.Series(dtype=int)
    renewed = {a for ids in works.loc[~works["status"].isin(_INACTIVE), "asset_ids"] for a in _ids(ids)}
    assets = assets.assign(due_year=assets["id"].map(due_year), renewed=assets["id"].isin(renewed))
    works = works.assign(buurt=_first_buurt(np.asarray(works.geometry, dtype=object), buurten))
    works = works[works["buurt"].notna()]
    task_rows = _tasks_by_buurt(tasks, buurten, parents)
    segment_buurt = segments.set_index("id")["area_code"] if len(segments) else pd.Series(dtype=object)
    fit = fit.assign(buurt=fit["segment_id"].map(segment_buurt)) if len(fit) else fit
    conflict_buurt = _conflicts_by_buurt(conflicts, buurten)
    street_km = (
        segments.assign(length=shapely.length(np.asarray(segments.geometry, dtype=object)))
        .groupby("area_code")["length"]
        .sum()
        / 1000.0
        if len(segments)
        else pd.Series(dtype=float)
    )
    first, _ = horizon
    neighbourhoods = tuple(
        _neighbourhood(
            row,
            assets=assets[assets["buurt"] == row["code"]],
            works=works[works["buurt"] == row["code"]],
            tasks=task_rows[task_rows["buurt"] == row["code"]],
            fit=fit[fit["buurt"] == row["code"]] if len(fit) else fit,
            conflicts=conflict_buurt[conflict_buurt["buurt"] == row["code"]],
            street_km=float(street_km.get(row["code"], 0.0)),
            year=first,
            claim=claim,
        )
        for row in buurten.to_dict("records")
    )
    timeline = _timeline(works, task_rows, horizon)
    by_year = _by_year(works, assets, horizon)
    return AreaAnatomy(
        code=str(area["code"]),
        name=str(area.get("name") or area["code"]),
        level=area.get("level"),
        horizon=horizon,
        claim=claim,
        neighbourhoods=neighbourhoods,
        timeline=timeline,
        by_year=by_year,
        buurten=buurten,
    )


def _ids(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v for v in value.split(";") if v)
    if isinstance(value, (tuple, list)):
        return tuple(str(v) for v in value)
    return ()


def _conflicts_by_buurt(conflicts: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame) -> pd.DataFrame:
    """(buurt, conflict kind, id) for every conflict whose streets meet the buurt."""
    if conflicts.empty or buurten.empty:
        return pd.DataFrame(columns=["buurt", "kind", "id"])
    geoms = np.asarray(conflicts.geometry, dtype=object)
    present = np.flatnonzero(~shapely.is_missing(geoms))
    tree = shapely.STRtree(np.asarray(buurten.geometry, dtype=object))
    conflict_index, buurt_index = tree.query(geoms[present], predicate="intersects")
    return pd.DataFrame(
        {
            "buurt": buurten["code"].to_numpy()[buurt_index],
            "kind": conflicts["kind"].to_numpy()[present[conflict_index]],
            "id": conflicts["id"].to_numpy()[present[conflict_index]],
        }
    )


def _networks(assets: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per discipline: km of lines, objects, median and oldest install year, due assets and their cost."""
    columns = ["discipline", "length_km", "count", "median_install_year", "oldest", "due", "due_eur"]
    if assets.empty:
        return pd.DataFrame(columns=columns)
    geoms = np.asarray(assets.geometry, dtype=object)
    is_line = np.isin(shapely.get_type_id(geoms), (1, 5))
    due = assets["due_year"].notna().to_numpy() & ~assets["renewed"].to_numpy()
    table = pd.DataFrame(
        {
            "discipline": assets["discipline"].to_numpy(),
            "length_km": np.where(is_line, shapely.length(geoms), 0.0) / 1000.0,
            "count": (~is_line).astype(int),
            "install_year": pd.to_numeric(assets["install_year"], errors="coerce").to_numpy(dtype=float),
            "due": due.astype(int),
            "due_eur": np.where(due, pd.to_numeric(assets["replacement_cost_eur"], errors="coerce").fillna(0.0), 0.0),
        }
    )
    summed = table.groupby("discipline", as_index=False).agg(
        length_km=("length_km", "sum"),
        count=("count", "sum"),
        median_install_year=("install_year", "median"),
        oldest=("install_year", "min"),
        due=("due", "sum"),
        due_eur=("due_eur", "sum"),
    )
    summed["length_km"] = summed["length_km"].round(2)
    summed["median_install_year"] = summed["median_install_year"].round(0).astype("Int64")
    summed["oldest"] = summed["oldest"].astype("Int64")
    summed["due_eur"] = summed["due_eur"].round(-3)
    return summed[columns]


def _neighbourhood(
    row: Mapping[str, Any],
    *,
    assets: pd.DataFrame,
    works: pd.DataFrame,
    tasks: pd.DataFrame,
    fit: pd.DataFrame,
    conflicts: pd.DataFrame,
    street_km: float,
    year: int,
    claim: str,
) -> NeighbourhoodAnatomy:
    attributes = dict(row.get("attributes") or {})
    networks = _networks(assets, year)
    fit_summary = _fit_summary(fit)
    return NeighbourhoodAnatomy(
        code=str(row["code"]),
        name=str(row.get("name") or row["code"]),
        attributes=attributes,
        physical=_physical(attributes, assets, networks, tasks, street_km, year, row),
        social=_social(attributes, tasks),
        technical=_technical(fit_summary, conflicts, works, assets, tasks, claim),
        networks=networks,
        fit=fit_summary,
    )


def _task_text(tasks: pd.DataFrame, theme: str) -> tuple[Text | None, pd.DataFrame]:
    chosen = tasks[tasks["theme"] == theme].sort_values("target_year", kind="stable")
    if chosen.empty:
        return None, chosen
    first = chosen.iloc[0]
    extra = f" — {first['description']}" if isinstance(first.get("description"), str) else ""
    return Text(f"doeljaar {first['target_year']}{extra}", f"target {first['target_year']}{extra}"), chosen


def _km(value: float) -> Text:
    return Text(f"{value:,.1f} km".replace(",", " ").replace(".", ","), f"{value:,.1f} km")


def _physical(
    attributes: Mapping[str, Any],
    assets: pd.DataFrame,
    networks: pd.DataFrame,
    tasks: pd.DataFrame,
    street_km: float,
    year: int,
    row: Mapping[str, Any],
) -> tuple[Indicator, ...]:
    by = networks.set_index("discipline") if len(networks) else pd.DataFrame()

    def km(discipline: str) -> float:
        return float(by["length_km"].get(discipline, 0.0)) if len(by) else 0.0

    def count(discipline: str) -> int:
        return int(by["count"].get(discipline, 0)) if len(by) else 0

    out = []
    energy, _ = _task_text(tasks, "energy_transition")
    strategy = attributes.get("heat_strategy")
    gas_now = Text(
        f"gasnet {_km(km('gas')).nl}, warmtenet {_km(km('heat')).nl}",
        f"gas network {_km(km('gas')).en}, heat network {_km(km('heat')).en}",
    )
    desired = None
    if energy is not None:
        suffix = f" ({strategy})" if strategy else ""
        desired = Text(f"aardgasvrij: {energy.nl}{suffix}", f"gas-free: {energy.en}{suffix}")
    out.append(Indicator(key="energy", label=Text("Energie", "Energy"), now=gas_now, desired=desired))
    paved_m2 = _paved_m2(assets)
    area_m2 = float(shapely.area(row["geometry"])) if row.get("geometry") is not None else 0.0
    share = paved_m2 / area_m2 if area_m2 else None
    stress = attributes.get("climate_stress")
    climate, _ = _task_text(tasks, "climate_adaptation")
    now_nl = f"verharding {paved_m2 / 1e4:,.1f} ha".replace(".", ",") + (
        f" ({share:.0%} van de buurt)" if share else ""
    )
    now_en = f"paving {paved_m2 / 1e4:,.1f} ha" + (f" ({share:.0%} of the buurt)" if share else "")
    if stress is not None:
        now_nl += f"; klimaatstress {float(stress):.1f}/5".replace(".", ",")
        now_en += f"; climate stress {float(stress):.1f}/5"
    storage = count("water_storage")
    now_nl += f"; {storage} waterbergingen"
    now_en += f"; {storage} water storage facilities"
    out.append(
        Indicator(
            key="paved",
            label=Text("Verhard en klimaat", "Paving and climate"),
            now=Text(now_nl, now_en),
            desired=None
            if climate is None
            else Text(f"klimaatbestendig: {climate.nl}", f"climate-proof: {climate.en}"),
        )
    )
    trees = count("green")
    per_km = trees / street_km if street_km else 0.0
    green, _ = _task_text(tasks, "biodiversity")
    out.append(
        Indicator(
            key="green",
            label=Text("Groen", "Green"),
            now=Text(
                f"{trees} straatbomen ({per_km:.0f} per km straat)", f"{trees} street trees ({per_km:.0f} per km)"
            ),
            desired=None if green is None else Text(f"biodiversiteit: {green.nl}", f"biodiversity: {green.en}"),
        )
    )
    due = assets[assets["due_year"].notna() & ~assets["renewed"]]
    if len(networks):
        median_year = pd.to_numeric(assets["install_year"], errors="coerce").median()
        out.append(
            Indicator(
                key="age",
                label=Text("Leeftijd netten", "Age of the networks"),
                now=Text(
                    f"mediaan aanlegjaar {median_year:.0f} ({year - median_year:.0f} jaar)",
                    f"median install year {median_year:.0f} ({year - median_year:.0f} years)",
                ),
                desired=None,
            )
        )
    cost = float(pd.to_numeric(due["replacement_cost_eur"], errors="coerce").fillna(0.0).sum())
    out.append(
        Indicator(
            key="due",
            label=Text("Aan vervanging toe (zonder werk)", "Due for renewal (no work yet)"),
            now=Text(
                f"{len(due)} assets, € {round(cost, -3):,.0f}".replace(",", "."),
                f"{len(due)} assets, €{round(cost, -3):,.0f}",
            ),
            desired=Text("in een project opgenomen vóór het vervangingsjaar", "taken into a project before it is due"),
        )
    )
    mobility, _ = _task_text(tasks, "mobility")
    if mobility is not None:
        out.append(Indicator(key="mobility", label=Text("Mobiliteit", "Mobility"), now=None, desired=mobility))
    return tuple(out)


def _paved_m2(assets: pd.DataFrame) -> float:
    """Road surface: the `surface_m2` the register records, else the road's length × the reference street width."""
    roads = assets[assets["discipline"] == "road"]
    if roads.empty:
        return 0.0
    recorded = pd.to_numeric(pd.Series([a.get("surface_m2") for a in roads["attributes"]]), errors="coerce")
    lengths = shapely.length(np.asarray(roads.geometry, dtype=object)) * figure("reference_street_width_m")
    return float(np.where(recorded.notna(), recorded.to_numpy(dtype=float), lengths).sum())


def _social(attributes: Mapping[str, Any], tasks: pd.DataFrame) -> tuple[Indicator, ...]:
    out = []
    inhabitants, dwellings = attributes.get("inhabitants"), attributes.get("dwellings")
    if inhabitants is not None:
        out.append(
            Indicator(
                key="population",
                label=Text("Bewoners", "Population"),
                now=Text(
                    f"{int(inhabitants):,} inwoners, {int(dwellings or 0):,} woningen".replace(",", "."),
                    f"{int(inhabitants):,} inhabitants, {int(dwellings or 0):,} dwellings",
                ),
            )
        )
    social, chosen = _task_text(tasks, "social")
    score = attributes.get("liveability")
    target = int(brief_figure("liveability_target"))
    out.append(
        Indicator(
            key="liveability",
            label=Text("Leefbaarheid (Leefbaarometer)", "Liveability (Leefbaarometer)"),
            now=None if score is None else Text(f"{int(score)}/9", f"{int(score)}/9"),
            desired=None
            if social is None
            else Text(f"≥ {target}/9 — wijkaanpak, {social.nl}", f"≥ {target}/9 — neighbourhood approach, {social.en}"),
        )
    )
    share = attributes.get("social_housing_share")
    if share is not None:
        out.append(
            Indicator(
                key="social_housing",
                label=Text("Sociale huur", "Social housing"),
                now=Text(f"{float(share):.0%} van de woningen", f"{float(share):.0%} of dwellings"),
            )
        )
    for task in chosen.itertuples(index=False):
        out.append(
            Indicator(
                key="social_task",
                label=Text(f"Sociale opgave {task.id}", f"Social task {task.id}"),
                now=None,
                desired=Text(f"doeljaar {task.target_year}", f"target {task.target_year}"),
            )
        )
    return tuple(out)


def _fit_summary(fit: pd.DataFrame) -> dict[str, Any]:
    if fit.empty:
        return {"segments": 0}
    counts = fit["verdict"].value_counts()
    n = len(fit)
    return {
        "segments": n,
        "fits": int(counts.get("fits", 0)),
        "fits_if_moved": int(counts.get("fits_if_moved", 0)),
        "does_not_fit": int(counts.get("does_not_fit", 0)),
        "share_fits": round(float(counts.get("fits", 0)) / n, 3),
        "median_free_width_m": round(float(fit["free_width_m"].median()), 2),
        "tree_conflicts": int(fit["tree_conflicts"].sum()),
        "move_cost_eur": round(float(fit["move_cost_eur"].sum()), -3) if "move_cost_eur" in fit else 0.0,
    }


def _technical(
    fit: Mapping[str, Any],
    conflicts: pd.DataFrame,
    works: pd.DataFrame,
    assets: pd.DataFrame,
    tasks: pd.DataFrame,
    claim: str,
) -> tuple[Indicator, ...]:
    out = []
    if fit.get("segments"):
        now = Text(
            f"{fit['share_fits']:.0%} van {fit['segments']} straten past ({claim}); {fit['fits_if_moved']} na "
            f"verleggen, {fit['does_not_fit']} niet; mediane vrije breedte {fit['median_free_width_m']:.1f} m".replace(
                ".", ","
            ),
            f"{fit['share_fits']:.0%} of {fit['segments']} streets fit ({claim}); {fit['fits_if_moved']} if moved, "
            f"{fit['does_not_fit']} do not; median free width {fit['median_free_width_m']:.1f} m",
        )
        energy, _ = _task_text(tasks, "energy_transition")
        desired = None
        if claim == "heat" and energy is not None:
            desired = Text(
                f"ruimte voor het warmtenet in elke straat ({energy.nl})",
                f"room for the heat main in every street ({energy.en})",
            )
        out.append(
            Indicator(
                key="subsurface", label=Text("Ondergrondse ruimte", "Underground space"), now=now, desired=desired
            )
        )
        out.append(
            Indicator(
                key="trees_too_close",
                label=Text("Bomen te dicht bij kabels/leidingen", "Trees too close to cables/pipes"),
                now=Text(str(fit["tree_conflicts"]), str(fit["tree_conflicts"])),
                desired=Text("0 (CROW 280: ≥ 2,5 m)", "0 (CROW 280: ≥ 2.5 m)"),
            )
        )
    counts = conflicts["kind"].value_counts() if len(conflicts) else pd.Series(dtype=int)
    listed_nl = ", ".join(f"{n}× {label(ConflictKind, str(k), 'nl')}" for k, n in counts.items()) or "geen"
    listed_en = ", ".join(f"{n}× {label(ConflictKind, str(k), 'en')}" for k, n in counts.items()) or "none"
    out.append(
        Indicator(
            key="conflicts",
            label=Text("Conflicten", "Conflicts"),
            now=Text(listed_nl, listed_en),
            desired=Text("geen", "none"),
        )
    )
    fixed = works[works["status"].isin(["committed", "in_progress"])]
    out.append(
        Indicator(
            key="committed",
            label=Text("Vastgestelde werken (vast in de tijd)", "Committed works (fixed in time)"),
            now=Text(str(len(fixed)), str(len(fixed))),
        )
    )
    return tuple(out)


def _timeline(works: pd.DataFrame, tasks: pd.DataFrame, horizon: tuple[int, int]) -> pd.DataFrame:
    """Every active work meeting the horizon and every task, in time order, with costs."""
    first, last = horizon
    active = works[~works["status"].isin(_INACTIVE)]
    active = active[(active["latest_start"] >= first) & (active["earliest_start"] <= last)]
    rows = pd.DataFrame(
        {
            "kind": "work",
            "id": active["id"].to_numpy(),
            "title": active["title"].to_numpy(),
            "buurt": active["buurt"].to_numpy(),
            "organisation": active["organisation"].to_numpy(),
            "discipline": active["discipline"].to_numpy(),
            "theme": None,
            "start": active["earliest_start"].astype(int).to_numpy(),
            "end": active["latest_start"].astype(int).to_numpy(),
            "preferred": active["preferred_start"].fillna(active["earliest_start"]).astype(int).to_numpy(),
            "duration_months": active["duration_months"].fillna(figure("default_work_duration_months")).to_numpy(),
            "cost_eur": pd.to_numeric(active["cost_eur"], errors="coerce").to_numpy(),
            "status": active["status"].to_numpy(),
        }
    )
    unique_tasks = tasks.drop_duplicates("id") if len(tasks) else tasks
    task_rows = pd.DataFrame(
        {
            "kind": "task",
            "id": unique_tasks["id"].to_numpy() if len(unique_tasks) else [],
            "title": unique_tasks["description"].to_numpy() if len(unique_tasks) else [],
            "buurt": unique_tasks["buurt"].to_numpy() if len(unique_tasks) else [],
            "organisation": unique_tasks["organisation"].to_numpy() if len(unique_tasks) else [],
            "discipline": None,
            "theme": unique_tasks["theme"].to_numpy() if len(unique_tasks) else [],
            "start": unique_tasks["target_year"].astype(int).to_numpy() if len(unique_tasks) else [],
            "end": unique_tasks["target_year"].astype(int).to_numpy() if len(unique_tasks) else [],
            "preferred": unique_tasks["target_year"].astype(int).to_numpy() if len(unique_tasks) else [],
            "duration_months": 0.0,
            "cost_eur": np.nan,
            "status": None,
        }
    )
    both = pd.concat([rows, task_rows], ignore_index=True)
    return both.sort_values(["start", "kind", "id"], kind="stable").reset_index(drop=True)


def _by_year(works: pd.DataFrame, assets: pd.DataFrame, horizon: tuple[int, int]) -> pd.DataFrame:
    """Cost per year and discipline: works at their preferred year, due renewals without a work at their due year."""
    first, last = horizon
    active = works[~works["status"].isin(_INACTIVE)]
    year = active["preferred_start"].fillna(active["earliest_start"]).astype(int)
    from_works = pd.DataFrame(
        {
            "year": year.to_numpy(),
            "discipline": active["discipline"].to_numpy(),
            "source": "work",
            "cost_eur": pd.to_numeric(active["cost_eur"], errors="coerce").fillna(0.0).to_numpy(),
        }
    )
    due = assets[assets["due_year"].notna() & ~assets["renewed"]]
    from_due = pd.DataFrame(
        {
            "year": due["due_year"].astype(int).to_numpy(),
            "discipline": due["discipline"].to_numpy(),
            "source": "due",
            "cost_eur": pd.to_numeric(due["replacement_cost_eur"], errors="coerce").fillna(0.0).to_numpy(),
        }
    )
    both = pd.concat([from_works, from_due], ignore_index=True)
    both = both[(both["year"] >= first) & (both["year"] <= last)]
    return both.groupby(["year", "discipline", "source"], as_index=False)["cost_eur"].sum()


def _indicator_json(indicator: Indicator, language: str) -> dict[str, Any]:
    return {
        "key": indicator.key,
        "label": indicator.label.in_(language),
        "now": None if indicator.now is None else indicator.now.in_(language),
        "desired": None if indicator.desired is None else indicator.desired.in_(language),
    }


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def anatomy_as_json(anatomy: AreaAnatomy, *, language: str = "nl") -> dict[str, Any]:
    """The anatomy for the web app: per buurt the three layers (now/desired), networks and fit; timeline; budgets."""
    return {
        "area": {"code": anatomy.code, "name": anatomy.name, "level": anatomy.level},
        "horizon": list(anatomy.horizon),
        "claim": anatomy.claim,
        "neighbourhoods": [
            {
                "code": n.code,
                "name": n.name,
                "attributes": {k: _plain(v) for k, v in n.attributes.items()},
                "physical": [_indicator_json(i, language) for i in n.physical],
                "social": [_indicator_json(i, language) for i in n.social],
                "technical": [_indicator_json(i, language) for i in n.technical],
                "networks": [
                    {
                        **{k: _plain(v) for k, v in row.items()},
                        "label": label(Discipline, row["discipline"], language),
                    }
                    for row in n.networks.to_dict("records")
                ],
                "subsurface": dict(n.fit),
            }
            for n in anatomy.neighbourhoods
        ],
        "timeline": [
            {
                **{k: _plain(v) for k, v in row.items()},
                "label": label(Discipline, row["discipline"], language)
                if row["kind"] == "work"
                else label(TaskTheme, row["theme"], language),
            }
            for row in anatomy.timeline.to_dict("records")
        ],
        "budget_by_year": [{k: _plain(v) for k, v in row.items()} for row in anatomy.by_year.to_dict("records")],
    }
