"""The project brief, the area anatomy and the uniform way of working (PRODUCT.md B6, C1, C2).

- `phases`: the phases with their gates, questions, checklists, roles and decidable couplings (data);
  `gates`: the gate rule; `project`: projects, coupling decisions and the phase log as records.
- `environment`: the environment analysis around a project geometry; `lead`, `questions`, `roles`: its
  type and leading party, the six questions of the assignment, the team; `document`: the brief as one object.
- `anatomy`: per buurt the physical, social and technical layers, now and desired, and the timeline.
- `charts` and `render`: the pictures (matplotlib) and the documents (Jinja2 → HTML, WeasyPrint → PDF, Markdown).

Everything here is pure; `koppelkans.briefing` and `koppelkans.projects` read and write the store.
"""

from __future__ import annotations

from koppelkans.brief.anatomy import AreaAnatomy, anatomy_as_json, anatomy_from_register
from koppelkans.brief.document import Brief, BriefSubject, brief_as_json, brief_from_register
from koppelkans.brief.environment import EnvironmentAnalysis, environment_from_register
from koppelkans.brief.gates import GateRefused, gate_check, gate_decision
from koppelkans.brief.phases import LAST_CHANCE, PHASES, PhaseSpec, phase_spec
from koppelkans.brief.project import CouplingDecision, GateDecision, Project, ProjectCoupling

__all__ = [
    "LAST_CHANCE",
    "PHASES",
    "AreaAnatomy",
    "Brief",
    "BriefSubject",
    "CouplingDecision",
    "EnvironmentAnalysis",
    "GateDecision",
    "GateRefused",
    "PhaseSpec",
    "Project",
    "ProjectCoupling",
    "anatomy_as_json",
    "anatomy_from_register",
    "brief_as_json",
    "brief_from_register",
    "environment_from_register",
    "gate_check",
    "gate_decision",
    "phase_spec",
]
