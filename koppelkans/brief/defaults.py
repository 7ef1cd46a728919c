"""The figures of the brief and the area anatomy, each with its unit and source.

Same `Figure` type as the project's defaults table (`config.DEFAULTS`), so they can move there
unchanged; until then this is their one home.
"""

from __future__ import annotations

from koppelkans.config import DEFAULTS, Figure

__all__ = ["BRIEF_DEFAULTS", "brief_figure"]

BRIEF_DEFAULTS: dict[str, Figure] = {
    "environment_buffer_m": Figure(
        value=100.0,
        unit="m around the project geometry",
        source="K9 default: the environment analysis looks 'in and around the project area' (PRODUCT.md C2); "
        "100 m takes in the side streets and the next block, where traffic measures and site set-up reach",
    ),
    "horizon_years": Figure(
        value=10.0,
        unit="years after the first year",
        source="the tactical layer of 4-10 years between ambition and programming (PRODUCT.md §1)",
    ),
    "liveability_target": Figure(
        value=6.0,
        unit="Leefbaarometer class (1-9)",
        source="Leefbaarometer 3.0: class 6 is 'ruim voldoende'; the Twente demo gives a neighbourhood approach "
        "to buurten at 5 or below",
    ),
    "climate_stress_high": Figure(
        value=4.0,
        unit="stress-test score (1-5)",
        source="K9 choice: scores of 4 and above make climate adaptation a criterion with priority (the demo "
        "brings their target year forward to 2035 for the same reason)",
    ),
    "participation_nuisance_days": Figure(
        value=60.0,
        unit="working days the street is open",
        source="K9 assumption: above about three months of works residents should be consulted, not only informed",
    ),
    "social_housing_share_high": Figure(
        value=0.3,
        unit="share of dwellings",
        source="K9 assumption: from about 30 % social housing the housing corporation is a party to involve early",
    ),
}


def brief_figure(name: str) -> float:
    """The value of a brief figure (or of a project-wide one in `config.DEFAULTS`)."""
    return (BRIEF_DEFAULTS.get(name) or DEFAULTS[name]).value
