"""Small builders shared by the tests: load the Roombeek exchange fixtures into a store."""

from __future__ import annotations

from koppelkans.register import import_file
from koppelkans.store import SqlRepository

from .conftest import EXCHANGE

FIXTURE_ORDER = (
    ("organisations", "organisations.csv", None),
    ("areas", "areas.geojson", None),
    ("segments", "segments.geojson", None),
    ("assets", "assets.csv", "EPSG:28992"),
    ("works", "works.geojson", None),
    ("tasks", "tasks.csv", None),
)


def load_roombeek(store: SqlRepository, *, until: str | None = None) -> None:
    """Import the Roombeek fixtures in reference order (up to and including `until`)."""
    for kind, name, crs in FIXTURE_ORDER:
        import_file(store, kind, EXCHANGE / name, crs=crs)
        if kind == until:
            return
