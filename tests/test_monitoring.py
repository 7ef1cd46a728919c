"""KPIs of monitoring and evaluation (K12) on a hand-built history with known values (pure: no store)."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString

from koppelkans.analysis.monitoring import KPIS, MonitoringInputs, Scope, kpis_from_register
from koppelkans.errors import InputError

X, Y = 257000.0, 472000.0


def _inputs() -> MonitoringInputs:
    organisations = pd.DataFrame({"code": ["GM0153", "GM0153-RIO", "ENEXIS"], "parent_code": [None, "GM0153", None]})
    areas = pd.DataFrame(
        {
            "code": ["GM0153", "WK015301", "BU01530100", "BU01530101"],
            "level": ["gemeente", "wijk", "buurt", "buurt"],
            "parent_code": [None, "GM0153", "WK015301", "WK015301"],
        }
    )
    # 2 km of street: Hoofdstraat 1 km in one buurt, Kerkstraat 2 × 500 m in the other.
    segments = gpd.GeoDataFrame(
        {
            "id": ["S1", "S2", "S3"],
            "name": ["Hoofdstraat", "Kerkstraat", "Kerkstraat"],
            "area_code": ["BU01530100", "BU01530101", "BU01530101"],
            "width_m": [8.0, 8.0, None],
        },
        geometry=[
            LineString([(X, Y), (X + 1000, Y)]),
            LineString([(X, Y + 100), (X + 500, Y + 100)]),
            LineString([(X + 500, Y + 100), (X + 1000, Y + 100)]),
        ],
        crs="EPSG:28992",
    )
    rows = [
        # id, organisation, kind, status, earliest, latest, preferred, months, cost, actual_start, actual_cost
        ("W1", "GM0153-RIO", "replace", "done", 2023, 2025, 2023, 2.0, 100_000.0, "2024-03-01", 120_000.0),
        ("W2", "ENEXIS", "replace", "done", 2024, 2024, 2024, 1.0, 50_000.0, "2024-05-01", 50_000.0),
        ("W3", "ENEXIS", "replace", "done", 2024, 2025, None, None, None, "2024-06-01", None),
        ("W4", "GM0153-RIO", "resurface", "done", 2021, 2023, 2022, 1.0, 80_000.0, "2024-09-01", 100_000.0),
        ("W7", "GM0153-RIO", "replace", "in_progress", 2024, 2026, 2024, 3.0, 10_000.0, "2024-11-01", None),
        ("W9", "ENEXIS", "reline", "done", 2025, 2025, 2025, 1.0, None, "2025-04-01", None),
        ("W5", "ENEXIS", "replace", "planned", 2027, 2029, 2028, 3.0, 70_000.0, None, None),
        ("W6", "ENEXIS", "replace", "cancelled", 2024, 2024, 2024, 3.0, 5_000.0, None, None),
    ]
    columns = [
        "id",
        "organisation",
        "kind",
        "status",
        "earliest_start",
        "latest_start",
        "preferred_start",
        "duration_months",
        "cost_eur",
        "actual_start",
        "actual_cost",
    ]
    works = pd.DataFrame(rows, columns=columns).astype({"preferred_start": "Int64"})
    work_links = pd.DataFrame(
        [
            ("W1", "S1"),
            ("W2", "S1"),
            ("W3", "S2"),
            ("W4", "S2"),
            ("W7", "S3"),
            ("W9", "S1"),
            ("W5", "S1"),
            ("W5", "S2"),
            ("W6", "S1"),
        ],
        columns=["record_id", "segment_id"],
    )
    assets = pd.DataFrame(
        {
            "id": ["GM0153-RIO:A1", "ENEXIS:A2", "ENEXIS:A3", "GM0153-RIO:A4"],
            "organisation": ["GM0153-RIO", "ENEXIS", "ENEXIS", "GM0153-RIO"],
            "install_year": [1970, 1990, 2000, 1980],
            "material": ["beton", None, "PVC", None],
            "condition": [3, None, 2, 4],
            "condition_year": [2018, None, 2024, None],
            "depth_m": [2.0, None, None, None],
        }
    )
    asset_links = pd.DataFrame(
        {
            "record_id": ["GM0153-RIO:A1", "ENEXIS:A2", "ENEXIS:A3", "GM0153-RIO:A4"],
            "segment_id": ["S1", "S1", "S2", "S3"],
        }
    )
    couplings = pd.DataFrame(
        {
            "id": ["C1", "C2"],
            "members": [
                json.dumps([{"type": "work", "id": "W5"}, {"type": "asset", "id": "GM0153-RIO:A1"}]),
                json.dumps([{"type": "asset", "id": "GM0153-RIO:A4"}, {"type": "asset", "id": "GM0153-RIO:A9"}]),
            ],
            "segment_ids": ["S1;S2", "S3"],
            "window_start": [2028, 2027],
            "saving_eur": [50_000.0, 10_000.0],
            "openings_avoided": [2, 1],
            "nuisance_days_avoided": [30.0, 10.0],
        }
    )
    decisions = pd.DataFrame(
        {
            "project_id": ["P3", "P1", "P2"],
            "coupling_id": ["C1", "H1", "H1"],
            "status": ["accepted", "accepted", "realised"],
            "decided_at": ["2026-05-01T10:00:00+00:00", "2022-02-01T10:00:00+00:00", "2023-06-01T10:00:00+00:00"],
            "members": [
                json.dumps(["work:W5", "asset:GM0153-RIO:A1"]),
                json.dumps(["work:W1", "work:W2"]),
                json.dumps(["work:W1", "work:W2"]),
            ],
        }
    )
    plans = [
        {
            "scenario": "integrated",
            "created_at": "2026-03-01T09:00:00+00:00",
            "horizon": [2027, 2036],
            "savings": {"eur": 1_000_000.0, "pct": 10.0, "openings_avoided": 5, "nuisance_days_avoided": 100.0},
            "by_year": [],
        },
        {
            "scenario": "gasfree-2040",
            "created_at": "2026-03-02T09:00:00+00:00",
            "horizon": [2027, 2040],
            "savings": {"eur": 2_000_000.0, "pct": 12.0, "openings_avoided": 7, "nuisance_days_avoided": 150.0},
            "ambition": {"label": "gas-free", "year": 2040, "works_added": 3, "cost_eur": 300_000.0},
            "by_year": [
                {
                    "year": 2027,
                    "cost_eur": 400_000.0,
                    "organisations": [{"budget_eur": 250_000.0}, {"budget_eur": 100_000.0}],
                },
                {"year": 2028, "cost_eur": 100_000.0, "organisations": [{"budget_eur": None}]},
            ],
        },
    ]
    return MonitoringInputs(
        organisations=organisations,
        areas=areas,
        segments=segments,
        works=works,
        work_links=work_links,
        assets=assets,
        asset_links=asset_links,
        couplings=couplings,
        decisions=decisions,
        plans=plans,
    )


SCOPE = Scope(year_from=2022, year_to=2028, this_year=2026)


def _year(report_years: pd.DataFrame, year: int) -> dict:
    return report_years.set_index("year").loc[year].to_dict()


def test_three_openings_in_2024_on_2_km_of_street_are_1_5_per_km() -> None:
    report = kpis_from_register(_inputs(), SCOPE)
    assert report.street_km == pytest.approx(2.0)
    y2024 = _year(report.years, 2024)
    # S1: W1+W2 share one opening, S2: W3+W4 share one, S3: W7 alone; the cancelled W6 opens nothing.
    assert (y2024["openings_realised"], y2024["openings_planned"]) == (3, 0)
    assert y2024["openings_per_km"] == pytest.approx(1.5)
    # The trenchless reline W9 starts in 2025 but opens no street.
    assert (_year(report.years, 2025)["works_realised"], _year(report.years, 2025)["openings_realised"]) == (1, 0)
    # W5 is planned for 2028 on S1 and S2: kept apart from what happened.
    assert (_year(report.years, 2028)["openings_realised"], _year(report.years, 2028)["openings_planned"]) == (0, 2)
    assert report.totals["openings_per_km"] == pytest.approx(5 / 2 / 7)


def test_works_started_together_are_realised_savings() -> None:
    y2024 = _year(kpis_from_register(_inputs(), SCOPE).years, 2024)
    assert y2024["realised_openings_avoided"] == 2
    # street cost of S1 (1,000 m) and S2 (500 m) at EUR 243/m for an 8 m street
    assert y2024["realised_saving_eur"] == pytest.approx(243.0 * 1500)
    # S1: 42 + 21 days, longest 42; S2: 63 (default 3 months) + 21, longest 63
    assert y2024["realised_nuisance_days_avoided"] == pytest.approx(21.0 + 21.0)


def test_planned_vs_actual_year_and_cost() -> None:
    report = kpis_from_register(_inputs(), SCOPE)
    assert report.delays.to_dict("records") == [
        {"delay_years": 0, "works": 4},
        {"delay_years": 1, "works": 1},
        {"delay_years": 2, "works": 1},
    ]
    assert report.totals["works_realised"] == 6
    assert report.totals["mean_delay_years"] == pytest.approx(0.5)
    assert report.totals["share_late"] == pytest.approx(1 / 6, abs=1e-6)
    assert report.totals["cost_overrun"] == pytest.approx(270_000 / 230_000 - 1, abs=1e-6)
    assert _year(report.years, 2024)["actual_cost_eur"] == pytest.approx(270_000.0)


def test_couplings_found_accepted_and_realised_by_their_dated_facts() -> None:
    report = kpis_from_register(_inputs(), SCOPE)
    years = report.years.set_index("year")
    assert years["couplings_found"].to_dict() == {2022: 0, 2023: 1, 2024: 0, 2025: 0, 2026: 0, 2027: 1, 2028: 1}
    assert years["couplings_accepted"].to_dict() == {2022: 0, 2023: 1, 2024: 0, 2025: 0, 2026: 1, 2027: 0, 2028: 0}
    assert years["couplings_realised"].to_dict() == {2022: 0, 2023: 1, 2024: 0, 2025: 0, 2026: 0, 2027: 0, 2028: 0}
    assert report.totals["share_accepted"] == pytest.approx(2 / 3)
    assert report.totals["share_realised"] == pytest.approx(1 / 3)
    assert report.totals["estimated_saving_eur"] == pytest.approx(60_000.0)
    assert report.totals["accepted_saving_eur"] == pytest.approx(50_000.0)


def test_plans_savings_and_ambition_cost_against_budget() -> None:
    report = kpis_from_register(_inputs(), SCOPE)
    assert [(p["scenario"], p["saving_eur"]) for p in report.plans] == [
        ("gasfree-2040", 2_000_000.0),
        ("integrated", 1_000_000.0),
    ]
    (ambition,) = report.ambitions
    assert (ambition["cost_eur"], ambition["budget_eur"], ambition["plan_cost_eur"]) == (
        300_000.0,
        350_000.0,
        400_000.0,
    )
    assert ambition["share_of_budget"] == pytest.approx(400 / 350)


def test_data_quality_shares_and_stale_conditions() -> None:
    quality = kpis_from_register(_inputs(), SCOPE).data_quality
    assert quality == {
        "assets": 4,
        "install_year_known": 1.0,
        "material_known": 0.5,
        "condition_known": 0.75,
        "depth_known": 0.25,
        # A1 observed 2018 and A4 never (install 1980) are older than 2021; A3 (2024) is not
        "stale_conditions": pytest.approx(2 / 3),
    }


def test_area_scope_counts_only_its_streets_and_their_works() -> None:
    report = kpis_from_register(_inputs(), Scope(year_from=2022, year_to=2028, this_year=2026, area="BU01530101"))
    assert report.street_km == pytest.approx(1.0)
    y2024 = _year(report.years, 2024)
    assert (y2024["openings_realised"], y2024["openings_per_km"]) == (2, pytest.approx(2.0))
    assert report.data_quality["assets"] == 2
    assert report.totals["couplings_found"] == 2  # C1 (S2) and C2 (S3); H1's works lie on S1


def test_organisation_scope_includes_departments_and_shared_openings() -> None:
    municipality = kpis_from_register(
        _inputs(), Scope(year_from=2022, year_to=2028, this_year=2026, organisation="GM0153")
    )
    assert _year(municipality.years, 2024)["openings_realised"] == 3
    enexis = kpis_from_register(_inputs(), Scope(year_from=2022, year_to=2028, this_year=2026, organisation="ENEXIS"))
    assert _year(enexis.years, 2024)["openings_realised"] == 2
    assert enexis.totals["couplings_found"] == 2  # C1 (its work W5) and H1 (its work W2)


def test_top_streets_rank_repeated_openings() -> None:
    streets = kpis_from_register(_inputs(), SCOPE).streets
    assert (
        streets[["name", "openings", "realised", "planned"]].to_dict("records")
        == [
            {"name": "Hoofdstraat", "openings": 2, "realised": 1, "planned": 1},
            {"name": "Kerkstraat", "openings": 3, "realised": 2, "planned": 1},
        ][::-1]
    )


def test_unknown_area_and_reversed_years_are_named() -> None:
    with pytest.raises(InputError, match="unknown area 'BU9'"):
        kpis_from_register(_inputs(), Scope(year_from=2022, year_to=2028, this_year=2026, area="BU9"))
    with pytest.raises(InputError, match="--from 2029 is after --to 2028"):
        Scope(year_from=2029, year_to=2028, this_year=2026)


def test_every_kpi_in_the_json_is_defined_once() -> None:
    payload = kpis_from_register(_inputs(), SCOPE).as_dict()
    codes = [d["code"] for d in payload["definitions"]]
    assert len(codes) == len(set(codes)) == len(KPIS)
    assert json.loads(json.dumps(payload)) == payload


def test_every_kpi_definition_is_documented_in_the_user_guide() -> None:
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for kpi in KPIS:
        assert f"| `{kpi.code}` | {kpi.label} | {kpi.formula} |" in guide, kpi.code


def test_a_register_without_history_reports_zeros_and_unknown_rates() -> None:
    from dataclasses import replace

    inputs = _inputs()
    empty = replace(
        inputs,
        works=inputs.works.iloc[0:0],
        work_links=inputs.work_links.iloc[0:0],
        couplings=inputs.couplings.iloc[0:0],
        decisions=inputs.decisions.iloc[0:0],
        plans=(),
    )
    report = kpis_from_register(empty, SCOPE).as_dict()
    assert report["totals"]["openings_realised"] == report["totals"]["couplings_found"] == 0
    assert report["totals"]["share_realised"] is None and report["totals"]["mean_delay_years"] is None
    assert all(y["share_late"] is None and y["openings_per_km"] == 0.0 for y in report["years"])
    assert report["streets"] == [] and report["delays"] == []
