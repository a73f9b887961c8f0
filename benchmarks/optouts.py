"""Benchmark the opt-out sync: calls and time to propagate 10,000 opt-outs each way.

Each direction runs in a fresh world: ``python -m sandbox.netsuite`` (background contacts seeded, their own
opt-outs set back to Soft Opt-In so that exactly N records are opted out; a latency per request and a
concurrency limit) and ``python -m sandbox.acton`` (Act-On's limits, a latency per call), a temporary
SQLite state store for the Act-On token. Setup goes through the sandboxes' admin APIs and is not measured.

1. Act-On → NetSuite: N addresses on Act-On's opt-out list whose NetSuite contacts are at Soft Opt-In (1).
   Timed, as the DAG's ``read_acton``, ``plan`` and ``push_netsuite`` steps do it: read the list
   (``ActOnHook.consent_entries("optout")``, pages of 1,000), look the addresses up
   (``NetSuiteConsent.records_by_email``, 200 addresses per SuiteQL query and record type), plan
   (``sync.consent.netsuite_updates``) and write Soft Opt-Out (``NetSuiteConsent.set_soft_opt_out``,
   concurrent PATCHes within the connection's ``max_concurrency``). A sequential baseline (the same write
   through a connection with ``max_concurrency`` 1) is measured on a smaller sample and extrapolated.
2. NetSuite → Act-On: N NetSuite contacts at Soft Opt-Out (2). Timed: read them
   (``NetSuiteConsent.opted_out_since(None)``, keyset pages of 1,000), plan (``netsuite_optouts``,
   ``acton_pushes``) and upload (``ActOnHook.add_optouts``, one CSV per 50,000 addresses); then
   ``GET /_sandbox/optouts`` must list all N. The lookup the DAG's ``plan`` step also makes for these
   addresses (other records holding them) is timed apart.

Calls come from the hooks' ``calls_made`` and the sandboxes' stats; each is compared with the bound the
APIs allow and with the naive way. Writes its section of docs/benchmarks.md.

    python -m benchmarks.optouts                                 # 10,000 each way (~8 minutes)
    python -m benchmarks.optouts --optouts 500 --no-doc          # a quick look (< 1 minute)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
import requests

from benchmarks.common import RssSampler, cpu_seconds, update_doc_section
from netsuite_acton.hooks.acton import ActOnHook
from netsuite_acton.hooks.acton.consent import CONSENT_PAGE, OPTOUT_BATCH
from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.sources.netsuite_consent import CONSENT_RECORDS, LOOKUP_BATCH, NetSuiteConsent
from netsuite_acton.state import StateStore
from netsuite_acton.sync.consent import (
    ENTRY_COLUMNS,
    OPTOUT,
    acton_entries,
    acton_pushes,
    first_entries,
    netsuite_optouts,
    netsuite_updates,
)
from sandbox.launcher import SandboxProcess, sandbox_connection

DOC_KEY = "consent-optouts"
NETSUITE_CONN = "netsuite_optouts_bench"
NETSUITE_SEQ_CONN = "netsuite_optouts_bench_seq"
ACTON_CONN = "acton_optouts_bench"
ACTON_RATE = 5  # Act-On's calls per sliding second (the hook runs at the connection's 4)
FIRST_ID = 50_000_000  # ids of the benchmark's own contacts, far above the seeded ones
DOMAIN = "bench.example.com"


def address(prefix: str, i: int) -> str:
    return f"optout-{prefix}-{i:06d}@{DOMAIN}"


@dataclass
class Phase:
    """One timed step: seconds and the calls each API saw."""

    name: str
    seconds: float = 0.0
    netsuite: int = 0
    acton: int = 0
    rows: int = 0


@dataclass
class Direction:
    """One direction's measured run."""

    phases: list[Phase] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    client_cpu: float = 0.0
    netsuite_cpu: float = 0.0
    acton_cpu: float = 0.0
    netsuite_stats: dict[str, Any] = field(default_factory=dict)
    acton_stats: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(p.seconds for p in self.phases)

    @property
    def netsuite_calls(self) -> int:
        return sum(p.netsuite for p in self.phases)

    @property
    def acton_calls(self) -> int:
        return sum(p.acton for p in self.phases)

    def phase(self, name: str) -> Phase:
        return next(p for p in self.phases if p.name == name)


