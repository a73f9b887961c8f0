"""Leads created in NetSuite from an Act-On list (``reverse.create_leads``), end to end against the sandboxes.

Each test writes its own ``sync.yaml`` (the shipped one with ``reverse.create_leads`` set), fills an Act-On
list through the sandbox's admin API and runs the real reverse DAG (``dag.test()``), nothing patched. What
must hold: an address is created once, whatever happens (a rerun, an answer lost after the commit, two runs
at once), addresses NetSuite already holds (any case) are left alone, a dry run creates nothing, a wrong
status fails before anything is written, and the next forward run lists the new lead like any other.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
import requests
import yaml

from netsuite_acton.dag_settings import config_path
from netsuite_acton.operators.create_leads import (
    CreateLeadsOperator,
    PlanLeadsOperator,
    ReadLeadsListOperator,
)
from netsuite_acton.operators.folders import LEADS_TO_CREATE
from netsuite_acton.operators.staging import RunStaging
from netsuite_acton.state.leads import CreatedLeads
from tests.e2e.conftest import SyncEnv

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

FORWARD, REVERSE = "netsuite_contacts_to_acton", "acton_scores_to_netsuite"
SIGNUPS = "Webinar signups"
HEADINGS = ["E-mail Address", "First Name", "Last Name", "Company", "Business Phone"]
EMAIL, ID_HEADING, LEADS = "E-mail Address", "NetSuite Contact ID", "NetSuite Leads"
UNQUALIFIED = "6"  # the sandbox's first LEAD-stage customer status

NEW_PEOPLE = [
    {"E-mail Address": "Grace.Hopper@Example.org", "First Name": "Grace", "Last Name": "Hopper",
     "Company": "Navy Labs", "Business Phone": "(415) 555-0101"},
    {"E-mail Address": "alan.turing@example.org", "First Name": " Alan ", "Last Name": "Turing",
     "Company": "", "Business Phone": ""},
    {"E-mail Address": "katherine.johnson@example.org", "First Name": "Katherine", "Last Name": "Johnson",
     "Company": "NASA", "Business Phone": "+1 757 555 0199"},
]  # fmt: skip
NEW = [row[EMAIL].lower() for row in NEW_PEOPLE]


def _write_config(tmp_path: Path, **create_leads: Any) -> str:
    """The shipped sync.yaml with ``reverse.create_leads`` on for the signups list (keys override)."""
    config = yaml.safe_load(Path(config_path()).read_text(encoding="utf-8"))
    config["reverse"]["create_leads"] = {"list": SIGNUPS, "entity_status": "Unqualified", **create_leads}
    base = Path(config_path()).parent
    config["expectations"] = {k: str(base / v) for k, v in config["expectations"].items()}
    path = tmp_path / f"sync-{len(list(tmp_path.glob('sync-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return str(path)


def _signups(sync: SyncEnv, rows: list[dict[str, str]]) -> None:
    sync.post(sync.acton, "lists", {"name": SIGNUPS, "headings": HEADINGS, "records": rows})


def _customers(sync: SyncEnv, email: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{sync.netsuite}/_sandbox/customers", params={"email": email}, timeout=30)
    answer.raise_for_status()
    return answer.json()


def _run(sync: SyncEnv, dag_id: str = REVERSE, **params: Any) -> dict[str, Any]:
    state, report = sync.run(dag_id, **params)
    assert state == "success", report
    assert report is not None
    return report


def _creates(sync: SyncEnv) -> int:
    return int(sync.netsuite_stats().get("creates", 0))


def _known_people(sync: SyncEnv) -> tuple[str, str, str]:
    """A contact, a company and an individual customer NetSuite already holds, by (mixed-case) addresses."""
    now = datetime.now(UTC).isoformat()
    sync.post(
        sync.netsuite,
        "customers",
        [
            {
                "id": 8_300_000,
                "companyname": "Known Co",
                "stage": "CUSTOMER",
                "email": "Billing@KnownCo.example.org",
            }
        ],
    )
    sync.post(
        sync.netsuite,
        "contacts",
        [{"id": 8_300_001, "firstname": "Kay", "lastname": "Known", "email": "Kay.Known@example.org",
          "company": 8_300_000, "lastmodifieddate": now}],
    )  # fmt: skip
    sync.post(
        sync.netsuite,
        "customers",
        [{"id": 8_300_002, "isperson": True, "firstname": "Ida", "lastname": "Individual",
          "email": "ida.individual@example.org", "stage": "PROSPECT", "lastmodifieddate": now}],
    )  # fmt: skip
    return "KAY.KNOWN@EXAMPLE.ORG", "billing@knownco.example.org", "Ida.Individual@Example.org"


def test_leads_are_created_once_with_their_fields_and_the_next_forward_run_lists_them(
    sync_env: SyncEnv, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The real entry point (``dag.test()`` of both DAGs), nothing patched."""
    _run(sync_env, FORWARD)
    contact_email, company_email, individual_email = _known_people(sync_env)
    _signups(
        sync_env,
        [
            *NEW_PEOPLE,
            {EMAIL: contact_email, "First Name": "Kay", "Last Name": "Known"},
            {EMAIL: individual_email, "First Name": "Ida", "Last Name": "Individual"},
            {EMAIL: company_email, "First Name": "Bill", "Last Name": "Ing"},
            {EMAIL: "not-an-address", "First Name": "Bad", "Last Name": "Row"},
            {EMAIL: "GRACE.HOPPER@example.org", "First Name": "Grace", "Last Name": "Again"},
        ],
    )
    sync_env.config_path = _write_config(tmp_path)
    capfd.readouterr()
    report = _run(sync_env)
    logs = "".join(capfd.readouterr())

    grace, alan, katherine = (_customers(sync_env, email) for email in NEW)
    assert (len(grace), len(alan), len(katherine)) == (1, 1, 1)
    (lead,) = grace
    assert lead["isperson"] == "T"
    assert (lead["firstname"], lead["lastname"], lead["email"]) == ("Grace", "Hopper", NEW[0])
    assert (lead["phone"], lead["companyname"]) == ("(415) 555-0101", "Navy Labs")
    assert (str(lead["entitystatus"]), lead["stage"]) == (UNQUALIFIED, "LEAD")
    assert alan[0]["firstname"] == "Alan", "names are tidied"
    assert not alan[0].get("companyname"), "absent values are not sent"
    assert not alan[0].get("phone")
    # addresses NetSuite already held, in any case, were left alone
    assert len(_customers(sync_env, individual_email)) == 1
    assert [c["id"] for c in _customers(sync_env, company_email)] == [8_300_000]
    assert _customers(sync_env, contact_email) == []
    assert _creates(sync_env) == 3

    counters = report["counters"]
    assert counters["leads:known_in_netsuite"] == 3
    assert counters["leads:duplicate_rows"] == 1
    assert counters["leads:quarantined:email_invalid"] == 1
    assert counters["leads:created"] == 3
    assert report["loaded_appended"]["netsuite:lead"] == 3
    assert report["steps"]["create_leads"] == {"enabled": True, "attempted": 3, "failed": 0}
    created = CreatedLeads(sync_env.state.engine).created(NEW)
    assert created == {
        email: str(rows[0]["id"]) for email, rows in zip(NEW, (grace, alan, katherine), strict=True)
    }
    assert "Leads at status 6 'Unqualified'" in logs, "task logs were not captured"
    shown = logs.lower()
    assert not [email for email in (*NEW, contact_email.lower(), company_email) if email in shown], (
        "an address was logged"
    )

    # a rerun creates nothing new: every address is known now
    rerun = _run(sync_env)
    assert _creates(sync_env) == 3
    assert rerun["counters"]["leads:to_create"] == 0
    assert rerun["counters"]["leads:already_created"] == 3

    # the next forward run syncs each new lead like any other individual: into Leads, keyed by customer id
    _run(sync_env, FORWARD)
    rows = {str(r[EMAIL]).lower(): r for r in sync_env.acton_records(LEADS)}
    for email in NEW:
        assert rows[email][ID_HEADING] == f"customer:{created[email]}"
    assert (rows[NEW[0]]["First Name"], rows[NEW[0]]["Company"]) == ("Grace", "Navy Labs")
    assert rows[NEW[0]]["Business Phone"] == "+14155550101"
    assert rows[NEW[0]]["NetSuite Status"] == "Unqualified"


