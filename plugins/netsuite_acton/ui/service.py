"""The page's data: run history and state from the state store, a run's detail from its report.json.

Lists and charts read ``nas_run_history`` (one indexed query per DAG, whatever the number of runs); a
run's page opens that run's folder only (its report.json and the Parquet files of rows that did not make
it), through the staging root's ``ObjectStoragePath``, so a local folder and ``s3://`` work alike. A
missing or unreadable report becomes a message on the page, never a stack trace.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from netsuite_acton.csv_safety import neutralise_csv_injection
from netsuite_acton.operators import folders
from netsuite_acton.operators.staging import RunStaging
from netsuite_acton.state import StateStore
from netsuite_acton.state.run_history import Point, RunHistory, RunRow
from netsuite_acton.ui.masking import masked_rows, preview_columns, scrub

log = logging.getLogger(__name__)

#: Act-On's daily call budget for the account (API_FACTS; the hook's docstring: 30,000 per day, reset at
#: 00:00 UTC). The hook counts its own calls (``ActOnHook.calls_made``), each run's report adds them up
#: under ``calls.acton``, and the history sums today's.
ACTON_DAILY_QUOTA = 30_000
#: How many rows of each file a run's page previews (the download has them all).
PREVIEW_ROWS = 100
#: How long the state store and the sync config are reused before being looked up again.
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class RowFile:
    """A run-folder step holding rows that did not make it, with their reasons."""

    step: str
    title: str
    only_failed: bool = False  # a results file: show the rows whose ``ok`` is false


@dataclass(frozen=True)
class DagSpec:
    """One of the project's DAGs as the page shows it; the threshold is the one that fails its runs."""

    dag_id: str
    title: str
    direction: str
    threshold_key: str  # the YAML key, e.g. forward.reject_rate_threshold
    threshold_measure: str  # the chart the threshold line goes on
    threshold_base: str  # the count the threshold is a share of
    row_files: tuple[RowFile, ...]


DAGS: tuple[DagSpec, ...] = (
    DagSpec(
        "netsuite_contacts_to_acton",
        "NetSuite → Act-On contacts",
        "forward",
        "forward.reject_rate_threshold",
        "quarantined",
        "extracted",
        (
            RowFile(folders.QUARANTINE, "Quarantined by validation"),
            RowFile(folders.QUARANTINE_CLEAN, "Quarantined by cleaning"),
            RowFile(folders.REJECTED, "Rejected by Act-On"),
            RowFile(folders.REMOVED, "Removals from lists, with their outcome"),
        ),
    ),
    DagSpec(
        "acton_scores_to_netsuite",
        "Act-On scores → NetSuite",
        "reverse",
        "reverse.failure_rate_threshold",
        "rejected",
        "attempted",
        (
            RowFile(folders.QUARANTINE_SCORES, "Quarantined scores"),
            RowFile(folders.RESULTS, "Writes NetSuite refused", only_failed=True),
            RowFile(folders.FIELD_REFUSED, "Act-On field values that do not convert to the field's type"),
            RowFile(folders.FIELD_RESULTS, "Field writes NetSuite refused", only_failed=True),
            RowFile(folders.QUARANTINE_LEADS, "Act-On list rows that cannot become a lead"),
            RowFile(folders.LEAD_RESULTS, "Leads created in NetSuite, with their outcome"),
        ),
    ),
    DagSpec(
        "netsuite_acton_optouts",
        "Opt-outs both ways",
        "consent",
        "consent.failure_rate_threshold",
        "rejected",
        "attempted",
        (
            RowFile(folders.QUARANTINE_CONSENT, "Quarantined opt-outs"),
            RowFile(folders.CONSENT_RESULTS, "Writes NetSuite refused", only_failed=True),
        ),
    ),
)
DAG_IDS = tuple(d.dag_id for d in DAGS)
MEASURES: tuple[tuple[str, str], ...] = (
    ("extracted", "Extracted"),
    ("quarantined", "Quarantined"),
    ("loaded", "Loaded"),
    ("removed", "Removed"),
    ("rejected", "Rejected"),
    ("api_calls", "API calls"),
    ("duration_seconds", "Duration (s)"),
)


def spec(dag_id: str) -> DagSpec | None:
    return next((d for d in DAGS if d.dag_id == dag_id), None)


