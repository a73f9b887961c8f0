"""Benchmark the whole forward DAG ``netsuite_contacts_to_acton``: a first full sync, end to end.

For each size, a fresh world: both sandboxes started afresh (NetSuite with N contacts, a per-request
latency and a concurrency limit; an empty Act-On account whose jobs take at least ``--job-seconds``), a
fresh SQLite state file and staging root in a temporary folder, ``NETSUITE_ACTON_TASK_RETRIES=0``. The DAG
runs in a child process (``python -m scripts.run_dag ... --report-out F``, as ``make demo`` does), so
memory is that run's alone: the child's RSS (its own children included) is sampled in a thread, with its
CPU time. Per-task durations come from the Airflow metadata DB (``task_instance`` of the run id the
report names). Afterwards the staged files tell how big the parts that grow with the run are: the
duplicate resolver's key columns (transform) and the per-list load buffers (load, up to 200,000 rows a
list). Writes the ``forward-dag`` section of docs/benchmarks.md.

    python -m benchmarks.forward_dag                                  # 50,000 and 200,000 contacts
    python -m benchmarks.forward_dag --sizes 5000 --no-doc            # a quick look

AIRFLOW_HOME defaults to the repo's ``.airflow``; its SQLite metadata DB is migrated first if it is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import requests

from benchmarks.common import ROOT, cpu_seconds, update_doc_section
from sandbox.launcher import SandboxProcess, sandbox_connection

DAG_ID = "netsuite_contacts_to_acton"
DOC_KEY = "forward-dag"
TASKS = ["extract", "validate", "transform", "diff", "load", "commit", "report"]
MB = 2**20


# -- memory and CPU of the child ------------------------------------------------------------------------
class TreeSampler:
    """Sample RSS (and CPU time) of a process and all its descendants every ``interval`` s, in a thread.

    ``benchmarks.common.RssSampler`` only watches the current process; the DAG runs in a child here.
    Keeps the whole series (epoch seconds, RSS bytes, CPU seconds) so peaks can be split by task.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self._root = psutil.Process(pid)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._cpu_dead: dict[int, float] = {}  # last CPU time seen per pid (exited children keep theirs)
        self.series: list[tuple[float, int, float]] = []

    def _sample(self) -> None:
        try:
            procs = [self._root, *self._root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        rss = 0
        for proc in procs:
            try:
                rss += proc.memory_info().rss
                times = proc.cpu_times()
                self._cpu_dead[proc.pid] = times.user + times.system
            except psutil.NoSuchProcess:
                continue
        if rss:
            self.series.append((time.time(), rss, sum(self._cpu_dead.values())))

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self._interval):
                return

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return max((rss for _, rss, _ in self.series), default=0) / MB

    @property
    def cpu_seconds(self) -> float:
        return self.series[-1][2] if self.series else 0.0

    def window(self, start: float, end: float) -> tuple[float, float]:
        """(peak RSS in MB, CPU seconds) between two epoch times."""
        inside = [s for s in self.series if start <= s[0] <= end]
        if not inside:
            return 0.0, 0.0
        before = [s for s in self.series if s[0] < start]
        cpu_start = before[-1][2] if before else inside[0][2]
        return max(s[1] for s in inside) / MB, inside[-1][2] - cpu_start

    def rss_before(self, moment: float) -> float:
        """RSS (MB) at the last sample before ``moment``: the child with Airflow loaded, before any data."""
        before = [s for s in self.series if s[0] < moment]
        return (before[-1][1] if before else self.series[0][1]) / MB


# -- one size -------------------------------------------------------------------------------------------
@dataclass
class TaskTiming:
    task_id: str
    state: str
    start: datetime | None
    end: datetime | None
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds() if self.start and self.end else 0.0


