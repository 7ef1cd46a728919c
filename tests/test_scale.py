"""K13: the Dask engines give the single-process findings, forecast and plan, pairs across partitions included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client
from typer.testing import CliRunner

from koppelkans.analysis.coupling import CouplingOptions, Findings, findings_from_snapshot
from koppelkans.analysis.lifecycle import SurvivalTable, forecast_from_assets
from koppelkans.analysis.planning import (
    PlanOptions,
    instance_from_interventions,
    instance_from_snapshot,
    solve_instance,
)
from koppelkans.analysis.planning.milp import components_of
from koppelkans.analysis.planning.solve import parts_of
from koppelkans.benchmarks.scale import extrapolation, growth, tiled_snapshot
from koppelkans.cli.main import app
from koppelkans.demo import build_demo
from koppelkans.domain.snapshot import RegisterSnapshot
from koppelkans.register import snapshot_of
from koppelkans.scale import (
    dask_client,
    findings_from_store_on_dask,
    findings_on_dask,
    forecast_on_dask,
    parts_on_dask,
)
from koppelkans.scale.couplings import merged_findings, owned_findings
from koppelkans.scale.partition import partition_snapshot, partitioning_of
from koppelkans.store import SqlRepository, open_store

OPTIONS = CouplingOptions(year_from=2026, year_to=2036)
SCALE = 0.1


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """One small LocalCluster (2 worker processes, 1 thread each) for the whole module."""
    with dask_client(n_workers=2) as shared:
        yield shared


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A seeded demo register (a small Enschede) in a GeoPackage store."""
    url = str(tmp_path_factory.mktemp("scale") / "demo.gpkg")
    store = open_store(url)
    store.initialise()
    build_demo(store, scale=SCALE, seed=7)
    store.close()
    return url


