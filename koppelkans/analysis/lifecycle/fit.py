"""Fit Weibull survival models to a register: maximum likelihood with censoring, and its confidence.

What counts as what (`observations_from_assets`), per asset with a known install year:

- **observed end of life** (exact) at the age of its renewal: a work with status `done` and kind
  `replace`, `reconstruct`, `renovate`, `reline` or `remove` lists the asset in asset_ids (the year
  is the work's preferred_start, else its earliest_start), or the asset carries an `end_year`
  attribute (also read: `removal_year`, `renewal_year`, `replaced_year`). Relining counts: it is
  done because the pipe reached the end of its structural life, as RIONED counts renewal.
- **left-censored** at its age at inspection: its latest condition is NEN 2767 class ≥ 5 ("poor",
  `end_of_life_condition`): it reached the end of life at that age or before, we do not know when.
- **right-censored** at its age today: every other asset. It is in service and not known to be at
  the end of its life; in particular a condition 1-4 only says it has lasted this long.

Assets of age 0 carry no information and are left out. A register that only holds assets still
in service misses those already renewed before record-keeping began; pass `entry_age` (the age at
which an asset came under observation) to correct for that left truncation when it is known.

The likelihood is Σ log f(t) over exact events + Σ log F(t) over left-censored + Σ log S(t) over
right-censored − Σ log S(entry age), maximised over (log k, log λ) with scipy.optimize and the
analytic gradient. Confidence intervals come from the observed information matrix (the Hessian of
the negative log-likelihood at the optimum) on the log scale, so they stay positive.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from koppelkans.analysis.lifecycle.defaults import lifecycle_figure
from koppelkans.analysis.lifecycle.forecast import column_numbers
from koppelkans.analysis.lifecycle.survival import WeibullModel, material_codes, weibull_median
from koppelkans.errors import InputError

__all__ = [
    "EVENT",
    "LEFT_CENSORED",
    "MIN_EVENTS",
    "RIGHT_CENSORED",
    "WeibullFit",
    "fit_weibull",
    "fits_from_assets",
    "observations_from_assets",
]

EVENT, RIGHT_CENSORED, LEFT_CENSORED = 1, 0, -1
"""Observation status codes: end of life seen at the age; in service at the age; at end of life by the age."""

RENEWING_WORK_KINDS = ("replace", "reconstruct", "renovate", "reline", "remove")
END_YEAR_ATTRIBUTES = ("end_year", "removal_year", "renewal_year", "replaced_year")
SURVIVORS_ONLY = (
    "no renewals recorded: a register of assets still in service lacks those renewed before it began, "
    "so this fit overstates life; record renewals (done works, end_year) for a fit to trust"
)
MIN_EVENTS = 10
"""Fewer uncensored-or-left-censored observations than this and a fit says nothing: we refuse it."""


@dataclass(frozen=True, kw_only=True)
class WeibullFit:
    """A fitted Weibull model with its confidence intervals and what it was fitted on."""

    shape: float
    scale: float
    shape_ci: tuple[float, float]
    scale_ci: tuple[float, float]
    median_ci: tuple[float, float]
    level: float
    n: int
    events: int
    left_censored: int
    right_censored: int
    log_likelihood: float
    converged: bool
    covariance: tuple[tuple[float, float], tuple[float, float]] = field(repr=False)
    """Covariance of (log shape, log scale): the inverse observed information."""

    @property
    def median(self) -> float:
        return float(weibull_median(self.shape, self.scale))

    def model(self, *, source: str = "lifecycle fit") -> WeibullModel:
        return WeibullModel(shape=self.shape, scale=self.scale, source=source)

    def as_dict(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "scale": self.scale,
            "median": self.median,
            "shape_ci": list(self.shape_ci),
            "scale_ci": list(self.scale_ci),
            "median_ci": list(self.median_ci),
            "level": self.level,
            "n": self.n,
            "events": self.events,
            "left_censored": self.left_censored,
            "right_censored": self.right_censored,
            "log_likelihood": self.log_likelihood,
            "converged": self.converged,
        }


def fit_weibull(
    age: Sequence[float] | np.ndarray,
    status: Sequence[int] | np.ndarray,
    *,
    entry_age: Sequence[float] | np.ndarray | None = None,
    level: float = 0.95,
) -> WeibullFit:
    """Maximum-likelihood Weibull fit of ages with status EVENT / RIGHT_CENSORED / LEFT_CENSORED.

    Raises InputError when there are fewer than `MIN_EVENTS` events and left-censored ages (with
    only right-censored data the likelihood has no maximum).
    """
    t = np.asarray(age, dtype=float)
    s = np.asarray(status, dtype=np.int64)
    entry = np.zeros_like(t) if entry_age is None else np.asarray(entry_age, dtype=float)
    keep = t > 0
    t, s, entry = t[keep], s[keep], entry[keep]
    informative = int(np.count_nonzero(s != RIGHT_CENSORED))
    if informative < MIN_EVENTS:
        raise InputError(
            f"a fit needs at least {MIN_EVENTS} renewals or end-of-life conditions, found {informative}",
            field="status",
        )
    groups = _Observations(t=t, status=s, entry=entry)
    start = _starting_point(t)
    result = optimize.minimize(groups.negative_log_likelihood, start, jac=groups.gradient, method="BFGS")
    theta = result.x
    hessian = _numerical_hessian(groups.gradient, theta)
    covariance = np.linalg.inv(hessian)
    z = NormalDist().inv_cdf(0.5 + level / 2.0)
    sd = np.sqrt(np.diag(covariance))
    shape, scale = float(np.exp(theta[0])), float(np.exp(theta[1]))
    # log median = log λ + log(ln 2)/k: delta method on (log k, log λ)
    gradient = np.array([-math.log(math.log(2.0)) / shape, 1.0])
    log_median = theta[1] + math.log(math.log(2.0)) / shape
    median_sd = float(np.sqrt(gradient @ covariance @ gradient))
    return WeibullFit(
        shape=shape,
        scale=scale,
        shape_ci=(float(np.exp(theta[0] - z * sd[0])), float(np.exp(theta[0] + z * sd[0]))),
        scale_ci=(float(np.exp(theta[1] - z * sd[1])), float(np.exp(theta[1] + z * sd[1]))),
        median_ci=(float(np.exp(log_median - z * median_sd)), float(np.exp(log_median + z * median_sd))),
        level=level,
        n=len(t),
        events=int(np.count_nonzero(s == EVENT)),
        left_censored=int(np.count_nonzero(s == LEFT_CENSORED)),
        right_censored=int(np.count_nonzero(s == RIGHT_CENSORED)),
        log_likelihood=float(-result.fun),
        converged=bool(result.success),
        covariance=(
            (float(covariance[0, 0]), float(covariance[0, 1])),
            (float(covariance[1, 0]), float(covariance[1, 1])),
        ),
    )


@dataclass(frozen=True)
class _Observations:
    """The censored sample, with the negative log-likelihood and its gradient in θ = (log k, log λ)."""

    t: np.ndarray
    status: np.ndarray
    entry: np.ndarray

    def _terms(self, theta: np.ndarray) -> tuple[np.ndarray, ...]:
        k = math.exp(theta[0])
        u = np.log(self.t) - theta[1]
        z = np.exp(np.clip(k * u, -700.0, 700.0))
        with np.errstate(divide="ignore"):
            u_entry = np.where(self.entry > 0, np.log(np.maximum(self.entry, 1e-300)) - theta[1], 0.0)
        z_entry = np.where(self.entry > 0, np.exp(np.clip(k * u_entry, -700.0, 700.0)), 0.0)
        return k, u, z, u_entry, z_entry

    def negative_log_likelihood(self, theta: np.ndarray) -> float:
        k, u, z, _, z_entry = self._terms(theta)
        event, left = self.status == EVENT, self.status == LEFT_CENSORED
        log_f = theta[0] + k * u - np.log(self.t) - z
        log_left = np.log(-np.expm1(-np.maximum(z, 1e-300)))
        value = np.where(event, log_f, np.where(left, log_left, -z)).sum() + z_entry.sum()
        return float(-value)

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        k, u, z, u_entry, z_entry = self._terms(theta)
        event, left = self.status == EVENT, self.status == LEFT_CENSORED
        # d z / d log k = k·u·z and d z / d log λ = −k·z; log F differentiates through 1/expm1(z)
        dz_dk, dz_dl = k * u * z, -k * z
        with np.errstate(over="ignore"):
            left_weight = np.where(z > 1e-300, 1.0 / np.expm1(np.maximum(z, 1e-300)), 0.0)
        d_alpha = np.where(event, 1.0 + k * u - dz_dk, np.where(left, left_weight * dz_dk, -dz_dk))
        d_beta = np.where(event, -k - dz_dl, np.where(left, left_weight * dz_dl, -dz_dl))
        d_alpha_entry = (k * u_entry * z_entry).sum()
        d_beta_entry = (-k * z_entry).sum()
        return -np.array([d_alpha.sum() + d_alpha_entry, d_beta.sum() + d_beta_entry])


def _starting_point(t: np.ndarray) -> np.ndarray:
    return np.array([math.log(2.0), math.log(float(np.mean(t)) * 1.5)])


def _numerical_hessian(gradient: Any, theta: np.ndarray, *, step: float = 1e-5) -> np.ndarray:
    """Central differences of the analytic gradient, symmetrised."""
    columns = []
    for i in range(len(theta)):
        delta = np.zeros_like(theta)
        delta[i] = step
        columns.append((gradient(theta + delta) - gradient(theta - delta)) / (2 * step))
    hessian = np.array(columns)
    return 0.5 * (hessian + hessian.T)


def observations_from_assets(
    assets: pd.DataFrame,
    *,
    year: int,
    works: pd.DataFrame | None = None,
    end_of_life_condition: int | None = None,
) -> pd.DataFrame:
    """Age and status of every asset by the rules of the module docstring.

    Returns asset_id, organisation, discipline, material (canonical), age and status (EVENT,
    RIGHT_CENSORED, LEFT_CENSORED), without the assets of age ≤ 0.
    """
    threshold = end_of_life_condition or int(lifecycle_figure("end_of_life_condition"))
    key = "id" if "id" in assets.columns else "asset_id"
    ids = assets[key].to_numpy(dtype=object)
    install = column_numbers(assets, "install_year")
    condition = column_numbers(assets, "condition")
    condition_year = column_numbers(assets, "condition_year")
    end_year = _end_years(assets, ids, works)

    status = np.full(len(ids), RIGHT_CENSORED, dtype=np.int64)
    age = year - install
    poor = condition >= threshold
    status[poor] = LEFT_CENSORED
    age = np.where(poor, np.where(np.isnan(condition_year), year, condition_year) - install, age)
    renewed = ~np.isnan(end_year)
    status[renewed] = EVENT
    age = np.where(renewed, end_year - install, age)
    frame = pd.DataFrame(
        {
            "asset_id": ids,
            "organisation": assets["organisation"].to_numpy(dtype=object) if "organisation" in assets else None,
            "discipline": assets["discipline"].to_numpy(dtype=object),
            "material": material_codes(assets["material"] if "material" in assets else [None] * len(ids)),
            "age": age,
            "status": status,
        }
    )
    return frame[(frame["age"] > 0) & ~np.isnan(install)].reset_index(drop=True)


def fits_from_assets(
    assets: pd.DataFrame,
    *,
    year: int,
    works: pd.DataFrame | None = None,
    by: Sequence[str] = ("discipline", "material"),
    level: float = 0.95,
) -> pd.DataFrame:
    """One Weibull fit per group (default discipline × material), with the groups too thin to fit named.

    Returns the `by` columns, n, events, left_censored, right_censored and, where it could be
    fitted, shape, scale, median and their confidence intervals; `note` says why a group has no fit,
    `warning` when a fit rests on inspections alone (left truncation, see the module docstring).
    """
    observations = observations_from_assets(assets, year=year, works=works)
    rows = []
    for keys, group in observations.groupby(list(by), sort=True, dropna=False):
        row: dict[str, Any] = dict(zip(by, keys if isinstance(keys, tuple) else (keys,)))
        row.update(
            n=len(group),
            events=int((group["status"] == EVENT).sum()),
            left_censored=int((group["status"] == LEFT_CENSORED).sum()),
            right_censored=int((group["status"] == RIGHT_CENSORED).sum()),
        )
        try:
            fit = fit_weibull(group["age"], group["status"], level=level)
        except InputError as error:
            row["note"] = error.message
        else:
            row.update({k: v for k, v in fit.as_dict().items() if k not in row}, note="")
        row["warning"] = SURVIVORS_ONLY if row["events"] == 0 and row["note"] == "" else ""
        rows.append(row)
    return pd.DataFrame(rows)


def _end_years(assets: pd.DataFrame, ids: np.ndarray, works: pd.DataFrame | None) -> np.ndarray:
    """Year each asset was renewed (NaN where it was not): from its attributes, then from done works."""
    end = np.full(len(ids), np.nan)
    if "attributes" in assets.columns:
        for name in END_YEAR_ATTRIBUTES:
            values = pd.to_numeric(
                pd.Series([a.get(name) if isinstance(a, dict) else None for a in assets["attributes"]], dtype=object),
                errors="coerce",
            ).to_numpy(dtype=float, na_value=np.nan)
            end = np.where(np.isnan(end), values, end)
    if works is None or works.empty or "asset_ids" not in works.columns:
        return end
    done = works[(works["status"] == "done") & works["kind"].isin(RENEWING_WORK_KINDS)]
    if done.empty:
        return end
    start = column_numbers(done, "preferred_start")
    start = np.where(np.isnan(start), column_numbers(done, "earliest_start"), start)
    renewed = pd.DataFrame({"asset_ids": done["asset_ids"].to_numpy(dtype=object), "year": start})
    renewed["asset_id"] = renewed["asset_ids"].map(_id_list)
    per_asset = renewed.explode("asset_id").dropna(subset=["asset_id"]).groupby("asset_id")["year"].min()
    from_works = pd.Series(ids).map(per_asset).to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(end), from_works, end)


def _id_list(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [part for part in str(value).split(";") if part]
