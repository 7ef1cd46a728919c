"""Condition update: an observed NEN 2767 class shifts an asset's age before conditional survival is applied.

The mapping, documented once (figures in `LIFECYCLE_DEFAULTS`):

1. Each class c has a remaining-life share r_c of the median life (1: 1.0 "as new", 2: 0.6, 3: 0.3,
   4: 0.12, 5: 0.05, 6: 0.02). The class's *virtual age* v_c is the age at which the model's
   conditional median remaining life equals r_c × median; so class 1 means age 0 and class 6 an
   age deep in the wear-out tail. Worse class → larger virtual age (for wear-out models, shape > 1).
2. An observation made at age a_obs, Δ years ago, shifts today's age by w·(v_c − a_obs), with
   w = ½^(Δ / half-life) (half-life 10 years): a recent poor observation brings the due year
   forward, a recent excellent one pushes it back, and an old observation fades towards plain age.
3. The forecast then uses conditional survival given the effective age: the asset has survived to today.

Models with shape ≤ 1 have no wear-out, so a class cannot be read as an age: they ignore condition.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from koppelkans.analysis.lifecycle.defaults import lifecycle_figure
from koppelkans.errors import InputError

__all__ = ["CONDITION_CLASSES", "ConditionMapping", "condition_virtual_ages", "effective_ages"]

CONDITION_CLASSES = (1, 2, 3, 4, 5, 6)
"""NEN 2767: 1 excellent, 2 good, 3 reasonable, 4 moderate, 5 poor, 6 very poor."""

_MAX_VIRTUAL_AGE = 50.0
"""Virtual ages are capped at 50 scales: far enough into the tail that the asset is due at once."""


@dataclass(frozen=True, kw_only=True)
class ConditionMapping:
    """NEN 2767 class → remaining-life share of the median life, and how fast an observation fades."""

    remaining_share: tuple[float, ...]
    """Per class 1 … 6, the median remaining life as a share of the model's median life."""
    half_life: float
    """Years after which an observation carries half its weight."""

    def __post_init__(self) -> None:
        shares = self.remaining_share
        if len(shares) != len(CONDITION_CLASSES):
            raise InputError(f"a condition mapping needs one share per class 1-6, got {len(shares)}")
        if any(not (0 < s <= 1) for s in shares) or any(b > a for a, b in itertools.pairwise(shares)):
            raise InputError(
                f"remaining-life shares must lie in (0, 1] and never rise with a worse class, got {shares}",
                field="remaining_share",
            )
        if not self.half_life > 0:
            raise InputError(f"the condition half-life must be positive, got {self.half_life}", field="half_life")

    @classmethod
    def defaults(cls) -> ConditionMapping:
        """The documented mapping of `LIFECYCLE_DEFAULTS`."""
        return cls(
            remaining_share=tuple(lifecycle_figure(f"condition_{c}_remaining_share") for c in CONDITION_CLASSES),
            half_life=lifecycle_figure("condition_half_life"),
        )


def condition_virtual_ages(
    shape: Sequence[float] | np.ndarray, scale: Sequence[float] | np.ndarray, mapping: ConditionMapping
) -> np.ndarray:
    """Virtual age (years) per model × class 1-6: where conditional median remaining life = share × median.

    With u = v/λ and ρ = share·(ln 2)^(1/k) the condition is (u^k + ln 2)^(1/k) − u = ρ; the left
    side falls with u when k > 1, so a vectorised bisection over all models and classes finds it.
    """
    k = np.asarray(shape, dtype=float)[:, None]
    lam = np.asarray(scale, dtype=float)[:, None]
    rho = np.asarray(mapping.remaining_share, dtype=float)[None, :] * math.log(2.0) ** (1.0 / k)
    low = np.zeros_like(rho)
    high = np.full_like(rho, _MAX_VIRTUAL_AGE)
    for _ in range(80):
        middle = 0.5 * (low + high)
        too_young = _median_residual(middle, k) > rho
        low = np.where(too_young, middle, low)
        high = np.where(too_young, high, middle)
    u = np.where(np.asarray(mapping.remaining_share)[None, :] >= 1.0, 0.0, 0.5 * (low + high))
    return np.where(k > 1.0, u, 0.0) * lam


def _median_residual(u: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Conditional median remaining life at age u (in scales): (u^k + ln 2)^(1/k) − u, computed stably."""
    z = u**k
    with np.errstate(divide="ignore", invalid="ignore"):
        aged = u * np.expm1(np.log1p(math.log(2.0) / z) / k)
    return np.where(z > 0, aged, math.log(2.0) ** (1.0 / k))


def effective_ages(
    *,
    age: np.ndarray,
    condition: np.ndarray,
    condition_age: np.ndarray,
    years_since: np.ndarray,
    model_index: np.ndarray,
    virtual_ages: np.ndarray,
    half_life: float,
) -> np.ndarray:
    """Today's age shifted by the observed condition (step 2 of the module docstring), never below 0.

    `condition` is 0 where none was observed; `virtual_ages` is the models × classes table of
    `condition_virtual_ages` and `model_index` the model of each asset; `condition_age` and
    `years_since` say at what age and how long ago the condition was observed.
    """
    observed = condition > 0
    v = virtual_ages[model_index, np.clip(condition, 1, 6) - 1]
    weight = 0.5 ** (np.maximum(np.where(observed, years_since, 0.0), 0.0) / half_life)
    shift = np.where(observed, weight * (v - np.where(observed, condition_age, 0.0)), 0.0)
    return np.maximum(age + shift, 0.0)
