"""Benchmark the reverse DAG's NetSuite writes beside the scores: lead creation and ``reverse.fields``.

Starts ``python -m sandbox.netsuite`` with enough contacts, a per-request latency and a concurrency limit
(the connection's ``max_concurrency`` is the whole limit), a temporary SQLite state store, then:

1. **Lead creation** (``reverse.create_leads``): N new addresses planned as the ``plan_leads`` step does
   (``CreatedLeads.created``, ``NetSuiteConsent.records_by_email``, ``plan_leads``) and created as the
   ``create_leads`` step does: ``LeadCreator.create`` (claim in ``nas_created_leads`` → POST one customer →
   record the id) for every row, ``max_concurrency`` workers through ``read_in_parallel``. Reports
   creates/s beside the bound (limit / latency: 5 / 0.2 s = 25/s) and a sequential baseline (one worker,
   a smaller sample, extrapolated), the 429s, failures and peak RSS growth, also at N/4 (memory must not
   grow with N). Then a **rerun** of the same addresses under a new run id: the plan, and the create step
   given the same rows anyway, must make no POST (the sandbox's ``creates`` counter): asserted.
2. **reverse.fields**: M contacts x 3 custom fields (integer and text ``always``, date ``if_empty``, a
   share of them already filled in NetSuite): ``drop_filled`` (SuiteQL reads, 500 ids per query) then
   ``push_field_values`` (one PATCH per record carrying all its fields), against the naive way, one
   ``update_records`` per field (one PATCH per field value), measured on other contacts and extrapolated
   to the same field values.

Writes its section of docs/benchmarks.md.

    python -m benchmarks.reverse_writes                        # 2,000 leads, 10,000 x 3 fields (~15 min)
    python -m benchmarks.reverse_writes --quick --no-doc       # a quick look (< 60 s)
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import requests

from benchmarks.common import RssSampler, admin, cpu_seconds, update_doc_section, use_connection
from netsuite_acton.client.parallel import read_in_parallel
from netsuite_acton.hooks.netsuite import NetSuiteHook, RecordUpdateResult
from netsuite_acton.operators.create_leads import RESULT_COLUMNS as LEAD_RESULT_COLUMNS
from netsuite_acton.operators.create_leads import LeadCreator
from netsuite_acton.sources.netsuite_consent import NetSuiteConsent
from netsuite_acton.sources.netsuite_field_values import READ_BATCH, drop_filled, push_field_values
from netsuite_acton.sources.netsuite_leads import NetSuiteLeads
from netsuite_acton.state import StateStore
from netsuite_acton.state.leads import CreatedLeads
from netsuite_acton.sync.cleaning import canonical_email
from netsuite_acton.sync.contract import CONTACT_RECORD
from netsuite_acton.sync.field_values import FIELD_UPDATE_COLUMNS, typed
from netsuite_acton.sync.leads import LEAD_COLUMNS, LeadPlan, lead_candidates, plan_leads
from sandbox.launcher import SandboxProcess

CONN_ID = "netsuite_default"
DOC_KEY = "reverse-writes"
LEAD_STATUS = "Unqualified"  # reverse.create_leads.entity_status, resolved as plan_leads does
CLAIM_TIMEOUT = timedelta(minutes=60)  # reverse.create_leads.claim_timeout_minutes' default
LEAD_DOMAIN = "leads.example.com"
SUITEQL_ROUTE = "POST /services/rest/query/v1/suiteql"
CREATE_ROUTE = "POST /services/rest/record/v1/customer"
#: (field id, type, policy): what ``reverse.fields`` entries for contacts would produce.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("custentity_bench_rating", "integer", "always"),
    ("custentity_bench_segment", "text", "always"),
    ("custentity_bench_first_touch", "date", "if_empty"),
)
IF_EMPTY_FIELD = FIELDS[2][0]
PREFILLED_VALUE = "2020-01-01"  # what a salesperson typed before the sync: must stay
SEGMENTS = ("Enterprise", "Mid-market", "SMB", "Public sector", "Partner")
ID_PAGE_QUERY = "SELECT c.id FROM contact c WHERE c.id > {after} ORDER BY c.id"
FULL = {
    "leads": 2_000,
    "sequential_leads": 100,
    "records": 10_000,
    "naive_records": 2_000,
    "latency_ms": 200.0,
    "verify_sample": 300,
}
QUICK = {
    "leads": 200,
    "sequential_leads": 20,
    "records": 300,
    "naive_records": 100,
    "latency_ms": 20.0,
    "verify_sample": 100,
}


@dataclass
class Counts:
    """What the sandbox saw between two ``GET /_sandbox/stats`` (after a stats reset: since it)."""

    requests: int = 0
    posts: int = 0
    creates: int = 0
    create_failures: int = 0
    patches: int = 0
    suiteql: int = 0
    throttled: int = 0
    max_in_flight: int = 0

    @classmethod
    def between(cls, before: dict[str, Any] | None, after: dict[str, Any]) -> Counts:
        def moved(stats: dict[str, Any] | None, key: str, route: str | None = None) -> int:
            if stats is None:
                return 0
            if route is not None:
                return sum(int(n) for n in stats["requests"].get(route, {}).values())
            return int(stats[key])

        def delta(key: str, route: str | None = None) -> int:
            return moved(after, key, route) - moved(before, key, route)

        return cls(
            requests=delta("total_requests"),
            posts=delta("", CREATE_ROUTE),
            creates=delta("creates"),
            create_failures=delta("create_failures"),
            patches=delta("patches"),
            suiteql=delta("", SUITEQL_ROUTE),
            throttled=delta("throttled_429"),
            max_in_flight=int(after["max_in_flight"]),
        )


@dataclass
class Run:
    """One measured batch of writes (leads created, or records PATCHed)."""

    label: str
    workers: int
    latency_ms: float
    bound: float  # writes per second the API allows: limit / latency
    items: int = 0
    seconds: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)
    peak_rss_mb: float = 0.0
    marks: dict[str, float] = field(default_factory=dict)
    client_cpu: float = 0.0
    sandbox_cpu: float = 0.0
    extrapolate_to: int = 0
    writes: int = 0  # POSTs or PATCHes this run needed

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    @property
    def writes_per_second(self) -> float:
        return self.writes / self.seconds if self.seconds else 0.0

    @property
    def share(self) -> float:
        return 100 * self.writes_per_second / self.bound if self.bound else 0.0

    def cpu_ms_per_request(self, seconds: float) -> float:
        return 1000 * seconds / max(1, self.counts.requests)

    def extrapolated_seconds(self) -> float:
        return self.extrapolate_to / self.per_second if self.per_second else 0.0


@dataclass
class Rerun:
    """The second pass over the same addresses: what the plan and the create step did, what NetSuite saw."""

    addresses: int = 0
    already_created: int = 0
    to_create: int = 0
    plan_counts: Counts = field(default_factory=Counts)
    claims: dict[str, int] = field(default_factory=dict)
    create_counts: Counts = field(default_factory=Counts)


@dataclass
class LeadResults:
    status: str = ""
    plan_seconds: float = 0.0
    plan_counts: Counts = field(default_factory=Counts)
    planned: int = 0
    known: int = 0
    runs: list[Run] = field(default_factory=list)
    warmup: int = 0
    rerun: Rerun = field(default_factory=Rerun)
    customers_added: int = 0
    leads_created: int = 0
    checked: int = 0
    wrong: int = 0


@dataclass
class FieldResults:
    records: int = 0
    values: int = 0
    prefilled: int = 0
    read: Run | None = None
    dropped: int = 0
    grouped: Run | None = None
    naive: Run | None = None
    naive_values: int = 0
    checked: int = 0
    wrong: int = 0
    overwritten: int = 0
    traced_mb: dict[int, float] = field(default_factory=dict)  # records -> push_field_values' traced peak


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes and 20 ms latency (< 60 s)")
    parser.add_argument("--leads", type=int, help=f"new leads to create (default {FULL['leads']:,})")
    parser.add_argument("--sequential-leads", type=int, help="leads for the one-at-a-time baseline; 0 skips")
    parser.add_argument(
        "--records", type=int, help=f"contacts whose 3 fields are pushed (default {FULL['records']:,})"
    )
    parser.add_argument(
        "--naive-records", type=int, help="other contacts pushed one PATCH per field; 0 skips"
    )
    parser.add_argument(
        "--prefilled", type=float, default=0.2, help="share already holding the if_empty field"
    )
    parser.add_argument("--latency-ms", type=float)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=5,
        help="the sandbox account's limit and the hook's max_concurrency",
    )
    parser.add_argument("--verify-sample", type=int, help="records and leads read back afterwards")
    parser.add_argument("--contacts", type=int, default=None, help="default: enough for the fields + 500")
    parser.add_argument("--seed", type=int, default=7, help="seed of the pushed values")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.leads < 4:
        parser.error("--leads must be at least 4 (a quarter of them is measured too)")
    needed = args.records + args.naive_records
    args.contacts = args.contacts or needed + 500
    if args.contacts < needed:
        parser.error(f"--contacts must be at least {needed:,} (records + naive records)")
    return args


def fresh_hook() -> NetSuiteHook:
    hook = NetSuiteHook(CONN_ID)
    hook.get_conn()  # read the connection before the clock starts
    return hook


@contextmanager
def measured(run: Run, sandbox: SandboxProcess) -> Iterator[RssSampler]:
    """Time, CPU (here and in the sandbox) and peak RSS of the block; the sandbox's counts since it began."""
    base_url = sandbox.base_url
    server = psutil.Process(sandbox.proc.pid) if sandbox.proc else None
    admin(base_url, "POST", "reset", json={"stats_only": True})
    server_cpu = cpu_seconds(server)
    with RssSampler() as rss:
        client_cpu = time.process_time()
        started = time.perf_counter()
        yield rss
        run.seconds = time.perf_counter() - started
        run.client_cpu = time.process_time() - client_cpu
        run.sandbox_cpu = cpu_seconds(server) - server_cpu
    run.peak_rss_mb = rss.peak_growth_mb
    run.marks = dict(rss.marks)
    run.counts = Counts.between(None, admin(base_url, "GET", "stats"))


