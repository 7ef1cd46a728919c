"""Koppelkans: plan works in the public space together.

The Python API: open a store, import and export exchange files, validate records, link them to
street segments. The CLI (`koppelkans …`) is a thin shell over these functions.
"""

from __future__ import annotations

from koppelkans import _pandas_options  # noqa: F401  (first: pandas settings the package relies on)
from koppelkans.analysis.linking import links_from_geometries, unlinked_ids
from koppelkans.config import DEFAULTS, Settings
from koppelkans.domain.findings import Conflict, Coupling, RecordRef, Saving
from koppelkans.domain.plan import Plan, PlannedWork
from koppelkans.domain.records import KINDS, Area, AreaTask, Asset, Organisation, Segment, Work, kind_spec
from koppelkans.domain.validation import Known, Validated, validate_records
from koppelkans.domain.vocabulary import (
    AreaLevel,
    ConflictKind,
    CouplingKind,
    Discipline,
    OrganisationKind,
    Phase,
    ProjectType,
    TaskTheme,
    WorkKind,
    WorkStatus,
)
from koppelkans.errors import InputError, KoppelkansError, NotFound, Problem, StoreError, ValidationFailed
from koppelkans.register import ImportReport, export_file, import_file, import_records, register_summary
from koppelkans.store import Repository, open_store

__all__ = [
    "DEFAULTS",
    "KINDS",
    "Area",
    "AreaLevel",
    "AreaTask",
    "Asset",
    "Conflict",
    "ConflictKind",
    "Coupling",
    "CouplingKind",
    "Discipline",
    "ImportReport",
    "InputError",
    "Known",
    "KoppelkansError",
    "NotFound",
    "Organisation",
    "OrganisationKind",
    "Phase",
    "Plan",
    "PlannedWork",
    "Problem",
    "ProjectType",
    "RecordRef",
    "Repository",
    "Saving",
    "Segment",
    "Settings",
    "StoreError",
    "TaskTheme",
    "Validated",
    "ValidationFailed",
    "Work",
    "WorkKind",
    "WorkStatus",
    "export_file",
    "import_file",
    "import_records",
    "kind_spec",
    "links_from_geometries",
    "open_store",
    "register_summary",
    "unlinked_ids",
    "validate_records",
]
