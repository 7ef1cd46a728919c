"""Which Dask cluster a run uses: an existing scheduler by address, or a small LocalCluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

__all__ = ["dask_client"]


@contextmanager
def dask_client(scheduler: str | None = None, *, n_workers: int = 2, processes: bool = True) -> Iterator[Client]:
    """A distributed Client on `scheduler` (e.g. tcp://10.0.0.5:8786) or on a LocalCluster started for the run.

    The local cluster has one thread per worker: the engines are pandas/Shapely code that holds the
    GIL for much of its time, so processes, not threads, give the parallelism.
    """
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=processes, dashboard_address=None, silence_logs=40
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
