"""Use case: run projects through the uniform phases (PRODUCT.md C1). Start a project from works,
record its decisions on its couplings, move it through the gates (refused while couplings whose last
chance the gate is are undecided, unless overridden with a reason), and show where it stands.

Steps of a gate move: read the project (locked) → its couplings (the stored findings of the coupling
engine whose members include its works) and its decisions → the gate rule (`brief.gates`) → the new
phase and a phase-log entry, written together, or a refusal that writes nothing.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.brief.defaults import brief_figure
from koppelkans.brief.gates import gate_check, gate_decision, open_couplings
from koppelkans.brief.i18n import label
from koppelkans.brief.lead import leading_party_for
from koppelkans.brief.phases import LAST_CHANCE, PHASES, phase_spec, position_of
from koppelkans.brief.project import (
    CouplingDecision,
    GateDecision,
    Project,
    ProjectCoupling,
    couplings_of_works,
)
from koppelkans.domain.vocabulary import CouplingStatus, GateOutcome, Phase, ProjectType
from koppelkans.errors import InputError, NotFound, Problem, ValidationFailed
from koppelkans.store import Repository

__all__ = [
    "ProjectStatus",
    "add_project",
    "decide_coupling",
    "list_projects",
    "move_project",
    "now_iso",
    "project_couplings",
    "project_named",
    "project_status",
    "status_as_json",
    "stored_couplings",
    "user_name",
]

PROJECT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


def now_iso() -> str:
    """The current time (UTC, seconds) as the phase log records it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def user_name() -> str:
    """Who decides when nobody is named: the operating-system user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# -- reading ------------------------------------------------------------------------------------
def project_named(store: Repository, project_id: str) -> Project:
    """One project, or NotFound naming it."""
    store.require_current_schema()
    rows = store.read_projects(ids=[project_id])
    if rows.empty:
        raise NotFound(f"project {project_id} does not exist", record=project_id, field="project")
    return Project.from_row(rows.iloc[0].to_dict())


def list_projects(store: Repository) -> list[Project]:
    """Every project, by id."""
    store.require_current_schema()
    return [Project.from_row(row) for row in store.read_projects().to_dict("records")]


def stored_couplings(store: Repository, *, year_from: int | None = None) -> pd.DataFrame:
    """The couplings the coupling engine last stored; when it never ran, found now (not stored) for the horizon."""
    couplings = store.read_findings("couplings")
    if len(couplings) or len(store.read_findings("conflicts")):
        return couplings
    from koppelkans.couplings import find_couplings

    first = year_from or date.today().year
    options = CouplingOptions(year_from=first, year_to=first + int(brief_figure("horizon_years")))
    return find_couplings(store, options, keep=False).couplings


def project_couplings(store: Repository, project: Project) -> list[ProjectCoupling]:
    """The couplings whose members include the project's works."""
    return couplings_of_works(stored_couplings(store), project.work_ids)


def _decisions(store: Repository, project_id: str) -> dict[str, CouplingDecision]:
    rows = store.read_coupling_decisions(project_id=project_id)
    return {d.coupling_id: d for d in (CouplingDecision.from_row(r) for r in rows.to_dict("records"))}


# -- starting a project -------------------------------------------------------------------------
def add_project(
    store: Repository,
    project_id: str,
    *,
    work_ids: Sequence[str],
    project_type: str,
    name: str | None = None,
    phase: str | None = None,
    leading_party: str | None = None,
    by: str | None = None,
    at: str | None = None,
    actor: str | None = None,
) -> Project:
    """Start a project from works; every bad value is named. Its leading party and phase default from its works."""
    store.require_current_schema()
    work_ids = [w.strip() for w in work_ids if w.strip()]
    problems = _project_problems(store, project_id, work_ids, project_type, phase, leading_party)
    if problems:
        raise ValidationFailed(problems)
    works = store.read("works", ids=work_ids)
    if leading_party is None:
        leading_party, _ = leading_party_for(project_type, works, store.read("organisations"))
    start = Phase(phase) if phase else _earliest_phase(works)
    project = Project(
        id=project_id,
        name=name or _name_from(works),
        project_type=ProjectType(project_type),
        phase=start,
        leading_party=leading_party,
        work_ids=tuple(work_ids),
        area_code=_main_area(store, work_ids),
        created_at=at or now_iso(),
        created_by=by or user_name(),
    )
    with store.transaction(actor=actor or project.created_by) as tx:
        if tx.read_project_for_update(project_id) is not None:
            raise InputError(f"project {project_id} already exists", record=project_id, field="id")
        tx.save_project(project.as_row())
        started = GateDecision(
            project_id=project_id,
            from_phase=None,
            to_phase=start,
            outcome=GateOutcome.STARTED,
            decided_at=project.created_at,
            decided_by=project.created_by,
        )
        tx.log_gate_decision(started.as_row())
    return project


