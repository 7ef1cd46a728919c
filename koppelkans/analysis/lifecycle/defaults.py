"""The lifecycle figures beyond `config.DEFAULTS`, each with its unit and source.

Same `Figure` type as the project's defaults table, so they can move into `config.py` unchanged.
Figures marked "assumption" are our own choice inside the range the named source gives (or, where
no source gives a figure, a round number a Dutch asset manager would recognise); every one of them
can be overridden per organisation (survival models with `--models`, the rest through the API).
"""

from __future__ import annotations

from koppelkans.config import DEFAULTS, Figure

__all__ = ["DEFAULT_MODEL_FIGURES", "LIFECYCLE_DEFAULTS", "figure_source", "lifecycle_figure"]

_WEAR_OUT = "assumption: wear-out ageing like the sewer figures of PRODUCT.md §8 (shape 3-3.5)"

LIFECYCLE_DEFAULTS: dict[str, Figure] = {
    # -- survival: median life (years) and Weibull shape, per discipline × material × diameter class --
    "default_weibull_shape": Figure(value=3.0, unit="-", source=_WEAR_OUT),
    "generic_median_life": Figure(
        value=50.0, unit="years", source="assumption: fallback for a discipline without a model of its own"
    ),
    "sewer_concrete_small_median_life": Figure(
        value=70.0,
        unit="years (Ø < 400 mm)",
        source="Dutch/Flemish sewer deterioration studies (§8: 70-80); assumption: small pipes at the low end",
    ),
    "sewer_concrete_large_median_life": Figure(
        value=80.0,
        unit="years (Ø ≥ 800 mm)",
        source="Dutch/Flemish sewer deterioration studies (§8: 70-80); assumption: trunk sewers at the high end",
    ),
    "sewer_pvc_weibull_shape": Figure(value=3.0, unit="-", source=_WEAR_OUT),
    "sewer_clay_median_life": Figure(
        value=80.0, unit="years", source="assumption: vitrified clay at least as durable as concrete (§8: 70-80)"
    ),
    "water_main_weibull_shape": Figure(value=3.0, unit="-", source=_WEAR_OUT),
    "water_main_ac_life": Figure(
        value=60.0, unit="years", source="assumption (as the demo): asbestos-cement mains age faster than design life"
    ),
    "gas_main_life": Figure(value=65.0, unit="years", source="assumption (as the demo): grid-operator practice"),
    "gas_cast_iron_life": Figure(
        value=50.0,
        unit="years",
        source="assumption: grey cast-iron gas mains go first in grid operators' risk-based replacement",
    ),
    "cable_life": Figure(value=60.0, unit="years", source="assumption (as the demo): grid-operator practice"),
    "telecom_life": Figure(value=50.0, unit="years", source="assumption (as the demo)"),
    "heat_main_life": Figure(value=50.0, unit="years", source="assumption (as the demo): steel pre-insulated pipes"),
    "road_weibull_shape": Figure(value=3.0, unit="-", source=_WEAR_OUT),
    "paving_life": Figure(
        value=35.0, unit="years", source="assumption (as the demo): relaying elements, CROW road-management practice"
    ),
    "lamp_post_life": Figure(value=40.0, unit="years", source="assumption (as the demo): public-lighting practice"),
    "street_tree_life": Figure(value=60.0, unit="years", source="assumption (as the demo): municipal tree management"),
    "water_storage_life": Figure(value=50.0, unit="years", source="assumption: infiltration crates and drains"),
    "charging_point_life": Figure(value=15.0, unit="years", source="assumption: technical life of charging points"),
    # -- condition update (NEN 2767 class → remaining life) ----------------------------------------
    "condition_1_remaining_share": Figure(
        value=1.0, unit="× median life", source="NEN 2767 class 1 'excellent' read as 'as new' (assumption)"
    ),
    "condition_2_remaining_share": Figure(
        value=0.6, unit="× median life", source="assumption: 'good', well before half-way through its life"
    ),
    "condition_3_remaining_share": Figure(
        value=0.3, unit="× median life", source="assumption: 'reasonable', renewal within a few decades (sewers)"
    ),
    "condition_4_remaining_share": Figure(
        value=0.12,
        unit="× median life",
        source="assumption; NEN 2767: action usually at ≥ 4 (§8): about 9 years for a sewer, 1-2 for asphalt",
    ),
    "condition_5_remaining_share": Figure(
        value=0.05, unit="× median life", source="assumption: 'poor' means renewal within a few years"
    ),
    "condition_6_remaining_share": Figure(
        value=0.02, unit="× median life", source="assumption: 'very poor' means renewal now (1-2 years)"
    ),
    "condition_half_life": Figure(
        value=10.0,
        unit="years",
        source="assumption: an observation loses half its weight in about one Dutch sewer inspection cycle",
    ),
    "end_of_life_condition": Figure(
        value=5.0,
        unit="NEN 2767 class",
        source="NEN 2767 class 5 'poor': what `lifecycle fit` counts as having reached end of life",
    ),
    # -- unit replacement costs, for assets registered without replacement_cost_eur --------------
    "water_main_cost_per_m": Figure(
        value=350.0, unit="EUR/m", source="assumption (as the demo): drinking-water companies' renewal costs"
    ),
    "gas_main_cost_per_m": Figure(value=250.0, unit="EUR/m", source="assumption (as the demo): grid-operator costs"),
    "lv_cable_cost_per_m": Figure(value=180.0, unit="EUR/m", source="assumption (as the demo): grid-operator costs"),
    "mv_cable_cost_per_m": Figure(value=300.0, unit="EUR/m", source="assumption (as the demo): grid-operator costs"),
    "fibre_cost_per_m": Figure(value=60.0, unit="EUR/m", source="assumption (as the demo): FttH roll-out cost"),
    "telecom_cost_per_m": Figure(value=70.0, unit="EUR/m", source="assumption (as the demo)"),
    "road_cost_per_m2": Figure(value=25.0, unit="EUR/m2", source="assumption (as the demo): CROW resurfacing"),
    "road_cost_per_m": Figure(
        value=150.0, unit="EUR/m of street", source="assumption: EUR 25/m2 resurfacing × 6 m carriageway (CROW)"
    ),
    "water_storage_cost_per_m": Figure(
        value=450.0, unit="EUR/m of street", source="assumption (as the demo): infiltration crates"
    ),
    "lamp_post_cost": Figure(value=2_500.0, unit="EUR/item", source="assumption (as the demo): public lighting"),
    "tree_cost": Figure(value=1_500.0, unit="EUR/item", source="assumption (as the demo): tree incl. tree pit"),
    "charging_point_cost": Figure(value=5_000.0, unit="EUR/item", source="assumption: public AC charging point"),
    # -- bridging measures: years gained (central, low, high) and cost as a share of replacement ---
    "reline_gain_years": Figure(value=25.0, unit="years (20-30)", source="K4 issue; sewer relining practice"),
    "reline_gain_min_years": Figure(value=20.0, unit="years", source="K4 issue; sewer relining practice"),
    "reline_gain_max_years": Figure(value=30.0, unit="years", source="K4 issue; sewer relining practice"),
    "reline_cost_share": Figure(
        value=0.5,
        unit="× replacement cost",
        source="assumption: no trench and no road surface, which is 30-60 % of a replacement (RIONED, §8)",
    ),
    "surface_treatment_gain_years": Figure(value=4.0, unit="years (3-5)", source="K4 issue; CROW practice"),
    "surface_treatment_gain_min_years": Figure(value=3.0, unit="years", source="K4 issue; CROW practice"),
    "surface_treatment_gain_max_years": Figure(value=5.0, unit="years", source="K4 issue; CROW practice"),
    "surface_treatment_cost_share": Figure(
        value=0.2,
        unit="× replacement cost",
        source="assumption: about EUR 5/m2 surface dressing against EUR 25/m2 resurfacing",
    ),
    "temporary_repair_gain_years": Figure(value=2.0, unit="years (1-3)", source="K4 issue"),
    "temporary_repair_gain_min_years": Figure(value=1.0, unit="years", source="K4 issue"),
    "temporary_repair_gain_max_years": Figure(value=3.0, unit="years", source="K4 issue"),
    "temporary_repair_cost_share": Figure(
        value=0.1, unit="× replacement cost", source="assumption: a local repair of a pipe or pavement"
    ),
}

