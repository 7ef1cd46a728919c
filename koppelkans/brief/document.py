"""The project brief (projectopdracht, PRODUCT.md C2) as one typed object, assembled from the register.

Steps: the subject (a work, a project, an area or a drawn geometry) → its type and usual leading party
→ the environment analysis around it → the six questions pre-filled → the roles the team needs → the
phases with their gates. `brief_as_json` is the machine-readable form (API, `--out PATH.json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from koppelkans.brief.environment import EnvironmentAnalysis, environment_from_register
from koppelkans.brief.i18n import Text, label
from koppelkans.brief.lead import leading_party_for, project_type_for
from koppelkans.brief.phases import LAST_CHANCE
from koppelkans.brief.project import CouplingDecision, Project
from koppelkans.brief.questions import AssignmentQuestion, questions_for
from koppelkans.brief.roles import SuggestedRole, roles_for
from koppelkans.domain.vocabulary import CouplingKind, ProjectType

__all__ = ["Brief", "BriefSubject", "brief_as_json", "brief_from_register"]

SubjectKind = Literal["work", "project", "area", "geometry"]


@dataclass(frozen=True, kw_only=True)
class BriefSubject:
    """What the brief is about: a work, a project, an area or a drawn geometry (EPSG:28992)."""

    kind: SubjectKind
    id: str | None
    title: str
    geometry: BaseGeometry
    work_ids: tuple[str, ...] = ()
    """The works that make up the project (for an area or a geometry: the works inside it)."""
    project: Project | None = None


@dataclass(frozen=True, kw_only=True)
class Brief:
    """Everything the brief document shows."""

    subject: BriefSubject
    horizon: tuple[int, int]
    project_type: ProjectType
    project_type_basis: Text
    leading_party: str | None
    leading_party_basis: Text
    project_works: gpd.GeoDataFrame
    environment: EnvironmentAnalysis
    subsurface: pd.DataFrame
    """Per segment the project opens and claim tried: verdict, free width, misfit, move cost, tree conflicts."""
    questions: list[AssignmentQuestion]
    roles: list[SuggestedRole]
    decisions: Mapping[str, CouplingDecision] = field(default_factory=dict)
    organisation_names: Mapping[str, str] = field(default_factory=dict)
    streets: gpd.GeoDataFrame | None = None
    """The street segments around (drawn on the map)."""
    generated_at: str = ""


def brief_from_register(
    subject: BriefSubject,
    *,
    horizon: tuple[int, int],
    buffer_m: float | None,
    works: gpd.GeoDataFrame,
    assets: gpd.GeoDataFrame,
    tasks: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    organisations: pd.DataFrame,
    couplings: gpd.GeoDataFrame,
    conflicts: gpd.GeoDataFrame,
    due_years: pd.DataFrame | None = None,
    subsurface: pd.DataFrame | None = None,
    decisions: Mapping[str, CouplingDecision] | None = None,
    streets: gpd.GeoDataFrame | None = None,
    generated_at: str = "",
) -> Brief:
    """Assemble the brief of a subject from register frames (which may hold more than the zone)."""
    project_works = works[works["id"].isin(subject.work_ids)].reset_index(drop=True)
    if subject.project is not None:
        project_type = subject.project.project_type
        type_basis = Text("vastgelegd bij de start van het project", "recorded when the project started")
        lead, lead_basis = subject.project.leading_party, Text("vastgelegd in het project", "recorded in the project")
    else:
        project_type, type_basis = project_type_for(project_works)
        lead, lead_basis = leading_party_for(project_type, project_works, organisations)
    env = environment_from_register(
        subject.geometry,
        buffer_m=buffer_m,
        horizon=horizon,
        works=works,
        assets=assets,
        tasks=tasks,
        areas=areas,
        organisations=organisations,
        couplings=couplings,
        conflicts=conflicts,
        due_years=due_years,
        project_work_ids=subject.work_ids,
        leading_party=lead,
    )
    disciplines = set(env.works["discipline"]) | set(env.due_assets["discipline"])
    return Brief(
        subject=subject,
        horizon=horizon,
        project_type=project_type,
        project_type_basis=type_basis,
        leading_party=lead,
        leading_party_basis=lead_basis,
        project_works=project_works,
        environment=env,
        subsurface=subsurface if subsurface is not None else pd.DataFrame(),
        questions=questions_for(env, project_type=project_type, leading_party=lead, project_works=project_works),
        roles=roles_for(project_type, disciplines=disciplines, themes=set(env.tasks["theme"])),
        decisions=dict(decisions or {}),
        organisation_names=dict(zip(organisations["code"], organisations["name"], strict=True))
        if len(organisations)
        else {},
        streets=streets,
        generated_at=generated_at,
    )


def _plain(value: Any) -> Any:
    """JSON-safe scalars (numpy and pandas missing values → None)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    present = [c for c in columns if c in frame.columns]
    return [{c: _plain(v) for c, v in row.items()} for row in frame[present].to_dict("records")]


