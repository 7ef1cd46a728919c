"""Materials by era, lifetimes and renewals: why a 1958 sewer is concrete and a 1985 one PVC.

An asset laid when its street was built lives a Weibull-distributed life for its material
(PRODUCT.md §8), is renewed some years after that life ends (backlog), with the material of the
renewal year; what is in the ground in DEMO_YEAR is what survived. Inspections report its
NEN 2767 condition from how much of its true life it has used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from koppelkans.demo.figures import DEMO_YEAR, demo_figure

__all__ = ["LIFECYCLES", "Lifecycle", "Renewed", "expected_life", "observed_condition", "renewed_assets"]


@dataclass(frozen=True, kw_only=True)
class Lifecycle:
    """How one kind of asset ages: material mix by install year, life per material, renewal backlog."""

    mix: tuple[tuple[int, dict[str, float]], ...]
    """(from year, {material: share}) in year order."""
    life: dict[str, tuple[float, float]]
    """material → (median life in years, Weibull shape)."""
    backlog_years: float
    """Mean delay between the end of an asset's life and its renewal."""

    @property
    def materials(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m for _, shares in self.mix for m in shares))


_SEWER_SHAPE = demo_figure("sewer_concrete_weibull_shape")
_ASPHALT_SHAPE = demo_figure("asphalt_weibull_shape")

LIFECYCLES: dict[str, Lifecycle] = {
    "sewer": Lifecycle(
        mix=(
            (1850, {"gres": 0.3, "beton": 0.7}),
            (1960, {"beton": 0.85, "gres": 0.1, "PVC": 0.05}),
            (1972, {"beton": 0.45, "PVC": 0.55}),
            (1990, {"PVC": 0.75, "beton": 0.2, "PP": 0.05}),
            (2008, {"PVC": 0.6, "PP": 0.25, "beton": 0.15}),
        ),
        life={
            "beton": (demo_figure("sewer_concrete_median_life"), _SEWER_SHAPE),
            "gres": (85.0, 3.0),
            "PVC": (demo_figure("sewer_pvc_median_life"), _SEWER_SHAPE),
            "PP": (100.0, 3.0),
        },
        backlog_years=8.0,
    ),
    "pressure_main": Lifecycle(
        mix=((1960, {"asbestcement": 0.7, "staal": 0.3}), (1985, {"PVC": 0.5, "PE": 0.5})),
        life={"asbestcement": (55.0, 3.0), "staal": (50.0, 3.0), "PVC": (70.0, 3.0), "PE": (80.0, 3.0)},
        backlog_years=5.0,
    ),
    "water": Lifecycle(
        mix=(
            (1880, {"gietijzer": 1.0}),
            (1930, {"gietijzer": 0.4, "asbestcement": 0.6}),
            (1955, {"asbestcement": 0.7, "gietijzer": 0.1, "PVC": 0.2}),
            (1975, {"PVC": 0.8, "asbestcement": 0.1, "PE": 0.1}),
            (1995, {"PVC": 0.6, "PE": 0.4}),
        ),
        life={
            "gietijzer": (90.0, 3.0),
            "asbestcement": (demo_figure("water_main_ac_life"), 3.0),
            "PVC": (demo_figure("water_main_design_life"), 3.0),
            "PE": (80.0, 3.0),
        },
        backlog_years=5.0,
    ),
    "gas": Lifecycle(
        mix=(
            (1880, {"gietijzer": 1.0}),
            (1950, {"staal": 0.8, "gietijzer": 0.2}),
            (1965, {"staal": 0.4, "PVC": 0.6}),
            (1975, {"PVC": 0.8, "staal": 0.1, "PE": 0.1}),
            (1995, {"PE": 0.8, "PVC": 0.2}),
        ),
        life={
            "gietijzer": (70.0, 3.0),
            "staal": (demo_figure("gas_main_life") - 5.0, 3.0),
            "PVC": (demo_figure("gas_main_life") - 5.0, 3.0),
            "PE": (80.0, 3.0),
        },
        backlog_years=4.0,
    ),
    "cable": Lifecycle(
        mix=((1900, {"GPLK": 1.0}), (1975, {"XLPE": 0.7, "GPLK": 0.3}), (1986, {"XLPE": 1.0})),
        life={"GPLK": (demo_figure("cable_life") + 10.0, 3.0), "XLPE": (demo_figure("cable_life"), 3.0)},
        backlog_years=6.0,
    ),
    "telecom": Lifecycle(
        mix=((1900, {"koper": 1.0}),),
        life={"koper": (demo_figure("telecom_life"), 3.0)},
        backlog_years=15.0,
    ),
    "fibre": Lifecycle(
        mix=((2000, {"glasvezel (HDPE-buis)": 1.0}),),
        life={"glasvezel (HDPE-buis)": (40.0, 3.0)},
        backlog_years=5.0,
    ),
    "heat": Lifecycle(
        mix=((1960, {"staal (voorgeïsoleerd)": 1.0}), (2005, {"staal (voorgeïsoleerd)": 0.7, "PEX": 0.3})),
        life={"staal (voorgeïsoleerd)": (demo_figure("heat_main_life"), 3.0), "PEX": (45.0, 3.0)},
        backlog_years=5.0,
    ),
    "asphalt": Lifecycle(
        mix=((1900, {"asfalt": 1.0}),),
        life={"asfalt": (demo_figure("asphalt_wearing_course_life"), _ASPHALT_SHAPE)},
        backlog_years=2.0,
    ),
    "paving": Lifecycle(
        mix=(
            (1900, {"gebakken klinkers": 0.8, "betonstraatstenen": 0.2}),
            (1960, {"betonstraatstenen": 0.6, "gebakken klinkers": 0.4}),
        ),
        life={
            "gebakken klinkers": (demo_figure("paving_life"), 3.0),
            "betonstraatstenen": (demo_figure("paving_life"), 3.0),
        },
        backlog_years=3.0,
    ),
    "lighting": Lifecycle(
        mix=((1950, {"staal": 1.0}), (1990, {"aluminium": 0.6, "staal": 0.4})),
        life={"staal": (demo_figure("lamp_post_life"), 3.0), "aluminium": (demo_figure("lamp_post_life") + 5.0, 3.0)},
        backlog_years=5.0,
    ),
    "tree": Lifecycle(
        mix=((1900, {"boom": 1.0}),),
        life={"boom": (demo_figure("street_tree_life"), 3.0)},
        backlog_years=3.0,
    ),
    "water_storage": Lifecycle(
        mix=((1990, {"PVC (IT-riool)": 0.6, "PP (infiltratiekratten)": 0.4}),),
        life={"PVC (IT-riool)": (60.0, 3.0), "PP (infiltratiekratten)": (50.0, 3.0)},
        backlog_years=5.0,
    ),
}
"""The lifecycles of the demo's asset kinds."""


