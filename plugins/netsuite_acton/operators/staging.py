"""Per-run staging on an ObjectStoragePath: one folder per run, one sub-folder per step.

Tasks hand each other folder names and counts through XCom, never data. A step clears its own
output folder before writing, so clearing and rerunning a task replaces its output instead of
adding to it. The root is local (``file://$AIRFLOW_HOME/staging``) by default and ``s3://...`` in
production (Airflow Variable ``netsuite_acton_staging_root``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from airflow.sdk import ObjectStoragePath

STAGING_ROOT_VARIABLE = "netsuite_acton_staging_root"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.=-]+")


def default_staging_root() -> str:
    home = os.environ.get("AIRFLOW_HOME") or os.path.expanduser("~/airflow")
    return f"file://{os.path.join(home, 'staging')}"


def safe_segment(value: str) -> str:
    """A path segment from a run id (which holds ``:`` and ``+``) that every object store accepts."""
    return _UNSAFE.sub("_", value).strip("_") or "run"


class RunStaging:
    """The staging folder of one DAG run."""

    def __init__(self, root: str | None, dag_id: str, run_id: str) -> None:
        self.root = ObjectStoragePath(root or default_staging_root())
        self.path = self.root / safe_segment(dag_id) / safe_segment(run_id)

    def step(self, name: str) -> ObjectStoragePath:
        return self.path / name

    def reset_step(self, name: str) -> ObjectStoragePath:
        """Empty a step's folder so a rerun writes the same files a first run would."""
        folder = self.step(name)
        if folder.exists():
            folder.rmdir(recursive=True)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def write_chunk(self, step: str, index: int, frame: pd.DataFrame) -> str:
        """Write chunk ``index`` of a step as Parquet; returns its path as a string."""
        target = self.step(step) / f"part-{index:05d}.parquet"
        with target.open("wb") as handle:
            frame.to_parquet(handle, index=False)
        return str(target)

    def chunk_paths(self, step: str) -> list[ObjectStoragePath]:
        folder = self.step(step)
        if not folder.exists():
            return []
        return sorted(p for p in folder.iterdir() if p.name.endswith(".parquet"))

    def iter_chunks(self, step: str, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        """The step's chunks in order, one at a time (memory stays at one chunk)."""
        for path in self.chunk_paths(step):
            with path.open("rb") as handle:
                yield pd.read_parquet(handle, columns=columns)

    def read_step(self, step: str) -> pd.DataFrame:
        """All of a small step's chunks as one frame (empty, without columns, when there are none).

        For steps that hold addresses or plans, not contacts; large steps go through :meth:`iter_chunks`.
        """
        frames = list(self.iter_chunks(step))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def write_json(self, name: str, payload: Any) -> str:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str))
        return str(target)

    def read_json(self, name: str) -> Any:
        return json.loads((self.path / name).read_text())


def _run_time(run: ObjectStoragePath) -> datetime | None:
    """When a run folder's run finished (report) or started (extract manifest); None if unknown."""
    for name, key in (("report.json", "finished_at"), ("extract/manifest.json", "started_at")):
        path = run / name
        if path.exists():
            value = json.loads(path.read_text()).get(key)
            if value:
                return datetime.fromisoformat(value)
    return None


def prune_runs(staging: RunStaging, keep: timedelta, now: datetime) -> list[str]:
    """Delete the DAG's run folders older than ``keep`` (never the current one); returns their names.

    Run folders hold personal data (staged contacts, quarantines): they must not pile up forever.
    """
    dag_folder = staging.path.parent
    removed = []
    for run in sorted(dag_folder.iterdir()) if dag_folder.exists() else []:
        if run.name == staging.path.name or not run.is_dir():
            continue
        when = _run_time(run)
        if when is not None and now - when > keep:
            run.rmdir(recursive=True)
            removed.append(run.name)
    return removed


class ChunkWriter:
    """Buffer rows and write Parquet chunks of about ``chunk_rows`` rows (memory stays flat)."""

    def __init__(self, staging: RunStaging, step: str, chunk_rows: int) -> None:
        self.staging, self.step, self.chunk_rows = staging, step, chunk_rows
        self._buffer: list[pd.DataFrame] = []
        self._buffered = 0
        self.chunks = 0
        self.rows = 0

    def add(self, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        self._buffer.append(frame)
        self._buffered += len(frame)
        if self._buffered >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        frame = pd.concat(self._buffer, ignore_index=True)
        self.staging.write_chunk(self.step, self.chunks, frame)
        self.chunks += 1
        self.rows += len(frame)
        self._buffer, self._buffered = [], 0

    def close(self) -> dict[str, int]:
        self.flush()
        return {"rows": self.rows, "chunks": self.chunks}
