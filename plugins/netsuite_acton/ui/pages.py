"""What each page shows, as plain data: the HTML templates and the JSON routes render the same dicts.

Nothing here reads a file or the database itself (``service`` does); everything a page shows of a row has
been through ``masking`` by the time it gets here, and every link is built by :class:`Links` so that the
page works under any mount point and base URL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup

from netsuite_acton.state.run_history import Point, RunRow
from netsuite_acton.ui.charts import Bar, bar_chart, compact, spans
from netsuite_acton.ui.service import MEASURES, DagSpec

#: Runs a chart shows by default on the overview and on a DAG's page, and the choices a DAG page offers.
OVERVIEW_RUNS = 200
DAG_PAGE_RUNS = 500
WINDOW_CHOICES = (100, 500, 1000, 5000)
#: Runs per page of a DAG's run table.
PAGE_SIZE = 50

#: report.json's merged counts, in the order a run's page lists them: (key, label, what a dict's keys are).
REPORT_COUNTS: tuple[tuple[str, str, str], ...] = (
    ("extracted", "Extracted", ""),
    ("quarantined_rows", "Quarantined rows", ""),
    ("quarantined", "Quarantined, by reason", "reason"),
    ("inactive_skipped", "Inactive, skipped", ""),
    ("duplicates", "Duplicates", ""),
    ("opted_out", "Opted out (kept out of every list)", ""),
    ("unchanged", "Unchanged since the last load", ""),
    ("to_load", "To load", "target"),
    ("loaded_appended", "Loaded: added", "target"),
    ("loaded_updated", "Loaded: updated", "target"),
    ("rejected", "Rejected, by reason", "reason"),
    ("calls", "API calls", "API"),
    ("counters", "Other counters", "counter"),
    ("duration_seconds", "Duration (s)", ""),
)


@dataclass(frozen=True)
class Links:
    """Every URL a page links to. ``root``: this app's mount path; ``airflow``: the UI's base path."""

    root: str
    airflow: str

    def home(self) -> str:
        return f"{self.root}/"

    def dag(self, dag_id: str, **query: Any) -> str:
        params = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{self.root}/dags/{_seg(dag_id)}" + (f"?{urlencode(params)}" if params else "")

    def run(self, dag_id: str, run_id: str) -> str:
        return f"{self.root}/dags/{_seg(dag_id)}/runs/{_seg(run_id)}"

    def download(self, dag_id: str, run_id: str, step: str) -> str:
        return f"{self.run(dag_id, run_id)}/files/{_seg(step)}.csv"

    def airflow_run(self, dag_id: str, run_id: str) -> str:
        return f"{self.airflow}/dags/{_seg(dag_id)}/runs/{_seg(run_id)}"

    def airflow_tasks(self, dag_id: str, run_id: str) -> str:
        return f"{self.airflow_run(dag_id, run_id)}/task_instances"

    def airflow_task(self, dag_id: str, run_id: str, task_id: str) -> str:
        """The task instance's page, which opens on its log."""
        return f"{self.airflow_run(dag_id, run_id)}/tasks/{_seg(task_id)}"

    def airflow_dag(self, dag_id: str) -> str:
        return f"{self.airflow}/dags/{_seg(dag_id)}"


def _seg(value: str) -> str:
    return quote(str(value), safe="")


def when(value: datetime | None) -> str:
    """``2026-12-02 13:05:09 UTC`` (every time on the page is UTC, like the sync's own)."""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


def age(seconds: float | None) -> str:
    """``3 h 12 min``, ``45 s``, ``2 d 4 h``: how long ago (or how long until), roughly."""
    if seconds is None:
        return ""
    s = abs(int(seconds))
    if s < 90:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 2 * 86400:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def run_state(row: RunRow | Point) -> str:
    """``success``, ``failed`` or ``dry_run`` (a dry run that succeeded wrote nothing)."""
    if row.state == "success" and row.dry_run:
        return "dry_run"
    return row.state


def run_summary(row: RunRow, links: Links) -> dict[str, Any]:
    """One run as a table row or a JSON item: the charted measures, its state and its page."""
    return {
        "dag_id": row.dag_id,
        "run_id": row.run_id,
        "state": run_state(row),
        "started_at": row.started_at.isoformat() if row.started_at else None,
        "ended_at": row.ended_at.isoformat(),
        "ended": when(row.ended_at),
        "measures": {key: _number(row.counts.get(key)) for key, _ in MEASURES},
        "problems": int(row.counts.get("problems") or 0),
        "href": links.run(row.dag_id, row.run_id),
    }


def _number(value: Any) -> float | int:
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        return 0
    return int(number) if number.is_integer() else round(number, 3)


def limit_at(row: RunRow | Point, dag: DagSpec, thresholds: Mapping[str, float]) -> float | None:
    """The most ``dag.threshold_measure`` could reach in this run before the threshold failed it."""
    threshold = thresholds.get(dag.threshold_key)
    if threshold is None or row.dry_run:
        return None
    base = row.measure(dag.threshold_base)
    return round(threshold * base, 3) if base else None


