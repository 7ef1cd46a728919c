"""Coupling opportunities and conflicts between works, due assets and area tasks (PRODUCT.md B2, B3)."""

from __future__ import annotations

from koppelkans.analysis.coupling.due import due_assets
from koppelkans.analysis.coupling.engine import CouplingOptions, Findings, findings_from_snapshot

__all__ = ["CouplingOptions", "Findings", "due_assets", "findings_from_snapshot"]