@pytest.fixture(scope="module")
def small_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A seeded demo register at scale 0.05 (one small town) in a GeoPackage store."""
    url = str(tmp_path_factory.mktemp("scale") / "small.gpkg")
    store = open_store(url)
    store.initialise()
    build_demo(store, scale=0.05, seed=7)
    store.close()
    return url


@pytest.fixture(scope="module")
def snapshot(demo_url: str) -> RegisterSnapshot:
    store = open_store(demo_url)
    try:
        return snapshot_of(store)
    finally:
        store.close()


def assert_same_findings(single: Findings, dask: Findings, *, check_dtype: bool = True) -> None:
    """Every column of every finding equal, in the same order (ids, members, texts, geometry)."""
    assert len(single.couplings) > 0 and len(single.conflicts) > 0
    for which in ("couplings", "conflicts"):
        pd.testing.assert_frame_equal(
            pd.DataFrame(getattr(dask, which)), pd.DataFrame(getattr(single, which)), check_dtype=check_dtype
        )


def crossing_findings(findings: Findings, snapshot: RegisterSnapshot, *, partitions: int) -> int:
    """How many findings have members on streets of more than one partition."""
    partitioning = partitioning_of(snapshot, n=partitions)
    links = snapshot.links.assign(key=snapshot.links["kind"].str[:-1] + ":" + snapshot.links["record_id"])
    parts_of = links.assign(part=links["segment_id"].map(partitioning.segment_partition)).groupby("key")["part"]
    parts = parts_of.agg(set)
    frame = pd.concat([findings.couplings, findings.conflicts], ignore_index=True)
    return sum(
        len(set().union(*(parts.get(f"{t}:{i}", set()) for t, i in members if t != "task"))) > 1
        for members in frame["members"]
    )


@pytest.mark.parametrize("partitions", [2, 5, 11])
def test_dask_couplings_equal_single_process_with_pairs_across_partitions(
    snapshot: RegisterSnapshot, client: Client, partitions: int
) -> None:
    single = findings_from_snapshot(snapshot, OPTIONS)
    assert crossing_findings(single, snapshot, partitions=partitions) > 0
    assert_same_findings(single, findings_on_dask(snapshot, OPTIONS, client=client, partitions=partitions))


def test_two_hop_halo_keeps_trench_groups_whole_on_a_tiled_register(small_url: str, client: Client) -> None:
    """Regression: with a one-ring halo a trench group that leaves its buurt and comes back was split here."""
    store = open_store(small_url)
    tiled = tiled_snapshot(snapshot_of(store), 2)
    store.close()
    single = findings_from_snapshot(tiled, OPTIONS)
    # The tiled ids are Python-backed strings, so the engine's id column has that dtype; values are compared.
    assert_same_findings(single, findings_on_dask(tiled, OPTIONS, client=client, partitions=8), check_dtype=False)


def test_dask_couplings_equal_single_process_within_an_area(snapshot: RegisterSnapshot, client: Client) -> None:
    wijk = snapshot.areas.loc[snapshot.areas["level"] == "wijk", "code"].iloc[0]
    options = CouplingOptions(year_from=2026, year_to=2036, area=wijk)
    single = findings_from_snapshot(snapshot, options)
    assert_same_findings(single, findings_on_dask(snapshot, options, client=client, partitions=4))


def test_each_finding_is_owned_by_exactly_one_partition(snapshot: RegisterSnapshot) -> None:
    partitioning = partitioning_of(snapshot, n=6)
    full = findings_from_snapshot(snapshot, OPTIONS)
    owned = [owned_findings(full, partitioning, p) for p in range(6)]
    assert sorted(pd.concat([o.couplings for o in owned])["id"]) == sorted(full.couplings["id"])
    assert sorted(pd.concat([o.conflicts for o in owned])["id"]) == sorted(full.conflicts["id"])
    assert_same_findings(full, merged_findings(owned))


def test_partition_snapshots_hold_fewer_assets_than_the_register(snapshot: RegisterSnapshot) -> None:
    partitioning = partitioning_of(snapshot, n=4)
    sizes = [len(partition_snapshot(snapshot, partitioning, p).assets) for p in range(4)]
    assert all(0 < size < len(snapshot.assets) for size in sizes)
    assert sorted(partitioning.unit_partition.unique().tolist()) == [0, 1, 2, 3]


@pytest.mark.backends("geopackage", "postgis")
def test_workers_reading_their_partition_from_the_store_give_the_same_findings(
    store: SqlRepository, client: Client
) -> None:
    build_demo(store, scale=0.05, seed=11)
    single = findings_from_snapshot(snapshot_of(store), OPTIONS)
    assert_same_findings(single, findings_from_store_on_dask(store, OPTIONS, client=client, partitions=5))


@pytest.mark.parametrize("chunk_size", [997, 100_000])
def test_dask_forecast_equals_single_process(snapshot: RegisterSnapshot, client: Client, chunk_size: int) -> None:
    models = SurvivalTable.defaults()
    single = forecast_from_assets(snapshot.assets, year=2026, horizon=30, models=models)
    dask = forecast_on_dask(snapshot.assets, client=client, year=2026, horizon=30, models=models, chunk_size=chunk_size)
    pd.testing.assert_frame_equal(dask, single)


def test_cli_couplings_and_forecast_with_engine_dask_print_the_same_json(demo_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = {}
    for engine in ("single", "dask"):
        copy = tmp_path / f"{engine}.gpkg"
        copy.write_bytes(Path(demo_url).read_bytes())
        for command in (["couplings", "--from", "2026"], ["forecast", "--from", "2026"]):
            result = runner.invoke(app, ["--db", str(copy), *command, "--json", "--engine", engine])
            assert result.exit_code == 0, result.output
            outputs[(engine, command[0])] = json.loads(result.stdout)
    for command in ("couplings", "forecast"):
        single, dask = outputs[("single", command)], outputs[("dask", command)]
        single.pop("totals", None), dask.pop("totals", None)
        assert dask == single


PLAN = PlanOptions(year_from=2026, year_to=2035)


def test_dask_plan_equals_single_process_on_three_towns_solved_in_parallel(small_url: str, client: Client) -> None:
    """Three copies of a small town are three large components: each is a Dask task, the schedule is the same."""
    store = open_store(small_url)
    tiled = tiled_snapshot(snapshot_of(store), 3)
    store.close()
    instance = instance_from_snapshot(tiled, PLAN)
    _, parts = parts_of(instance, components_of(instance, with_budgets=False), seconds=30.0)
    assert sum(not p.exact for p in parts) == 3
    single = solve_instance(instance, time_limit=30)
    dask = solve_instance(instance, time_limit=30, runner=parts_on_dask(client))
    assert single.gap < 1e-3  # every part finished within its time: the run is deterministic
    assert dask.years.tolist() == single.years.tolist()
    assert dask.objective == pytest.approx(single.objective, rel=1e-9)
    assert dask.bound == pytest.approx(single.bound, rel=1e-6)


def test_dask_plan_solves_batches_of_small_components_exactly_as_one_process(client: Client) -> None:
    """Two streets in two neighbourhoods with two works each: two small components, one exact batch."""
    segments = pd.DataFrame(
        {"id": ["S1", "S2"], "name": ["Hoofdstraat", "Dorpsweg"], "area_code": ["BU1", "BU2"], "width_m": [8.0, 8.0]}
    )
    works = [
        _intervention("W1", window=(2027, 2030), preferred=2027, discipline="sewer", cost=300_000.0),
        _intervention("W2", window=(2028, 2031), preferred=2031, discipline="water", cost=120_000.0),
        _intervention("W3", window=(2027, 2029), preferred=2029, discipline="road", cost=200_000.0),
        _intervention("W4", window=(2029, 2032), preferred=2032, discipline="gas", cost=90_000.0),
    ]
    members = pd.DataFrame(
        {
            "key": ["work:W1", "work:W2", "work:W3", "work:W4"],
            "segment_id": ["S1", "S1", "S2", "S2"],
            "overlap_m": 100.0,
        }
    )
    options = PlanOptions(year_from=2027, year_to=2032, use_forecast=False)
    instance = instance_from_interventions(pd.DataFrame(works), members, segments, options)
    _, parts = parts_of(instance, components_of(instance, with_budgets=False), seconds=10.0)
    assert [(p.exact, len(p.items)) for p in parts] == [(True, 4)]
    single = solve_instance(instance, time_limit=10, gap=1e-9)
    dask = solve_instance(instance, time_limit=10, gap=1e-9, runner=parts_on_dask(client))
    assert dask.years.tolist() == single.years.tolist()
    assert dask.years[0] == dask.years[1] and dask.years[2] == dask.years[3]  # each street is opened once
    assert dask.objective == pytest.approx(single.objective, rel=1e-9)


def _intervention(
    id: str, *, window: tuple[int, int], preferred: int, discipline: str, cost: float
) -> dict[str, object]:
    """A work in the coupling engine's intervention table, opening its street for 60 days."""
    return {
        "key": f"work:{id}",
        "type": "work",
        "id": id,
        "organisation": "GM",
        "discipline": discipline,
        "kind": "replace",
        "title": None,
        "window_start": window[0],
        "window_end": window[1],
        "preferred": preferred,
        "duration_days": 60.0,
        "cost_eur": cost,
        "phase": None,
        "early": True,
        "opens_street": True,
        "dig_free_years": 0.0,
        "geometry": None,
        "fixed": False,
        "project_type": None,
        "asset_ids": None,
    }


