"""Shared fixtures: a store per back-end (embedded GeoPackage file and a real PostGIS server)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from koppelkans.store import SqlRepository, open_store
from koppelkans.store.postgis import scratch_database

FIXTURES = Path(__file__).parent / "fixtures"
EXCHANGE = FIXTURES / "exchange"
SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
POSTGIS_SERVER = os.environ.get("KOPPELKANS_TEST_POSTGIS", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["geopackage", "postgis"]


@pytest.fixture(scope="session")
def postgis_template() -> Iterator[str]:
    """An initialised PostGIS database used as the template of every test's fresh database.

    PostGIS must be reachable: a skipped PostGIS suite would hide a broken back-end, so this fails.
    """
    with scratch_database(POSTGIS_SERVER, prefix="koppelkans_template") as url:
        store = open_store(url)
        store.initialise()
        store.close()
        yield url


@pytest.fixture
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlRepository]:
    """An empty, uninitialised store of the back-end named by the test's parameter."""
    backend = request.param
    if backend == "geopackage":
        store = open_store(str(tmp_path / "register.gpkg"))
        yield store
        store.close()
        return
    with scratch_database(POSTGIS_SERVER, prefix="koppelkans_test") as url:
        store = open_store(url)
        yield store
        store.close()


@pytest.fixture
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlRepository]:
    """An initialised, empty store of the back-end named by the test's parameter."""
    backend = request.param
    if backend == "geopackage":
        repository = open_store(str(tmp_path / "register.gpkg"))
        repository.initialise()
        yield repository
        repository.close()
        return
    template_url = request.getfixturevalue("postgis_template")
    template = make_url(template_url).database
    with scratch_database(POSTGIS_SERVER, prefix="koppelkans_test") as url:
        name = make_url(url).database
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        admin.dispose()
        repository = open_store(url)
        yield repository
        repository.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a store runs against both back-ends."""
    only = metafunc.definition.get_closest_marker("backends")
    backends = list(only.args) if only else BACKENDS
    for name in ("store", "new_store"):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, backends, indirect=True)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright per test process: a second sync Playwright in the same process refuses to start."""
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium (`make test` installs it via scripts/ensure-chromium.sh); never a downloaded browser."""
    assert CHROMIUM.exists(), "chromium is missing: run `make chromium` (apt-get install chromium)"
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