# -- 1. leads ---------------------------------------------------------------------------------------


def lead_rows(tag: str, count: int, seed: int) -> pd.DataFrame:
    """``count`` Act-On list rows (the lead headings: email, names, phone, company) NetSuite does not know."""
    rng = np.random.default_rng(seed)
    first = np.array(["Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Donald", "Frances"])
    last = np.array(["Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen"])
    company = np.array(["Analytical Engines", "Navy Labs", "", "Compilers Inc", "", "Example GmbH"])
    return pd.DataFrame(
        {
            "email": [f"{tag}-{i:06d}@{LEAD_DOMAIN}" for i in range(count)],
            "first_name": rng.choice(first, count),
            "last_name": rng.choice(last, count),
            "phone": [f"(415) 555-{n:04d}" for n in rng.integers(0, 10_000, count)],
            "company": rng.choice(company, count),
        }
    ).loc[:, list(LEAD_COLUMNS)]


def plan(hook: NetSuiteHook, state: StateStore, rows: pd.DataFrame, max_per_run: int) -> LeadPlan:
    """What ``PlanLeadsOperator`` does between reading the list and writing ``leads_to_create``."""
    candidates = lead_candidates(rows, {role: role for role in LEAD_COLUMNS})
    emails = list(candidates.frame["email"])
    created = CreatedLeads(state.engine).created(emails)
    ask = [email for email in emails if email not in created]
    found = NetSuiteConsent(hook).records_by_email(ask) if ask else pd.DataFrame({"email": []})
    known = set(canonical_email(found["email"]).dropna())
    return plan_leads(
        candidates.frame,
        known=known,
        created=set(created),
        opted_out=state.opted_out_addresses(emails),
        max_per_run=max_per_run,
    )