def test_cli_plan_with_engine_dask_prints_and_keeps_the_same_plan(small_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    plans = {}
    for engine in ("single", "dask"):
        path = tmp_path / f"{engine}.gpkg"
        path.write_bytes(Path(small_url).read_bytes())
        command = ["--db", str(path), "plan", "--from", "2026", "--time-limit", "30", "--json", "--engine", engine]
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        printed = json.loads(result.stdout)
        store = open_store(str(path))
        kept = store.read_plan("integrated")
        store.close()
        assert kept is not None and kept["works"] == printed["works"]
        plans[engine] = printed
    for plan in plans.values():
        plan.pop("seconds")
    assert plans["single"]["gap"] < 1e-3
    assert plans["dask"] == plans["single"]


def test_bench_extrapolates_the_netherlands_from_the_measured_cost_of_a_partition() -> None:
    runs = [
        {"engine": "single", "street_km": 700.0, "seconds": 1.0, "driver_peak_rss_mb": 400.0},
        {"engine": "single", "street_km": 7000.0, "seconds": 10.0, "driver_peak_rss_mb": 1400.0},
        {
            "engine": "dask",
            "street_km": 7000.0,
            "seconds": 30.0,
            "driver_peak_rss_mb": 2000.0,
            "worker_peak_rss_mb": 500.0,
            "partitions": 14,
            "partition_seconds_mean": 2.0,
            "worker_compute_seconds": 28.0,
            "workers": 2,
        },
    ]
    assert growth(runs) == {
        "single": {
            "from_km": 700.0,
            "to_km": 7000.0,
            "seconds_exponent": 1.0,
            "driver_memory_exponent": pytest.approx(0.54, abs=0.005),
        }
    }
    netherlands = extrapolation(runs, cluster_workers=64)
    assert netherlands["single"]["netherlands_seconds"] == 200
    dask = netherlands["dask"]
    # 140,000 km in partitions of 500 km: 280 partitions × 2 s, plus the driver's 16 s × 20
    assert (dask["netherlands_partitions"], dask["netherlands_worker_cpu_seconds"]) == (280, 560)
    assert dask["netherlands_driver_seconds"] == 320
    assert dask["netherlands_cluster_seconds"] == round(560 / 64 + 320)
