"""The KPI report read from a real store, on both back-ends (K12): the same figures from the embedded file
and from PostGIS."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from koppelkans.analysis.monitoring import Scope
from koppelkans.monitoring import kpi_report
from koppelkans.register import import_records
from koppelkans.store import SqlRepository

from .register_helpers import load_roombeek

TODAY = date(2026, 11, 23)


def test_kpi_report_reads_done_works_and_assets_from_the_store(store: SqlRepository) -> None:
    load_roombeek(store)
    segments = store.read("segments")
    line = segments.geometry.iloc[0].wkt
    done = pd.DataFrame(
        [
            {
                "id": f"GM0153:H{i}",
                "organisation": "GM0153",
                "discipline": "sewer",
                "kind": "replace",
                "earliest_start": 2023,
                "latest_start": 2024,
                "preferred_start": 2023,
                "status": "done",
                "cost_eur": 100_000,
                "actual_start": start,
                "actual_cost": 110_000,
                "geometry": line,
            }
            for i, start in enumerate(["2024-03-01", "2024-06-01"])
        ]
    )
    import_records(store, "works", done, source_crs="EPSG:28992", today=TODAY)
    report = kpi_report(store, Scope(year_from=2024, year_to=2024, this_year=2026)).as_dict()
    (year,) = report["years"]
    # two works in the same street and year: one opening per segment they share, the other avoided
    assert year["works_realised"] == 2
    assert year["openings_realised"] == year["realised_openings_avoided"] >= 1
    assert report["totals"]["cost_overrun"] == pytest.approx(0.1)
    assert report["data_quality"]["assets"] == store.count("assets")
    columns = store.read_columns("assets", ["id", "install_year"])
    assert list(columns.columns) == ["id", "install_year"] and len(columns) == store.count("assets")