@dataclass(frozen=True, kw_only=True)
class Renewed:
    """What is in the ground in DEMO_YEAR: install year, material and (hidden) true life of each asset."""

    install_year: np.ndarray
    material: np.ndarray
    life: np.ndarray


def _materials(lifecycle: Lifecycle, years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw the material of assets installed in the given years from the era's mix."""
    names = lifecycle.materials
    starts = np.array([start for start, _ in lifecycle.mix])
    shares = np.array([[mix.get(n, 0.0) for n in names] for _, mix in lifecycle.mix])
    era = np.clip(np.searchsorted(starts, years, side="right") - 1, 0, len(starts) - 1)
    cumulative = np.cumsum(shares[era], axis=1)
    choice = (rng.random(len(years))[:, None] * cumulative[:, -1:] > cumulative).sum(axis=1)
    return np.array(names, dtype=object)[np.minimum(choice, len(names) - 1)]


def _lives(lifecycle: Lifecycle, materials: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Weibull lives for each asset's material; the median is kept (scale = median / ln2^(1/shape))."""
    median = np.array([lifecycle.life[m][0] for m in materials])
    shape = np.array([lifecycle.life[m][1] for m in materials])
    scale = median / np.log(2.0) ** (1.0 / shape)
    return scale * rng.weibull(shape)


def renewed_assets(lifecycle: Lifecycle, first_install: np.ndarray, rng: np.random.Generator) -> Renewed:
    """Age assets from their first install to DEMO_YEAR, renewing each some years after its life ends."""
    year = np.asarray(first_install, dtype=float).copy()
    material = _materials(lifecycle, year.astype(int), rng)
    life = _lives(lifecycle, material, rng)
    for _ in range(6):
        renewal = year + life + rng.exponential(lifecycle.backlog_years, len(year))
        due = renewal < DEMO_YEAR
        if not due.any():
            break
        year[due] = np.floor(renewal[due])
        material[due] = _materials(lifecycle, year[due].astype(int), rng)
        life[due] = _lives(lifecycle, material[due], rng)
    return Renewed(install_year=year.astype(int), material=material, life=life)


def observed_condition(
    renewed: Renewed, rng: np.random.Generator, *, share: float, within_years: int
) -> tuple[np.ndarray, np.ndarray]:
    """NEN 2767 condition (1-6) and inspection year for the inspected share; 0 where never inspected.

    The condition follows the share of its true life an asset had used at the inspection: new is 1,
    half-way 2, at the end of its life 4 (the usual action threshold), well past it 6.
    """
    n = len(renewed.install_year)
    inspected = rng.random(n) < share
    year = DEMO_YEAR - rng.integers(0, within_years + 1, n)
    year = np.maximum(year, renewed.install_year)
    used = (year - renewed.install_year) / np.maximum(renewed.life, 1.0)
    score = np.interp(used, [0.0, 0.5, 0.8, 1.0, 1.2, 1.4], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    condition = np.clip(np.round(score + rng.normal(0.0, 0.45, n)), 1, 6).astype(int)
    return np.where(inspected, condition, 0), np.where(inspected, year, 0)


def expected_life(lifecycle: Lifecycle, materials: np.ndarray) -> np.ndarray:
    """The median life a planner assumes for each asset's material (the true life is unknown to them)."""
    return np.array([lifecycle.life[m][0] for m in materials])