def _project_problems(
    store: Repository,
    project_id: str,
    work_ids: list[str],
    project_type: str,
    phase: str | None,
    leading_party: str | None,
) -> list[Problem]:
    """Everything wrong with a new project, each naming the project and the field."""

    def problem(field: str, reason: str) -> Problem:
        return Problem(kind="projects", record=project_id, field=field, reason=reason)

    problems = []
    if not PROJECT_ID.match(project_id):
        problems.append(problem("id", "use letters, digits and . _ : - (at most 64, starting with a letter or digit)"))
    if project_type not in ProjectType.codes():
        problems.append(
            problem("project_type", f"unknown type {project_type!r}; expected one of {', '.join(ProjectType.codes())}")
        )
    if phase is not None and phase not in Phase.codes():
        problems.append(problem("phase", f"unknown phase {phase!r}; expected one of {', '.join(Phase.codes())}"))
    if not work_ids:
        problems.append(problem("works", "a project needs at least one work"))
    known = store.existing("works", work_ids)
    problems += [problem("works", f"work {w} does not exist") for w in work_ids if w not in known]
    problems += [
        problem("works", f"work {w} is named twice") for w in sorted({w for w in work_ids if work_ids.count(w) > 1})
    ]
    for other in store.read_projects().to_dict("records"):
        taken = set(str(other["work_ids"]).split(";")) & set(work_ids)
        if other["id"] != project_id and taken:
            problems += [problem("works", f"work {w} already belongs to project {other['id']}") for w in sorted(taken)]
    if leading_party is not None and not store.existing("organisations", [leading_party]):
        problems.append(problem("leading_party", f"organisation {leading_party} does not exist"))
    return problems


def _earliest_phase(works: pd.DataFrame) -> Phase:
    """A project starts in the least advanced phase of its works (initiatief when they name none)."""
    phases = [Phase(p) for p in works["phase"].dropna()]
    return min(phases, key=position_of) if phases else Phase.INITIATIEF


def _name_from(works: pd.DataFrame) -> str | None:
    titles = [t for t in works["title"].dropna()]
    if not titles:
        return None
    return titles[0] if len(titles) == 1 else f"{titles[0]} (+{len(titles) - 1})"


def _main_area(store: Repository, work_ids: list[str]) -> str | None:
    """The area whose streets the works open most (by overlap along the segment links)."""
    links = store.links("works")
    links = links[links["record_id"].isin(work_ids)]
    if links.empty:
        return None
    segments = store.read("segments", ids=sorted(set(links["segment_id"])))
    area_of = dict(zip(segments["id"], segments["area_code"], strict=True))
    overlap = links.assign(area=links["segment_id"].map(area_of)).dropna(subset=["area"])
    if overlap.empty:
        return None
    return str(overlap.groupby("area")["overlap_m"].sum().sort_values(ascending=False, kind="stable").index[0])


# -- decisions and gates ------------------------------------------------------------------------
def decide_coupling(
    store: Repository,
    project_id: str,
    coupling_id: str,
    *,
    status: CouplingStatus | str,
    reason: str | None,
    by: str | None = None,
    at: str | None = None,
    actor: str | None = None,
) -> CouplingDecision:
    """Record the project's decision on one of its couplings (accepted or declined, with a reason)."""
    project = project_named(store, project_id)
    try:
        status = CouplingStatus(status)
    except ValueError:
        raise InputError(
            f"unknown decision {status!r}; expected one of {', '.join(CouplingStatus.codes())}",
            record=coupling_id,
            field="status",
        ) from None
    reason = (reason or "").strip() or None
    if reason is None:
        raise InputError(f"coupling {coupling_id}: a decision needs a reason", record=coupling_id, field="reason")
    coupling = next((c for c in project_couplings(store, project) if c.id == coupling_id), None)
    if coupling is None:
        raise NotFound(
            f"coupling {coupling_id} does not concern project {project_id} (none of its works is a member of it)",
            record=coupling_id,
            field="coupling",
        )
    spec = phase_spec(project.phase)
    if coupling.kind not in spec.decidable:
        raise InputError(
            f"coupling {coupling_id} is a {coupling.kind.value}, decidable up to phase "
            f"{LAST_CHANCE[coupling.kind].value}; project {project_id} is in phase {project.phase.value}",
            record=coupling_id,
            field="status",
        )
    decision = CouplingDecision(
        project_id=project_id,
        coupling_id=coupling_id,
        coupling_kind=coupling.kind,
        status=status,
        reason=reason,
        members=tuple(f"{t}:{i}" for t, i in coupling.members),
        decided_at=at or now_iso(),
        decided_by=by or user_name(),
    )
    with store.transaction(actor=actor or decision.decided_by) as tx:
        tx.save_coupling_decision(decision.as_row())
    return decision


