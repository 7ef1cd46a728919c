"""Render the Twente demo as a PNG: buurten coloured by era, the street network, the planned works.

    .venv/bin/python scripts/render_demo.py --scale 1 --out /tmp/demo.png
    .venv/bin/python scripts/render_demo.py --db koppelkans.gpkg --out /tmp/demo.png

Without --db the demo is generated in memory (nothing is stored); with --db it reads a stored one.
Needs matplotlib.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from koppelkans.demo import DEFAULT_SEED, demo_frames
from koppelkans.store import open_store

ERA_COLOURS = {
    "centre": "#e8c9a0",
    "prewar": "#f1dcb8",
    "postwar": "#f6ead2",
    "seventies": "#e6efd8",
    "vinex": "#d9ead3",
    "industrial": "#dcdce6",
    "rural": "#f4f7ee",
}
WORK_COLOURS = {
    "sewer": "#8c510a",
    "road": "#555555",
    "water": "#2166ac",
    "gas": "#e6ab02",
    "electricity_lv": "#d73027",
    "electricity_mv": "#a50026",
    "fibre": "#7b3294",
    "heat": "#f46d43",
    "water_storage": "#35978f",
    "lighting": "#fee08b",
    "green": "#1a9850",
}
STREET_WIDTH = {
    "gebiedsontsluitingsweg": 1.4,
    "provinciale weg": 1.1,
    "wijkontsluitingsweg": 1.0,
    "buurtontsluitingsweg": 0.8,
    "bedrijfsweg": 0.6,
    "erftoegangsweg": 0.35,
    "woonerf": 0.25,
    "landweg": 0.4,
}


def frames_from(args: argparse.Namespace) -> dict[str, gpd.GeoDataFrame]:
    """The areas, segments and works to draw: from a store, or generated in memory."""
    if args.db:
        store = open_store(args.db)
        frames = {kind: store.read(kind) for kind in ("areas", "segments", "works")}
        for kind in ("areas", "segments"):
            attributes = gpd.GeoDataFrame(list(frames[kind]["attributes"]), index=frames[kind].index)
            frames[kind] = frames[kind].join(attributes[[c for c in attributes if c not in frames[kind]]])
        return frames
    frames = demo_frames(scale=args.scale, seed=args.seed)
    return {kind: frames[kind] for kind in ("areas", "segments", "works")}


def render(frames: dict[str, gpd.GeoDataFrame], out: Path, *, title: str) -> None:
    """Draw the map and write it to `out`."""
    areas, segments, works = frames["areas"], frames["segments"], frames["works"]
    buurten = areas[areas["level"] == "buurt"]
    fig, ax = plt.subplots(figsize=(16, 16), dpi=110)
    buurten.plot(ax=ax, color=[ERA_COLOURS.get(e, "#ffffff") for e in buurten["era"]], edgecolor="none")
    areas[areas["level"] == "wijk"].boundary.plot(ax=ax, color="#9a8c7a", linewidth=0.6, linestyle="--")
    areas[areas["level"] == "gemeente"].boundary.plot(ax=ax, color="#444444", linewidth=1.2)
    widths = [STREET_WIDTH.get(c, 0.4) for c in segments["street_class"]]
    segments.plot(ax=ax, color="#3a3a3a", linewidth=widths)
    opening = works[~works["kind"].isin(["reline", "maintain"])]
    for discipline, group in opening.groupby("discipline"):
        colour = WORK_COLOURS.get(str(discipline), "#000000")
        points = group.geom_type.isin(["Point", "MultiPoint"])
        if (~points).any():
            group[~points].plot(ax=ax, color=colour, linewidth=1.8, alpha=0.7)
        if points.any():
            group[points].plot(ax=ax, color=colour, markersize=3, alpha=0.9)
    wijken = areas[areas["level"] == "wijk"]
    for _, wijk in wijken.iterrows() if len(wijken) <= 12 else ():
        if wijk["name"] != "Buitengebied":
            at = wijk.geometry.representative_point()
            ax.annotate(wijk["name"], (at.x, at.y), ha="center", fontsize=11, color="#5a4a3a", weight="bold", alpha=0.8)
    handles = [Patch(color=c, label=e) for e, c in ERA_COLOURS.items()]
    handles += [Line2D([0], [0], color=c, linewidth=3, label=f"work: {d}") for d, c in WORK_COLOURS.items()]
    ax.legend(handles=handles, loc="lower left", fontsize=9, frameon=True, ncol=2)
    ax.set_title(title, fontsize=14)
    ax.set_aspect("equal")
    ax.set_xlabel("RD x (m)")
    ax.set_ylabel("RD y (m)")
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--db", help="read a stored demo instead of generating one")
    parser.add_argument("--out", type=Path, default=Path("/tmp/demo.png"))
    args = parser.parse_args()
    frames = frames_from(args)
    title = f"Koppelkans Twente demo (scale {args.scale}, seed {args.seed}): buurten by era, streets, works 2027-2038"
    render(frames, args.out, title=title if not args.db else f"Koppelkans demo in {args.db}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