def test_a_lost_answer_still_yields_exactly_one_record_per_address(sync_env: SyncEnv, tmp_path: Path) -> None:
    _signups(sync_env, NEW_PEOPLE)
    sync_env.config_path = _write_config(tmp_path)
    sync_env.post(sync_env.netsuite, "config", {"lose_next_creates": ["502", "dropped"]})

    report = _run(sync_env)
    stats = sync_env.netsuite_stats()
    assert stats["faults"] == {"lost_create_502": 1, "lost_create_dropped": 1}, "both answers were lost"
    assert stats["creates"] == 3, "a create whose answer was lost was sent again"
    assert [len(_customers(sync_env, email)) for email in NEW] == [1, 1, 1]
    counters = report["counters"]
    assert (counters["leads:recovered"], counters["leads:created"]) == (2, 1)
    assert report["loaded_appended"]["netsuite:lead"] == 3
    ids = CreatedLeads(sync_env.state.engine).created(NEW)
    assert ids == {email: str(_customers(sync_env, email)[0]["id"]) for email in NEW}

    # and a rerun still creates nothing
    _run(sync_env)
    assert _creates(sync_env) == 3
    assert [len(_customers(sync_env, email)) for email in NEW] == [1, 1, 1]


def _context(run_id: str) -> dict[str, Any]:
    return {"dag": SimpleNamespace(dag_id=REVERSE), "run_id": run_id, "params": {}}


