"""Construction periods of a Dutch town's neighbourhoods: when they were built, how dense, which street pattern.

Everything downstream follows the era: the street pattern (`streets`), the install years and
materials of the assets (`assets`), the area tasks (`tasks`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ERAS", "RESIDENTIAL_ORDER", "Era"]


@dataclass(frozen=True, kw_only=True)
class Era:
    """One construction period with the figures the generator draws from."""

    code: str
    label: str
    first_year: int
    last_year: int
    density: float
    """Inhabitants per hectare of buurt (gross); demo assumption in the range of CBS buurt statistics."""
    household_size: float
    """Inhabitants per dwelling (CBS household sizes by building period, rounded)."""
    street_width_m: tuple[float, float]
    """Building line to building line of its residential streets."""
    liveability: float
    """Mean Leefbaarometer-style score (1-9) of such neighbourhoods (demo assumption)."""
    climate_stress: float
    """Mean stress-test score (1 low - 5 high): paved share, heat island (demo assumption)."""
    tree_share: float
    """Share of its streets with street trees."""


ERAS: dict[str, Era] = {
    era.code: era
    for era in (
        Era(
            code="centre",
            label="historische kern",
            first_year=1880,
            last_year=1935,
            density=62.0,
            household_size=1.6,
            street_width_m=(7.0, 11.0),
            liveability=5.8,
            climate_stress=4.4,
            tree_share=0.3,
        ),
        Era(
            code="prewar",
            label="vooroorlogse wijk",
            first_year=1910,
            last_year=1940,
            density=66.0,
            household_size=1.9,
            street_width_m=(10.0, 13.0),
            liveability=5.2,
            climate_stress=3.8,
            tree_share=0.55,
        ),
        Era(
            code="postwar",
            label="naoorlogse wijk (strokenbouw)",
            first_year=1950,
            last_year=1967,
            density=56.0,
            household_size=2.0,
            street_width_m=(14.0, 18.0),
            liveability=4.4,
            climate_stress=3.1,
            tree_share=0.75,
        ),
        Era(
            code="seventies",
            label="bloemkoolwijk (jaren 70-80)",
            first_year=1968,
            last_year=1986,
            density=50.0,
            household_size=2.3,
            street_width_m=(10.0, 13.0),
            liveability=6.1,
            climate_stress=2.6,
            tree_share=0.5,
        ),
        Era(
            code="vinex",
            label="VINEX-wijk",
            first_year=1995,
            last_year=2012,
            density=46.0,
            household_size=2.5,
            street_width_m=(11.0, 14.0),
            liveability=7.1,
            climate_stress=2.1,
            tree_share=0.65,
        ),
        Era(
            code="industrial",
            label="bedrijventerrein",
            first_year=1955,
            last_year=1995,
            density=0.4,
            household_size=1.8,
            street_width_m=(15.0, 20.0),
            liveability=5.0,
            climate_stress=4.0,
            tree_share=0.3,
        ),
        Era(
            code="rural",
            label="buitengebied",
            first_year=1925,
            last_year=1975,
            density=0.5,
            household_size=2.4,
            street_width_m=(6.0, 9.0),
            liveability=7.4,
            climate_stress=1.5,
            tree_share=0.6,
        ),
    )
}
"""The eras, keyed by code."""

RESIDENTIAL_ORDER = ("centre", "prewar", "postwar", "seventies", "vinex")
"""Residential eras from the core outwards: the order in which a Dutch town grew."""
