"""Province and country scale: the pure engines run per spatial partition on a Dask cluster.

The core engines stay single-process and unchanged; this package cuts the register into Hilbert
partitions of whole neighbourhoods with a halo, runs the same function per partition on Dask
workers, and keeps each finding only in the partition that owns its anchor, so the merged result
equals the single-process one. Names are imported on first use: Dask loads only when a command asks
for `--engine dask`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "Engine",
    "Partitioning",
    "dask_client",
    "findings_from_store_on_dask",
    "findings_on_dask",
    "forecast_on_dask",
    "partition_snapshot",
    "partitioning_of",
    "parts_on_dask",
    "task_snapshot",
]

_MODULE_OF = {
    "Engine": "engine",
    "Partitioning": "partition",
    "dask_client": "cluster",
    "findings_from_store_on_dask": "couplings",
    "findings_on_dask": "couplings",
    "forecast_on_dask": "forecast",
    "partition_snapshot": "partition",
    "parts_on_dask": "planning",
    "partitioning_of": "partition",
    "task_snapshot": "partition",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'koppelkans.scale' has no attribute {name!r}")
    return getattr(import_module(f"koppelkans.scale.{_MODULE_OF[name]}"), name)