@dataclass
class Outcome:
    contacts: int
    state: str
    wall_seconds: float
    report: dict[str, Any]
    tasks: dict[str, TaskTiming]
    peak_rss_mb: float
    baseline_rss_mb: float
    cpu_seconds: float
    netsuite_stats: dict[str, Any]
    acton_stats: dict[str, Any]
    acton_list_rows: dict[str, int]
    sandbox_cpu: dict[str, float]
    acton_calls_per_second: float
    growth: dict[str, Any] = field(default_factory=dict)

    @property
    def run_span(self) -> float:
        starts = [t.start for t in self.tasks.values() if t.start]
        ends = [t.end for t in self.tasks.values() if t.end]
        return (max(ends) - min(starts)).total_seconds() if starts and ends else 0.0

    @property
    def loaded(self) -> int:
        r = self.report
        return sum((r.get("loaded_appended") or {}).values()) + sum((r.get("loaded_updated") or {}).values())

    @property
    def calls(self) -> dict[str, int]:
        return self.report.get("calls") or {}

    @property
    def ok(self) -> bool:
        return self.state == "success" and self.loaded == sum(self.acton_list_rows.values()) > 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="50000,200000", help="NetSuite contacts per run, comma-separated")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="NetSuite sandbox latency per request")
    parser.add_argument("--concurrency-limit", type=int, default=5, help="NetSuite sandbox concurrency limit")
    parser.add_argument("--job-seconds", type=float, default=0.5, help="Act-On sandbox minimum job duration")
    parser.add_argument("--seed", type=int, default=7, help="NetSuite sandbox data seed")
    parser.add_argument("--interval", type=float, default=0.05, help="RSS sampling interval, seconds")
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args(argv)
    args.sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]
    return args


def calls_per_second(conn: dict[str, Any]) -> float:
    """The Act-On hook's client-side rate on this connection (the hook's default is 4)."""
    return float(conn["extra"].get("calls_per_second") or 4)