DEFAULT_MODEL_FIGURES: tuple[tuple[str, str, str, str, str], ...] = (
    # discipline, material, diameter class ("*" = any), median-life figure, shape figure
    ("*", "*", "*", "generic_median_life", "default_weibull_shape"),
    ("sewer", "*", "*", "sewer_concrete_median_life", "sewer_concrete_weibull_shape"),
    ("sewer", "concrete", "*", "sewer_concrete_median_life", "sewer_concrete_weibull_shape"),
    ("sewer", "concrete", "small", "sewer_concrete_small_median_life", "sewer_concrete_weibull_shape"),
    ("sewer", "concrete", "large", "sewer_concrete_large_median_life", "sewer_concrete_weibull_shape"),
    ("sewer", "pvc", "*", "sewer_pvc_median_life", "sewer_pvc_weibull_shape"),
    ("sewer", "pp", "*", "sewer_pvc_median_life", "sewer_pvc_weibull_shape"),
    ("sewer", "vitrified_clay", "*", "sewer_clay_median_life", "sewer_concrete_weibull_shape"),
    ("water", "*", "*", "water_main_design_life", "water_main_weibull_shape"),
    ("water", "asbestos_cement", "*", "water_main_ac_life", "water_main_weibull_shape"),
    ("gas", "*", "*", "gas_main_life", "default_weibull_shape"),
    ("gas", "cast_iron", "*", "gas_cast_iron_life", "default_weibull_shape"),
    ("electricity_lv", "*", "*", "cable_life", "default_weibull_shape"),
    ("electricity_mv", "*", "*", "cable_life", "default_weibull_shape"),
    ("telecom", "*", "*", "telecom_life", "default_weibull_shape"),
    ("fibre", "*", "*", "telecom_life", "default_weibull_shape"),
    ("heat", "*", "*", "heat_main_life", "default_weibull_shape"),
    ("road", "*", "*", "road_reconstruction_life", "road_weibull_shape"),
    ("road", "asphalt", "*", "asphalt_wearing_course_life", "asphalt_weibull_shape"),
    ("road", "paving", "*", "paving_life", "road_weibull_shape"),
    ("green", "*", "*", "street_tree_life", "default_weibull_shape"),
    ("lighting", "*", "*", "lamp_post_life", "default_weibull_shape"),
    ("water_storage", "*", "*", "water_storage_life", "default_weibull_shape"),
    ("charging", "*", "*", "charging_point_life", "default_weibull_shape"),
)
"""Which figures make the default survival model of each discipline × material × diameter class."""


def lifecycle_figure(name: str) -> float:
    """The value of a lifecycle figure: ours first, then the project-wide defaults table."""
    if name in LIFECYCLE_DEFAULTS:
        return LIFECYCLE_DEFAULTS[name].value
    return DEFAULTS[name].value


def figure_source(name: str) -> str:
    """Where a lifecycle figure comes from (ours or the project-wide table)."""
    return (LIFECYCLE_DEFAULTS.get(name) or DEFAULTS[name]).source