def series(rows_newest_first: Sequence[Point], dag: DagSpec, thresholds: Mapping[str, float]) -> list[dict]:
    """The chart data as JSON: one point per run, oldest first, with the threshold line where it applies."""
    return [
        {
            "run_id": row.run_id,
            "ended_at": row.ended_at.isoformat(),
            "state": run_state(row),
            **{key: _number(row.measure(key)) for key, _ in MEASURES},
            "limit": {dag.threshold_measure: limit_at(row, dag, thresholds)},
        }
        for row in reversed(rows_newest_first)
    ]


def charts(
    rows_newest_first: Sequence[Point], dag: DagSpec, thresholds: Mapping[str, float], links: Links
) -> list[Markup]:
    """One SVG chart per measure (small multiples), oldest run on the left."""
    rows = list(reversed(rows_newest_first))
    threshold = thresholds.get(dag.threshold_key)
    label = (
        f"{dag.threshold_key} = {threshold:.1%} of {dag.threshold_base}: above the line the run fails"
        if threshold is not None
        else ""
    )
    # what every chart says of a bar, worked out once per bar (a bar is a run, or a group of runs past
    # the room a chart has), not once per chart; a group's highest values from its columns
    field = Point._fields.index
    columns = [field(key) for key, _ in MEASURES]
    slots = []
    for start, stop in spans(len(rows)):
        part = rows[start:stop]
        last = part[-1]
        cols = list(zip(*part, strict=True))
        bases = [
            b
            for b, dry in zip(cols[field(dag.threshold_base)], cols[field("dry_run")], strict=True)
            if not dry
        ]
        limit = round(threshold * max(bases), 3) if threshold is not None and bases and max(bases) else None
        state = "failed" if "failed" in cols[field("state")] else run_state(last)
        highs = [float(max(cols[c]) or 0) for c in columns]
        href = links.run(last.dag_id, last.run_id)
        slots.append((last.run_id, len(part), highs, state, limit, when(last.ended_at), href))
    out = []
    for m, (key, title) in enumerate(MEASURES):
        limited = key == dag.threshold_measure
        bars = [
            Bar(run_id, highs[m], state, ended, href, limit if limited else None, runs=runs)
            for run_id, runs, highs, state, limit, ended, href in slots
        ]
        latest = rows[-1].measure(key) if rows else None
        out.append(bar_chart(title, key, bars, dag_id=dag.dag_id, threshold_label=label, latest=latest))
    return out


def report_counts(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """report.json's merged counts as labelled lines; a count map becomes one line per key."""
    lines = []
    for key, label, kind in REPORT_COUNTS:
        value = report.get(key)
        if isinstance(value, Mapping):
            items = sorted((str(k), v) for k, v in value.items())
            lines.append({"key": key, "label": label, "kind": kind, "value": sum_of(value), "items": items})
        elif value is not None:
            lines.append({"key": key, "label": label, "kind": kind, "value": value, "items": []})
    return lines


def sum_of(value: Mapping[str, Any]) -> float | int:
    """The total of a count map; entries that are not numbers (a hand-edited report) count as 0."""
    total = 0.0
    for v in value.values():
        try:
            total += float(v or 0)
        except (TypeError, ValueError):
            continue
    return _number(total)


def step_lines(report: Mapping[str, Any], dag_id: str, run_id: str, links: Links) -> list[dict[str, Any]]:
    """Each step of the run: what it handed on (counts, not paths), or that it failed; its log link."""
    steps = report.get("steps") if isinstance(report.get("steps"), Mapping) else {}
    order = report.get("step_order")  # DAG order; reports written before it existed: as stored
    names = [s for s in order if s in steps] if isinstance(order, list) else []
    names += [s for s in steps if s not in names]
    out = []
    for step, outputs in ((name, steps[name]) for name in names):
        if not isinstance(outputs, Mapping):
            counts: list[tuple[str, str]] = []
            status = "failed or not run"
        else:
            counts = [
                (str(k), compact(v) if isinstance(v, int | float) and not isinstance(v, bool) else str(v))
                for k, v in sorted(outputs.items())
                if _shown_output(v)
            ]
            status = "done"
        out.append(
            {
                "step": step,
                "status": status,
                "counts": counts,
                "log": links.airflow_task(dag_id, run_id, step),
            }
        )
    out.append(
        {
            "step": "report",
            "status": "done",
            "counts": [],
            "log": links.airflow_task(dag_id, run_id, "report"),
        }
    )
    return out


def _shown_output(value: Any) -> bool:
    """Numbers, flags and short words; not the staging paths and lists a step also hands on."""
    if isinstance(value, bool | int | float):
        return True
    return isinstance(value, str) and len(value) <= 40 and "/" not in value


def download_name(dag_id: str, run_id: str, step: str) -> str:
    """A file name every browser and OS accepts."""
    raw = f"{dag_id}_{run_id}_{step}.csv"
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in raw)