def parse_db_time(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def task_timings(airflow_home: Path, run_id: str) -> dict[str, TaskTiming]:
    """Start, end and state of each task of the run, from the SQLite metadata DB."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{airflow_home / 'airflow.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT task_id, state, start_date, end_date FROM task_instance "
                    "WHERE dag_id = :dag_id AND run_id = :run_id"
                ),
                {"dag_id": DAG_ID, "run_id": run_id},
            ).all()
    finally:
        engine.dispose()
    return {
        task_id: TaskTiming(task_id, str(state), parse_db_time(start), parse_db_time(end))
        for task_id, state, start, end in rows
    }


def frame_mb(frame: Any) -> float:
    return float(frame.memory_usage(deep=True).sum()) / MB


def growth_figures(staging_root: Path, run_id: str) -> dict[str, Any]:
    """In-memory sizes of what grows with the run, rebuilt from the run's staged chunks (parent process).

    * the duplicate resolver's three key columns of every cleaned row (``dedupe_keys``), held by transform;
    * the load buffers: the changed rows, grouped per list with every column, held until a list reaches
      ``batch_rows`` (200,000) or the end; the flush concatenates one list's buffer into a batch (a copy).
    * one staged chunk (``chunk_rows`` rows) of the extract output, for scale.
    """
    import pandas as pd

    from netsuite_acton.dag_settings import config_path
    from netsuite_acton.operators.staging import safe_segment
    from netsuite_acton.sync.config import load_config
    from netsuite_acton.sync.contract import LIST_NAME
    from netsuite_acton.sync.dedupe import dedupe_keys

    run_dir = staging_root / safe_segment(DAG_ID) / safe_segment(run_id)

    def chunks(step: str) -> list[Path]:
        return sorted((run_dir / step).glob("*.parquet"))

    keys_mb = sum(frame_mb(dedupe_keys(pd.read_parquet(path))) for path in chunks("cleaned"))
    per_list: dict[str, float] = {}
    per_list_rows: dict[str, int] = {}
    for path in chunks("changed"):
        for name, rows in pd.read_parquet(path).groupby(LIST_NAME, sort=False):
            per_list[str(name)] = per_list.get(str(name), 0.0) + frame_mb(rows)
            per_list_rows[str(name)] = per_list_rows.get(str(name), 0) + len(rows)
    extracted = chunks("extract")
    first = pd.read_parquet(extracted[0]) if extracted else None
    return {
        "chunk_rows_config": load_config(config_path()).forward.chunk_rows,
        "keys_mb": keys_mb,
        "buffers_mb": sum(per_list.values()),
        "largest_list": max(per_list_rows, key=per_list_rows.get) if per_list_rows else "-",
        "largest_list_rows": max(per_list_rows.values(), default=0),
        "largest_list_mb": max(per_list.values(), default=0.0),
        "chunk_rows": len(first) if first is not None else 0,
        "chunk_mb": frame_mb(first) if first is not None else 0.0,
        "chunks": len(extracted),
    }


def cpu_of(proc: subprocess.Popen[str] | None) -> float:
    if proc is None or proc.poll() is not None:
        return 0.0
    return cpu_seconds(psutil.Process(proc.pid))


def run_size(contacts: int, args: argparse.Namespace, airflow_home: Path) -> Outcome:
    netsuite_args = [
        "--contacts", str(contacts), "--seed", str(args.seed),
        "--latency-ms", str(args.latency_ms), "--concurrency-limit", str(args.concurrency_limit),
    ]  # fmt: skip
    with (
        tempfile.TemporaryDirectory(prefix="forward-dag-bench-") as tmp_name,
        SandboxProcess("sandbox.netsuite", netsuite_args, timeout=600) as ns,
        SandboxProcess("sandbox.acton", ["--job-seconds", str(args.job_seconds)]) as ao,
    ):
        tmp = Path(tmp_name)
        acton_conn = sandbox_connection(ao.base_url)
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW_CONN_NETSUITE_DEFAULT": json.dumps(sandbox_connection(ns.base_url)),
            "AIRFLOW_CONN_ACTON_DEFAULT": json.dumps(acton_conn),
            "AIRFLOW_CONN_NETSUITE_ACTON_STATE": json.dumps(
                {"conn_type": "sqlite", "host": str(tmp / "state.db")}
            ),
            "AIRFLOW_VAR_NETSUITE_ACTON_STAGING_ROOT": f"file://{tmp / 'staging'}",
            "NETSUITE_ACTON_TASK_RETRIES": "0",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        out, log = tmp / "result.json", tmp / "run.log"
        sandbox_cpu_start = {"netsuite": cpu_of(ns.proc), "acton": cpu_of(ao.proc)}
        print(f"{contacts:,} contacts: sandboxes ready, running {DAG_ID} (log {log})", flush=True)
        started = time.monotonic()
        with log.open("w") as handle:
            child = subprocess.Popen(
                [sys.executable, "-m", "scripts.run_dag", DAG_ID, "--report-out", str(out)],
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
            sampler = TreeSampler(child.pid, args.interval).start()
            code = child.wait()
            wall = time.monotonic() - started
            sampler.stop()
        sandbox_cpu = {
            "netsuite": cpu_of(ns.proc) - sandbox_cpu_start["netsuite"],
            "acton": cpu_of(ao.proc) - sandbox_cpu_start["acton"],
        }
        result = json.loads(out.read_text()) if out.exists() else {"state": "failed", "report": None}
        report = result.get("report") or {}
        if code != 0 or result.get("state") != "success" or not report:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            raise RuntimeError(f"{DAG_ID} did not succeed at {contacts:,} contacts (exit {code}):\n{tail}")
        run_id = report["run_id"]
        tasks = task_timings(airflow_home, run_id)
        for timing in tasks.values():
            if timing.start and timing.end:
                timing.peak_rss_mb, timing.cpu_seconds = sampler.window(
                    timing.start.timestamp(), timing.end.timestamp()
                )
        first_start = min((t.start for t in tasks.values() if t.start), default=None)
        baseline = sampler.rss_before(first_start.timestamp()) if first_start else 0.0
        ns_stats = requests.get(f"{ns.base_url}/_sandbox/stats", timeout=30).json()
        ao_stats = requests.get(f"{ao.base_url}/_sandbox/stats", timeout=30).json()
        lists = requests.get(f"{ao.base_url}/_sandbox/lists", timeout=60).json()
        growth = growth_figures(tmp / "staging", run_id)
    return Outcome(
        contacts=contacts,
        state=result["state"],
        wall_seconds=wall,
        report=report,
        tasks=tasks,
        peak_rss_mb=sampler.peak_mb,
        baseline_rss_mb=baseline,
        cpu_seconds=sampler.cpu_seconds,
        netsuite_stats=ns_stats,
        acton_stats=ao_stats,
        acton_list_rows={item["name"]: int(item["count"]) for item in lists},
        sandbox_cpu=sandbox_cpu,
        acton_calls_per_second=calls_per_second(acton_conn),
        growth=growth,
    )


# -- the doc section --------------------------------------------------------------------------------------
def table(outcomes: list[Outcome]) -> str:
    head = "| measure | " + " | ".join(f"{o.contacts:,} contacts" for o in outcomes) + " |"
    lines = [head, "| --- |" + " ---: |" * len(outcomes)]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("wall time (child process, Airflow start-up included)", [f"{o.wall_seconds:.1f} s" for o in outcomes])
    row("DAG run (first task start → last task end)", [f"{o.run_span:.1f} s" for o in outcomes])
    row("rows/s end to end (contacts / wall time)", [f"{o.contacts / o.wall_seconds:,.0f}" for o in outcomes])
    for task in TASKS:
        cells = []
        for o in outcomes:
            t = o.tasks.get(task)
            cells.append(
                f"{t.seconds:.1f} s (CPU {t.cpu_seconds:.1f} s, peak {t.peak_rss_mb:,.0f} MB)" if t else "-"
            )
        row(f"`{task}`", cells)
    row("**peak RSS** (child and its children)", [f"**{o.peak_rss_mb:,.0f} MB**" for o in outcomes])
    row("RSS before `extract` (Airflow, DAG parsed)", [f"{o.baseline_rss_mb:,.0f} MB" for o in outcomes])
    row(
        "peak RSS above that",
        [f"{o.peak_rss_mb - o.baseline_rss_mb:,.0f} MB" for o in outcomes],
    )
    row("child CPU (user + system)", [f"{o.cpu_seconds:.1f} s" for o in outcomes])
    row(
        "sandbox CPU (NetSuite / Act-On)",
        [f"{o.sandbox_cpu['netsuite']:.1f} s / {o.sandbox_cpu['acton']:.1f} s" for o in outcomes],
    )
    row("extracted", [f"{o.report.get('extracted', 0):,}" for o in outcomes])
    row(
        "quarantined / inactive skipped / duplicates",
        [
            f"{o.report.get('quarantined_rows', 0):,} / {o.report.get('inactive_skipped', 0):,} / "
            f"{o.report.get('duplicates', 0):,}"
            for o in outcomes
        ],
    )
    row("**rows loaded** (appended + updated)", [f"**{o.loaded:,}**" for o in outcomes])
    row("rows in the Act-On lists afterwards", [f"{sum(o.acton_list_rows.values()):,}" for o in outcomes])
    row("rejected by Act-On", [f"{sum((o.report.get('rejected') or {}).values()):,}" for o in outcomes])
    row("NetSuite calls (report)", [f"{o.calls.get('netsuite', 0):,}" for o in outcomes])
    row("Act-On calls (report)", [f"{o.calls.get('acton', 0):,}" for o in outcomes])
    row(
        "429s (NetSuite / Act-On)",
        [
            f"{o.netsuite_stats.get('throttled_429', 0)} / "
            f"{o.acton_stats.get('rejected_429_rate', 0) + o.acton_stats.get('rejected_429_quota', 0)}"
            for o in outcomes
        ],
    )
    row(
        "dedupe key columns (transform)",
        [f"{o.growth['keys_mb']:.1f} MB" for o in outcomes],
    )
    row(
        "load buffers: changed rows, all lists / largest list",
        [
            f"{o.growth['buffers_mb']:.0f} MB / {o.growth['largest_list_rows']:,} rows, "
            f"{o.growth['largest_list_mb']:.0f} MB"
            for o in outcomes
        ],
    )
    return "\n".join(lines)


def committed_rows(outcome: Outcome) -> int:
    counters = outcome.report.get("counters") or {}
    return int(counters.get("committed_hashes", 0)) + int(counters.get("committed_links", 0))


def busy(t: TaskTiming) -> float:
    """Share of the task's wall time the worker spent on CPU (1.0 = CPU-bound)."""
    return t.cpu_seconds / t.seconds if t.seconds else 0.0


def interpretation(outcomes: list[Outcome], args: argparse.Namespace) -> str:
    big = outcomes[-1]
    ranked = sorted(big.tasks.values(), key=lambda t: t.seconds, reverse=True)
    span = max(big.run_span, 1e-9)
    top = ranked[0]
    shares = ", ".join(f"`{t.task_id}` {t.seconds / span:.0%}" for t in ranked[:4])
    text = [
        f"**Where the time goes.** At {big.contacts:,} contacts `{top.task_id}` dominates "
        f"({top.seconds:.1f} s of the {big.run_span:.1f} s DAG run; {shares}); the worker is on CPU "
        f"{big.cpu_seconds:.0f} s of the {big.wall_seconds:.0f} s wall time."
    ]
    ext = big.tasks.get("extract")
    if ext:
        bound = args.concurrency_limit * 1000 / (args.latency_ms / 1000)
        rate = big.report.get("extracted", 0) / max(ext.seconds, 1e-9)
        why = (
            f"the worker is on CPU {busy(ext):.0%} of the step (JSON pages into DataFrames, Parquet "
            f"chunks) and the NetSuite sandbox used {big.sandbox_cpu['netsuite']:.1f} s of CPU on the same "
            "2 shared cores: CPU, not the API's latency, sets the pace"
            if busy(ext) >= 0.6
            else f"the worker is on CPU only {busy(ext):.0%} of the step: it waits on NetSuite"
        )
        text.append(
            f"`extract` reads {rate:,.0f} rows/s ({big.calls.get('netsuite', 0):,} NetSuite calls) against "
            f"the API's bound of {bound:,.0f} rows/s ({args.concurrency_limit} requests in flight x 1,000 "
            f"rows / {args.latency_ms:g} ms); {why}."
        )
    commit = big.tasks.get("commit")
    if commit:
        written = committed_rows(big)
        per_row = [
            f"{1e6 * o.tasks['commit'].seconds / max(1, committed_rows(o)):.0f} µs"
            for o in outcomes
            if "commit" in o.tasks
        ]
        text.append(
            f"`commit` ({commit.seconds:.1f} s, {busy(commit):.0%} CPU) upserts into the SQLite state store "
            f"every loaded row's hash and every contact's email↔id link: {written:,} rows at "
            f"{big.contacts:,} contacts; {' and '.join(per_row)} per row at "
            f"{' and '.join(f'{o.contacts:,}' for o in outcomes)} contacts. "
            "`StateStore._upsert` compiles one `INSERT … ON CONFLICT DO UPDATE` and executes it with "
            "batches of parameter sets (executemany). This benchmark found the earlier form, a 1,000-row "
            "VALUES statement compiled afresh for every batch, spending three quarters of `commit` in "
            "SQLAlchemy's compiler: 47.7 s at 200,000 contacts before the change."
        )
    cpu_steps = [t for t in ranked if t.task_id in ("validate", "transform", "diff")]
    if cpu_steps:
        cells = ", ".join(f"`{t.task_id}` {t.seconds:.1f} s ({busy(t):.0%} CPU)" for t in cpu_steps)
        text.append(
            f"The pandas steps are CPU work in the worker and grow with the rows: {cells}"
            + (
                f" at {big.contacts:,}, against "
                + ", ".join(
                    f"{outcomes[0].tasks[t.task_id].seconds:.1f} s"
                    for t in cpu_steps
                    if t.task_id in outcomes[0].tasks
                )
                + f" at {outcomes[0].contacts:,}"
                if len(outcomes) > 1
                else ""
            )
            + "; `transform` includes the duplicate resolver's one sort over the whole run's keys. "
            "`validate` carries a fixed cost of importing and building the Great Expectations suite."
        )
    load = big.tasks.get("load")
    if load:
        calls = big.calls.get("acton", 0)
        text.append(
            f"`load` takes {load.seconds:.1f} s with {load.cpu_seconds:.1f} s of CPU (CSV encoding): it "
            f"mostly waits. Its {calls} Act-On calls (token, lists, one upload per list, job polls) pass the "
            f"hook's client-side limit of {big.acton_calls_per_second:g} calls/s, so they alone take at "
            f"least {calls / big.acton_calls_per_second:.1f} s, and each job runs at least "
            f"{args.job_seconds:g} s (polled with backoff from 1 s). "
            "The call count does not grow with the rows"
            + (
                f" ({', '.join(str(o.calls.get('acton', 0)) for o in outcomes)} calls)."
                if len(outcomes) > 1
                else "."
            )
        )
    if len(outcomes) > 1:
        small = outcomes[0]
        ratio_rows = big.contacts / small.contacts
        ratio_rss = big.peak_rss_mb / small.peak_rss_mb
        per_contact = (big.peak_rss_mb - small.peak_rss_mb) * MB / (big.contacts - small.contacts)
        peak_task = max(big.tasks.values(), key=lambda t: t.peak_rss_mb)
        g_small, g_big = small.growth, big.growth

        def named(g: dict[str, Any]) -> float:
            return 2 * g["keys_mb"] + g["buffers_mb"] + g["largest_list_mb"]

        named_small, named_big = named(g_small), named(g_big)
        ext_small = small.tasks.get("extract")
        text.append(
            f"**Memory.** {ratio_rows:g}x the contacts, peak RSS {small.peak_rss_mb:,.0f} → "
            f"{big.peak_rss_mb:,.0f} MB: **{ratio_rss:.2f}x**, {per_contact:,.0f} bytes per added contact. "
            f"Most of the peak does not depend on the data: {big.baseline_rss_mb:,.0f} MB before `extract` "
            f"(Python, Airflow, the DAG), then the libraries the tasks import (pandas and pyarrow in "
            f"`extract`, whose peak is {ext_small.peak_rss_mb if ext_small else 0:,.0f} MB at "
            f"{small.contacts:,}; Great Expectations in `validate`). Data passes in chunks of "
            f"`chunk_rows` = {g_big['chunk_rows_config']:,} rows (the first extracted chunk: "
            f"{g_big['chunk_rows']:,} rows, {g_big['chunk_mb']:.0f} MB as a pandas frame; "
            f"{g_small['chunks']} and {g_big['chunks']} chunks) at every size. What grows with the run: the "
            f"duplicate resolver's three key columns in `transform` ({g_small['keys_mb']:.1f} → "
            f"{g_big['keys_mb']:.1f} MB, plus the sort's copy), and in `load` the per-list buffers, flushed "
            f"when a list reaches 200,000 rows or at the end, so below that every changed row of the run is "
            f"held at once ({g_small['buffers_mb']:.0f} → {g_big['buffers_mb']:.0f} MB as pandas frames; "
            f"the largest list, {g_big['largest_list']!r}, {g_big['largest_list_rows']:,} rows and "
            f"{g_big['largest_list_mb']:.0f} MB, is copied once more by the flush's concat). The run's peak "
            f"is sampled in `{peak_task.task_id}` ({peak_task.peak_rss_mb:,.0f} MB at {big.contacts:,}). "
            f"These named parts account for about {named_big - named_small:.0f} MB of the "
            f"{big.peak_rss_mb - small.peak_rss_mb:.0f} MB added; the rest is not attributed: `dag.test()` "
            "runs all seven tasks in one process, which keeps memory that earlier tasks freed (allocator "
            "arenas, pyarrow's pool), so a task's peak here includes what ran before it. A deployed worker "
            "runs each task in its own process and should peak lower. Past 200,000 rows in a list the load "
            "buffers stop growing (at most 200,000 rows per list, four lists); the resolver's keys keep "
            "growing with the run."
        )
    return "\n\n".join(text)


def render(outcomes: list[Outcome], args: argparse.Namespace, load_note: str) -> str:
    sizes = ",".join(str(o.contacts) for o in outcomes)
    command = "python -m benchmarks.forward_dag" + ("" if sizes == "50000,200000" else f" --sizes {sizes}")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        f"Command: `{command}`",
        f"Date: {now}; {platform.machine()}, 2 shared cores (the DAG run, both sandboxes and whatever else "
        f"runs on the machine), Python {platform.python_version()}; "
        f"load average before the run: {load_note}.",
        f"Setup per size, in a fresh world: NetSuite sandbox with N contacts (seed {args.seed}), "
        f"{args.latency_ms:g} ms latency, concurrency limit {args.concurrency_limit}; "
        f"an empty Act-On account (Act-On's limits, jobs of at least {args.job_seconds:g} s); "
        "a fresh SQLite state file and staging root in a temporary folder; `NETSUITE_ACTON_TASK_RETRIES=0`.",
        f"The DAG runs in a child process (`python -m scripts.run_dag {DAG_ID} --report-out F`, "
        "`dag.test()`, every task in that process) whose RSS and CPU, its children included, are sampled "
        f"every {args.interval * 1000:.0f} ms. Task times are `task_instance` start → end from the Airflow "
        "metadata DB; a task's peak is the highest RSS sampled while it ran, its CPU the child's CPU time "
        "over the task.",
    ]
    title = f"## Forward DAG end to end (`{DAG_ID}`, first full sync)"
    # two trailing spaces: a Markdown line break inside the paragraph
    body = "  \n".join(header)
    return f"{title}\n\n{body}\n\n{table(outcomes)}\n\n{interpretation(outcomes, args)}\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    airflow_home = Path(os.environ.get("AIRFLOW_HOME", ROOT / ".airflow"))
    if not (airflow_home / "airflow.db").exists():
        print(f"no metadata DB at {airflow_home / 'airflow.db'}: running `airflow db migrate`", flush=True)
        airflow_home.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            check=True,
            capture_output=True,
            cwd=ROOT,
            env={**os.environ, "AIRFLOW_HOME": str(airflow_home)},
        )
    one, five, fifteen = os.getloadavg()
    load_note = f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"
    print(f"load average {load_note}")
    outcomes = []
    for contacts in args.sizes:
        outcome = run_size(contacts, args, airflow_home)
        print(
            f"{contacts:,} contacts: {outcome.state} in {outcome.wall_seconds:.1f} s, "
            f"peak RSS {outcome.peak_rss_mb:,.0f} MB, loaded {outcome.loaded:,}",
            flush=True,
        )
        outcomes.append(outcome)
    text = render(outcomes, args, load_note)
    print(text)
    if not args.no_doc:
        print(f"updated {update_doc_section(DOC_KEY, text)}")
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
