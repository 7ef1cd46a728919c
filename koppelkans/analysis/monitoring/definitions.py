"""Every KPI of monitoring and evaluation (PRODUCT.md D1), defined once: code, label, formula, source, unit.

The README, `koppelkans kpi`, the dashboard and the printable report all read these definitions, so a
KPI's formula is written in one place only.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KPI", "KPIS", "kpi_named"]


@dataclass(frozen=True, kw_only=True)
class KPI:
    """One key performance indicator: what it is called, how it is computed, from what, in which unit."""

    code: str
    label: str
    label_nl: str
    formula: str
    source: str
    unit: str


KPIS: tuple[KPI, ...] = (
    KPI(
        code="street_km",
        label="Street length",
        label_nl="Straatlengte",
        formula="Σ length of the street segments (centrelines) in the scope / 1000",
        source="segments",
        unit="km",
    ),
    KPI(
        code="openings_realised",
        label="Street openings (realised)",
        label_nl="Openbrekingen (gerealiseerd)",
        formula="number of (segment, year) pairs in which at least one street-opening work (kind not trenchless) "
        "with status in_progress or done started (year of actual_start); works sharing a segment in the same year "
        "share one opening, as in the works plan",
        source="works.actual_start, segment_links",
        unit="openings",
    ),
    KPI(
        code="openings_planned",
        label="Street openings (planned)",
        label_nl="Openbrekingen (gepland)",
        formula="the same count for registered works that have not started (status idea, planned or committed) in "
        "their preferred_start year (earliest_start when none): the registered plan, kept apart from what happened",
        source="works.preferred_start, segment_links",
        unit="openings",
    ),
    KPI(
        code="openings_per_km",
        label="Openings per km of street",
        label_nl="Openbrekingen per km straat",
        formula="(openings_realised + openings_planned) in the year / street_km",
        source="works, segments",
        unit="openings/km/year",
    ),
    KPI(
        code="couplings_found",
        label="Couplings found",
        label_nl="Koppelkansen gevonden",
        formula="distinct couplings in the stored findings (year: window_start) plus decided couplings no longer in "
        "the findings (year: decided_at)",
        source="couplings, coupling_decisions",
        unit="couplings",
    ),
    KPI(
        code="couplings_accepted",
        label="Couplings accepted",
        label_nl="Koppelkansen aanvaard",
        formula="couplings whose latest decision has status accepted or realised (year: decided_at)",
        source="coupling_decisions",
        unit="couplings",
    ),
    KPI(
        code="couplings_realised",
        label="Couplings realised",
        label_nl="Koppelkansen gerealiseerd",
        formula="couplings whose latest decision has status realised (year: decided_at)",
        source="coupling_decisions",
        unit="couplings",
    ),
    KPI(
        code="share_accepted",
        label="Share of couplings accepted",
        label_nl="Aandeel koppelkansen aanvaard",
        formula="couplings_accepted / couplings_found over the period",
        source="couplings, coupling_decisions",
        unit="%",
    ),
    KPI(
        code="share_realised",
        label="Share of couplings realised",
        label_nl="Aandeel koppelkansen gerealiseerd",
        formula="couplings_realised / couplings_found over the period",
        source="couplings, coupling_decisions",
        unit="%",
    ),
    KPI(
        code="estimated_saving_eur",
        label="Estimated savings of couplings found",
        label_nl="Geraamde besparing van gevonden koppelkansen",
        formula="Σ saving_eur of the couplings found (year: window_start); likewise openings_avoided and "
        "nuisance_days_avoided",
        source="couplings",
        unit="EUR",
    ),
    KPI(
        code="plan_saving_eur",
        label="Estimated savings of the kept plans",
        label_nl="Geraamde besparing van bewaarde plannen",
        formula="per kept plan: sectoral baseline cost − plan cost over its horizon (its savings.eur), with the "
        "openings and nuisance days avoided; dated by the plan's created_at",
        source="plans",
        unit="EUR",
    ),
    KPI(
        code="realised_saving_eur",
        label="Realised savings",
        label_nl="Gerealiseerde besparing",
        formula="over the openings of realised works: Σ (works in the opening − 1) × street cost of the segment "
        "(shared_street_cost_per_m × length × width / reference width), i.e. the street cost not paid again "
        "because works started together",
        source="works.actual_start, segments, config shared_street_cost_per_m",
        unit="EUR",
    ),
    KPI(
        code="realised_openings_avoided",
        label="Openings avoided (realised)",
        label_nl="Vermeden openbrekingen (gerealiseerd)",
        formula="Σ over the openings of realised works of (works in the opening − 1)",
        source="works.actual_start, segment_links",
        unit="openings",
    ),
    KPI(
        code="realised_nuisance_days_avoided",
        label="Nuisance days avoided (realised)",
        label_nl="Vermeden hinderdagen (gerealiseerd)",
        formula="Σ over the openings of realised works of (Σ durations − longest duration) in working days "
        "(duration_months × working_days_per_month; default_work_duration_months when unknown)",
        source="works.actual_start, works.duration_months",
        unit="days",
    ),
    KPI(
        code="accepted_saving_eur",
        label="Estimated savings of accepted couplings",
        label_nl="Geraamde besparing van aanvaarde koppelkansen",
        formula="Σ saving_eur of the couplings found whose latest decision is accepted or realised",
        source="couplings, coupling_decisions",
        unit="EUR",
    ),
    KPI(
        code="works_realised",
        label="Works started",
        label_nl="Gestarte werken",
        formula="works with status in_progress or done whose actual_start lies in the year",
        source="works.actual_start",
        unit="works",
    ),
    KPI(
        code="mean_delay_years",
        label="Mean delay",
        label_nl="Gemiddelde vertraging",
        formula="mean over works started of (year of actual_start − preferred_start, or earliest_start when none)",
        source="works.actual_start, works.preferred_start",
        unit="years",
    ),
    KPI(
        code="share_late",
        label="Share started after the window",
        label_nl="Aandeel gestart na het venster",
        formula="works started with year of actual_start > latest_start / works started",
        source="works.actual_start, works.latest_start",
        unit="%",
    ),
    KPI(
        code="cost_overrun",
        label="Cost overrun",
        label_nl="Kostenoverschrijding",
        formula="Σ actual_cost / Σ cost_eur − 1, over done works that have both",
        source="works.actual_cost, works.cost_eur",
        unit="%",
    ),
    KPI(
        code="ambition_cost_eur",
        label="Cost of an ambition",
        label_nl="Kosten van een ambitie",
        formula="per kept ambition scenario (gasfree-2040, climate-2050): the cost of the works it adds "
        "(ambition.cost_eur), and the plan's cost per year against the budgets per year (Σ budget_eur of the "
        "organisations; unknown when the plan ran without budgets)",
        source="plans (K5 scenarios)",
        unit="EUR",
    ),
    KPI(
        code="data_quality",
        label="Data quality",
        label_nl="Datakwaliteit",
        formula="share of the assets in the scope with a known install_year, material, condition and depth_m; "
        "stale: share of the assets with a condition whose condition_year (install_year when none) is more than "
        "5 years before this year",
        source="assets",
        unit="%",
    ),
    KPI(
        code="history_data_quality",
        label="Data quality at each year end",
        label_nl="Datakwaliteit per jaareinde",
        formula="data_quality of the assets as the register held them at the end of each year (this year: now), "
        "each asset's state rebuilt from the audit log (its last change by then; the old state of its first change "
        "after it; its stored state when the log never saw it change); stale against that year; not known (null) "
        "for year ends before the log's first entry",
        source="audit_log (assets), assets",
        unit="%",
    ),
    KPI(
        code="history_couplings",
        label="Couplings on record at each year end",
        label_nl="Koppelkansen vastgelegd per jaareinde",
        formula="distinct couplings with a project decision or a coupling workflow at the end of each year, as the "
        "audit log rebuilds them; accepted / realised: the status of the coupling's record changed last by then; "
        "share_realised = realised / on record; not known (null) before the log's first entry (the engine's "
        "findings are replaced whole and carry no date, so only couplings someone took up have a history)",
        source="audit_log (coupling_decisions, coupling_workflow)",
        unit="couplings",
    ),
    KPI(
        code="history_plan_saving_eur",
        label="Savings of the latest kept plan at each year end",
        label_nl="Besparing van het laatst bewaarde plan per jaareinde",
        formula="savings.eur (and openings and nuisance days avoided) of the plan with the latest created_at on or "
        "before the end of each year, any scenario; null when none was kept by then (a plan kept again under its "
        "scenario's name replaces the earlier one, so earlier versions are not known)",
        source="plans",
        unit="EUR",
    ),
)
"""The KPIs in the order the report lists them."""

STALE_CONDITION_YEARS = 5
"""A condition observed more than this many years ago is stale (issue K12)."""


def kpi_named(code: str) -> KPI:
    """The definition of a KPI by its code."""
    return next(k for k in KPIS if k.code == code)