class _Cached:
    """A value rebuilt at most every ``CACHE_SECONDS`` (per process, thread-safe)."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build, self._value, self._at = build, None, 0.0
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._value is None or time.monotonic() - self._at > CACHE_SECONDS:
                self._value, self._at = self._build(), time.monotonic()
            return self._value


def _thresholds() -> dict[str, float]:
    """``forward.reject_rate_threshold`` etc. from include/sync.yaml (via sync/config.py)."""
    from netsuite_acton.dag_settings import config_path
    from netsuite_acton.sync.config import load_config

    try:
        cfg = load_config(config_path())
    except Exception:  # a broken YAML fails the DAGs loudly; the page just shows no line
        log.warning("sync config unreadable: charts show no threshold lines", exc_info=True)
        return {}
    out = {}
    for d in DAGS:
        section, key = d.threshold_key.split(".")
        out[d.threshold_key] = float(getattr(getattr(cfg, section), key))
    return out


@dataclass
class ReportView:
    """A run's report.json as the page shows it, or why it cannot be shown."""

    report: dict[str, Any] | None = None
    error: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)


class HistoryService:
    """Everything the pages read. One per app; the store and config are looked up lazily and cached."""

    def __init__(self, store: Callable[[], StateStore] | None = None) -> None:
        self._store = _Cached(store or StateStore.from_airflow)
        self._config = _Cached(_thresholds)

    @property
    def history(self) -> RunHistory:
        return RunHistory(self._store.get().engine)

    def thresholds(self) -> dict[str, float]:
        return self._config.get()

    # -- lists and charts ---------------------------------------------------------------------------
    def runs(self, dag_id: str, limit: int, offset: int = 0) -> list[RunRow]:
        return self.history.runs(dag_id, limit=limit, offset=offset)

    def points(self, dag_id: str, limit: int) -> list[Point]:
        """The newest ``limit`` runs' measures for the charts (no JSON decoding), newest first."""
        return self.history.points(dag_id, limit=limit)

    def total(self, dag_id: str) -> int:
        return self.history.count(dag_id)

    def run(self, dag_id: str, run_id: str) -> RunRow | None:
        return self.history.run(dag_id, run_id)

    # -- state at a glance --------------------------------------------------------------------------
    def glance(self, dag_ids: list[str], now: datetime | None = None) -> dict[str, Any]:
        now = now or datetime.now(UTC)
        history = self.history
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        calls, runs_today = history.calls_since(midnight, "acton")
        tokens = history.token_ages()
        return {
            "now": now,
            "watermarks": history.watermarks(),
            "last_clean": {dag_id: history.last_clean(dag_id) for dag_id in dag_ids},
            "last_run": {dag_id: next(iter(history.runs(dag_id, limit=1)), None) for dag_id in dag_ids},
            "tokens": [
                {
                    **t,
                    "age_seconds": (now - t["updated_at"]).total_seconds() if t["updated_at"] else None,
                    "expires_in_seconds": (t["expires_at"] - now).total_seconds()
                    if t["expires_at"]
                    else None,
                }
                for t in tokens
            ],
            "acton_calls_today": calls,
            "acton_runs_today": runs_today,
            "acton_daily_quota": ACTON_DAILY_QUOTA,
            "quota_resets_at": midnight + timedelta(days=1),
        }

    # -- one run ------------------------------------------------------------------------------------
    def report(self, row: RunRow) -> ReportView:
        """The run's report.json, or a message saying why it is not there."""
        if not row.report_path:
            return ReportView(error="This run recorded no report file.")
        path = _path(row.report_path)
        try:
            if not path.exists():
                return ReportView(
                    error=(
                        "The report file of this run is gone: run folders are deleted after "
                        "staging.retention_days (they hold personal data), or the staging root moved. "
                        "The counts above come from the run history."
                    )
                )
            data = json.loads(path.read_text())
        except ValueError:
            return ReportView(error="The report file of this run is not valid JSON (corrupt or cut short).")
        except OSError as exc:
            return ReportView(error=f"The report file of this run cannot be read ({type(exc).__name__}).")
        if not isinstance(data, dict):
            return ReportView(error="The report file of this run is not a run report (not a JSON object).")
        return ReportView(report=scrub(data))

    def row_files(self, row: RunRow, dag: DagSpec) -> list[dict[str, Any]]:
        """Each quarantine/rejection file of the run: its row count and a masked preview."""
        staging = _staging(row)
        out = []
        for rf in dag.row_files:
            entry: dict[str, Any] = {
                "step": rf.step,
                "title": rf.title,
                "total": 0,
                "columns": [],
                "rows": [],
            }
            if staging is None:
                entry["error"] = "no run folder"
                out.append(entry)
                continue
            try:
                total, columns, rows = _preview(staging, rf)
            except Exception as exc:  # a corrupt Parquet file: say so, keep the page
                log.warning("cannot read %s of %s: %s", rf.step, row.run_id, type(exc).__name__)
                entry["error"] = f"the files cannot be read ({type(exc).__name__})"
                out.append(entry)
                continue
            entry.update(total=total, columns=columns, rows=masked_rows(rows, columns))
            out.append(entry)
        return out

    def download(self, row: RunRow, dag: DagSpec, step: str) -> Iterator[str] | None:
        """The whole file of ``step`` as CSV (unmasked, formula-safe), or None when the run has none."""
        rf = next((r for r in dag.row_files if r.step == step), None)
        staging = _staging(row)
        if rf is None or staging is None or not staging.chunk_paths(step):
            return None
        return _csv(staging, rf)

    def removals(self, run_id: str) -> dict[str, Any]:
        rows, total = self.history.pending_removals(run_id)
        columns = ["list_name", "email", "netsuite_id", "pending_reason", "attempts", "last_error"]
        return {"total": total, "columns": columns, "rows": masked_rows(rows, columns)}

    def consent_changes(self, run_id: str) -> dict[str, Any]:
        rows, total = self.history.consent_changes(run_id)
        columns = ["direction", "email", "target", "change", "source", "recorded_at", "changed_at"]
        return {"total": total, "columns": columns, "rows": masked_rows(rows, columns)}


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    return (later - earlier).total_seconds() if later and earlier else None


