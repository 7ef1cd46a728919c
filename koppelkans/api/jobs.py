"""Background jobs of the API (a plan takes minutes): one worker thread per server, a job resource
with status and progress, the result kept where every process can read it (plans in the store).

Jobs and their progress live in the server process that started them; with several uvicorn workers
ask that worker, or read the kept plan itself (`/api/plans/{scenario}`), which any worker serves.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from koppelkans.errors import KoppelkansError, NotFound

__all__ = ["Job", "JobRunner"]

Status = Literal["queued", "running", "done", "failed"]


@dataclass
class Job:
    """One background run: what it is, how far it got, where its result is, or why it failed."""

    id: str
    kind: str
    status: Status = "queued"
    progress: dict[str, Any] = field(default_factory=dict)
    result_url: str | None = None
    error: dict[str, Any] | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    finished_at: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": self.progress,
            "result": self.result_url,
            "error": self.error,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }


Report = Callable[[dict[str, Any]], None]


class JobRunner:
    """Runs jobs one after another on a worker thread and remembers them (the last `keep` jobs)."""

    def __init__(self, *, keep: int = 100) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="koppelkans-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def submit(self, kind: str, work: Callable[[Report], str]) -> Job:
        """Queue `work(report)`; it returns the URL of its result and may call `report` with its progress."""
        job = Job(id=uuid.uuid4().hex[:12], kind=kind)
        with self._lock:
            self._jobs[job.id] = job
            for old in list(self._jobs)[: max(len(self._jobs) - self._keep, 0)]:
                del self._jobs[old]
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r} in this server", record=job_id, field="id")
        return job

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _run(job: Job, work: Callable[[Report], str]) -> None:
        job.status = "running"

        def report(progress: dict[str, Any]) -> None:
            job.progress = progress

        try:
            job.result_url = work(report)
            job.status = "done"
        except KoppelkansError as error:
            job.error = error.as_dict()["error"]
            job.status = "failed"
        except Exception as error:  # a job must end in a state the client can read
            job.error = {"code": "internal_error", "message": f"{type(error).__name__}: {error}"}
            job.status = "failed"
        finally:
            job.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
