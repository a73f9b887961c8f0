"""Asynchronous upload jobs: queued, run one at a time by a worker thread, polled by id.

As in Act-On, a job is reported "pending", then "running", then "success" (or "failed"). A job shows
pending for at least half of ``job_seconds`` and is not reported finished before ``job_seconds`` have
passed, so clients must poll even though the sandbox does the work in well under a second.
"""

from __future__ import annotations

import atexit
import csv
import json
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.acton.errors import BAD_JOB_ID, ActOnError, BadParameterError
from sandbox.acton.faults import Faults
from sandbox.acton.merge import MergeResult, Reject

REASON_HEADING = "Reason"

#: A job's work: given a reject callback, do the merge and return the counts.
Work = Callable[[Reject], MergeResult]


@dataclass
class Job:
    id: str
    kind: str
    list_id: str
    work: Work | None
    headings: list[str]
    cleanup: Callable[[], None] = lambda: None
    created: float = field(default_factory=time.monotonic)
    state: str = "pending"
    message: str = ""
    result: MergeResult | None = None
    rejected_file: str | None = None


class JobRunner:
    """Owns the job queue, the worker thread and the folder of rejected-row files."""

    def __init__(self, faults: Faults, job_seconds: Callable[[], float]) -> None:
        self.faults = faults
        self.job_seconds = job_seconds
        self.folder = Path(tempfile.mkdtemp(prefix="acton-sandbox-"))
        atexit.register(self.close)  # also when no server lifespan runs (e.g. a TestClient without ``with``)
        self._jobs: dict[str, Job] = {}
        self._next = 15_960_001
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job] = queue.Queue()
        threading.Thread(target=self._work, name="acton-jobs", daemon=True).start()

    def submit(
        self,
        kind: str,
        list_id: str,
        work: Work,
        headings: list[str],
        cleanup: Callable[[], None] = lambda: None,
    ) -> Job:
        """Queue ``work``; rejected rows go to a CSV with ``headings`` plus a ``Reason`` column."""
        with self._lock:
            job = Job(str(self._next), kind, list_id, work, headings, cleanup)
            self._next += 1
            self._jobs[job.id] = job
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise ActOnError(BAD_JOB_ID, f"Invalid job id: {job_id}") from None

    def status(self, job_id: str) -> dict[str, object]:
        """The body of ``GET /api/1/list/{jobid}/status``."""
        job = self.get(job_id)
        elapsed = time.monotonic() - job.created
        seconds = self.job_seconds()
        if job.state == "pending" or elapsed < seconds / 2:
            return {"status": "The job is pending"}
        if job.state == "running" or elapsed < seconds:
            return {"status": "The job is running"}
        result = job.result or MergeResult(job.list_id)
        details: dict[str, object] = {
            "status": "ok" if job.state == "success" else "failed",
            **{
                k: v
                for k, v in result.as_dict().items()
                if k in {"listId", "appendCount", "updateCount", "failedCount", "rejectedCount"}
            },
        }
        if job.rejected_file:
            details["rejectedFile"] = job.rejected_file
        job_details = json.dumps({"jobId": job.id, "kind": job.kind, **result.as_dict(), "status": job.state})
        body: dict[str, object] = {"status": job.state, "jobDetails": job_details, "details": details}
        if job.message:
            body["message"] = job.message
        return body

    def rejected_path(self, filename: str) -> Path:
        """The file behind ``rejectedUploadRecords?filename=``; only names this runner wrote."""
        path = self.folder / os.path.basename(filename)
        if not filename or path.name != filename or not path.is_file():
            raise BadParameterError(f"Unknown rejected records file: {filename}")
        return path

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
        for child in self.folder.iterdir():
            child.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                self._run(job)
            finally:
                job.cleanup()
                job.work = None

    def _run(self, job: Job) -> None:
        job.state = "running"
        if self.faults.job_fails():
            job.state, job.message = "failed", "The job failed: injected fault (list unchanged)"
            return
        name = f"rejected-{job.id}.csv"
        path = self.folder / name
        try:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\r\n")
                rejected = 0

                def reject(row: list[str], reason: str) -> None:
                    nonlocal rejected
                    if not rejected:
                        writer.writerow([*job.headings, REASON_HEADING])
                    rejected += 1
                    writer.writerow(_fit(row, len(job.headings), reason))

                assert job.work is not None
                job.result = job.work(reject)
            if rejected:
                job.rejected_file = name
            else:
                path.unlink(missing_ok=True)
            job.state = "success"
        except ActOnError as exc:
            job.state, job.message = "failed", exc.message
        except Exception as exc:  # a job must end, whatever went wrong, and say why
            job.state, job.message = "failed", f"The job failed: {type(exc).__name__}: {exc}"


def _fit(row: list[str], width: int, reason: str) -> list[str]:
    """The row padded or cut to the headings, so ``Reason`` is always the last column; cut values are kept
    in the reason."""
    if len(row) > width:
        reason = f"{reason} (extra values: {row[width:]!r})"
    return [*row[:width], *[""] * (width - len(row)), reason]