def _path(uri: str) -> Any:
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(uri)


def _staging(row: RunRow) -> RunStaging | None:
    """The run's folder, from the report's path: ``<root>/<dag>/<run>/report.json``."""
    if not row.report_path:
        return None
    folder = _path(row.report_path).parent
    staging = RunStaging(str(folder.parent.parent), row.dag_id, row.run_id)
    staging.path = folder  # the folder the run really wrote, even if naming rules change later
    return staging


def _failed_only(frame: Any) -> Any:
    return frame.loc[~frame["ok"].astype(bool)] if "ok" in frame.columns else frame


def _preview(staging: RunStaging, rf: RowFile) -> tuple[int, list[str], list[dict[str, Any]]]:
    """(rows in the step, preview columns, the first ``PREVIEW_ROWS`` rows) reading as little as it can."""
    import pyarrow.parquet as pq

    paths = staging.chunk_paths(rf.step)
    total, columns, rows = 0, [], []
    for path in paths:
        with path.open("rb") as handle:
            parquet = pq.ParquetFile(handle)
            names = parquet.schema_arrow.names
            if not columns:
                columns = preview_columns(names)
            if not rf.only_failed:
                total += parquet.metadata.num_rows
                if len(rows) >= PREVIEW_ROWS:
                    continue
            wanted = [c for c in dict.fromkeys([*columns, "ok"]) if c in names]
            frame = parquet.read(columns=wanted).to_pandas()
        if rf.only_failed:
            frame = _failed_only(frame)
            total += len(frame)
        need = PREVIEW_ROWS - len(rows)
        if need > 0:
            rows.extend(frame.head(need).to_dict("records"))
    return total, columns, rows


def _csv(staging: RunStaging, rf: RowFile) -> Iterator[str]:
    """The step's chunks as one CSV, chunk by chunk; cells a spreadsheet would run get a leading ``'``."""
    import pandas as pd

    header = True
    for frame in staging.iter_chunks(rf.step):
        if rf.only_failed:
            frame = _failed_only(frame)
        for column in frame.columns:
            values = frame[column]
            if pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
                frame[column] = neutralise_csv_injection(values)[0].where(values.notna(), None)
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=header, quoting=csv.QUOTE_MINIMAL)
        header = False
        yield buffer.getvalue()
    if header:
        yield ""


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow")
