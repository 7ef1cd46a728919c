"""The KPI history (K12): data quality, couplings on record and the latest plan's savings at each past year end,
rebuilt from the audit log. A hand-built register is changed at controlled moments (the clock travels, so the
log records those moments), on both back-ends; every expected figure follows from the changes made here."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest
import time_machine

from koppelkans.analysis.monitoring import states_at_moments
from koppelkans.analysis.monitoring.history import year_end
from koppelkans.analysis.monitoring.kpis import Scope
from koppelkans.monitoring import kpi_report
from koppelkans.store import SqlRepository

from .register_helpers import load_roombeek

LOADED, CHANGED, EXTENDED, DECIDED = (
    datetime(y, m, 1, 9, tzinfo=UTC) for y, m in ((2024, 3), (2025, 6), (2026, 9), (2027, 2))
)
NOW = datetime(2028, 1, 15, tzinfo=UTC)
"""When the report is made (the clock travels there too, so every year end of the scope lies in the past)."""
SCOPE = Scope(year_from=2023, year_to=2027, this_year=2028)


def _at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


def _decision(project: str, coupling: str, status: str, moment: datetime) -> dict:
    return {
        "project_id": project,
        "coupling_id": coupling,
        "coupling_kind": "koppelkans",
        "status": status,
        "reason": None,
        "members": json.dumps(["works:VITENS:W3", "works:GM0153-RIO:W1"]),
        "decided_at": moment.isoformat(),
        "decided_by": "ann@gemeente.nl",
    }


def _workflow(coupling: str, moment: datetime) -> dict:
    return {
        "coupling_id": coupling,
        "members": ["VITENS", "GM0153-RIO"],
        "status": "proposed",
        "proposed_at": moment.isoformat(),
        "proposed_by": "ann@gemeente.nl",
        "deadline": None,
        "escalated": False,
        "escalated_at": None,
        "responses": {},
        "cost_split": {},
        "realised_at": None,
    }


def _plan(scenario: str, created: datetime, eur: float) -> dict:
    savings = {"eur": eur, "pct": 0.1, "openings_avoided": 2, "nuisance_days_avoided": 40.0}
    return {"scenario": scenario, "created_at": created.isoformat(), "horizon": [2027, 2036], "savings": savings}


def _build_history(store: SqlRepository) -> None:
    """Six assets from 2024; in 2025 one gets an old condition, one a depth, one is removed; in 2026 one loses its
    material and a new one without material, depth or condition arrives. Couplings and plans along the way."""
    with _at(LOADED):
        load_roombeek(store, until="works")
    with _at(CHANGED), store.transaction(actor="ann@gemeente.nl") as tx:
        assets = store.read("assets", ids=["VITENS:L1", "GM0153-WEG:V1"]).set_index("id")
        assets.loc["VITENS:L1", ["condition", "condition_year"]] = [3, 2014]
        assets.loc["GM0153-WEG:V1", "depth_m"] = 0.5
        tx.insert("assets", assets.reset_index(), replace=True)
        tx.delete("assets", ["ENEXIS:G1"])
        tx.save_coupling_decision(_decision("P1", "C1", "accepted", CHANGED))
        tx.keep_plan(_plan("base", datetime(2025, 3, 1, tzinfo=UTC), 1000.0))
    with _at(EXTENDED), store.transaction(actor="bob@vitens.nl") as tx:
        r1 = store.read("assets", ids=["GM0153-RIO:R1"]).assign(material=None)
        r4 = store.read("assets", ids=["GM0153-RIO:R3"]).assign(
            id="GM0153-RIO:R4", local_id="R4", material=None, depth_m=None, condition=None, condition_year=None
        )
        tx.insert("assets", pd.concat([r1, r4], ignore_index=True), replace=True)
        tx.save_coupling_decision(_decision("P1", "C1", "realised", EXTENDED))
        tx.save_coupling_decision(_decision("P2", "C2", "declined", EXTENDED))
        tx.save_coupling_workflow(_workflow("C3", EXTENDED))
        tx.keep_plan(_plan("gasfree", datetime(2026, 6, 1, tzinfo=UTC), 2500.0))
    with _at(DECIDED), store.transaction(actor="cor@gemeente.nl") as tx:
        tx.save_coupling_decision(_decision("P2", "C2", "accepted", DECIDED))


def test_history_rebuilds_each_year_end_and_knows_nothing_before_the_log(store: SqlRepository) -> None:
    _build_history(store)
    with _at(NOW):
        report = kpi_report(store, SCOPE).as_dict()
    assert report["history"]["known_from"].startswith("2024-03-01T09:00:00")
    years = {row["year"]: row for row in report["history"]["years"]}
    assert sorted(years) == [2023, 2024, 2025, 2026, 2027]
    before = years[2023]
    assert before["known"] is False and before["as_of"] == year_end(2023)
    assert before["assets"] is None and before["condition_known"] is None and before["couplings_found"] is None

    def quality(year: int) -> tuple:
        row = years[year]
        return tuple(
            row[k]
            for k in (
                "assets",
                "install_year_known",
                "material_known",
                "condition_known",
                "depth_known",
                "stale_conditions",
            )
        )

    assert quality(2024) == pytest.approx((6, 1.0, 1.0, 5 / 6, 5 / 6, 0.0))
    assert quality(2025) == pytest.approx((5, 1.0, 1.0, 1.0, 1.0, 1 / 5))  # L1's condition of 2014 < 2025 − 5
    assert quality(2026) == pytest.approx((6, 1.0, 4 / 6, 5 / 6, 5 / 6, 1 / 5))
    assert quality(2027) == pytest.approx((6, 1.0, 4 / 6, 5 / 6, 5 / 6, 2 / 5))  # R3's of 2021 < 2027 − 5 too

    def couplings(year: int) -> tuple:
        row = years[year]
        return row["couplings_found"], row["couplings_accepted"], row["couplings_realised"], row["share_realised"]

    assert couplings(2024) == (0, 0, 0, None)  # the log covers 2024: none on record is a known 0
    assert couplings(2025) == (1, 1, 0, 0.0)
    assert couplings(2026) == pytest.approx((3, 1, 1, 1 / 3))  # C1 realised, C2 declined, C3 proposed
    assert couplings(2027) == pytest.approx((3, 2, 1, 1 / 3))

    plans = {y: (row["plan_scenario"], row["plan_saving_eur"]) for y, row in years.items()}
    assert plans == {
        2023: (None, None),
        2024: (None, None),
        2025: ("base", 1000.0),
        2026: ("gasfree", 2500.0),
        2027: ("gasfree", 2500.0),
    }


def test_history_of_an_organisation_follows_its_own_assets(store: SqlRepository) -> None:
    _build_history(store)
    scope = Scope(year_from=2024, year_to=2025, this_year=2028, organisation="VITENS")
    with _at(NOW):
        years = {row["year"]: row for row in kpi_report(store, scope).as_dict()["history"]["years"]}
    assert (years[2024]["assets"], years[2024]["condition_known"]) == (1, 0.0)
    assert (years[2025]["condition_known"], years[2025]["stale_conditions"]) == (1.0, 1.0)


def test_this_year_is_the_register_as_it_is_now(store: SqlRepository) -> None:
    _build_history(store)
    report = kpi_report(store, Scope(year_from=2025, year_to=2030, this_year=datetime.now(UTC).year)).as_dict()
    rows = report["history"]["years"]
    assert [r["year"] for r in rows] == list(range(2025, datetime.now(UTC).year + 1))  # no future year ends
    now = rows[-1]
    for name in ("assets", "install_year_known", "material_known", "condition_known", "depth_known"):
        assert now[name] == pytest.approx(report["data_quality"][name]), name


def test_states_at_moments_uses_the_state_before_a_records_first_change() -> None:
    """A record the log saw first as an update existed before it with its `old` state; one it never saw change
    has its current state throughout; a created and later deleted record exists only in between."""
    changes = pd.DataFrame(
        {
            "seq": [1, 2, 3],
            "at": ["2021-05-01", "2022-05-01", "2023-05-01"],
            "record_id": ["C", "B", "C"],
            "old": [None, {"v": 1}, {"v": 7}],
            "new": [{"v": 7}, {"v": 2}, None],
        }
    )
    current = pd.DataFrame({"id": ["A", "B"], "v": [5, 2]})
    moments = ["2020-12-31", "2021-12-31", "2022-12-31", "2023-12-31"]
    states = states_at_moments(changes, current, moments, ["v"])
    seen = {(m, r): v for m, r, v in states[["at_index", "record_id", "v"]].itertuples(index=False)}
    assert seen == {
        (0, "A"): 5, (1, "A"): 5, (2, "A"): 5, (3, "A"): 5,
        (0, "B"): 1, (1, "B"): 1, (2, "B"): 2, (3, "B"): 2,
        (1, "C"): 7, (2, "C"): 7,
    }  # fmt: skip
