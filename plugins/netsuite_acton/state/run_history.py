"""Run history: one summary row per finished run, and the state reads the Airflow UI page shows.

The ``report`` task writes a row (:meth:`RunHistory.record`) beside the run's ``report.json``; the UI
(``netsuite_acton.ui``) lists and charts runs from this table with one indexed query per DAG instead of
opening every run folder, and opens a run's report.json only on that run's page. The rows hold counts,
times and the report's path: never an email address, a token or a field value.

The other reads here are the UI's view of the state store: watermarks, the Act-On token's age (never
the token), removals a run left owed and the consent changes it made. Every address they return is
masked by the UI before it reaches a page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from netsuite_acton.state import schema
from netsuite_acton.state.sql import insert, now, utc

#: The measures every run summary carries (the UI charts each one per DAG).
MEASURES = ("extracted", "quarantined", "loaded", "removed", "rejected", "api_calls", "duration_seconds")
#: The count a reverse or consent run's failure threshold is a share of (the forward one: ``extracted``).
THRESHOLD_BASE = "attempted"
#: The columns a chart reads: the measures and the threshold's base.
POINT_MEASURES = (*MEASURES, THRESHOLD_BASE)
#: Prefix of the forward ``remove`` step's counters: ``removed:<list>:<reason>``.
_REMOVED = "removed:"


def _total(value: Any) -> int:
    """Sum of a count map (``{"Leads": 3, "Customers": 4}``) or the number itself."""
    if isinstance(value, Mapping):
        return int(sum(int(v or 0) for v in value.values()))
    return int(value or 0)


def summarize(report: Mapping[str, Any], failure_rate_step: str | None = None) -> dict[str, Any]:
    """The counts of one run report (``report.json``) that the history keeps: totals, no addresses.

    ``failed``/``attempted`` are the NetSuite writes of ``failure_rate_step`` (the step whose failure
    share fails the run); ``quarantined`` against ``extracted`` is what the forward threshold judges.
    """
    counters = report.get("counters") or {}
    calls = {str(k): int(v or 0) for k, v in (report.get("calls") or {}).items()}
    steps = report.get("steps") or {}
    judged = (steps.get(failure_rate_step) or {}) if failure_rate_step else {}
    return {
        "extracted": int(report.get("extracted") or 0),
        "quarantined": int(report.get("quarantined_rows") or 0),
        "duplicates": int(report.get("duplicates") or 0),
        "opted_out": int(report.get("opted_out") or 0),
        "unchanged": int(report.get("unchanged") or 0),
        "to_load": _total(report.get("to_load")),
        "loaded": _total(report.get("loaded_appended")) + _total(report.get("loaded_updated")),
        "removed": sum(int(v or 0) for k, v in counters.items() if str(k).startswith(_REMOVED)),
        "rejected": _total(report.get("rejected")),
        "api_calls": sum(calls.values()),
        "calls": calls,
        "duration_seconds": float(report.get("duration_seconds") or 0.0),
        "dry_run": bool(report.get("dry_run")),
        "attempted": int(judged.get("attempted") or 0),
        "failed": int(judged.get("failed") or 0),
        "problems": len(report.get("problems") or []),
    }


def history_row(
    report: Mapping[str, Any], state: str, failure_rate_step: str | None = None
) -> dict[str, Any]:
    """The ``nas_run_history`` row of a run report: its summary as columns and as JSON."""
    started = report.get("started_at")
    ended = report.get("finished_at")
    counts = summarize(report, failure_rate_step)
    return {
        "dag_id": str(report["dag_id"]),
        "run_id": str(report["run_id"]),
        "direction": str(report.get("direction") or "forward"),
        "started_at": utc(datetime.fromisoformat(started)) if started else None,
        "ended_at": utc(datetime.fromisoformat(ended)) if ended else now(),
        "state": state,
        "dry_run": int(counts["dry_run"]),
        **{name: counts[name] for name in (*MEASURES, THRESHOLD_BASE)},
        "counts": json.dumps(counts, sort_keys=True),
        "report_path": report.get("path"),
        "recorded_at": now(),
    }


@dataclass(frozen=True)
class RunRow:
    """One run of the history."""

    dag_id: str
    run_id: str
    direction: str
    started_at: datetime | None
    ended_at: datetime
    state: str
    counts: dict[str, Any] = field(default_factory=dict)
    report_path: str | None = None

    @property
    def clean(self) -> bool:
        """Succeeded, wrote for real (not a dry run) and no step failed."""
        return self.state == "success" and not self.counts.get("dry_run")

    @property
    def dry_run(self) -> bool:
        return bool(self.counts.get("dry_run"))

    def measure(self, name: str) -> float:
        """One count of the summary (0 when the run has none)."""
        try:
            return float(self.counts.get(name) or 0)
        except (TypeError, ValueError):
            return 0.0


class Point(NamedTuple):
    """One run as a chart needs it: the measures' columns, read without decoding any JSON."""

    dag_id: str
    run_id: str
    state: str
    dry_run: int
    ended: Any  # a datetime, or SQLite's text of one: converted only where a chart shows it
    extracted: int
    quarantined: int
    loaded: int
    removed: int
    rejected: int
    api_calls: int
    duration_seconds: float
    attempted: int

    @property
    def ended_at(self) -> datetime:
        value = self.ended if isinstance(self.ended, datetime) else datetime.fromisoformat(str(self.ended))
        return utc(value)  # type: ignore[return-value]

    @property
    def counts(self) -> dict[str, Any]:
        return {"dry_run": bool(self.dry_run), **{name: getattr(self, name) for name in POINT_MEASURES}}

    def measure(self, name: str) -> float:
        return float(getattr(self, name) or 0)


