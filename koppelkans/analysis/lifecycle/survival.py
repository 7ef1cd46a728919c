"""Survival models: a Weibull (shape, scale) per discipline × material × diameter class, and its closed forms.

A lifetime T ~ Weibull(k, λ) has survival S(t) = exp(-(t/λ)^k), median λ·(ln 2)^(1/k) and hazard
(k/λ)(t/λ)^(k-1); every function here works on arrays, so a million assets cost one pass.

Model lookup (`SurvivalTable.lookup`) picks, for each asset, the first model that exists along the
fallback chain, from most to least specific ("*" means any):

1. organisation, discipline, material, diameter class
2. organisation, discipline, material, *
3. organisation, discipline, *, *
4. *, discipline, material, diameter class
5. *, discipline, material, *
6. *, discipline, *, *
7. *, *, *, *  (the generic model)

So an organisation's own model for its discipline beats the library's material default: it knows
its own assets. Materials are matched on a canonical code (`material_codes`: "beton" → "concrete");
diameter classes are `small` (< 400 mm), `medium` (400-799 mm) and `large` (≥ 800 mm).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from koppelkans.analysis.lifecycle.defaults import DEFAULT_MODEL_FIGURES, figure_source, lifecycle_figure
from koppelkans.errors import InputError

__all__ = [
    "ANY",
    "DIAMETER_CLASSES",
    "MATERIAL_ALIASES",
    "ModelAssignment",
    "SurvivalTable",
    "WeibullModel",
    "combination_codes",
    "conditional_failure_probabilities",
    "diameter_classes",
    "material_codes",
    "renewal_density",
    "residual_life_quantile",
    "weibull_hazard",
    "weibull_median",
    "weibull_quantile",
    "weibull_scale_from_median",
    "weibull_survival",
]

ANY = "*"
LN2 = math.log(2.0)

MATERIAL_ALIASES: dict[str, str] = {
    **dict.fromkeys(("beton", "gewapend beton", "concrete", "reinforced concrete", "bt"), "concrete"),
    **dict.fromkeys(("pvc", "pvc-u", "upvc", "pvc-c"), "pvc"),
    **dict.fromkeys(("pe", "hdpe", "pe80", "pe100", "pe-hd", "polyethyleen", "polyethylene"), "pe"),
    **dict.fromkeys(("gres", "gresbuis", "vitrified clay", "vitrified_clay", "klei", "clay"), "vitrified_clay"),
    **dict.fromkeys(("gietijzer", "grijs gietijzer", "cast iron", "cast_iron", "gi"), "cast_iron"),
    **dict.fromkeys(("nodulair gietijzer", "ductiel gietijzer", "ductile iron", "ductile_iron"), "ductile_iron"),
    **dict.fromkeys(("staal", "steel", "st"), "steel"),
    **dict.fromkeys(("asbestcement", "asbest-cement", "ac", "asbestos cement", "asbestos_cement"), "asbestos_cement"),
    **dict.fromkeys(("metselwerk", "masonry"), "masonry"),
    **dict.fromkeys(("asfalt", "asphalt", "zoab", "dab", "sma"), "asphalt"),
    **dict.fromkeys(
        (
            "klinkers",
            "gebakken klinkers",
            "elementen",
            "elementenverharding",
            "tegels",
            "betonstenen",
            "betonstraatstenen",
            "betontegels",
            "paving",
            "bestrating",
        ),
        "paving",
    ),
    **dict.fromkeys(("pp", "polypropyleen", "polypropylene"), "pp"),
    **dict.fromkeys(("koper", "copper", "cu"), "copper"),
    **dict.fromkeys(("aluminium", "aluminum", "al"), "aluminium"),
}
"""Material names as registers spell them (Dutch and English) → the canonical code models use."""

DIAMETER_CLASSES: tuple[tuple[str, float, float], ...] = (
    ("small", 0.0, 400.0),
    ("medium", 400.0, 800.0),
    ("large", 800.0, math.inf),
)
"""Diameter classes (name, from mm inclusive, to mm exclusive)."""


# -- closed forms ------------------------------------------------------------------------------
def weibull_median(shape: Any, scale: Any) -> Any:
    """The median life λ·(ln 2)^(1/k)."""
    return scale * LN2 ** (1.0 / np.asarray(shape, dtype=float))


def weibull_scale_from_median(median: Any, shape: Any) -> Any:
    """The scale λ that gives a median life: median / (ln 2)^(1/k)."""
    return median / LN2 ** (1.0 / np.asarray(shape, dtype=float))


def weibull_quantile(p: Any, shape: Any, scale: Any) -> Any:
    """The age by which a share p has failed: λ·(-ln(1-p))^(1/k)."""
    return scale * (-np.log1p(-np.asarray(p, dtype=float))) ** (1.0 / np.asarray(shape, dtype=float))


def weibull_survival(t: Any, shape: Any, scale: Any) -> Any:
    """S(t) = exp(-(t/λ)^k): the share still in service at age t."""
    return np.exp(-((np.maximum(np.asarray(t, dtype=float), 0.0) / scale) ** shape))


def weibull_hazard(t: Any, shape: Any, scale: Any) -> Any:
    """h(t) = (k/λ)(t/λ)^(k-1): the failure rate at age t."""
    t = np.maximum(np.asarray(t, dtype=float), 0.0)
    return (shape / scale) * (t / scale) ** (shape - 1.0)


def residual_life_quantile(q: float, age: Any, shape: Any, scale: Any) -> np.ndarray:
    """Years after `age` by which a share q of assets that reached `age` has failed (conditional survival).

    Solves S(age + t) = (1 - q)·S(age): t = λ·((age/λ)^k - ln(1-q))^(1/k) - age, in the form
    age·expm1(log1p(c/z)/k) that keeps its precision for old assets.
    """
    age = np.maximum(np.asarray(age, dtype=float), 0.0)
    shape = np.asarray(shape, dtype=float)
    c = -math.log1p(-q)
    z = (age / scale) ** shape
    with np.errstate(divide="ignore", invalid="ignore"):
        aged = age * np.expm1(np.log1p(c / z) / shape)
    new = scale * c ** (1.0 / shape)
    return np.asarray(np.where(z > 0, aged, new), dtype=float)


def conditional_failure_probabilities(
    age: np.ndarray, shape: np.ndarray, scale: np.ndarray, *, horizon: int, chunk: int = 65_536
) -> tuple[np.ndarray, np.ndarray]:
    """Per asset, the probability it fails in each of the next `horizon` years given it has reached `age`.

    Returns (n × horizon float32 probabilities, n float64 probability of lasting beyond the horizon);
    computed in chunks so memory stays at the result's size.
    """
    n = len(age)
    out = np.empty((n, horizon), dtype=np.float32)
    beyond = np.empty(n, dtype=float)
    offsets = np.arange(horizon + 1, dtype=float)
    for start in range(0, n, chunk):
        part = slice(start, min(start + chunk, n))
        a = np.maximum(np.asarray(age[part], dtype=float), 0.0)[:, None]
        k = np.asarray(shape[part], dtype=float)[:, None]
        lam = np.asarray(scale[part], dtype=float)[:, None]
        # S(a + j) / S(a) = exp(z(a) - z(a + j)), from the cumulative hazard z = (t/λ)^k
        z = ((a + offsets) / lam) ** k
        survival = np.exp(z[:, :1] - z)
        out[part] = survival[:, :-1] - survival[:, 1:]
        beyond[part] = survival[:, -1]
    return out, beyond


def renewal_density(shape: float, scale: float, *, horizon: int) -> np.ndarray:
    """Expected renewals d = 1 … horizon years after an asset was renewed (like for like, same model).

    A renewal happens mid-year, so the successor fails d years later with probability
    S(d - ½) - S(d + ½) (a failure within its first year and a half counts at d = 1); the renewal
    equation u_d = g_d + Σ g_j u_(d-j) then sums over every later generation. Index 0 is 0.
    """
    d = np.arange(horizon + 1, dtype=float)
    upper = weibull_survival(np.maximum(d - 0.5, 0.0), shape, scale) - weibull_survival(d + 0.5, shape, scale)
    g = np.zeros(horizon + 1)
    g[1:] = upper[1:]
    g[1] += 1.0 - weibull_survival(0.5, shape, scale)
    u = np.zeros(horizon + 1)
    for step in range(1, horizon + 1):
        u[step] = g[step] + float(np.dot(g[1:step], u[step - 1 : 0 : -1]))
    return u


# -- model table -------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class WeibullModel:
    """A Weibull lifetime model: shape k (wear-out when > 1), scale λ in years, and where it comes from."""

    shape: float
    scale: float
    source: str = ""

    def __post_init__(self) -> None:
        if not (self.shape > 0 and self.scale > 0 and math.isfinite(self.shape) and math.isfinite(self.scale)):
            raise InputError(f"a Weibull model needs positive shape and scale, got {self.shape}, {self.scale}")

    @classmethod
    def from_median(cls, *, median: float, shape: float, source: str = "") -> WeibullModel:
        """The model with this median life and shape (the way PRODUCT.md §8 states lifetimes)."""
        return cls(shape=shape, scale=float(weibull_scale_from_median(median, shape)), source=source)

    @property
    def median(self) -> float:
        return float(weibull_median(self.shape, self.scale))

    def quantile(self, p: float) -> float:
        return float(weibull_quantile(p, self.shape, self.scale))


ModelKey = tuple[str, str, str, str]
"""(organisation, discipline, material, diameter class), each possibly "*"."""

MODEL_COLUMNS = ("organisation", "discipline", "material", "diameter_class", "shape", "scale", "median", "source")


@dataclass(frozen=True, kw_only=True)
class ModelAssignment:
    """Which model each asset got: an index per asset into `keys`/`models`, and the arrays forecasts need."""

    index: np.ndarray
    keys: tuple[ModelKey, ...]
    models: tuple[WeibullModel, ...]

    @property
    def shape(self) -> np.ndarray:
        return np.array([m.shape for m in self.models], dtype=float)[self.index]

    @property
    def scale(self) -> np.ndarray:
        return np.array([m.scale for m in self.models], dtype=float)[self.index]

    @property
    def labels(self) -> np.ndarray:
        """A readable name of the model per asset: `sewer/concrete/small` or `ORG:sewer/*/*`."""
        return np.array([model_label(key) for key in self.keys], dtype=object)[self.index]


def model_label(key: ModelKey) -> str:
    """`ORG:discipline/material/class`, the organisation left out when the model is everyone's."""
    organisation, *rest = key
    path = "/".join(rest)
    return path if organisation == ANY else f"{organisation}:{path}"


