"""Subsurface fit (PRODUCT.md B5): street cross-sections and whether a new claim fits under a street."""

from __future__ import annotations

from koppelkans.analysis.subsurface.claims import CLAIM_KINDS, Claim, claim_from_kind
from koppelkans.analysis.subsurface.conflicts import misfit_conflict_rows, misfit_conflicts
from koppelkans.analysis.subsurface.drawing import svg_from_section
from koppelkans.analysis.subsurface.engine import CrossSection, SubsurfaceFit, cross_section_of, fits_from_register

__all__ = [
    "CLAIM_KINDS",
    "Claim",
    "CrossSection",
    "SubsurfaceFit",
    "claim_from_kind",
    "cross_section_of",
    "fits_from_register",
    "misfit_conflict_rows",
    "misfit_conflicts",
    "svg_from_section",
]