@dataclass
class Sequential:
    """The one-PATCH-at-a-time baseline on a sample."""

    records: int = 0
    seconds: float = 0.0
    calls: int = 0
    max_in_flight: int = 0

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


@dataclass
class World:
    """Both sandboxes of one direction, their connections and the hooks' state store."""

    netsuite: SandboxProcess
    acton: SandboxProcess
    state: StateStore
    background: dict[str, int] = field(default_factory=dict)

    def admin(self, which: str, method: str, route: str, **kwargs: Any) -> Any:
        base = (self.netsuite if which == "netsuite" else self.acton).base_url
        response = requests.request(method, f"{base}/_sandbox/{route}", timeout=300, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def cpu(self) -> tuple[float, float]:
        return tuple(  # type: ignore[return-value]
            cpu_seconds(psutil.Process(p.proc.pid) if p.proc else None) for p in (self.netsuite, self.acton)
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--optouts", type=int, default=10_000, help="opt-outs to propagate each way")
    parser.add_argument(
        "--background", type=int, default=50_000, help="seeded NetSuite contacts that take no part"
    )
    parser.add_argument("--netsuite-latency-ms", type=float, default=200.0)
    parser.add_argument("--acton-latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=5, help="NetSuite's limit and max_concurrency")
    parser.add_argument(
        "--sequential-records", type=int, default=200, help="records for the one-at-a-time baseline; 0 skips"
    )
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.optouts < 1:
        parser.error("--optouts must be at least 1")
    return args


@contextmanager
def world(args: argparse.Namespace) -> Iterator[World]:
    """Fresh sandboxes, connections in the environment, the background's own opt-outs set back to 1."""
    netsuite_args = [
        "--contacts", str(args.background), "--latency-ms", "0",
        "--concurrency-limit", str(args.concurrency),
    ]  # fmt: skip
    acton_args = ["--latency-ms", str(args.acton_latency_ms), "--job-seconds", "0.5"]
    with ExitStack() as stack:
        netsuite = stack.enter_context(SandboxProcess("sandbox.netsuite", netsuite_args, timeout=600))
        acton = stack.enter_context(SandboxProcess("sandbox.acton", acton_args))
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="optouts-bench-"))
        conn = sandbox_connection(netsuite.base_url)
        os.environ[f"AIRFLOW_CONN_{NETSUITE_CONN.upper()}"] = json.dumps(conn)
        sequential = {**conn, "extra": {**conn["extra"], "max_concurrency": 1}}
        os.environ[f"AIRFLOW_CONN_{NETSUITE_SEQ_CONN.upper()}"] = json.dumps(sequential)
        os.environ[f"AIRFLOW_CONN_{ACTON_CONN.upper()}"] = json.dumps(sandbox_connection(acton.base_url))
        state = StateStore(f"sqlite:///{Path(tmp) / 'state.db'}")
        here = World(netsuite, acton, state)
        here.background = neutralise_background(here)
        try:
            yield here
        finally:
            state.engine.dispose()


def neutralise_background(here: World) -> dict[str, int]:
    """Set the seeded records' own opt-outs (2 or 4) back to 1: only the benchmark's are opted out."""
    seeded = [frame for frame in NetSuiteConsent(NetSuiteHook(NETSUITE_CONN)).opted_out_since(None)]
    records = pd.concat(seeded, ignore_index=True) if seeded else pd.DataFrame(columns=["record_type"])
    counts = records["record_type"].value_counts().to_dict()
    for record_type, group in records.groupby("record_type"):
        rows: list[dict[str, Any]] = [
            {"id": int(rid), "email": email, "globalsubscriptionstatus": 1}
            for rid, email in zip(group["id"], group["email"], strict=True)
        ]
        if record_type == "customer":
            rows = [{**row, "companyname": f"Background {row['id']}", "stage": "CUSTOMER"} for row in rows]
        here.admin("netsuite", "POST", f"{record_type}s", json=rows)
    return {str(k): int(v) for k, v in counts.items()}


def add_contacts(here: World, prefix: str, first_id: int, count: int, status: int) -> list[str]:
    """``count`` contacts with addresses ``optout-<prefix>-NNNNNN@...`` at ``status``; their addresses."""
    emails = [address(prefix, i) for i in range(count)]
    rows = [
        {"id": first_id + i, "firstname": "Bench", "lastname": f"{prefix}{i}", "email": email,
         "globalsubscriptionstatus": status}
        for i, email in enumerate(emails)
    ]  # fmt: skip
    for start in range(0, len(rows), 5_000):
        here.admin("netsuite", "POST", "contacts", json=rows[start : start + 5_000])
    return emails


def timed(direction: Direction, name: str, netsuite: NetSuiteHook, acton: ActOnHook | None = None) -> Any:
    """``with timed(d, "read", ns, ao) as phase:`` records seconds and each hook's calls of the block."""

    @contextmanager
    def block() -> Iterator[Phase]:
        phase = Phase(name)
        ns_before, ao_before = netsuite.calls_made, acton.calls_made if acton else 0
        started = time.perf_counter()
        yield phase
        phase.seconds = time.perf_counter() - started
        phase.netsuite = netsuite.calls_made - ns_before
        phase.acton = (acton.calls_made if acton else 0) - ao_before
        direction.phases.append(phase)

    return block()


def set_latency(here: World, args: argparse.Namespace) -> None:
    here.admin("netsuite", "POST", "config", json={"latency_ms": args.netsuite_latency_ms})
    here.admin("netsuite", "POST", "reset", json={})
    here.admin("acton", "POST", "reset", json={})


def acton_to_netsuite(args: argparse.Namespace) -> tuple[Direction, Sequential, dict[str, int]]:
    """Act-On opt-outs → Soft Opt-Out on their NetSuite contacts; then the sequential sample."""
    n, run = args.optouts, Direction()
    with world(args) as here:
        emails = add_contacts(here, "a", FIRST_ID, n, status=1)
        sample = add_contacts(here, "s", FIRST_ID + n, args.sequential_records, status=1)
        added = here.admin("acton", "POST", "optouts", json={"emails": emails})
        assert added["added"] == n, added
        set_latency(here, args)
        netsuite, acton = NetSuiteHook(NETSUITE_CONN), ActOnHook(ACTON_CONN, state=here.state)
        netsuite.get_conn()  # read the connections before the clock starts
        acton.get_conn()
        consent = NetSuiteConsent(netsuite)
        ns_cpu, ao_cpu = here.cpu()
        with RssSampler() as rss:
            client_cpu = time.process_time()
            with timed(run, "read Act-On opt-outs", netsuite, acton) as phase:
                pages = [acton_entries(OPTOUT, page) for page in acton.consent_entries(OPTOUT)]
                opt_outs = first_entries(pd.concat(pages, ignore_index=True))
                phase.rows = len(opt_outs)
            with timed(run, "look up NetSuite records", netsuite) as phase:
                records = consent.records_by_email(list(opt_outs["email"]))
                phase.rows = len(records)
            with timed(run, "plan", netsuite) as phase:
                no_bounces = pd.DataFrame(columns=list(ENTRY_COLUMNS))
                updates = netsuite_updates(opt_outs, no_bounces, records, None)
                phase.rows = len(updates)
            with timed(run, "PATCH Soft Opt-Out", netsuite) as phase:
                outcomes = []
                for record_type, group in updates.groupby("record_type", sort=True):
                    outcomes += consent.set_soft_opt_out(str(record_type), list(group["record_id"]))
                phase.rows = sum(o.ok for o in outcomes)
            run.client_cpu = time.process_time() - client_cpu
        run.peak_rss_mb = rss.peak_growth_mb
        ns_after, ao_after = here.cpu()
        run.netsuite_cpu, run.acton_cpu = ns_after - ns_cpu, ao_after - ao_cpu
        run.netsuite_stats = here.admin("netsuite", "GET", "stats")
        run.acton_stats = here.admin("acton", "GET", "stats")
        landed = netsuite.suiteql(
            "SELECT COUNT(*) AS n FROM contact WHERE globalsubscriptionstatus = '2' "
            f"AND email LIKE 'optout-a-%@{DOMAIN}'"
        )["items"][0]["n"]
        run.checks = {
            "entries": len(opt_outs),
            "records": len(records),
            "planned": len(updates),
            "failed": sum(not o.ok for o in outcomes),
            "landed": int(landed),
        }
        seq = Sequential()
        if sample:
            seq_hook = NetSuiteHook(NETSUITE_SEQ_CONN)
            seq_hook.get_conn()
            here.admin("netsuite", "POST", "reset", json={})
            ids = [str(FIRST_ID + n + i) for i in range(len(sample))]
            started = time.perf_counter()
            done = NetSuiteConsent(seq_hook).set_soft_opt_out("contact", ids)
            seq.seconds = time.perf_counter() - started
            seq.records, seq.calls = sum(o.ok for o in done), seq_hook.calls_made
            seq.max_in_flight = int(here.admin("netsuite", "GET", "stats")["max_in_flight"])
        return run, seq, here.background


def netsuite_to_acton(args: argparse.Namespace) -> Direction:
    """NetSuite contacts at Soft Opt-Out → Act-On's opt-out list; then the lookup the DAG's plan adds."""
    n, run = args.optouts, Direction()
    with world(args) as here:
        emails = add_contacts(here, "b", FIRST_ID, n, status=2)
        set_latency(here, args)
        netsuite, acton = NetSuiteHook(NETSUITE_CONN), ActOnHook(ACTON_CONN, state=here.state)
        netsuite.get_conn()
        acton.get_conn()
        consent = NetSuiteConsent(netsuite)
        ns_cpu, ao_cpu = here.cpu()
        with RssSampler() as rss:
            client_cpu = time.process_time()
            with timed(run, "read NetSuite opt-outs", netsuite, acton) as phase:
                frames = list(consent.opted_out_since(None))
                records = pd.concat(frames, ignore_index=True)
                phase.rows = len(records)
            with timed(run, "plan", netsuite, acton) as phase:
                optouts = netsuite_optouts(records)
                to_acton = acton_pushes(optouts.entries, set())
                phase.rows = len(to_acton)
            with timed(run, "upload to Act-On", netsuite, acton) as phase:
                outcome = acton.add_optouts(list(to_acton["email"]))
                phase.rows = outcome.processed
            run.client_cpu = time.process_time() - client_cpu
        run.peak_rss_mb = rss.peak_growth_mb
        ns_after, ao_after = here.cpu()
        run.netsuite_cpu, run.acton_cpu = ns_after - ns_cpu, ao_after - ao_cpu
        run.netsuite_stats = here.admin("netsuite", "GET", "stats")
        run.acton_stats = here.admin("acton", "GET", "stats")
        listed = {entry["email"] for entry in here.admin("acton", "GET", "optouts")}
        run.checks = {
            "read": len(records),
            "quarantined": len(optouts.quarantine),
            "uploaded": outcome.processed,
            "rejected": outcome.rejected,
            "upload_calls": outcome.calls,
            "listed": len(listed),
            "arrived": len(set(emails) & listed),
        }
        # Not part of the direction's figures: the DAG's plan step looks every settled address up.
        extra = Direction()
        with timed(extra, "plan lookups", netsuite) as phase:
            phase.rows = len(consent.records_by_email(list(to_acton["email"])))
        run.checks["dag_lookup"] = extra.phases[0]
    return run


# --- report -----------------------------------------------------------------------------------------------


def bounds(args: argparse.Namespace) -> dict[str, float]:
    """Calls and seconds the APIs allow, and the naive ways, for N opt-outs each way.

    The least time for c NetSuite calls is ceil(c / limit) x latency (never more than the limit in flight);
    for k Act-On calls floor((k - 1) / 5) s + the latency of the last one (5 calls in any sliding second).
    """
    n, lat, conc = args.optouts, args.netsuite_latency_ms / 1000, args.concurrency
    ao_lat = args.acton_latency_ms / 1000
    types = len(CONSENT_RECORDS)

    def netsuite_s(calls: float) -> float:
        return math.ceil(calls / conc) * lat

    def acton_s(calls: float) -> float:
        return (calls - 1) // ACTON_RATE + ao_lat if calls else 0.0

    # Act-On gives no total: the read ends at a short page, an empty one when N is a multiple of 1,000
    acton_pages = n // CONSENT_PAGE + 1
    lookups = math.ceil(n / LOOKUP_BATCH) * types
    read_pages = math.ceil(n / 1000) + (types - 1)  # the customer table answers one empty page
    uploads = math.ceil(n / OPTOUT_BATCH)
    a_ao, b_ao = acton_pages + 1, uploads + 1  # + the token
    return {
        "acton_pages": acton_pages,
        "lookups": lookups,
        "a_netsuite": n + lookups,
        "a_acton": a_ao,
        "a_read_seconds": acton_s(a_ao),
        "a_lookup_seconds": netsuite_s(lookups),
        "a_patch_seconds": netsuite_s(n),
        "a_seconds": acton_s(a_ao) + netsuite_s(lookups) + netsuite_s(n),
        "a_naive_calls": n + n * types + a_ao,
        "a_naive_seconds": (n + n * types) * lat + acton_s(a_ao),
        "read_pages": read_pages,
        "uploads": uploads,
        "b_netsuite": read_pages,
        "b_acton": b_ao,
        "b_read_seconds": netsuite_s(read_pages),
        "b_upload_seconds": acton_s(b_ao),
        "b_seconds": netsuite_s(read_pages) + acton_s(b_ao),
        "b_sequential_read_seconds": read_pages * lat,
        "b_naive_calls": n + 1,
        "b_naive_seconds": acton_s(n + 1),
    }


def markdown(
    args: argparse.Namespace,
    a: Direction,
    seq: Sequential,
    b: Direction,
    background: dict[str, int],
    command: str,
    load: tuple[float, float, float],
) -> str:
    n, lat, conc = args.optouts, args.netsuite_latency_ms, args.concurrency
    bd = bounds(args)
    types = len(CONSENT_RECORDS)
    a_share, b_share = 100 * bd["a_seconds"] / a.seconds, 100 * bd["b_seconds"] / b.seconds
    patch = a.phase("PATCH Soft Opt-Out")
    lookup = a.phase("look up NetSuite records")
    read_a = a.phase("read Act-On opt-outs")
    read_b = b.phase("read NetSuite opt-outs")
    upload = b.phase("upload to Act-On")
    dag_lookup: Phase = b.checks["dag_lookup"]
    patch_rate = patch.rows / patch.seconds if patch.seconds else 0.0
    patch_bound = conc / (lat / 1000)
    ns_a, ao_a, ns_b, ao_b = a.netsuite_stats, a.acton_stats, b.netsuite_stats, b.acton_stats
    bg = ", ".join(f"{v:,} {k}s" for k, v in sorted(background.items())) or "none"
    if seq.records:
        seq_total = n / seq.per_second
        a_compare = f"one PATCH at a time: ≈ {seq_total + a.seconds - patch.seconds:,.0f} s (extrapolated)"
        seq_line = (
            f"Sequential baseline (Act-On → NetSuite): the same `set_soft_opt_out` through a connection with "
            f"`max_concurrency` 1, measured on {seq.records:,} other contacts: {seq.seconds:.1f} s, "
            f"{seq.per_second:.1f} PATCH/s, {seq.calls} calls, at most {seq.max_in_flight} in flight; "
            f"extrapolated, {seq_total:,.0f} s for {n:,} PATCHes against {patch.seconds:.0f} s concurrent "
            f"({seq_total / patch.seconds:.1f}x). The naive way, one lookup per address and record type and "
            f"one PATCH at a time, needs {bd['a_naive_calls']:,.0f} calls and at least "
            f"{bd['a_naive_seconds']:,.0f} s ({bd['a_naive_seconds'] / 3600:.1f} h) at {lat:.0f} ms."
        )
    else:
        a_compare = "-"
        seq_line = "Sequential baseline skipped (`--sequential-records 0`)."
    b_compare = (
        f"one upload per address: {bd['b_naive_calls']:,.0f} Act-On calls, ≥ {bd['b_naive_seconds']:,.0f} s"
    )
    lines = [
        "## Opt-outs both ways (`netsuite_acton_optouts`: reads, plan, writes)",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, {os.cpu_count()} cores shared "
        f"by the benchmark and both sandboxes (same cores, and whatever else runs on the machine), Python "
        f"{platform.python_version()}; load average before the run {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f} (1 / 5 / 15 min).  ",
        f"Each direction in a fresh world: NetSuite sandbox with {args.background:,} seeded background "
        f"contacts (their own opt-outs, {bg}, set back to Soft Opt-In so that exactly the benchmark's "
        f"{n:,} are opted out), {lat:.0f} ms latency, concurrency limit {conc} = the connection's "
        f"`max_concurrency`; Act-On sandbox with Act-On's limits ({ACTON_RATE} calls/s; the hook runs at "
        f"4 calls/s), {args.acton_latency_ms:.0f} ms latency; a temporary SQLite state store for the Act-On "
        "token (one password login per direction, counted in the calls). Setup through the admin APIs is not "
        "measured.  ",
        f"Bound = the least time the APIs allow for the calls the job needs, step after step: "
        f"ceil(NetSuite calls / {conc}) x {lat:.0f} ms (never more than {conc} in flight) and, for Act-On, "
        f"floor((calls - 1) / {ACTON_RATE}) s + {args.acton_latency_ms:.0f} ms ({ACTON_RATE} calls in any "
        "sliding second).",
        "",
        f"| {n:,} opt-outs | NetSuite calls (bound) | Act-On calls (bound) | seconds | opt-outs/s "
        "| bound | % of bound | simple way |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| Act-On → NetSuite | {a.netsuite_calls:,} ({bd['a_netsuite']:,.0f}) | {a.acton_calls} "
        f"({bd['a_acton']:,.0f}) | {a.seconds:.1f} | {n / a.seconds:.1f} | {bd['a_seconds']:.1f} s "
        f"| **{a_share:.0f}%** | {a_compare} |",
        f"| NetSuite → Act-On | {b.netsuite_calls:,} ({bd['b_netsuite']:,.0f}) | {b.acton_calls} "
        f"({bd['b_acton']:,.0f}) | {b.seconds:.1f} | {n / b.seconds:,.0f} | {bd['b_seconds']:.2f} s "
        f"| **{b_share:.0f}%** | {b_compare} |",
        "",
        f"### Act-On → NetSuite: {n:,} Act-On opt-outs, their contacts from Soft Opt-In (1) to Soft "
        "Opt-Out (2)",
        "",
        "| step | rows out | NetSuite calls | Act-On calls | seconds | bound |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        phase_row(read_a, bd["a_read_seconds"]),
        phase_row(lookup, bd["a_lookup_seconds"]),
        phase_row(a.phase("plan"), 0.0),
        phase_row(patch, bd["a_patch_seconds"]),
        f"| **total** | {n:,} | **{a.netsuite_calls:,}** | **{a.acton_calls}** | **{a.seconds:.1f}** "
        f"| {bd['a_seconds']:.1f} |",
        "",
        f"Calls: Act-On 1 token + {read_a.acton - 1} pages of {CONSENT_PAGE:,} (floor(N/1,000) + 1: the list "
        "states no total, so the read ends at the first short page, an empty one when N is a multiple of "
        f"1,000). NetSuite ceil({n:,}/{LOOKUP_BATCH}) x {types} record types = {bd['lookups']:,.0f} lookup "
        f"queries ({n * types:,} if looked up one address at a time) + {patch.netsuite:,} PATCHes, one per "
        f"record: NetSuite's REST record API has no bulk update.  ",
        f"PATCH rate {patch_rate:.1f}/s against the bound of {patch_bound:g}/s ({conc} / {lat / 1000:g} s): "
        f"**{100 * patch_rate / patch_bound:.0f}%**; lookups {lookup.seconds:.1f} s, "
        f"{1000 * lookup.seconds / max(1, lookup.netsuite):.0f} ms per query, up to {conc} in flight.  ",
        f"Landed: {a.checks['landed']:,} contacts at status 2 afterwards (SuiteQL count), "
        f"{a.checks['failed']} failed writes. NetSuite sandbox: {ns_a.get('total_requests', 0):,} requests, "
        f"{ns_a.get('throttled_429', 0)} 429s, at most {ns_a.get('max_in_flight', 0)} in flight. Act-On "
        f"sandbox: {ao_a.get('api_calls', 0)} calls, {ao_a.get('rejected_429_rate', 0)} 429s, busiest second "
        f"{ao_a.get('max_calls_in_1s', 0)} calls.  ",
        f"CPU: benchmark {a.client_cpu:.1f} s, NetSuite sandbox {a.netsuite_cpu:.1f} s, Act-On sandbox "
        f"{a.acton_cpu:.1f} s; peak RSS growth {a.peak_rss_mb:.0f} MB.",
        "",
        seq_line,
        "",
        f"### NetSuite → Act-On: {n:,} contacts at Soft Opt-Out (2) onto Act-On's opt-out list",
        "",
        "| step | rows out | NetSuite calls | Act-On calls | seconds | bound |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        phase_row(read_b, bd["b_read_seconds"]),
        phase_row(b.phase("plan"), 0.0),
        phase_row(upload, bd["b_upload_seconds"]),
        f"| **total** | {n:,} | **{b.netsuite_calls:,}** | **{b.acton_calls}** | **{b.seconds:.1f}** "
        f"| {bd['b_seconds']:.2f} |",
        "",
        f"Calls: NetSuite ceil({n:,}/1,000) keyset pages of contacts + 1 page for customers (none opted out: "
        f"one query answers that); Act-On 1 token + ceil(N/{OPTOUT_BATCH:,}) = {bd['uploads']:,.0f} CSV "
        f"upload. One call per address instead would cost {bd['b_naive_calls']:,.0f} Act-On calls "
        f"({100 * bd['b_naive_calls'] / 30_000:.0f}% of the 30,000 a day), at least "
        f"{bd['b_naive_seconds']:,.0f} s at {ACTON_RATE} calls/s.  ",
        f"Arrived: {b.checks['arrived']:,} of the {n:,} addresses on `GET /_sandbox/optouts` "
        f"({b.checks['listed']:,} listed; Act-On rejected {b.checks['rejected']}, "
        f"{b.checks['quarantined']} quarantined by the plan). NetSuite sandbox: "
        f"{ns_b.get('total_requests', 0)} requests, {ns_b.get('throttled_429', 0)} 429s. Act-On sandbox: "
        f"{ao_b.get('api_calls', 0)} calls, {ao_b.get('rejected_429_rate', 0)} 429s.  ",
        f"CPU: benchmark {b.client_cpu:.1f} s, NetSuite sandbox {b.netsuite_cpu:.1f} s, Act-On sandbox "
        f"{b.acton_cpu:.1f} s; peak RSS growth {b.peak_rss_mb:.0f} MB.  ",
        f"Not in these figures: the DAG's `plan` step also looks up every address it settles, NetSuite's own "
        f"opt-outs included (other records holding the address may be at 1 or 3): for these {n:,} that is "
        f"{dag_lookup.netsuite} more SuiteQL queries, {dag_lookup.seconds:.1f} s (measured apart, after the "
        "upload).",
        "",
        interpretation(args, a, b, bd),
    ]
    return "\n".join(lines)


def phase_row(p: Phase, bound: float) -> str:
    return f"| {p.name} | {p.rows:,} | {p.netsuite:,} | {p.acton:,} | {p.seconds:.1f} | {bound:.2f} |"


def interpretation(args: argparse.Namespace, a: Direction, b: Direction, bd: dict[str, float]) -> str:
    lat, conc = args.netsuite_latency_ms, args.concurrency
    patch = a.phase("PATCH Soft Opt-Out")
    lookup = a.phase("look up NetSuite records")
    read_b = b.phase("read NetSuite opt-outs")
    upload = b.phase("upload to Act-On")
    lookup_over = lookup.seconds - bd["a_lookup_seconds"]
    read_over = read_b.seconds - bd["b_read_seconds"]
    per_page = 1000 * read_b.seconds / max(1, read_b.netsuite)
    return (
        f"**Where the time goes.** Act-On → NetSuite is PATCH-bound: {100 * patch.seconds / a.seconds:.0f}% "
        f"of the run is the {patch.netsuite:,} PATCHes, each holding one of the {conc} slots for the "
        f"{lat:.0f} ms latency. The lookups are few ({lookup.netsuite} queries, up to {conc} in flight): "
        f"{lookup.seconds:.1f} s against a bound of {bd['a_lookup_seconds']:.1f} s, {lookup_over:.1f} s "
        f"({100 * lookup_over / a.seconds:.0f}% of the run) of the gap to the bound. "
        f"NetSuite → Act-On takes {b.netsuite_calls + b.acton_calls} calls; {read_b.netsuite} keyset pages "
        f"read one after another ({per_page:.0f} ms each against {lat:.0f} ms latency) are "
        f"{100 * read_b.seconds / b.seconds:.0f}% of it: `opted_out_since` pages by `id > last` in one "
        f"stream, where the contact extraction splits id ranges across the {conc} slots ({read_over:.1f} s "
        f"above the bound). The upload ({upload.seconds:.1f} s with the token) is answered at once, no job "
        "to poll. Act-On's calls stay far below its per-second and daily limits in both directions; the only "
        "calls that grow one for one with the opt-outs are NetSuite's PATCHes."
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python -m benchmarks.optouts " + " ".join(argv if argv is not None else sys.argv[1:])
    load = os.getloadavg()
    print(f"Act-On → NetSuite: {args.optouts:,} opt-outs ...", flush=True)
    a, seq, background = acton_to_netsuite(args)
    print(
        f"  {a.seconds:.1f} s, NetSuite {a.netsuite_calls:,} calls, Act-On {a.acton_calls} calls; "
        f"checks {a.checks}; sequential {seq}",
        flush=True,
    )
    print(f"NetSuite → Act-On: {args.optouts:,} opt-outs ...", flush=True)
    b = netsuite_to_acton(args)
    print(
        f"  {b.seconds:.1f} s, NetSuite {b.netsuite_calls:,} calls, Act-On {b.acton_calls} calls; "
        f"checks {b.checks}",
        flush=True,
    )
    text = markdown(args, a, seq, b, background, command.strip(), load)
    print(text)
    if not args.no_doc:
        print(f"Updated {update_doc_section(DOC_KEY, text)}")
    n = args.optouts
    correct = (
        a.checks["landed"] == n
        and a.checks["failed"] == 0
        and b.checks["arrived"] == n
        and int(a.netsuite_stats.get("throttled_429", 0)) == 0
        and int(b.acton_stats.get("rejected_429_rate", 0)) == 0
    )
    return 0 if correct else 1


if __name__ == "__main__":
    raise SystemExit(main())