def create(
    hook: NetSuiteHook,
    state: StateStore,
    to_create: pd.DataFrame,
    status_id: str,
    run_id: str,
    workers: int,
    rss: RssSampler | None = None,
) -> pd.DataFrame:
    """What ``CreateLeadsOperator._create`` does: ``LeadCreator.create`` per row, ``workers`` at a time.

    ``rss`` gets a mark at each quarter of the outcomes, to show whether memory grows along the run.
    """
    creator = LeadCreator(
        NetSuiteLeads(hook),
        CreatedLeads(state.engine),
        run_id=run_id,
        status_id=status_id,
        subsidiary=None,
        timeout=CLAIM_TIMEOUT,
    )
    rows = to_create.to_dict("records")
    total = len(rows)
    lock = threading.Lock()

    def take() -> dict[str, Any] | None:
        with lock:
            return rows.pop(0) if rows else None

    quarters = {math.ceil(total * q / 4): f"{25 * q}%" for q in range(1, 5)}
    outcomes = []
    for outcome in read_in_parallel(
        take, lambda row: [creator.create(row)], workers, thread_name_prefix="lead"
    ):
        outcomes.append(outcome)
        if rss is not None and len(outcomes) in quarters:
            rss.mark(quarters[len(outcomes)])
    return pd.DataFrame(outcomes, columns=list(LEAD_RESULT_COLUMNS))


def measure_leads(
    run: Run,
    sandbox: SandboxProcess,
    state: StateStore,
    to_create: pd.DataFrame,
    status_id: str,
    run_id: str,
) -> pd.DataFrame:
    hook = fresh_hook()
    with measured(run, sandbox) as rss:
        results = create(hook, state, to_create, status_id, run_id, run.workers, rss)
    ok = results["outcome"].isin(["created", "recovered"])
    run.items = int(ok.sum())
    run.writes = run.counts.posts
    run.failures = results.loc[~ok, "error_code"].fillna(results.loc[~ok, "outcome"]).value_counts().to_dict()
    return results


def verify_leads(base_url: str, created: pd.DataFrame, sample: int, seed: int) -> tuple[int, int]:
    """(addresses read back, addresses without exactly one individual LEAD customer of the recorded id)."""
    picked = created.sample(n=min(sample, len(created)), random_state=seed)
    wrong = 0
    with requests.Session() as session:
        for email, customer_id in zip(picked["email"], picked["customer_id"], strict=True):
            response = session.get(f"{base_url}/_sandbox/customers", params={"email": email}, timeout=60)
            response.raise_for_status()
            found = response.json()
            good = (
                len(found) == 1
                and str(found[0]["id"]) == str(customer_id)
                and str(found[0].get("stage", "")).upper() == "LEAD"
                and str(found[0].get("isperson")).upper() in ("T", "TRUE")
            )
            wrong += not good
    return len(picked), wrong


