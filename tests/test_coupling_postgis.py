"""Our trench matching equals the same matching written as a PostGIS query (on the same data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from koppelkans.benchmarks.couplings import _postgis_pairs, trench_pairs
from koppelkans.config import Settings
from koppelkans.register import import_file
from koppelkans.store import SqlRepository

from .register_helpers import load_roombeek


@pytest.mark.backends("postgis")
def test_trench_pairs_equal_the_postgis_query(store: SqlRepository, tmp_path: Path) -> None:
    load_roombeek(store)
    rng = np.random.default_rng(7)
    features = []
    for i in range(300):
        x, y = 257_400 + rng.uniform(-20, 380), 472_500 + rng.choice([0.0, 200.0]) + rng.uniform(-7, 7)
        if rng.random() < 0.3:  # along a north-south street instead
            x, y = 257_400 + rng.choice([0.0, 200.0, 400.0]) + rng.uniform(-7, 7), 472_500 + rng.uniform(-20, 180)
            end = [x, y + rng.uniform(3, 120)]
        else:
            end = [x + rng.uniform(3, 120), y]
        start = int(rng.integers(2026, 2034))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "id": f"R{i}",
                    "organisation": "VITENS",
                    "discipline": "water",
                    "kind": str(rng.choice(["replace", "reline", "construct"])),
                    "earliest_start": start,
                    "latest_start": start + int(rng.integers(0, 3)),
                },
                "geometry": {"type": "LineString", "coordinates": [[x, y], end]},
            }
        )
    path = tmp_path / "random.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": features,
                "crs": {"type": "name", "properties": {"name": "EPSG:28992"}},
            }
        )
    )
    import_file(store, "works", path)
    settings = Settings()
    options = {"tolerance_m": settings.link_tolerance_m, "min_overlap_m": settings.link_min_overlap_m}
    ours = trench_pairs(store.read("works"), store.read("segments"), flex=2, **options)
    theirs = _postgis_pairs(store, flex=2, **options)
    assert len(ours) > 100
    assert ours == theirs