def _row(row: Any) -> RunRow:
    try:
        counts = json.loads(row.counts) if row.counts else {}
    except ValueError:  # a hand-edited row must not take the page down
        counts = {}
    return RunRow(
        dag_id=row.dag_id,
        run_id=row.run_id,
        direction=row.direction,
        started_at=utc(row.started_at),
        ended_at=utc(row.ended_at),  # type: ignore[arg-type]
        state=row.state,
        counts=counts if isinstance(counts, dict) else {},
        report_path=row.report_path,
    )


class RunHistory:
    """Reads and writes ``nas_run_history`` and the state rows a run's page shows, on a store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- writes (the report task) -------------------------------------------------------------------
    def record(
        self,
        report: Mapping[str, Any],
        state: str,
        failure_rate_step: str | None = None,
    ) -> RunRow:
        """Upsert the run's row from its report (a rerun of the report task replaces it)."""
        table = schema.run_history
        values = history_row(report, state, failure_rate_step)
        with self.engine.begin() as conn:
            stmt = insert(conn, table).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.dag_id, table.c.run_id],
                set_={k: stmt.excluded[k] for k in values if k not in ("dag_id", "run_id")},
            )
            conn.execute(stmt)
        return _row(_Values(values))

    # -- reads (the UI) -----------------------------------------------------------------------------
    def runs(self, dag_id: str, limit: int = 50, offset: int = 0) -> list[RunRow]:
        """The DAG's runs, newest first (one indexed range scan)."""
        table = schema.run_history
        stmt = (
            sa.select(table)
            .where(table.c.dag_id == dag_id)
            .order_by(table.c.ended_at.desc(), table.c.run_id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(stmt)]

    def points(self, dag_id: str, limit: int = 500) -> list[Point]:
        """The DAG's newest runs for charts, newest first: the measures' columns only, no JSON."""
        table = schema.run_history
        stmt = (
            sa.select(
                table.c.dag_id,
                table.c.run_id,
                table.c.state,
                table.c.dry_run,
                sa.type_coerce(table.c.ended_at, sa.String),  # SQLite: no datetime parsing per row
                *(table.c[name] for name in POINT_MEASURES),
            )
            .where(table.c.dag_id == dag_id)
            .order_by(table.c.ended_at.desc(), table.c.run_id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [Point._make(row) for row in conn.execute(stmt)]

    def count(self, dag_id: str) -> int:
        table = schema.run_history
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(table).where(table.c.dag_id == dag_id)
                ).scalar_one()
            )

    def run(self, dag_id: str, run_id: str) -> RunRow | None:
        table = schema.run_history
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(table).where(table.c.dag_id == dag_id, table.c.run_id == run_id)
            ).first()
        return None if row is None else _row(row)

    def last_clean(self, dag_id: str, scan: int = 200) -> RunRow | None:
        """The newest run that succeeded and was not a dry run (among the last ``scan`` runs)."""
        table = schema.run_history
        stmt = (
            sa.select(table)
            .where(table.c.dag_id == dag_id, table.c.state == "success")
            .order_by(table.c.ended_at.desc())
            .limit(scan)
        )
        with self.engine.connect() as conn:
            for row in conn.execute(stmt):
                found = _row(row)
                if found.clean:
                    return found
        return None

    def calls_since(self, since: datetime, api: str) -> tuple[int, int]:
        """(API calls to ``api``, runs) of every run that ended at or after ``since``."""
        table = schema.run_history
        stmt = sa.select(table.c.counts).where(table.c.ended_at >= utc(since))
        total = runs = 0
        with self.engine.connect() as conn:
            for (counts,) in conn.execute(stmt):
                try:
                    calls = (json.loads(counts) or {}).get("calls") or {}
                except ValueError:
                    continue
                total += int(calls.get(api) or 0)
                runs += 1
        return total, runs

    # -- the state store at a glance ----------------------------------------------------------------
    def watermarks(self) -> list[dict[str, Any]]:
        table = schema.watermarks
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.name, table.c.value, table.c.updated_at, table.c.run_id).order_by(
                    table.c.name
                )
            )
            return [
                {
                    "name": r.name,
                    "value": utc(r.value),
                    "updated_at": utc(r.updated_at),
                    "run_id": r.run_id,
                }
                for r in rows
            ]

    def token_ages(self, prefix: str = "acton:") -> list[dict[str, Any]]:
        """When each cached token was written and when it expires; the token columns are never read."""
        table = schema.api_tokens
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.name, table.c.updated_at, table.c.expires_at)
                .where(table.c.name.like(f"{prefix}%"))
                .order_by(table.c.updated_at.desc())
            )
            return [
                {"name": r.name, "updated_at": utc(r.updated_at), "expires_at": utc(r.expires_at)}
                for r in rows
            ]

    def pending_removals(self, run_id: str, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
        """Removals still owed that ``run_id`` left (``nas_list_members.pending_reason``), and their count."""
        table = schema.list_members
        where = (table.c.run_id == run_id, table.c.pending_reason.is_not(None))
        with self.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
            rows = conn.execute(
                sa.select(
                    table.c.list_name,
                    table.c.email,
                    table.c.netsuite_id,
                    table.c.pending_reason,
                    table.c.attempts,
                    table.c.last_error,
                )
                .where(*where)
                .order_by(table.c.list_name, table.c.netsuite_id)
                .limit(limit)
            )
            return [dict(r._mapping) for r in rows], int(total)

    def consent_changes(self, run_id: str, limit: int = 500) -> tuple[list[dict[str, Any]], int]:
        """The consent writes ``run_id`` made (``nas_consent_changes``), and their count."""
        table = schema.consent_changes
        with self.engine.connect() as conn:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.run_id == run_id)
            ).scalar_one()
            rows = conn.execute(
                sa.select(
                    table.c.direction,
                    table.c.email,
                    table.c.target,
                    table.c.change,
                    table.c.source,
                    table.c.recorded_at,
                    table.c.changed_at,
                )
                .where(table.c.run_id == run_id)
                .order_by(table.c.direction, table.c.target)
                .limit(limit)
            )
            return [dict(r._mapping) for r in rows], int(total)


class _Values:
    """Attribute access over the values just written, so :meth:`RunHistory.record` returns a RunRow."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)