def bench_leads(args: argparse.Namespace, sandbox: SandboxProcess, state: StateStore) -> LeadResults:
    base_url = sandbox.base_url
    out = LeadResults()
    bound = args.concurrency / (args.latency_ms / 1000)
    customers_before = int(admin(base_url, "GET", "health")["customers"])
    hook = fresh_hook()
    status = NetSuiteLeads(hook).resolve_status(LEAD_STATUS)
    out.status = f"{status.id} {status.name!r}"

    # warm-up (imports, connection pools, the state store's statements): not reported
    warm = lead_rows("warmup", min(20, args.leads), args.seed)
    create(fresh_hook(), state, warm, status.id, "bench__warmup", args.concurrency)
    out.warmup = len(warm)

    quarter_rows = lead_rows("quarter", args.leads // 4, args.seed + 1)
    main_rows = lead_rows("lead", args.leads, args.seed + 2)

    # the plan step on the main addresses (lookups), timed apart
    admin(base_url, "POST", "reset", json={"stats_only": True})
    started = time.perf_counter()
    planned = plan(fresh_hook(), state, main_rows, max_per_run=args.leads)
    out.plan_seconds = time.perf_counter() - started
    out.plan_counts = Counts.between(None, admin(base_url, "GET", "stats"))
    out.planned, out.known = len(planned.to_create), planned.counts["leads:known_in_netsuite"]

    quarter_plan = plan(fresh_hook(), state, quarter_rows, max_per_run=len(quarter_rows)).to_create
    quarter = Run("concurrent, N/4", args.concurrency, args.latency_ms, bound)
    measure_leads(quarter, sandbox, state, quarter_plan, status.id, "bench__quarter")
    print(summary(quarter, "creates"), flush=True)
    main_run = Run("concurrent", args.concurrency, args.latency_ms, bound)
    results = measure_leads(main_run, sandbox, state, planned.to_create, status.id, "bench__first")
    print(summary(main_run, "creates"), flush=True)
    out.runs = [main_run, quarter]
    if args.sequential_leads:
        sequential = Run("sequential", 1, args.latency_ms, bound, extrapolate_to=args.leads)
        rows = lead_rows("sequential", args.sequential_leads, args.seed + 3)
        rows = plan(fresh_hook(), state, rows, max_per_run=len(rows)).to_create
        measure_leads(sequential, sandbox, state, rows, status.id, "bench__sequential")
        print(summary(sequential, "creates"), flush=True)
        out.runs.append(sequential)

    # the rerun: same addresses, a new run; the plan leaves them out, and the create step given the same
    # rows anyway (a stale plan, two runs at once) finds every claim already created
    rerun = out.rerun
    rerun.addresses = len(main_rows)
    before = admin(base_url, "GET", "stats")
    replanned = plan(fresh_hook(), state, main_rows, max_per_run=args.leads)
    middle = admin(base_url, "GET", "stats")
    rerun.already_created = replanned.counts["leads:already_created"]
    rerun.to_create = len(replanned.to_create)
    again = create(fresh_hook(), state, planned.to_create, status.id, "bench__rerun", args.concurrency)
    after = admin(base_url, "GET", "stats")
    rerun.plan_counts = Counts.between(before, middle)
    rerun.create_counts = Counts.between(middle, after)
    rerun.claims = again["claim"].value_counts().to_dict()
    print(
        f"Rerun of {rerun.addresses:,} addresses: plan {rerun.already_created:,} already created, "
        f"{rerun.to_create} to create, {rerun.plan_counts.requests} NetSuite requests; create step on the "
        f"same rows: claims {rerun.claims}, POSTs {rerun.create_counts.posts}, sandbox creates "
        f"{rerun.create_counts.creates}, requests {rerun.create_counts.requests}",
        flush=True,
    )
    assert rerun.to_create == 0, f"the rerun planned {rerun.to_create} creates"
    assert rerun.create_counts.creates == 0, f"the rerun created {rerun.create_counts.creates} customers"
    assert rerun.create_counts.posts == 0, f"the rerun sent {rerun.create_counts.posts} POSTs"
    assert rerun.plan_counts.posts == 0, f"the rerun's plan sent {rerun.plan_counts.posts} POSTs"

    out.leads_created = sum(run.items for run in out.runs) + out.warmup
    out.customers_added = int(admin(base_url, "GET", "health")["customers"]) - customers_before
    created = results.loc[results["outcome"].eq("created")]
    out.checked, out.wrong = verify_leads(base_url, created, args.verify_sample, args.seed)
    print(
        f"Customers added {out.customers_added:,} for {out.leads_created:,} leads created; read back "
        f"{out.checked:,}: {out.wrong} wrong",
        flush=True,
    )
    return out


# -- 2. reverse.fields ------------------------------------------------------------------------------


def contact_ids(hook: NetSuiteHook, count: int) -> list[str]:
    """The first ``count`` contact ids, read by key."""
    ids: list[str] = []
    after = 0
    while len(ids) < count:
        items = hook.suiteql(ID_PAGE_QUERY.format(after=after))["items"]
        if not items:
            break
        ids.extend(str(item["id"]) for item in items)
        after = int(items[-1]["id"])
    if len(ids) < count:
        raise RuntimeError(f"the sandbox has only {len(ids):,} contacts, {count:,} needed")
    return ids[:count]


def field_updates(record_ids: list[str], seed: int) -> pd.DataFrame:
    """A ``FIELD_UPDATE_COLUMNS`` frame (what the diff step hands the push): 3 fields per contact."""
    rng = np.random.default_rng(seed)
    n = len(record_ids)
    days = rng.integers(0, 365, n)
    values = {
        FIELDS[0][0]: [str(v) for v in rng.integers(0, 101, n)],
        FIELDS[1][0]: [
            f"{s} {k}" for s, k in zip(rng.choice(SEGMENTS, n), rng.integers(1, 10, n), strict=True)
        ],
        FIELDS[2][0]: [(datetime(2026, 1, 1) + timedelta(days=int(d))).date().isoformat() for d in days],
    }
    parts = [
        pd.DataFrame(
            {
                "record_type": CONTACT_RECORD,
                "record_id": record_ids,
                "field_id": field_id,
                "value": values[field_id],
                "field_type": field_type,
                "policy": policy,
            }
        )
        for field_id, field_type, policy in FIELDS
    ]
    return pd.concat(parts, ignore_index=True).loc[:, list(FIELD_UPDATE_COLUMNS)]


def push_naive(hook: NetSuiteHook, to_push: pd.DataFrame) -> pd.DataFrame:
    """The naive way: one ``update_records`` per field, so one PATCH per field value."""
    parts = []
    for (record_type, field_id, field_type), group in to_push.groupby(
        ["record_type", "field_id", "field_type"], sort=True
    ):
        updates = [
            (rid, {str(field_id): typed(str(v), str(field_type))})
            for rid, v in zip(group["record_id"], group["value"], strict=True)
        ]
        outcomes = hook.update_records(str(record_type), updates)
        parts.append(
            pd.DataFrame({"ok": [o.ok for o in outcomes], "error_code": [o.error_code for o in outcomes]})
        )
    return pd.concat(parts, ignore_index=True)


def failures_of(results: pd.DataFrame) -> dict[str, int]:
    ok = results["ok"].astype(bool)
    return results.loc[~ok, "error_code"].fillna("UNKNOWN").value_counts().to_dict()


def verify_fields(
    base_url: str, updates: pd.DataFrame, prefilled: set[str], sample: int, seed: int
) -> tuple[int, int, int]:
    """(records read back, records with a value other than expected, prefilled if_empty values changed)."""
    wide = updates.pivot(index="record_id", columns="field_id", values="value")
    picked = wide.sample(n=min(sample, len(wide)), random_state=seed)
    wrong = overwritten = 0
    with requests.Session() as session:
        for rid, row in picked.iterrows():
            response = session.get(f"{base_url}/_sandbox/contacts/{rid}", timeout=60)
            response.raise_for_status()
            stored = response.json()
            expected = {field_id: typed(str(row[field_id]), field_type) for field_id, field_type, _ in FIELDS}
            if rid in prefilled:
                expected[IF_EMPTY_FIELD] = PREFILLED_VALUE
                overwritten += str(stored.get(IF_EMPTY_FIELD))[:10] != PREFILLED_VALUE
            bad = any(
                str(stored.get(field_id))[:10] != str(value)[:10]
                if isinstance(value, str)
                else stored.get(field_id) != value
                for field_id, value in expected.items()
            )
            wrong += bad
    return len(picked), wrong, overwritten


class _AcceptingHook:
    """The hook without HTTP, every PATCH accepted: to see what ``push_field_values`` itself holds."""

    def update_records(self, record_type: str, updates: Any) -> list[RecordUpdateResult]:
        return [RecordUpdateResult(record_type, str(rid), True, 204) for rid, _ in updates]


def traced_peak_mb(updates: pd.DataFrame) -> float:
    """Peak Python allocations (tracemalloc) of ``push_field_values`` itself, the hook's HTTP left out."""
    tracemalloc.start()
    try:
        push_field_values(_AcceptingHook(), updates)  # type: ignore[arg-type]
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def bench_fields(args: argparse.Namespace, sandbox: SandboxProcess) -> FieldResults:
    base_url = sandbox.base_url
    out = FieldResults()
    bound = args.concurrency / (args.latency_ms / 1000)
    for field_id, field_type, _ in FIELDS:
        admin(base_url, "POST", "fields", json={"record_type": "contact", "id": field_id, "type": field_type})
    ids = contact_ids(fresh_hook(), args.records + args.naive_records)
    main_ids, naive_ids = ids[: args.records], ids[args.records :]
    updates = field_updates(main_ids, args.seed)
    out.records, out.values = len(main_ids), len(updates)

    # setup at no latency: a share of the records already holds the if_empty field (a salesperson's entry)
    rng = np.random.default_rng(args.seed + 10)
    prefilled = sorted(
        str(rid) for rid in rng.choice(main_ids, round(args.prefilled * len(main_ids)), replace=False)
    )
    admin(base_url, "POST", "config", json={"latency_ms": 0})
    setup = fresh_hook().update_records(
        CONTACT_RECORD, [(rid, {IF_EMPTY_FIELD: PREFILLED_VALUE}) for rid in prefilled]
    )
    if not all(result.ok for result in setup):
        raise RuntimeError("setting the prefilled if_empty values failed")
    out.prefilled = len(prefilled)
    admin(base_url, "POST", "config", json={"latency_ms": args.latency_ms})

    # what the push step does: drop_filled, then push_field_values, one hook for both
    hook = fresh_hook()
    read = Run("drop_filled (if_empty read)", 1, args.latency_ms, bound)
    with measured(read, sandbox):
        kept, out.dropped = drop_filled(hook, updates)
    read.items = out.records
    read.writes = 0
    out.read = read
    print(
        f"drop_filled: {out.dropped:,} of {out.records:,} if_empty values left alone, "
        f"{read.counts.suiteql} SuiteQL calls in {read.seconds:.1f}s",
        flush=True,
    )
    grouped = Run("one PATCH per record", args.concurrency, args.latency_ms, bound)
    with measured(grouped, sandbox):
        results = push_field_values(hook, kept)
    grouped.items = int(results["record_id"].nunique())
    grouped.writes = grouped.counts.patches
    grouped.failures = failures_of(results)
    out.grouped = grouped
    print(summary(grouped, "records"), flush=True)

    if args.naive_records:
        naive_updates = field_updates(naive_ids, args.seed + 1)
        naive = Run("one PATCH per field (naive)", args.concurrency, args.latency_ms, bound)
        with measured(naive, sandbox):
            naive_results = push_naive(fresh_hook(), naive_updates)
        naive.items = len(naive_ids)
        naive.writes = naive.counts.patches
        naive.failures = failures_of(naive_results)
        out.naive, out.naive_values = naive, len(naive_updates)
        print(summary(naive, "records"), flush=True)

    # where the push's memory goes: push_field_values alone, at M/4 and M records (no HTTP, not timed)
    for count in (max(1, args.records // 4), args.records):
        out.traced_mb[count] = traced_peak_mb(updates.loc[updates["record_id"].isin(set(main_ids[:count]))])
    print(f"push_field_values alone, traced peak by records: {out.traced_mb}", flush=True)
    out.checked, out.wrong, out.overwritten = verify_fields(
        base_url, updates, set(prefilled), args.verify_sample, args.seed
    )
    print(
        f"Read back {out.checked:,} records: {out.wrong} wrong, "
        f"{out.overwritten} prefilled values overwritten",
        flush=True,
    )
    return out


# -- report -----------------------------------------------------------------------------------------


def summary(run: Run, unit: str) -> str:
    return (
        f"{run.label}: {run.items:,} {unit} in {run.seconds:.1f}s = {run.per_second:.1f}/s; "
        f"{run.writes:,} writes = {run.writes_per_second:.1f}/s ({run.share:.0f}% of {run.bound:g}/s), "
        f"{run.counts.requests:,} requests, {run.counts.throttled} 429s, {run.failed} failed, "
        f"max in flight {run.counts.max_in_flight}, peak RSS +{run.peak_rss_mb:.0f} MB"
    )


def lead_row(run: Run) -> str:
    seconds = f"{run.seconds:.1f}"
    if run.extrapolate_to:
        seconds += f" (→ {run.extrapolated_seconds():,.0f} for {run.extrapolate_to:,})"
    cells = [
        run.label, f"{run.latency_ms:.0f} ms", str(run.workers), f"{run.items:,}", seconds,
        f"{run.per_second:.1f}", f"{run.bound:g}", f"**{run.share:.0f}%**", f"{run.counts.posts:,}",
        f"{run.counts.requests:,}", str(run.counts.throttled), str(run.failed),
        str(run.counts.max_in_flight), f"{run.peak_rss_mb:.0f} MB",
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def lead_markdown(args: argparse.Namespace, leads: LeadResults) -> list[str]:
    main_run, quarter = leads.runs[0], leads.runs[1]
    rerun = leads.rerun
    lat = args.latency_ms / 1000
    lines = [
        "### Lead creation (`reverse.create_leads`: `LeadCreator.create`, claim → POST → record)",
        "",
        f"New addresses, none known to NetSuite, created as the `create_leads` step does: "
        f"`LeadCreator.create` per row (claim in `nas_created_leads`, `NetSuiteLeads.create_lead`: one "
        f"`POST customer`, record the new id), `max_concurrency` = {args.concurrency} workers through "
        f"`read_in_parallel`; status {leads.status} (resolved by `NetSuiteLeads.resolve_status`). "
        f"Bound = limit / latency ({args.concurrency} / {lat:g} s = {main_run.bound:g} creates/s): one POST "
        f"per lead. Each run uses its own addresses; {leads.warmup} leads were created first as a warm-up "
        "(not shown).",
        "",
        "| run | latency | workers | leads | seconds | creates/s | bound | % of bound | POSTs | requests "
        "| 429s | failures | max in flight | peak RSS growth |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *(lead_row(run) for run in leads.runs),
        f"| rerun, same {rerun.addresses:,} addresses | {args.latency_ms:.0f} ms | {args.concurrency} "
        f"| 0 created | - | - | - | - | **{rerun.plan_counts.posts + rerun.create_counts.posts}** "
        f"| {rerun.plan_counts.requests + rerun.create_counts.requests} | - | - | - | - |",
        "",
    ]
    if len(leads.runs) > 2:
        seq = leads.runs[2]
        lines.append(
            f"Sequential baseline: the same `LeadCreator.create` with one worker, measured on {seq.items:,} "
            f"other addresses and extrapolated to {args.leads:,} "
            f"({seq.extrapolated_seconds():,.0f} s against "
            f"{main_run.seconds:,.0f} s); the concurrent run is "
            f"{main_run.per_second / seq.per_second:.1f}x faster.  "
        )
    marks = ", ".join(f"{k}: +{v:.0f} MB" for k, v in main_run.marks.items())
    lines += [
        f"Plan step first (`CreatedLeads.created`, `NetSuiteConsent.records_by_email`, `plan_leads`; "
        f"`max_per_run` raised to {args.leads:,}, the YAML default is 500 per run): {leads.planned:,} to "
        f"create, {leads.known} known to NetSuite, {leads.plan_counts.suiteql} SuiteQL lookups (200 "
        f"addresses per query and record type) in {leads.plan_seconds:.1f} s.  ",
        f"Memory: peak RSS growth {main_run.peak_rss_mb:.0f} MB at N = {main_run.items:,} against "
        f"{quarter.peak_rss_mb:.0f} MB at N/4 = {quarter.items:,} (each from the start of its own run; the "
        f"N/4 run came first); RSS along the N run, from its start: {marks}.  ",
        f"Rerun of the same {rerun.addresses:,} addresses under a new run id: the plan found "
        f"{rerun.already_created:,} already created and {rerun.to_create} to create "
        f"({rerun.plan_counts.requests} NetSuite requests); the create step given the same rows anyway (a "
        f"stale plan, or two runs at once) claimed {_claims(rerun.claims)} and sent "
        f"{rerun.create_counts.posts} POSTs (the sandbox's `creates` counter moved by "
        f"{rerun.create_counts.creates}, its request count by {rerun.create_counts.requests}).  ",
        f"Landed: the sandbox holds {leads.customers_added:,} more customers for the {leads.leads_created:,} "
        f"leads created (warm-up included); {leads.checked:,} addresses read back through "
        f"`GET /_sandbox/customers?email=`, {leads.wrong} without exactly one individual LEAD customer of "
        "the recorded id.  ",
        f"CPU per request (N run): benchmark {main_run.cpu_ms_per_request(main_run.client_cpu):.1f} ms "
        "(claim and record in SQLite included), "
        f"sandbox {main_run.cpu_ms_per_request(main_run.sandbox_cpu):.1f} ms.",
        "",
        lead_interpretation(main_run, quarter, leads.runs[2] if len(leads.runs) > 2 else None),
        "",
    ]
    return lines


def _claims(claims: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {kind.replace('_', ' ')}" for kind, n in sorted(claims.items())) or "nothing"


def lead_interpretation(main_run: Run, quarter: Run, seq: Run | None) -> str:
    cycle_ms = 1000 * main_run.workers / main_run.per_second if main_run.per_second else 0.0
    cpu_ms = main_run.cpu_ms_per_request(main_run.client_cpu + main_run.sandbox_cpu)
    verdict = "meets" if main_run.share >= 80 else "falls short of"
    text = (
        f"At {main_run.per_second:.1f} creates/s lead creation {verdict} 80% of the bound "
        f"({main_run.share:.0f}%) with {main_run.counts.throttled} 429s: each of the {main_run.workers} "
        f"workers turns a lead around in {cycle_ms:.0f} ms against the {main_run.latency_ms:.0f} ms the "
        f"sandbox holds the POST; the rest is the round trip, the claim and the record (two SQLite "
        f"transactions and one read per lead) and the {cpu_ms:.1f} ms of CPU a request costs the benchmark "
        "and the sandbox together on the shared cores."
    )
    if seq is not None and seq.per_second:
        text += (
            f" One at a time it would take {seq.extrapolated_seconds():,.0f} s "
            f"({seq.per_second:.1f}/s, every lead paying the whole latency)."
        )
    marks = list(main_run.marks.values())
    along = max(marks) - min(marks) if marks else 0.0
    grows = main_run.peak_rss_mb - quarter.peak_rss_mb
    text += (
        " Memory is flat in N (peak growth no higher at N than at N/4, and no growth from the first to the "
        "last quarter of the N run): what the step keeps per lead is one result row for its results file "
        "(about 1 KB); the rows to create wait in one list the workers pop from."
        if grows < 8 and along < 8
        else f" Memory grows with N: {grows:+.0f} MB of peak growth from N/4 to N, {along:.0f} MB along "
        "the N run."
    )
    return text


def field_row(label: str, run: Run, values: int, bound_seconds: float, extra: str = "") -> str:
    seconds = f"{run.seconds:.{1 if run.seconds >= 10 else 2}f}{extra}"
    share = 100 * bound_seconds / run.seconds if run.seconds else 0.0
    cells = [
        label, f"{run.items:,}", f"{values:,}", seconds, f"{run.per_second:.1f}",
        f"{run.counts.requests:,} ({run.counts.patches:,} PATCH, {run.counts.suiteql} SuiteQL)",
        f"{bound_seconds:.1f} s", f"**{share:.0f}%**", str(run.counts.throttled), str(run.failed),
        str(run.counts.max_in_flight), f"{run.peak_rss_mb:.0f} MB",
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def field_markdown(args: argparse.Namespace, fields: FieldResults) -> list[str]:
    read, grouped, naive = fields.read, fields.grouped, fields.naive
    assert read is not None
    assert grouped is not None
    lat = args.latency_ms / 1000
    rate = args.concurrency / lat
    queries = math.ceil(fields.records / READ_BATCH)
    read_bound = math.ceil(queries / args.concurrency) * lat
    pushed_values = fields.values - fields.dropped
    field_list = ", ".join(f"`{f}` ({t}, {p})" for f, t, p in FIELDS)
    lines = [
        "### `reverse.fields` push (`drop_filled`, then `push_field_values`)",
        "",
        f"{fields.records:,} contacts x 3 custom fields: {field_list}; {fields.prefilled:,} of the records "
        f"({args.prefilled:.0%}) already hold the `if_empty` field (set before the run, at no latency). As "
        f"the `push` step does, with one hook: `drop_filled` reads the current `if_empty` values (SuiteQL, "
        f"{READ_BATCH} ids per query), then `push_field_values` sends one PATCH per record with all its "
        "fields. The naive way sends one PATCH per field value (`update_records` once per field). Bound = "
        f"ceil(calls / {args.concurrency}) x {args.latency_ms:.0f} ms: PATCHes at {rate:g}/s, the "
        f"{queries} reads if they ran {args.concurrency} at a time ({read_bound:.1f} s).",
        "",
        "| step | records | field values | seconds | records/s | requests | bound | % of bound | 429s "
        "| failures | max in flight | peak RSS growth |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        field_row("`drop_filled` (if_empty read)", read, fields.records, read_bound),
        field_row("`push_field_values`: one PATCH per record", grouped, pushed_values, grouped.writes / rate),
    ]
    naive_for_m = 0.0
    if naive is not None and naive.writes_per_second:
        naive_for_m = pushed_values / naive.writes_per_second
        lines.append(
            field_row(
                "naive: one PATCH per field",
                naive,
                fields.naive_values,
                naive.writes / rate,
                f" (→ {naive_for_m:,.0f} for the {pushed_values:,} values)",
            )
        )
    lines += [
        "",
        f"`drop_filled`: {fields.dropped:,} `if_empty` values left alone (NetSuite already held one; "
        f"{fields.prefilled:,} prefilled), {read.counts.suiteql} SuiteQL calls (ceil({fields.records:,} / "
        f"{READ_BATCH}) = {queries}) in {read.seconds:.1f} s, "
        f"{1000 * read.seconds / max(1, read.counts.suiteql):.0f} ms per call; `current_values` sends "
        f"them one after another, so at least {queries} x {args.latency_ms:.0f} ms = "
        f"{queries * lat:.1f} s.  ",
        f"Push: {pushed_values:,} field values in {grouped.counts.patches:,} PATCHes "
        f"({grouped.writes_per_second:.1f} PATCH/s, {grouped.share:.0f}% of {rate:g}/s).  ",
    ]
    if naive is not None and naive_for_m:
        lines.append(
            f"Naive: measured on {naive.items:,} other contacts ({fields.naive_values:,} values, "
            f"{naive.counts.patches:,} PATCHes, {naive.writes_per_second:.1f} PATCH/s) and extrapolated to "
            f"the same {pushed_values:,} values: {naive_for_m:,.0f} s against {grouped.seconds:,.0f} s, "
            f"{naive_for_m / grouped.seconds:.1f}x longer and {pushed_values / max(1, grouped.writes):.1f}x "
            "the calls.  "
        )
    lines += [
        f"Landed: {fields.checked:,} records read back through `GET /_sandbox/contacts/{{id}}`, "
        f"{fields.wrong} with a value other than expected, {fields.overwritten} prefilled `if_empty` "
        "values overwritten.  ",
        f"CPU per request (push): benchmark {grouped.cpu_ms_per_request(grouped.client_cpu):.1f} ms, "
        f"sandbox {grouped.cpu_ms_per_request(grouped.sandbox_cpu):.1f} ms.",
        "",
        field_interpretation(fields, naive_for_m, queries),
    ]
    return lines


def field_interpretation(fields: FieldResults, naive_for_m: float, queries: int) -> str:
    read, grouped = fields.read, fields.grouped
    assert read is not None
    assert grouped is not None
    total = read.seconds + grouped.seconds
    verdict = "meets" if grouped.share >= 80 else "falls short of"
    text = (
        f"The grouped push {verdict} 80% of the bound ({grouped.share:.0f}%): its cost is one PATCH per "
        f"record whatever the number of fields, so 3 fields cost what 1 does. "
        f"The `if_empty` read is {100 * read.seconds / total:.1f}% of the step ({read.seconds:.1f} of "
        f"{total:.1f} s); its {queries} queries run one at a time, which costs little beside "
        f"the PATCHes."
    )
    if naive_for_m:
        text += (
            f" One PATCH per field would take {naive_for_m:,.0f} s for the same values at the same "
            "concurrency: the saving is the number of fields per record, less the records whose "
            "`if_empty` value was dropped."
        )
    if len(fields.traced_mb) == 2:
        (small, small_mb), (large, large_mb) = sorted(fields.traced_mb.items())
        per_record_kb = 1024 * (large_mb - small_mb) / max(1, large - small)
        text += (
            f" Memory: the push's peak RSS growth is {grouped.peak_rss_mb:.0f} MB for {fields.records:,} "
            "records; `push_field_values` alone (a hook that accepts every PATCH without HTTP, tracemalloc) "
            f"peaks at {small_mb:.1f} MB for {small:,} records and {large_mb:.1f} MB for {large:,}: "
            f"{per_record_kb:.1f} KB per record, since it builds every record's PATCH body before the first "
            "PATCH and gathers every result into one frame (about "
            f"{100_000 * per_record_kb / 1024:,.0f} MB at 100,000 records); `hook.update_records` adds one "
            "future per record."
        )
    return text


def markdown(
    args: argparse.Namespace, leads: LeadResults, fields: FieldResults, command: str, load: tuple[float, ...]
) -> str:
    lines = [
        "## NetSuite writes of the reverse DAG: leads and `reverse.fields`",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, 2 shared cores (the benchmark, "
        f"the sandbox and whatever else runs on the machine), Python {platform.python_version()}; load "
        f"average before the run {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1 / 5 / 15 min).  ",
        f"Sandbox: {args.contacts:,} contacts, concurrency limit {args.concurrency} = the connection's "
        f"`max_concurrency`, latency {args.latency_ms:.0f} ms per request. State store: a temporary SQLite "
        "file (the embedded default), on the same disk.",
        "",
        *lead_markdown(args, leads),
        *field_markdown(args, fields),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python -m benchmarks.reverse_writes " + " ".join(argv if argv is not None else sys.argv[1:])
    load = os.getloadavg()
    sandbox_args = [
        "--contacts", str(args.contacts), "--latency-ms", "0", "--concurrency-limit", str(args.concurrency),
    ]  # fmt: skip
    print(f"Starting the NetSuite sandbox with {args.contacts:,} contacts ...", flush=True)
    with (
        SandboxProcess("sandbox.netsuite", sandbox_args, timeout=600) as sandbox,
        tempfile.TemporaryDirectory(prefix="reverse-writes-bench-") as folder,
    ):
        use_connection(sandbox.base_url)
        state = StateStore(f"sqlite:///{Path(folder) / 'state.db'}")
        fields = bench_fields(args, sandbox)  # sets the latency after its setup
        leads = bench_leads(args, sandbox, state)
        state.engine.dispose()
    text = markdown(args, leads, fields, command.strip(), load)
    print(text)
    if not args.no_doc:
        print(f"Updated {update_doc_section(DOC_KEY, text)}")
    failed = sum(run.failed for run in leads.runs) + sum(
        run.failed for run in (fields.grouped, fields.naive) if run is not None
    )
    correct = (
        failed == 0
        and leads.wrong == 0
        and leads.customers_added == leads.leads_created
        and fields.wrong == 0
        and fields.overwritten == 0
        and fields.dropped == fields.prefilled
    )
    return 0 if correct else 1


if __name__ == "__main__":
    raise SystemExit(main())