class SurvivalTable:
    """Weibull models keyed by (organisation, discipline, material, diameter class); "*" means any.

    Build the defaults with `SurvivalTable.defaults()`, an organisation's own with `from_frame`
    (the `--models` file format), and combine them with `with_overrides`.
    """

    def __init__(self, models: Mapping[ModelKey, WeibullModel], *, with_generic: bool = True) -> None:
        self.models: dict[ModelKey, WeibullModel] = {_clean_key(key): model for key, model in models.items()}
        if with_generic and (ANY, ANY, ANY, ANY) not in self.models:
            self.models[(ANY, ANY, ANY, ANY)] = _generic_model()

    def __len__(self) -> int:
        return len(self.models)

    def __contains__(self, key: object) -> bool:
        return key in self.models

    def __getitem__(self, key: ModelKey) -> WeibullModel:
        return self.models[key]

    @classmethod
    def defaults(cls) -> SurvivalTable:
        """The documented default models (PRODUCT.md §8 and `LIFECYCLE_DEFAULTS`)."""
        models = {}
        for discipline, material, diameter, median_name, shape_name in DEFAULT_MODEL_FIGURES:
            models[(ANY, discipline, material, diameter)] = WeibullModel.from_median(
                median=lifecycle_figure(median_name),
                shape=lifecycle_figure(shape_name),
                source=f"{figure_source(median_name)} (median); {figure_source(shape_name)} (shape)",
            )
        return cls(models)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> SurvivalTable:
        """Models from rows with discipline, shape and scale or median (organisation, material,
        diameter_class and source optional; blank means "*"). Raises InputError naming row and field."""
        missing = [c for c in ("discipline", "shape") if c not in frame.columns]
        if missing or not ({"scale", "median"} & set(frame.columns)):
            need = ", ".join(missing + ([] if {"scale", "median"} & set(frame.columns) else ["scale or median"]))
            raise InputError(f"a models table needs the column(s) {need}", field=need)
        models: dict[ModelKey, WeibullModel] = {}
        for number, row in enumerate(frame.to_dict("records"), start=1):
            key = _clean_key(tuple(_text(row.get(c)) for c in MODEL_COLUMNS[:4]))  # type: ignore[arg-type]
            record = f"row {number} ({model_label(key)})"
            if key[1] == ANY and key != (ANY, ANY, ANY, ANY):
                raise InputError(f"{record}: a model needs a discipline", record=record, field="discipline")
            if key[3] not in (ANY, *(name for name, _, _ in DIAMETER_CLASSES)):
                classes = ", ".join(name for name, _, _ in DIAMETER_CLASSES)
                raise InputError(
                    f"{record}: unknown diameter_class {key[3]!r}; expected {classes} or blank",
                    record=record,
                    field="diameter_class",
                )
            shape = _number(row.get("shape"), record=record, field="shape")
            scale = _optional_number(row.get("scale"), record=record, field="scale")
            median = _optional_number(row.get("median"), record=record, field="median")
            if shape is None or (scale is None and median is None):
                field = "shape" if shape is None else "scale"
                raise InputError(f"{record}: needs a shape and a scale or median", record=record, field=field)
            source = _text(row.get("source"), blank="user model")
            try:
                models[key] = (
                    WeibullModel(shape=shape, scale=scale, source=source)
                    if scale is not None
                    else WeibullModel.from_median(median=median, shape=shape, source=source)  # type: ignore[arg-type]
                )
            except InputError as error:
                raise InputError(f"{record}: {error.message}", record=record, field="shape") from None
        return cls(models, with_generic=False)

    def with_overrides(self, overrides: SurvivalTable | Mapping[ModelKey, WeibullModel]) -> SurvivalTable:
        """These models with `overrides` replacing or adding models of the same key."""
        extra = overrides.models if isinstance(overrides, SurvivalTable) else overrides
        return SurvivalTable({**self.models, **{_clean_key(k): v for k, v in extra.items()}})

    def as_frame(self) -> pd.DataFrame:
        """The table in the `--models` file format (with the median for readability)."""
        rows = [
            {
                "organisation": k[0],
                "discipline": k[1],
                "material": k[2],
                "diameter_class": k[3],
                "shape": m.shape,
                "scale": m.scale,
                "median": m.median,
                "source": m.source,
            }
            for k, m in sorted(self.models.items())
        ]
        return pd.DataFrame(rows, columns=list(MODEL_COLUMNS))

    def resolve(self, organisation: str, discipline: str, material: str, diameter_class: str) -> ModelKey:
        """The key of the model an asset with these properties gets (the fallback chain above)."""
        for key in _chain(organisation, discipline, material, diameter_class):
            if key in self.models:
                return key
        return (ANY, ANY, ANY, ANY)

    def lookup(
        self,
        *,
        organisation: Iterable[Any],
        discipline: Iterable[Any],
        material: Iterable[Any],
        diameter_mm: Iterable[Any],
    ) -> ModelAssignment:
        """The model of every asset at once: the chain is walked once per distinct combination."""
        columns = (
            _codes_as_text(organisation),
            _codes_as_text(discipline),
            material_codes(material),
            diameter_classes(diameter_mm),
        )
        codes, distinct = combination_codes(columns)
        resolved = [self.resolve(*combination) for combination in distinct]
        keys = tuple(dict.fromkeys(resolved))
        position = {key: i for i, key in enumerate(keys)}
        per_distinct = np.array([position[key] for key in resolved], dtype=np.int64)
        return ModelAssignment(
            index=per_distinct[codes] if len(codes) else np.zeros(0, dtype=np.int64),
            keys=keys,
            models=tuple(self.models[key] for key in keys),
        )


