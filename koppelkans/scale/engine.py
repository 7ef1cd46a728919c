"""The engines a command can run on: one process, or spatial partitions on a Dask cluster."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Engine"]


class Engine(StrEnum):
    """`--engine`: `single` (one process) or `dask` (partitions on a Dask cluster)."""

    single = "single"
    dask = "dask"
