"""The pictures of the brief and the area anatomy, drawn with matplotlib from our own data (no web tiles):
the map of the project and its surroundings, the timeline of works and tasks, budgets per year and the
neighbourhood map. Each function returns PNG bytes; nothing is written here.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely.geometry.base import BaseGeometry

from koppelkans.brief.environment import EnvironmentAnalysis
from koppelkans.brief.i18n import Text, label
from koppelkans.domain.vocabulary import Discipline, TaskTheme

__all__ = ["DISCIPLINE_COLOURS", "THEME_COLOURS", "budget_png", "fit_map_png", "map_png", "timeline_png"]

DISCIPLINE_COLOURS: dict[str, str] = {
    "electricity_lv": "#e53935",
    "electricity_mv": "#9b111e",
    "gas": "#e6b800",
    "water": "#1565c0",
    "sewer": "#7b3f98",
    "telecom": "#2e7d32",
    "fibre": "#00a676",
    "heat": "#ef6c00",
    "road": "#757575",
    "green": "#8bc34a",
    "lighting": "#fbc02d",
    "water_storage": "#00acc1",
    "charging": "#d81b60",
}
"""KLIC theme colours per discipline, the same convention as the web map (`web/legend.py`)."""

THEME_COLOURS: dict[str, str] = {
    "energy_transition": "#f57c00",
    "climate_adaptation": "#0288d1",
    "social": "#8e24aa",
    "mobility": "#5d4037",
    "biodiversity": "#43a047",
    "circularity": "#546e7a",
}
_DUE = "#c62828"
_CONFLICT = "#d81b60"
_INK = "#263238"
_PAPER = "#fbfaf7"
_BUURT_FILL = "#f1eee6"

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 8,
        "axes.edgecolor": "#b0bec5",
        "axes.labelcolor": _INK,
        "xtick.color": _INK,
        "ytick.color": _INK,
        "svg.fonttype": "none",
    }
)

_WORDS = {
    "zone": Text("zone ({m:.0f} m)", "zone ({m:.0f} m)"),
    "project": Text("project", "project"),
    "due": Text("aan vervanging toe", "due for renewal"),
    "due_renewed": Text("aan vervanging toe, werk gepland", "due, work planned"),
    "conflict": Text("conflict", "conflict"),
    "streets": Text("straten", "streets"),
    "task": Text("opgave", "task"),
    "window": Text("venster (vroegste–laatste start)", "window (earliest–latest start)"),
    "planned": Text("voorkeursjaar + duur", "preferred year + duration"),
    "target": Text("doeljaar opgave", "task target year"),
    "due_row": Text("assets aan vervanging toe", "assets due for renewal"),
    "cost": Text("kosten per jaar (€ mln)", "cost per year (€ M)"),
    "works_cost": Text("werken (voorkeursjaar)", "works (preferred year)"),
    "due_cost": Text("vervanging zonder werk (P50)", "renewal without a work (P50)"),
    "fits": Text("aandeel straten waar een warmtenet past", "share of streets where a heat main fits"),
}


def _w(key: str, language: str, **values: float) -> str:
    return _WORDS[key].in_(language).format(**values)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, facecolor=fig.get_facecolor(), bbox_inches="tight", pad_inches=0.06)
    plt.close(fig)
    return buffer.getvalue()


def _plot_geoms(ax: Axes, geoms: Sequence[BaseGeometry], **style: object) -> None:
    """Draw lines, polygons (outline or fill) and points of mixed geometries in one call per type."""
    geoms = [g for g in geoms if g is not None and not shapely.is_empty(g)]
    if not geoms:
        return
    series = gpd.GeoSeries(geoms)
    kinds = series.geom_type
    lines = series[kinds.isin(["LineString", "MultiLineString"])]
    polygons = series[kinds.isin(["Polygon", "MultiPolygon"])]
    points = series[kinds.isin(["Point", "MultiPoint"])]
    line_style = {k: v for k, v in style.items() if k not in ("markersize", "marker", "facecolor", "hatch")}
    if len(lines):
        lines.plot(ax=ax, **line_style)
    if len(polygons):
        polygons.boundary.plot(ax=ax, **line_style)
    if len(points):
        points.plot(
            ax=ax,
            color=style.get("color"),
            markersize=style.get("markersize", 14),
            marker=style.get("marker", "o"),
            zorder=style.get("zorder", 3),
            alpha=style.get("alpha", 1.0),
        )


def _split(geoms: gpd.GeoSeries, zone: BaseGeometry) -> tuple[list[BaseGeometry], list[BaseGeometry]]:
    """The parts of each geometry inside the zone and outside it (drawn strong and faint)."""
    values = np.asarray(geoms, dtype=object)
    return list(shapely.intersection(values, zone)), list(shapely.difference(values, zone))


def _scale_bar(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = extent
    target = (maxx - minx) / 5.0
    length = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * length <= target:
            length *= step
            break
    x0, y0 = minx + (maxx - minx) * 0.04, miny + (maxy - miny) * 0.04
    ax.plot([x0, x0 + length], [y0, y0], color=_INK, linewidth=2.5, solid_capstyle="butt", zorder=10)
    ax.text(
        x0 + length / 2,
        y0 + (maxy - miny) * 0.015,
        f"{length:,.0f} m",
        ha="center",
        va="bottom",
        fontsize=7,
        color=_INK,
        zorder=10,
    )
    nx, ny = maxx - (maxx - minx) * 0.05, maxy - (maxy - miny) * 0.1
    ax.annotate(
        "N",
        xy=(nx, ny + (maxy - miny) * 0.06),
        xytext=(nx, ny),
        ha="center",
        va="center",
        fontsize=8,
        fontweight="bold",
        color=_INK,
        arrowprops={"arrowstyle": "-|>", "color": _INK, "lw": 1.2},
    )


def map_png(
    env: EnvironmentAnalysis,
    *,
    segments: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    language: str = "nl",
) -> bytes:
    """The project (bold), its zone (dashed), streets, buurten, works by discipline, due assets, tasks, conflicts."""
    minx, miny, maxx, maxy = env.zone.bounds
    pad = max(maxx - minx, maxy - miny) * 0.08 + 20.0
    extent = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    width, height = extent[2] - extent[0], extent[3] - extent[1]
    aspect = height / width if width else 1.0
    fig, ax = plt.subplots(figsize=(7.2, max(3.6, min(7.2, 7.2 * aspect))), facecolor=_PAPER)
    ax.set_facecolor("#ffffff")
    view = shapely.box(*extent)
    if len(buurten):
        local = buurten[shapely.intersects(np.asarray(buurten.geometry, dtype=object), view)]
        local.plot(ax=ax, color=_BUURT_FILL, edgecolor="#c9c2b0", linewidth=0.8, zorder=0)
        for row in local.itertuples(index=False):
            point = shapely.intersection(row.geometry, view).representative_point()
            ax.text(
                point.x,
                point.y,
                str(row.name),
                fontsize=7,
                color="#8d8370",
                ha="center",
                va="center",
                style="italic",
                zorder=1,
            )
    if len(segments):
        segments.plot(ax=ax, color="#b0b7bd", linewidth=1.0, zorder=1)
    for theme, group in env.tasks.groupby("theme", sort=True):
        colour = THEME_COLOURS.get(str(theme), "#607d8b")
        clipped = gpd.GeoSeries(shapely.intersection(np.asarray(group.geometry, dtype=object), view))
        clipped.plot(ax=ax, facecolor=colour, alpha=0.07, edgecolor="none", zorder=1)
        clipped.boundary.plot(ax=ax, color=colour, linewidth=0.8, linestyle=":", zorder=1)
    if len(env.conflicts):
        inside, outside = _split(env.conflicts.geometry, env.zone)
        _plot_geoms(ax, outside, color=_CONFLICT, linewidth=5, alpha=0.08, zorder=2)
        _plot_geoms(ax, inside, color=_CONFLICT, linewidth=7, alpha=0.25, zorder=2)
    gpd.GeoSeries([env.zone]).boundary.plot(ax=ax, color=_INK, linewidth=1.0, linestyle=(0, (5, 3)), zorder=4)
    around = env.works[~env.works["in_project"]]
    faded = around["status"].isin(["done", "cancelled"])
    for (discipline, is_faded), group in around.groupby([around["discipline"], faded], sort=True):
        colour = "#9e9e9e" if is_faded else DISCIPLINE_COLOURS.get(str(discipline), _INK)
        inside, outside = _split(group.geometry, env.zone)
        _plot_geoms(ax, outside, color=colour, linewidth=1.4, alpha=0.3, zorder=5, markersize=12)
        _plot_geoms(ax, inside, color=colour, linewidth=2.2, alpha=0.9, zorder=5, markersize=30)
    due = env.due_assets
    if len(due):
        renewed = due["renewed_by"].notna().to_numpy()
        due = due.assign(geometry=_split(due.geometry, env.zone)[0])
        _plot_geoms(
            ax,
            list(due.geometry[~renewed]),
            color=_DUE,
            linewidth=1.6,
            linestyle=(0, (2, 1.5)),
            zorder=6,
            markersize=10,
            marker="x",
        )
        _plot_geoms(
            ax,
            list(due.geometry[renewed]),
            color="#ff8f00",
            linewidth=1.2,
            linestyle=(0, (2, 1.5)),
            zorder=6,
            markersize=10,
            marker="x",
        )
    _plot_geoms(ax, [env.geometry], color=_INK, linewidth=6.5, alpha=0.85, zorder=7, markersize=60)
    own = env.works[env.works["in_project"]]
    for discipline, group in own.groupby("discipline", sort=True):
        colour = DISCIPLINE_COLOURS.get(str(discipline), _INK)
        _plot_geoms(ax, list(group.geometry), color=colour, linewidth=3.2, zorder=8, markersize=40)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _scale_bar(ax, extent)
    handles = [
        Line2D([], [], color=_INK, linewidth=5, alpha=0.85, label=_w("project", language)),
        Line2D([], [], color=_INK, linewidth=1, linestyle=(0, (5, 3)), label=_w("zone", language, m=env.buffer_m)),
    ]
    for discipline in sorted(set(env.works["discipline"])):
        handles.append(
            Line2D(
                [],
                [],
                color=DISCIPLINE_COLOURS.get(discipline, _INK),
                linewidth=2.5,
                label=label(Discipline, discipline, language),
            )
        )
    if len(due):
        handles.append(Line2D([], [], color=_DUE, linewidth=1.6, linestyle=(0, (2, 1.5)), label=_w("due", language)))
        if due["renewed_by"].notna().any():
            handles.append(
                Line2D(
                    [], [], color="#ff8f00", linewidth=1.4, linestyle=(0, (2, 1.5)), label=_w("due_renewed", language)
                )
            )
    for theme in sorted(set(env.tasks["theme"])):
        handles.append(
            Patch(
                facecolor=THEME_COLOURS.get(theme, "#607d8b"),
                alpha=0.35,
                label=f"{_w('task', language)}: {label(TaskTheme, theme, language)}",
            )
        )
    if len(env.conflicts):
        handles.append(Line2D([], [], color=_CONFLICT, linewidth=6, alpha=0.3, label=_w("conflict", language)))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7)
    fig.tight_layout()
    return _png(fig)


def timeline_png(items: pd.DataFrame, *, horizon: tuple[int, int], language: str = "nl") -> bytes:
    """A Gantt chart: one row per work (window light, preferred year + duration dark), tasks as diamonds on their
    target year, and a last row with the number of due assets per year.

    `items`: kind (work|task|due), label, start, end, preferred, duration_years, colour, bold, count, cost_label.
    """
    rows = items[items["kind"] != "due"].reset_index(drop=True)
    due = items[items["kind"] == "due"]
    n = len(rows) + (1 if len(due) else 0)
    first, last = horizon
    fig, ax = plt.subplots(figsize=(7.2, max(1.8, 0.26 * n + 0.9)), facecolor=_PAPER)
    for y, row in enumerate(rows.itertuples(index=False)):
        if row.kind == "work":
            ax.barh(
                y,
                row.end - row.start + 1,
                left=row.start,
                height=0.55,
                color=row.colour,
                alpha=0.22,
                edgecolor=row.colour,
                linewidth=0.6,
            )
            ax.barh(y, max(row.duration_years, 0.08), left=row.preferred, height=0.55, color=row.colour, alpha=0.95)
        else:
            ax.scatter([row.start + 0.5], [y], marker="D", s=34, color=row.colour, zorder=3, edgecolor="white")
        if row.cost_label:
            ax.text(
                max(row.end + 1, row.start + 1) + 0.1, y, row.cost_label, va="center", fontsize=6.5, color="#546e7a"
            )
    if len(due):
        y = len(rows)
        counts = due.groupby("start")["count"].sum()
        size = 18 + 60 * np.sqrt(counts.to_numpy() / max(counts.max(), 1))
        ax.scatter(counts.index.to_numpy() + 0.5, np.full(len(counts), y), s=size, color=_DUE, alpha=0.75, zorder=3)
        for year, count in counts.items():
            ax.text(year + 0.5, y - 0.48, str(int(count)), ha="center", va="center", fontsize=6, color=_DUE)
    labels = list(rows["label"]) + ([_w("due_row", language)] if len(due) else [])
    bold = list(rows["bold"]) + ([False] if len(due) else [])
    ax.set_yticks(range(n))
    ax.set_yticklabels(labels, fontsize=7)
    for tick, heavy in zip(ax.get_yticklabels(), bold, strict=True):
        tick.set_fontweight("bold" if heavy else "normal")
    ax.set_ylim(n - 0.4, -0.6)
    ax.set_xlim(first, last + 2)
    ax.set_xticks(range(first, last + 2, 1 if last - first <= 12 else 2))
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="x", color="#eceff1", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [
        Patch(facecolor="#90a4ae", alpha=0.25, edgecolor="#90a4ae", label=_w("window", language)),
        Patch(facecolor="#90a4ae", label=_w("planned", language)),
        Line2D([], [], marker="D", linestyle="", color="#607d8b", label=_w("target", language)),
    ]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False, fontsize=7)
    fig.tight_layout()
    return _png(fig)


def budget_png(by_year: pd.DataFrame, *, tasks: pd.DataFrame, horizon: tuple[int, int], language: str = "nl") -> bytes:
    """Cost per year stacked by discipline (works at their preferred year, due renewals without a work hatched),
    with the target years of the area tasks marked above the bars.

    `by_year`: year, discipline, source (work|due), cost_eur. `tasks`: theme, target_year.
    """
    first, last = horizon
    years = np.arange(first, last + 1)
    fig, ax = plt.subplots(figsize=(7.2, 3.0), facecolor=_PAPER)
    bottom = np.zeros(len(years))
    for (source, discipline), group in by_year.groupby(["source", "discipline"], sort=True):
        values = group.groupby("year")["cost_eur"].sum().reindex(years, fill_value=0.0).to_numpy() / 1e6
        ax.bar(
            years,
            values,
            bottom=bottom,
            color=DISCIPLINE_COLOURS.get(str(discipline), "#90a4ae"),
            width=0.75,
            alpha=0.95 if source == "work" else 0.45,
            hatch=None if source == "work" else "///",
            edgecolor="white",
            linewidth=0.4,
        )
        bottom += values
    top = max(float(bottom.max()), 0.1)
    counts = tasks[(tasks["target_year"] >= first) & (tasks["target_year"] <= last)]
    for (year, theme), group in counts.groupby(["target_year", "theme"], sort=True):
        offset = sorted(THEME_COLOURS).index(theme) if theme in THEME_COLOURS else 0
        ax.scatter(
            [year],
            [top * (1.06 + 0.07 * offset)],
            marker="D",
            s=14 + 4 * len(group),
            color=THEME_COLOURS.get(str(theme), "#607d8b"),
            zorder=3,
        )
    ax.set_ylim(0, top * 1.55)
    ax.set_xticks(years if len(years) <= 16 else years[::2])
    ax.set_ylabel(_w("cost", language), fontsize=7)
    ax.grid(axis="y", color="#eceff1", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [
        Patch(facecolor="#90a4ae", label=_w("works_cost", language)),
        Patch(facecolor="#90a4ae", alpha=0.45, hatch="///", label=_w("due_cost", language)),
    ]
    for discipline in sorted(set(by_year["discipline"])):
        handles.append(
            Patch(
                facecolor=DISCIPLINE_COLOURS.get(discipline, "#90a4ae"), label=label(Discipline, discipline, language)
            )
        )
    for theme in sorted(set(counts["theme"])):
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                linestyle="",
                color=THEME_COLOURS.get(theme, "#607d8b"),
                label=label(TaskTheme, theme, language),
            )
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=6.5)
    fig.tight_layout()
    return _png(fig)


def fit_map_png(buurten: gpd.GeoDataFrame, *, share: pd.Series, language: str = "nl") -> bytes:
    """The buurten coloured by the share of their streets where the claim fits, with their names."""
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(buurten.geometry, dtype=object))
    height = min(4.6, max(2.6, 6.0 * (maxy - miny) / max(maxx - minx, 1.0)))
    fig, ax = plt.subplots(figsize=(7.2, height), facecolor=_PAPER)
    values = buurten["code"].map(share).astype(float)
    shown = buurten.assign(share=values)
    shown.plot(
        ax=ax,
        column="share",
        cmap="RdYlGn",
        vmin=0.5,
        vmax=1.0,
        edgecolor="white",
        linewidth=0.8,
        missing_kwds={"color": "#eceff1"},
        legend=True,
        legend_kwds={"label": _w("fits", language), "shrink": 0.6},
    )
    if len(shown) <= 40:
        for row in shown.itertuples(index=False):
            point = row.geometry.representative_point()
            ax.text(
                point.x,
                point.y,
                str(row.name),
                fontsize=6,
                ha="center",
                va="center",
                color=_INK,
                path_effects=[patheffects.withStroke(linewidth=2.2, foreground="white")],
            )
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    fig.tight_layout()
    return _png(fig)