def combination_codes(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """Per row, the index of its distinct combination of column values, and those combinations.

    Factorises each column, then one int64 key: much faster than factorising tuples.
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    levels = []
    for values in columns:
        codes, uniques = pd.factorize(values)
        key = key * (len(uniques) + 1) + codes
        levels.append((codes, uniques))
    codes, _ = pd.factorize(key)
    first = np.unique(codes, return_index=True)[1]
    distinct = [tuple(uniques[c[i]] for c, uniques in levels) for i in first]
    return codes, distinct


def _chain(organisation: str, discipline: str, material: str, diameter_class: str) -> Iterable[ModelKey]:
    for org in (organisation, ANY) if organisation != ANY else (ANY,):
        yield (org, discipline, material, diameter_class)
        yield (org, discipline, material, ANY)
        yield (org, discipline, ANY, ANY)
    yield (ANY, ANY, ANY, ANY)


def _generic_model() -> WeibullModel:
    return WeibullModel.from_median(
        median=lifecycle_figure("generic_median_life"),
        shape=lifecycle_figure("default_weibull_shape"),
        source=figure_source("generic_median_life"),
    )


def material_codes(values: Iterable[Any]) -> np.ndarray:
    """Canonical material codes ("beton" → "concrete"; unknown names lower-cased; missing → "*")."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    canonical = np.array([_material(v) for v in uniques] + [ANY], dtype=object)
    return canonical[codes]  # code -1 (missing) picks the trailing "*"


def _material(value: Any) -> str:
    text = str(value).strip().lower()
    if not text:
        return ANY
    return MATERIAL_ALIASES.get(text, text.replace(" ", "_"))


def diameter_classes(values: Iterable[Any]) -> np.ndarray:
    """The diameter class of each asset (`DIAMETER_CLASSES`), "*" where the diameter is unknown."""
    diameters = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    names = np.array([name for name, _, _ in DIAMETER_CLASSES] + [ANY], dtype=object)
    bounds = np.array([low for _, low, _ in DIAMETER_CLASSES[1:]])
    index = np.searchsorted(bounds, diameters, side="right")
    index[~np.isfinite(diameters) | (diameters <= 0)] = len(DIAMETER_CLASSES)
    return names[index]


def _codes_as_text(values: Iterable[Any]) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    text = np.array([_text(v) for v in uniques] + [ANY], dtype=object)
    return text[codes]


def _clean_key(key: tuple[Any, ...]) -> ModelKey:
    organisation, discipline, material, diameter = (_text(part) for part in key)
    return (organisation, discipline.lower(), _material(material) if material != ANY else ANY, diameter.lower())


def _text(value: Any, *, blank: str = ANY) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return blank
    text = str(value).strip()
    return text or blank


def _optional_number(value: Any, *, record: str, field: str) -> float | None:
    if _text(value) == ANY:
        return None
    return _number(value, record=record, field=field)


def _number(value: Any, *, record: str, field: str) -> float | None:
    if _text(value) == ANY:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{record}: {field} must be a number, got {value!r}", record=record, field=field) from None
    if not (number > 0 and math.isfinite(number)):
        raise InputError(f"{record}: {field} must be positive, got {value!r}", record=record, field=field)
    return number