WORK_COLUMNS = [
    "id",
    "organisation",
    "discipline",
    "kind",
    "title",
    "status",
    "phase",
    "earliest_start",
    "latest_start",
    "preferred_start",
    "duration_months",
    "cost_eur",
    "project_type",
    "in_project",
    "distance_m",
]
DUE_COLUMNS = [
    "id",
    "organisation",
    "discipline",
    "asset_type",
    "material",
    "install_year",
    "condition",
    "due_year",
    "reason",
    "replacement_cost_eur",
    "renewed_by",
    "distance_m",
]
TASK_COLUMNS = ["id", "theme", "target_year", "area_code", "organisation", "intensity", "description"]


def brief_as_json(brief: Brief, *, language: str = "nl") -> dict[str, Any]:
    """The brief as JSON: subject, type and lead, environment (works, due assets, tasks, conflicts, couplings,
    networks, stakeholders, subsurface), the six questions and the roles."""
    env = brief.environment
    subject = brief.subject
    return {
        "subject": {
            "kind": subject.kind,
            "id": subject.id,
            "title": subject.title,
            "works": list(subject.work_ids),
            "project": None if subject.project is None else subject.project.as_row(),
            "bounds": [round(v, 1) for v in subject.geometry.bounds],
        },
        "horizon": list(brief.horizon),
        "buffer_m": env.buffer_m,
        "project_type": {
            "code": brief.project_type.value,
            "label": label(ProjectType, brief.project_type, language),
            "basis": brief.project_type_basis.in_(language),
        },
        "leading_party": {"code": brief.leading_party, "basis": brief.leading_party_basis.in_(language)},
        "environment": {
            "works": _records(env.works, WORK_COLUMNS),
            "due_assets": _records(env.due_assets, DUE_COLUMNS),
            "tasks": _records(env.tasks, TASK_COLUMNS),
            "conflicts": [
                {
                    "id": row["id"],
                    "type": row["kind"],
                    "years": str(row.get("years") or ""),
                    "explanation": row.get(f"explanation_{language}"),
                }
                for row in env.conflicts.to_dict("records")
            ],
            "couplings": [_coupling_json(row, brief, language) for row in env.couplings.to_dict("records")],
            "networks": _records(env.networks, ["organisation", "discipline", "length_m", "count"]),
            "stakeholders": [
                {
                    "code": s.code,
                    "name": s.name.in_(language),
                    "kind": s.kind,
                    "leads": s.leads,
                    "in_project": s.in_project,
                    "reasons": [r.in_(language) for r in s.reasons],
                }
                for s in env.stakeholders
            ],
            "subsurface": _records(brief.subsurface, list(brief.subsurface.columns)),
        },
        "questions": [
            {
                "key": q.key,
                "question": q.question.in_(language),
                "suggestions": [s.in_(language) for s in q.suggestions],
                "open": q.is_open,
                "note": q.open_note.in_(language) if q.is_open else None,
            }
            for q in brief.questions
        ],
        "roles": [
            {
                "code": r.role.code,
                "title": r.role.title.in_(language),
                "responsibility": r.role.responsibility.in_(language),
                "competencies": [c.in_(language) for c in r.role.competencies],
                "why": r.why.in_(language),
            }
            for r in brief.roles
        ],
        "generated_at": brief.generated_at,
    }


def _coupling_json(row: Mapping[str, Any], brief: Brief, language: str) -> dict[str, Any]:
    decision = brief.decisions.get(row["id"])
    kind = CouplingKind(row["kind"])
    return {
        "id": row["id"],
        "kind": kind.value,
        "members": [{"type": t, "id": i} for t, i in row["members"]],
        "window": [_plain(row.get("window_start")), _plain(row.get("window_end"))],
        "saving_eur": _plain(row.get("saving_eur")),
        "openings_avoided": _plain(row.get("openings_avoided")),
        "involves_project": bool(row.get("involves_project")),
        "last_phase": LAST_CHANCE[kind].value,
        "status": decision.status.value if decision else None,
        "reason": decision.reason if decision else None,
        "explanation": row.get(f"explanation_{language}"),
    }
