"""Build the Twente demo: generate each town and store it through the normal import (all validation included).

Towns are generated one at a time and stored in batches of about 250,000 inhabitants, so memory is
bounded by one batch, not by the scale. The street segments of all towns are stored before any
asset, because storing segments relinks every stored asset and work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from koppelkans.config import CRS
from koppelkans.demo.areas import TownLayout, areas_from_layout, layout_from_town
from koppelkans.demo.assets import assets_from_streets
from koppelkans.demo.figures import DEMO_YEAR
from koppelkans.demo.history import history_from_streets, history_projects
from koppelkans.demo.organisations import organisations_for
from koppelkans.demo.streets import segments_from_layout
from koppelkans.demo.tasks import tasks_from_layout
from koppelkans.demo.towns import Town, towns_for_scale
from koppelkans.demo.works import works_from_assets
from koppelkans.domain.records import KINDS
from koppelkans.errors import InputError
from koppelkans.register import import_records
from koppelkans.store import SqlRepository

__all__ = ["DEFAULT_SEED", "DemoSummary", "build_demo", "demo_frames", "demo_step_count", "town_frames"]

DEFAULT_SEED = 20261123
BATCH_INHABITANTS = 250_000
"""Towns are stored together up to this many inhabitants (≈250,000 assets per import)."""
Step = Callable[[str], None]
_IMPORT_STEPS = 3
_TODAY = date(DEMO_YEAR, 12, 31)
"""Validation runs as of the demo year, so the same seed builds the same store whatever the clock says."""


@dataclass(frozen=True, kw_only=True)
class DemoSummary:
    """What `build_demo` stored: the towns, their inhabitants, the records per kind and the time it took."""

    scale: float
    seed: int
    towns: tuple[str, ...]
    inhabitants: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    store: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "scale": self.scale,
            "seed": self.seed,
            "towns": list(self.towns),
            "inhabitants": self.inhabitants,
            "counts": dict(self.counts),
            "seconds": round(self.seconds, 2),
            "store": self.store,
        }


def _no_step(_: str) -> None:
    """Default progress callback: say nothing."""


def demo_step_count(scale: float) -> int:
    """How many times `build_demo` calls `step` for a scale (for a progress bar's total)."""
    towns = towns_for_scale(scale)
    batches = len(_batches(towns))
    return _IMPORT_STEPS + len(towns) * (2 * _IMPORT_STEPS + 2) + batches * 3 * _IMPORT_STEPS


def town_frames(town: Town, *, seed: int) -> dict[str, pd.DataFrame]:
    """The areas, segments, assets, works and tasks of one town (pure, deterministic)."""
    layout = layout_from_town(town, seed=seed)
    segments = segments_from_layout(layout, seed=seed)
    assets = assets_from_streets(layout, segments, seed=seed)
    return {
        "areas": areas_from_layout(layout),
        "segments": segments,
        "assets": assets,
        "works": _with_history(works_from_assets(layout, segments, assets, seed=seed), layout, segments, seed=seed),
        "tasks": tasks_from_layout(layout, segments, seed=seed),
    }


def demo_frames(*, scale: float = 1.0, seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Every record of the demo per kind, in import order (pure: nothing is stored)."""
    towns = towns_for_scale(scale)
    per_town = [town_frames(town, seed=seed) for town in towns]
    frames: dict[str, pd.DataFrame] = {"organisations": organisations_for(towns)}
    for kind in ("areas", "segments", "assets", "works", "tasks"):
        frames[kind] = pd.concat([t[kind] for t in per_town], ignore_index=True)
    return frames


def build_demo(
    store: SqlRepository, *, scale: float = 1.0, seed: int = DEFAULT_SEED, step: Step | None = None
) -> DemoSummary:
    """Generate the demo for a scale and store it through `import_records`, in batches of towns."""
    step = step or _no_step
    started = time.perf_counter()
    towns = towns_for_scale(scale)
    _refuse_existing(store, towns)
    _store(store, "organisations", organisations_for(towns), step)
    layouts: list[tuple[TownLayout, pd.DataFrame]] = []
    for town in towns:
        step(f"laying out {town.name}")
        layout = layout_from_town(town, seed=seed)
        segments = segments_from_layout(layout, seed=seed)
        _store(store, "areas", areas_from_layout(layout), step)
        _store(store, "segments", segments, step)
        layouts.append((layout, segments))
    for batch in _batches([layout.town for layout, _ in layouts]):
        assets, works, tasks = [], [], []
        for layout, segments in (layouts[i] for i in batch):
            step(f"assets, works and area tasks of {layout.town.name}")
            town_assets = assets_from_streets(layout, segments, seed=seed)
            planned = works_from_assets(layout, segments, town_assets, seed=seed)
            works.append(_with_history(planned, layout, segments, seed=seed))
            tasks.append(tasks_from_layout(layout, segments, seed=seed))
            assets.append(town_assets)
        _store(store, "assets", pd.concat(assets, ignore_index=True), step)
        del assets
        _store(store, "works", pd.concat(works, ignore_index=True), step)
        _store(store, "tasks", pd.concat(tasks, ignore_index=True), step)
    _store_history_projects(store)
    return DemoSummary(
        scale=scale,
        seed=seed,
        towns=tuple(t.name for t in towns),
        inhabitants=sum(t.inhabitants for t in towns),
        counts={kind: store.count(kind) for kind in KINDS},
        seconds=time.perf_counter() - started,
        store=store.url,
    )


def _with_history(planned: pd.DataFrame, layout: TownLayout, segments: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """The planned works followed by the works executed before the demo year (monitoring's history)."""
    history = history_from_streets(layout, segments, seed=seed)
    return pd.concat([planned, history], ignore_index=True) if len(history) else planned


def _store_history_projects(store: SqlRepository) -> None:
    """The projects and coupling decisions behind the history works, in one transaction."""
    rows = history_projects(store.read("works", where={"status": "done"}))
    with store.transaction() as tx:
        for project in rows["projects"]:
            tx.save_project(project)
        for gate in rows["gates"]:
            tx.log_gate_decision(gate)
        for decision in rows["decisions"]:
            tx.save_coupling_decision(decision)


def _batches(towns: list[Town]) -> list[list[int]]:
    """Consecutive towns (by position) grouped up to BATCH_INHABITANTS, so a province is stored in a few
    large imports (each import rereads the store's keys) while memory stays bounded by one batch."""
    batches: list[list[int]] = [[]]
    inhabitants = 0
    for index, town in enumerate(towns):
        if batches[-1] and inhabitants + town.inhabitants > BATCH_INHABITANTS:
            batches.append([])
            inhabitants = 0
        batches[-1].append(index)
        inhabitants += town.inhabitants
    return batches


def _store(store: SqlRepository, kind: str, frame: pd.DataFrame, step: Step) -> None:
    """Store one kind through the register's validated, all-or-nothing import."""
    import_records(store, kind, frame, source_crs=CRS, source=f"demo {kind}", today=_TODAY, step=step)


def _refuse_existing(store: SqlRepository, towns: list[Town]) -> None:
    """The demo goes into a store that does not hold these municipalities yet (ids would clash)."""
    present = sorted(store.keys("organisations") & {t.code for t in towns})
    if present:
        raise InputError(
            f"the store {store.url} already holds {', '.join(present)}; build the demo into a new store (--db)",
            field="organisations",
        )
