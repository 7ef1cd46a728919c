"""The planning figures beyond `config.DEFAULTS`, each with its unit and source.

Same `Figure` type as the project's defaults table, so they can move into `config.py` unchanged.
Figures marked "assumption" are our own round numbers where PRODUCT.md §8 gives none; each can be
overridden through `PlanOptions`.
"""

from __future__ import annotations

from koppelkans.config import DEFAULTS, Figure

__all__ = ["PLANNING_DEFAULTS", "planning_figure"]

PLANNING_DEFAULTS: dict[str, Figure] = {
    "nuisance_cost_per_opening_day": Figure(
        value=300.0,
        unit="EUR per segment per day the street is open",
        source="assumption: detours, lost access and trade for one residential street segment; "
        "order of magnitude of Dutch 'minder hinder' studies",
    ),
    "failure_cost_share": Figure(
        value=0.5,
        unit="× replacement cost, per failure",
        source="assumption: an unplanned failure costs an emergency repair (separate opening, traffic "
        "measures, damage) of about half the planned renewal, and the renewal still follows",
    ),
    "deferral_failure_rate": Figure(
        value=0.03,
        unit="probability of failure per year past the preferred year",
        source="Weibull hazard at median life, shape·ln2/median: 3.25·0.693/75 ≈ 3 %/yr for a concrete "
        "sewer (PRODUCT.md §8); used where no lifecycle forecast covers the work",
    ),
    "discount_rate": Figure(
        value=0.0225,
        unit="per year",
        source="Dutch social cost-benefit discount rate (Werkgroep discontovoet 2020, real); the cost of "
        "building something new a year earlier than planned",
    ),
    "budget_penalty_per_eur": Figure(
        value=1.0,
        unit="EUR of objective per EUR over an annual budget",
        source="assumption: an overspent euro must be pre-financed or taken from another programme; it counts double",
    ),
    "capacity_penalty_per_work": Figure(
        value=50_000.0,
        unit="EUR per work above the neighbourhood's limit in a year",
        source="assumption: extra traffic measures and access arrangements when a buurt has more "
        "simultaneous works than it can take",
    ),
    "dig_free_damage_share": Figure(
        value=1.0 - 1.0 / 1.64,
        unit="× cost of the newly laid work",
        source="pavement-cut studies (PRODUCT.md §8): a trench patch shortens the remaining pavement life "
        "by a factor 1.64, so opening a new surface destroys 39 % of its value",
    ),
    "due_asset_flex_years": Figure(
        value=2.0,
        unit="years either side of the due year",
        source="K3 coupling flexibility (`coupling_flex_years`); ±5 years raised joint projects from 0 to 18 "
        "(water-infrastructure coordination study, 2024)",
    ),
    "bridging_max_years": Figure(
        value=5.0,
        unit="years",
        source="assumption: bridging measures are used to wait for a coupling within the tactical "
        "horizon; longer life extensions (relining) are a renewal choice, not a bridge",
    ),
    "budget_slack_share": Figure(
        value=0.1,
        unit="fraction above the flat annual average",
        source="assumption: flat annual budgets derived from the sectoral plan leave 10 % room",
    ),
    "execution_agenda_years": Figure(
        value=4.0, unit="years", source="PRODUCT.md §1: programming is the ≤ 4-year layer of the GWP"
    ),
    "ambition_window_years": Figure(
        value=6.0,
        unit="years before the target year",
        source="assumption: an area task's street works may start up to six years before its target year",
    ),
}


def planning_figure(name: str) -> float:
    """The value of a planning figure: ours first, then the project-wide defaults table."""
    if name in PLANNING_DEFAULTS:
        return PLANNING_DEFAULTS[name].value
    return DEFAULTS[name].value