def test_two_runs_at_once_create_no_duplicates(sync_env: SyncEnv, tmp_path: Path) -> None:
    """Both runs plan the same addresses (neither sees the other's work), then create at the same time."""
    people = [
        {EMAIL: f"Racer.{n}@Example.org", "First Name": "Racer", "Last Name": f"No{n}"} for n in range(12)
    ]
    emails = [row[EMAIL].lower() for row in people]
    _signups(sync_env, people)
    config = _write_config(tmp_path)
    sync_env.post(sync_env.netsuite, "config", {"latency_ms": 60})  # creates overlap for a while
    common = {"config_path": config, "staging_root": f"file://{sync_env.staging_root}"}
    runs = {run_id: _context(run_id) for run_id in ("manual__racer_a", "manual__racer_b")}
    plans = {}
    for run_id, context in runs.items():
        ReadLeadsListOperator(task_id="read_leads", **common).execute(context)
        plans[run_id] = PlanLeadsOperator(task_id="plan_leads", **common).execute(context)
        assert plans[run_id]["to_create"] == len(people)

    start, outcomes, errors = threading.Barrier(2), {}, []

    def create(run_id: str) -> None:
        step = CreateLeadsOperator(task_id="create_leads", plan_result=plans[run_id], **common)
        try:
            start.wait()
            outcomes[run_id] = step.execute(runs[run_id])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(run_id,)) for run_id in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors

    assert [len(_customers(sync_env, email)) for email in emails] == [1] * len(emails)
    assert _creates(sync_env) == len(emails)
    results = pd.concat(
        RunStaging(common["staging_root"], REVERSE, run_id).read_step("lead_results") for run_id in runs
    )
    by_email = results.groupby("email")["outcome"].apply(sorted)
    for email in emails:
        outcome = by_email[email]  # both runs planned every address: one created it, the other did not
        assert len(outcome) == 2, (email, outcome)
        assert outcome.count("created") == 1, (email, outcome)
        assert set(outcome) - {"created"} <= {"held", "already_created"}, (email, outcome)
    assert sum(out["attempted"] for out in outcomes.values()) == len(emails), "one owner per address"
    ledger = CreatedLeads(sync_env.state.engine)
    assert sorted(ledger.created(emails).values()) == sorted(
        str(_customers(sync_env, email)[0]["id"]) for email in emails
    )


