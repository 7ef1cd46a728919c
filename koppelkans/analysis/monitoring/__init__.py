"""Monitoring and evaluation (PRODUCT.md D1): KPIs per year, area and organisation from dated facts."""

from koppelkans.analysis.monitoring.definitions import KPI, KPIS, kpi_named
from koppelkans.analysis.monitoring.history import AuditHistory, history_per_year, states_at_moments
from koppelkans.analysis.monitoring.kpis import (
    KpiReport,
    MonitoringInputs,
    Scope,
    kpis_from_register,
    openings_from_works,
    segment_openings,
)

__all__ = [
    "KPI",
    "KPIS",
    "AuditHistory",
    "KpiReport",
    "MonitoringInputs",
    "Scope",
    "history_per_year",
    "kpi_named",
    "kpis_from_register",
    "openings_from_works",
    "segment_openings",
    "states_at_moments",
]