def move_project(
    store: Repository,
    project_id: str,
    target: str,
    *,
    by: str | None = None,
    override_reason: str | None = None,
    at: str | None = None,
    actor: str | None = None,
) -> GateDecision:
    """Move a project to another phase through its gates; refused (GateRefused, nothing written) while couplings
    whose last chance a passed gate is are undecided, unless `override_reason` is given (then logged)."""
    project = project_named(store, project_id)
    couplings, decisions = project_couplings(store, project), _decisions(store, project_id)
    with store.transaction(actor=actor or by or user_name()) as tx:
        row = tx.read_project_for_update(project_id)
        if row is None:
            raise NotFound(f"project {project_id} does not exist", record=project_id, field="project")
        project = Project.from_row(row)
        check = gate_check(project, target, couplings, decisions)
        entry = gate_decision(check, by=by or user_name(), at=at or now_iso(), override_reason=override_reason)
        moved = Project.from_row({**project.as_row(), "phase": check.target.value})
        tx.save_project(moved.as_row())
        tx.log_gate_decision(entry.as_row())
    return entry


# -- where a project stands ---------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ProjectStatus:
    """A project with its works, couplings and decisions, the next gate and its phase log."""

    project: Project
    works: pd.DataFrame
    couplings: list[ProjectCoupling]
    decisions: dict[str, CouplingDecision]
    log: list[GateDecision]

    @property
    def next_phase(self) -> Phase | None:
        position = position_of(self.project.phase)
        return PHASES[position + 1].phase if position + 1 < len(PHASES) else None

    @property
    def blocking_next_gate(self) -> list[ProjectCoupling]:
        """Undecided couplings whose last chance is the gate of the current phase."""
        due_here = set(phase_spec(self.project.phase).last_chance_for)
        return [c for c in open_couplings(self.couplings, self.decisions) if c.kind in due_here]


def project_status(store: Repository, project_id: str) -> ProjectStatus:
    """Where a project stands: works, couplings with decisions, the next gate and what blocks it, the log."""
    project = project_named(store, project_id)
    log = [GateDecision.from_row(r) for r in store.read_gate_decisions(project_id=project_id).to_dict("records")]
    return ProjectStatus(
        project=project,
        works=store.read("works", ids=list(project.work_ids)),
        couplings=project_couplings(store, project),
        decisions=_decisions(store, project_id),
        log=log,
    )


def status_as_json(status: ProjectStatus, *, language: str = "nl") -> dict[str, Any]:
    """The JSON of `koppelkans project show --json`."""
    project, spec = status.project, phase_spec(status.project.phase)
    blocking = {c.id for c in status.blocking_next_gate}
    return {
        "project": {
            **{k: v for k, v in project.as_row().items() if k not in ("work_ids", "attributes")},
            "works": list(project.work_ids),
            "project_type_label": label(ProjectType, project.project_type, language),
        },
        "phase": {
            "code": project.phase.value,
            "label": label(Phase, project.phase, language),
            "gate": spec.gate.in_(language),
            "checklist": [item.in_(language) for item in spec.checklist],
            "questions": [q.in_(language) for q in spec.questions],
            "roles": list(spec.roles),
            "decidable": [k.value for k in spec.decidable],
            "next": None if status.next_phase is None else status.next_phase.value,
        },
        "couplings": [
            {
                "id": c.id,
                "kind": c.kind.value,
                "last_phase": LAST_CHANCE[c.kind].value,
                "status": status.decisions[c.id].status.value if c.id in status.decisions else "proposed",
                "reason": status.decisions[c.id].reason if c.id in status.decisions else None,
                "decided_by": status.decisions[c.id].decided_by if c.id in status.decisions else None,
                "decided_at": status.decisions[c.id].decided_at if c.id in status.decisions else None,
                "blocks_next_gate": c.id in blocking,
                "saving_eur": c.saving_eur,
                "window": list(c.window) if c.window else None,
                "members": [{"type": t, "id": i} for t, i in c.members],
                "explanation": c.explanation(language),
            }
            for c in status.couplings
        ],
        "log": [
            {
                "from_phase": None if e.from_phase is None else e.from_phase.value,
                "to_phase": e.to_phase.value,
                "outcome": e.outcome.value,
                "decided_at": e.decided_at,
                "decided_by": e.decided_by,
                "override_reason": e.override_reason,
                "undecided": list(e.undecided),
            }
            for e in status.log
        ],
    }
