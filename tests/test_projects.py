"""Projects through the uniform phases (K9, PRODUCT.md C1): gates refused while couplings whose last chance
they are stay undecided, overrides logged with who, when and why, decisions kept per coupling. On both
back-ends, on the Roombeek register and the couplings the engine finds in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.brief.gates import GateRefused, gate_check, gate_decision
from koppelkans.brief.phases import LAST_CHANCE, PHASES, phases_passed
from koppelkans.brief.project import Project, ProjectCoupling
from koppelkans.cli.main import app
from koppelkans.couplings import find_couplings
from koppelkans.domain.vocabulary import CouplingKind, GateOutcome, Phase, ProjectType
from koppelkans.errors import InputError, NotFound, ValidationFailed
from koppelkans.projects import add_project, decide_coupling, move_project, project_named, project_status
from koppelkans.store import SqlRepository

from .register_helpers import load_roombeek

KOPPELKANS = "KK-c7fd5a65eb"  # riool Roomweg (W1) × aardgasvrij 2030 (T1)
MEEKOPPELKANS = "MK-af355e7e6c"  # riool Roomweg (W1) + asfalt Roomweg (W2) in one trench
OTHER = "KK-f64bddc0e3"  # the wadi W6 × T1: not a coupling of the Roomweg project
WORKS = ["GM0153-RIO:W1", "GM0153-WEG:W2"]


def roombeek(store: SqlRepository) -> SqlRepository:
    load_roombeek(store)
    find_couplings(store, CouplingOptions(year_from=2026, year_to=2040))
    return store


def test_the_roombeek_couplings_are_the_ones_these_tests_decide(store: SqlRepository) -> None:
    couplings = roombeek(store).read_findings("couplings")
    assert dict(zip(couplings["id"], couplings["kind"], strict=True)) == {
        MEEKOPPELKANS: "meekoppelkans",
        KOPPELKANS: "koppelkans",
        OTHER: "koppelkans",
    }


def test_a_project_starts_in_its_works_earliest_phase_led_by_the_usual_party(store: SqlRepository) -> None:
    roombeek(store)
    project = add_project(store, "roomweg", work_ids=WORKS, project_type="beheer", by="Anna", at="2026-03-02T09:00:00")
    assert project.phase == Phase.PVE  # W1 is in pve, W2 in bestek
    assert project.leading_party == "GM0153-RIO"  # a beheer project: the owner with the largest cost share
    assert project.area_code == "BU01530311" and project.name == "Vervanging riool Roomweg (+1)"
    assert project_named(store, "roomweg") == project
    status = project_status(store, "roomweg")
    assert [(e.from_phase, e.to_phase, e.outcome, e.decided_by) for e in status.log] == [
        (None, Phase.PVE, GateOutcome.STARTED, "Anna")
    ]
    assert {c.id for c in status.couplings} == {MEEKOPPELKANS, KOPPELKANS}
    assert [c.id for c in status.blocking_next_gate] == [KOPPELKANS]


def test_a_transition_project_is_led_by_the_grid_operator_or_heat_company(store: SqlRepository) -> None:
    roombeek(store)
    project = add_project(store, "vezel", work_ids=["GLASVEZEL:W4", "GM0153-RIO:W1"], project_type="transitie")
    assert project.leading_party == "GM0153-RIO"  # no grid operator or heat company among the owners: largest share
    assert project.phase == Phase.PVE


def test_a_new_project_with_bad_values_names_every_one(store: SqlRepository) -> None:
    roombeek(store)
    add_project(store, "roomweg", work_ids=WORKS, project_type="beheer")
    with pytest.raises(ValidationFailed) as raised:
        add_project(
            store,
            "tweede",
            work_ids=["GM0153-RIO:W1", "GM0153-RIO:W99"],
            project_type="groot",
            phase="klaar",
            leading_party="NOBODY",
        )
    problems = {(p.record, p.field, p.reason) for p in raised.value.problems}
    assert problems == {
        ("tweede", "project_type", "unknown type 'groot'; expected one of beheer, transitie, ontwikkeling, "
         "herstructurering, wijkgericht"),
        ("tweede", "phase", "unknown phase 'klaar'; expected one of initiatief, psu, pve, do, bestek, realisatie, "
         "beheer"),
        ("tweede", "works", "work GM0153-RIO:W99 does not exist"),
        ("tweede", "works", "work GM0153-RIO:W1 already belongs to project roomweg"),
        ("tweede", "leading_party", "organisation NOBODY does not exist"),
    }  # fmt: skip
    with pytest.raises(InputError) as duplicate:
        add_project(store, "roomweg", work_ids=["VITENS:W3"], project_type="beheer")
    assert (duplicate.value.record, duplicate.value.field) == ("roomweg", "id")
    assert [p for p in store.read_projects()["id"]] == ["roomweg"]


def test_the_pve_gate_is_refused_while_the_koppelkans_is_undecided(store: SqlRepository) -> None:
    roombeek(store)
    add_project(store, "roomweg", work_ids=WORKS, project_type="beheer")
    with pytest.raises(GateRefused) as refused:
        move_project(store, "roomweg", "do", by="Anna")
    error = refused.value
    assert (error.record, error.field, error.exit_code, error.http_status) == ("roomweg", "phase", 6, 409)
    assert f"koppelkans {KOPPELKANS} (last chance: pve gate" in error.message
    assert "cannot move from pve to do" in error.message and "--override REASON" in error.message
    assert [u["coupling"] for u in error.as_dict()["error"]["undecided"]] == [KOPPELKANS]
    # nothing was written: still in pve, the log holds only the start
    assert project_named(store, "roomweg").phase == Phase.PVE
    assert len(store.read_gate_decisions(project_id="roomweg")) == 1


def test_deciding_the_couplings_opens_the_gates_one_by_one(store: SqlRepository) -> None:
    roombeek(store)
    add_project(store, "roomweg", work_ids=WORKS, project_type="beheer")
    decided = decide_coupling(
        store,
        "roomweg",
        KOPPELKANS,
        status="declined",
        reason="warmtenet pas na 2035",
        by="Bram",
        at="2026-04-01T10:00",
    )
    assert decided.members == ("task:GM0153:T1", "work:GM0153-RIO:W1")
    entry = move_project(store, "roomweg", "do", by="Stuurgroep", at="2026-05-01T10:00:00")
    assert (entry.outcome, entry.from_phase, entry.to_phase, entry.override_reason) == (
        GateOutcome.PASSED,
        Phase.PVE,
        Phase.DO,
        None,
    )
    move_project(store, "roomweg", "bestek", by="Stuurgroep")
    with pytest.raises(GateRefused, match=f"meekoppelkans {MEEKOPPELKANS}"):
        move_project(store, "roomweg", "realisatie", by="Stuurgroep")
    decide_coupling(store, "roomweg", MEEKOPPELKANS, status="accepted", reason="één sleuf in 2027")
    assert move_project(store, "roomweg", "realisatie", by="Stuurgroep").outcome == GateOutcome.PASSED
    decisions = store.read_coupling_decisions(project_id="roomweg")
    assert dict(zip(decisions["coupling_id"], decisions["status"], strict=True)) == {
        KOPPELKANS: "declined",
        MEEKOPPELKANS: "accepted",
    }
    log = project_status(store, "roomweg").log
    assert [(e.to_phase.value, e.outcome.value) for e in log] == [
        ("pve", "started"),
        ("do", "passed"),
        ("bestek", "passed"),
        ("realisatie", "passed"),
    ]


def test_an_override_passes_the_gate_and_logs_who_when_why_and_what_was_left(store: SqlRepository) -> None:
    roombeek(store)
    add_project(store, "roomweg", work_ids=WORKS, project_type="beheer")
    entry = move_project(
        store, "roomweg", "do", by="Wethouder", override_reason="subsidie vervalt", at="2026-06-01T12:00:00+00:00"
    )
    assert entry.outcome == GateOutcome.OVERRIDDEN and entry.undecided == (KOPPELKANS,)
    row = store.read_gate_decisions(project_id="roomweg").iloc[-1].to_dict()
    assert {
        k: row[k] for k in ("from_phase", "to_phase", "outcome", "decided_by", "decided_at", "override_reason")
    } == {
        "from_phase": "pve",
        "to_phase": "do",
        "outcome": "overridden",
        "decided_by": "Wethouder",
        "decided_at": "2026-06-01T12:00:00+00:00",
        "override_reason": "subsidie vervalt",
    }
    assert json.loads(row["undecided"]) == [KOPPELKANS]
    assert project_named(store, "roomweg").phase == Phase.DO
    with pytest.raises(InputError, match="decidable up to phase pve; project roomweg is in phase do"):
        decide_coupling(store, "roomweg", KOPPELKANS, status="accepted", reason="toch")
    with pytest.raises(InputError) as blank:
        move_project(store, "roomweg", "bestek", override_reason="  ")
    assert blank.value.field == "override"


def test_skipping_phases_checks_every_gate_passed_and_going_back_reopens(store: SqlRepository) -> None:
    roombeek(store)
    add_project(store, "roomweg", work_ids=WORKS, project_type="beheer", phase="psu")
    with pytest.raises(GateRefused) as refused:
        move_project(store, "roomweg", "realisatie")
    assert {u["coupling"] for u in refused.value.as_dict()["error"]["undecided"]} == {KOPPELKANS, MEEKOPPELKANS}
    move_project(store, "roomweg", "bestek", override_reason="spoed")
    back = move_project(store, "roomweg", "pve", by="Anna")
    assert back.outcome == GateOutcome.REOPENED and back.undecided == ()
    with pytest.raises(InputError, match="already in phase pve"):
        move_project(store, "roomweg", "pve")
    with pytest.raises(InputError) as unknown:
        move_project(store, "roomweg", "klaar")
    assert unknown.value.field == "phase"


def test_a_decision_needs_a_reason_and_one_of_the_projects_couplings(store: SqlRepository) -> None:
    roombeek(store)
    add_project(store, "roomweg", work_ids=WORKS, project_type="beheer")
    with pytest.raises(NotFound) as other:
        decide_coupling(store, "roomweg", OTHER, status="accepted", reason="graag")
    assert (other.value.record, other.value.field) == (OTHER, "coupling")
    with pytest.raises(InputError) as no_reason:
        decide_coupling(store, "roomweg", KOPPELKANS, status="accepted", reason=" ")
    assert (no_reason.value.record, no_reason.value.field) == (KOPPELKANS, "reason")
    with pytest.raises(InputError) as bad_status:
        decide_coupling(store, "roomweg", KOPPELKANS, status="maybe", reason="x")
    assert bad_status.value.field == "status"
    with pytest.raises(NotFound) as no_project:
        decide_coupling(store, "nothing", KOPPELKANS, status="accepted", reason="x")
    assert no_project.value.field == "project"
    decide_coupling(store, "roomweg", KOPPELKANS, status="accepted", reason="eerst")
    decide_coupling(store, "roomweg", KOPPELKANS, status="declined", reason="toch niet")
    kept = store.read_coupling_decisions(project_id="roomweg")
    assert list(zip(kept["status"], kept["reason"], strict=True)) == [("declined", "toch niet")]


def test_the_phases_name_a_gate_checklist_roles_and_the_last_chance_of_each_coupling_kind() -> None:
    assert [spec.phase.value for spec in PHASES] == ["initiatief", "psu", "pve", "do", "bestek", "realisatie", "beheer"]
    assert {k.value: p.value for k, p in LAST_CHANCE.items()} == {
        "koppelkans": "pve",
        "meekoppelkans": "bestek",
        "afstemming": "realisatie",
    }
    for spec in PHASES:
        assert spec.gate.nl and spec.gate.en and spec.checklist and spec.roles
        # a kind stays decidable exactly up to its last chance
        assert set(spec.decidable) == {k for k, p in LAST_CHANCE.items() if PHASES.index(spec) <= _position(p)}
    assert [s.phase.value for s in phases_passed("psu", "do")] == ["psu", "pve"]


def _position(phase: Phase) -> int:
    return [s.phase for s in PHASES].index(phase)


def test_the_gate_rule_on_its_own_counts_only_the_gates_passed() -> None:
    project = Project(
        id="p",
        project_type=ProjectType.BEHEER,
        phase=Phase.DO,
        work_ids=("w",),
        created_at="2026-01-01",
        created_by="t",
    )
    afstemming = ProjectCoupling(id="AF-1", kind=CouplingKind.AFSTEMMING, members=(("work", "w"),))
    meekoppelkans = ProjectCoupling(id="MK-1", kind=CouplingKind.MEEKOPPELKANS, members=(("work", "w"),))
    check = gate_check(project, "bestek", [afstemming, meekoppelkans], {})
    assert check.passed == (Phase.DO,) and check.allowed
    check = gate_check(project, "beheer", [afstemming, meekoppelkans], {})
    assert [c.id for c, _ in check.blocking] == ["AF-1", "MK-1"]
    entry = gate_decision(check, by="x", at="t", override_reason="noodzaak")
    assert entry.outcome == GateOutcome.OVERRIDDEN and entry.undecided == ("AF-1", "MK-1")


runner = CliRunner()


def test_the_project_commands_as_a_user_runs_them(tmp_path: Path) -> None:
    from koppelkans.store import open_store

    db = str(tmp_path / "k.gpkg")
    store = open_store(db)
    store.initialise()
    roombeek(store)

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, ["--db", db, "project", *args])
        return result.exit_code, result.stdout, result.stderr

    code, out, _ = run("add", "roomweg", "--works", ",".join(WORKS), "--type", "beheer", "--by", "Anna", "--json")
    assert code == 0 and json.loads(out)["phase"]["code"] == "pve"
    code, out, err = run("gate", "roomweg", "--to", "do", "--by", "Anna")
    assert code == 6 and err.startswith("error: project roomweg cannot move from pve to do") and KOPPELKANS in err
    code, out, _ = run("gate", "roomweg", "--to", "do", "--json")
    assert code == 6 and json.loads(out)["error"]["code"] == "gate_refused"
    code, out, _ = run("decide", "roomweg", KOPPELKANS, "--accept", "--reason", "warmtenet mee", "--by", "Bram")
    assert code == 0 and "accepted by Bram" in out
    code, out, _ = run("gate", "roomweg", "--to", "do", "--by", "Anna")
    assert code == 0 and "pve → do passed by Anna" in out
    code, out, _ = run("gate", "roomweg", "--to", "realisatie", "--override", "aannemer al gecontracteerd")
    assert code == 0 and "overridden" in out and MEEKOPPELKANS in out
    code, out, _ = run("show", "roomweg", "--json")
    shown = json.loads(out)
    assert [e["outcome"] for e in shown["log"]] == ["started", "passed", "overridden"]
    assert shown["log"][-1]["override_reason"] == "aannemer al gecontracteerd"
    code, out, _ = run("list", "--json")
    assert [p["id"] for p in json.loads(out)["projects"]] == ["roomweg"]
    code, _, err = run("decide", "roomweg", KOPPELKANS, "--reason", "x")
    assert code == 2 and "give --accept or --decline" in err
    code, _, err = run("show", "nothing")
    assert code == 4 and err.strip() == "error: project nothing does not exist"


def test_due_years_and_links_of_a_few_records_read_as_the_whole_tables_do(store: SqlRepository) -> None:
    """The narrow reads a brief uses (repository additions of K9) agree with the whole-table reads."""
    from koppelkans.lifecycle import forecast_register

    load_roombeek(store)
    forecast_register(store, first=2026, last=2040)
    wanted = ["GM0153-RIO:R1", "VITENS:L1", "NOPE"]
    whole = store.read_findings("due_years")
    few = store.read_due_years(wanted)
    assert sorted(few["asset_id"]) == ["GM0153-RIO:R1", "VITENS:L1"]
    expected = whole[whole["asset_id"].isin(wanted)].sort_values("asset_id").reset_index(drop=True)
    assert few.sort_values("asset_id").reset_index(drop=True).equals(expected)
    links = store.links("assets")
    on_s1 = store.links_of_segments("assets", ["S1"])
    assert on_s1.reset_index(drop=True).equals(links[links["segment_id"] == "S1"].reset_index(drop=True))
    assert store.links_of_segments("works", []).empty and store.read_due_years([]).empty