def test_dry_run_lists_what_would_be_created_and_creates_nothing(sync_env: SyncEnv, tmp_path: Path) -> None:
    _signups(sync_env, NEW_PEOPLE)
    sync_env.config_path = _write_config(tmp_path, max_per_run=2)

    report = _run(sync_env, dry_run=True)
    assert _creates(sync_env) == 0
    assert all(_customers(sync_env, email) == [] for email in NEW)
    assert CreatedLeads(sync_env.state.engine).rows() == []
    assert report["dry_run"] is True
    assert report["counters"]["would_create:leads"] == 2
    assert report["counters"]["leads:deferred"] == 1, "the third waits for a later run (max_per_run)"
    listed = report["steps"]["create_leads"]["listed_in"]
    staging = RunStaging(f"file://{sync_env.staging_root}", REVERSE, report["run_id"])
    assert listed == str(staging.step(LEADS_TO_CREATE))
    would = staging.read_step(LEADS_TO_CREATE)
    assert list(would["email"]) == NEW[:2]
    assert list(would["first_name"]) == ["Grace", "Alan"]

    # the real runs then create two, and the deferred one next time
    _run(sync_env)
    assert _creates(sync_env) == 2
    _run(sync_env)
    assert _creates(sync_env) == 3
    assert [len(_customers(sync_env, email)) for email in NEW] == [1, 1, 1]


def test_a_status_that_is_not_a_lead_one_fails_plan_leads_naming_the_lead_statuses(
    sync_env: SyncEnv, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    _signups(sync_env, NEW_PEOPLE)
    sync_env.config_path = _write_config(tmp_path, entity_status="In Discussion")
    capfd.readouterr()
    state, report = sync_env.run(REVERSE)
    logs = "".join(capfd.readouterr())
    assert state == "failed"
    assert report is not None
    assert report["problems"][0].startswith("step 'plan_leads' failed")
    assert "is of stage PROSPECT, not LEAD" in logs
    assert "6 'Unqualified', 7 'Qualified'" in logs, "the message names the LEAD statuses that would do"
    assert _creates(sync_env) == 0
    assert all(_customers(sync_env, email) == [] for email in NEW)


def test_refused_leads_are_reported_with_netsuites_code_and_retried_later(
    sync_env: SyncEnv, tmp_path: Path
) -> None:
    only_last = {EMAIL: "only.last@example.org", "First Name": "", "Last Name": "Lastonly"}
    _signups(sync_env, [*NEW_PEOPLE, only_last])
    sync_env.config_path = _write_config(tmp_path)

    report = _run(sync_env, failure_rate_threshold=0.5)
    assert report["rejected"] == {"lead:USER_ERROR": 1}
    assert report["counters"]["leads:refused"] == 1
    assert report["steps"]["create_leads"] == {"enabled": True, "attempted": 4, "failed": 1}
    assert _customers(sync_env, "only.last@example.org") == []
    (row,) = CreatedLeads(sync_env.state.engine).rows(["only.last@example.org"])
    assert row["status"] == "failed"
    assert row["last_error"].startswith("USER_ERROR: Please enter value(s) for: First Name")

    # above the shipped threshold (0.1) the run fails; the refused address is tried again, nothing doubles
    state, again = sync_env.run(REVERSE)
    assert state == "failed"
    assert again is not None
    assert again["problems"][0].startswith("step 'create_leads' failed")
    assert _creates(sync_env) == 3
