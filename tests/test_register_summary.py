"""What `koppelkans info` counts and what an import looks up, answered by the store on both back-ends.

`register_summary` counts unlinked works and assets with an anti-join in the store
(`count_unlinked`) and groups by organisation and discipline there (`grouped_counts`), instead of
reading every record; an import asks the store only which of the keys it names exist (`existing`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from koppelkans.errors import ValidationFailed
from koppelkans.register import import_file, import_records, register_summary
from koppelkans.store import SqlRepository

from .register_helpers import load_roombeek


def _unlinked_by_reading_everything(store: SqlRepository, kind: str) -> int:
    records = store.read(kind)
    return int((~records["id"].isin(set(store.links(kind)["record_id"]))).sum())


def test_unlinked_records_are_counted_by_the_store(store: SqlRepository, tmp_path: Path) -> None:
    load_roombeek(store)
    assert store.count_unlinked("works") == _unlinked_by_reading_everything(store, "works") == 1  # GM0153:W6
    assert store.count_unlinked("assets") == _unlinked_by_reading_everything(store, "assets") == 0
    park = tmp_path / "park.csv"  # a new segment under W6 links it
    park.write_text('id,name,width_m,geometry\nS8,Parkpad,6,"LINESTRING (257450 472600, 257540 472600)"\n')
    import_file(store, "segments", park, crs="EPSG:28992")
    assert store.count_unlinked("works") == 0


def test_the_summary_groups_and_counts_in_the_store(store: SqlRepository) -> None:
    load_roombeek(store)
    summary = register_summary(store)
    for kind in ("works", "assets"):
        records = store.read(kind)
        expected = records.groupby(["organisation", "discipline"]).size()
        assert summary["by_organisation_discipline"][kind] == {f"{o}/{d}": int(n) for (o, d), n in expected.items()}
        assert summary["counts"][f"{kind}_unlinked"] == _unlinked_by_reading_everything(store, kind)
    assert store.grouped_counts("works", ("organisation",)) == {
        (org,): n for org, n in store.counts_by("works", "organisation").items()
    }


def test_existing_answers_only_for_the_keys_asked(store: SqlRepository) -> None:
    load_roombeek(store, until="assets")
    stored = set(store.read("assets")["id"])
    asked = {*sorted(stored)[:3], "ENEXIS:nope", "VITENS:nope"}
    assert store.existing("assets", asked) == frozenset(sorted(stored)[:3])
    assert store.existing("assets", []) == frozenset()
    assert store.existing("organisations", ["GM0153", "GM9999"]) == frozenset({"GM0153"})


def test_an_import_finds_stored_keys_however_the_file_writes_them(store: SqlRepository) -> None:
    """Keys typed as numbers (12.0 from a spreadsheet) and ;-lists are looked up as validation reads them."""
    organisations = pd.DataFrame([{"code": 12.0, "name": "Twaalf", "kind": "other"}])
    import_records(store, "organisations", organisations, source_crs=None)
    assert store.keys("organisations") == {"12"}
    with pytest.raises(ValidationFailed, match="duplicate id: already in the store"):
        import_records(
            store, "organisations", pd.DataFrame([{"code": " 12 ", "name": "x", "kind": "other"}]), source_crs=None
        )
    load_roombeek(store, until="assets")
    works = pd.DataFrame(
        [
            {
                "id": "GM0153-RIO:W9",
                "organisation": "GM0153-RIO",
                "kind": "replace",
                "discipline": "sewer",
                "earliest_start": 2030,
                "latest_start": 2031,
                "asset_ids": "GM0153-RIO:R1, GM0153-RIO:R404",
                "geometry": "LINESTRING (257400 472502, 257480 472502)",
            }
        ]
    )
    with pytest.raises(ValidationFailed) as failure:
        import_records(store, "works", works, source_crs="EPSG:28992")
    [problem] = failure.value.problems
    assert (problem.field, problem.reason) == ("asset_ids", "unknown asset GM0153-RIO:R404")
