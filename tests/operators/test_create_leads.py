"""read_leads → plan_leads → create_leads with fake hooks: what is planned, claimed, created and recorded.

The fake NetSuite hook answers SuiteQL (``customerstatus``, records by email) from a small in-memory
account and creates into it; the fake Act-On hook serves one list. The state store is a real SQLite file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
import yaml

from netsuite_acton.client.retries import RetryPolicy
from netsuite_acton.errors import PermanentSyncError
from netsuite_acton.hooks.acton.errors import ActOnHeadingsMismatchError
from netsuite_acton.hooks.netsuite.errors import NetSuiteAmbiguousError, NetSuiteError
from netsuite_acton.operators.create_leads import (
    CreateLeadsOperator,
    PlanLeadsOperator,
    ReadLeadsListOperator,
)
from netsuite_acton.operators.folders import LEAD_RESULTS, LEADS_LIST, LEADS_TO_CREATE, QUARANTINE_LEADS
from netsuite_acton.sources.netsuite_leads import LeadStatusError
from netsuite_acton.state import StateStore
from netsuite_acton.state.leads import CreatedLeads
from netsuite_acton.sync.report import ThresholdExceededError
from tests.operators.conftest import REVERSE_DAG, SYNC_YAML

LIST = "Webinar signups"
HEADINGS = ["E-mail Address", "First Name", "Last Name", "Company", "Business Phone"]
IN_LIST = re.compile(r"IN \((.*)\)", re.S)
FROM = re.compile(r"\bFROM (\w+)")
STATUSES = [
    {"id": "6", "name": "Unqualified", "stage": "LEAD", "isinactive": "F"},
    {"id": "8", "name": "In Discussion", "stage": "PROSPECT", "isinactive": "F"},
]


class FakeActOnHook:
    rows: list[list[str]] = []
    headings: list[str] = HEADINGS

    def __init__(self, acton_conn_id: str = "acton_default", state: Any = None, **_: Any) -> None:
        self.fields: list[str] | None = None

    calls_made = 3

    def find_list(self, name: str) -> dict[str, Any] | None:
        return {"id": "l-0009", "name": name} if name == LIST else None

    def list_headings(self, list_id: str) -> list[str]:
        return list(FakeActOnHook.headings)

    def download_list(self, list_id: str, fields: list[str] | None = None, **_: Any) -> Any:
        self.fields = fields
        frame = pd.DataFrame(FakeActOnHook.rows, columns=FakeActOnHook.headings)
        yield frame.iloc[:2].assign(_contact_id_="x")
        yield frame.iloc[2:].assign(_contact_id_="x")


class FakeNetSuiteHook:
    """SuiteQL over ``records`` and ``STATUSES``; creates go into ``records`` (``script``: what the next
    creates do: "ok", "lost" (created, answer lost), "400")."""

    records: dict[str, list[dict[str, str]]] = {}
    script: list[str] = []
    bodies: list[dict[str, Any]] = []
    next_id = 900

    def __init__(self, netsuite_conn_id: str = "netsuite_default", **_: Any) -> None:
        self.settings = SimpleNamespace(max_concurrency=3)
        self.retry_policy = RetryPolicy(max_attempts=3, initial_wait=0.0, max_wait=0.0)
        self.calls_made = 0

    def suiteql(self, query: str, limit: int = 1000, offset: int = 0) -> dict[str, Any]:
        self.calls_made += 1
        if "customerstatus" in query:
            return {"items": STATUSES, "hasMore": False}
        wanted = {v.strip().strip("'") for v in IN_LIST.search(query).group(1).split(",")}
        table = FROM.search(query).group(1)
        hits = [r for r in FakeNetSuiteHook.records[table] if r["email"].strip().lower() in wanted]
        return {"items": hits, "hasMore": False}

    def create_record(self, record_type: str, fields: dict[str, Any]) -> str:
        self.calls_made += 1
        cls = FakeNetSuiteHook
        kind = cls.script.pop(0) if cls.script else "ok"
        cls.bodies.append(dict(fields))
        if kind == "400":
            raise NetSuiteError(400, "USER_ERROR", "Please enter value(s) for: First Name.")
        cls.next_id += 1
        cls.records["customer"].append({"id": str(cls.next_id), "email": fields["email"]})
        if kind == "lost":
            raise NetSuiteAmbiguousError(502, "AMBIGUOUS", "Bad Gateway")
        return str(cls.next_id)


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> tuple[type[FakeActOnHook], type[FakeNetSuiteHook]]:
    import netsuite_acton.hooks.acton as acton
    import netsuite_acton.hooks.netsuite as netsuite
    import netsuite_acton.sources.netsuite_leads as leads_source

    monkeypatch.setattr(acton, "ActOnHook", FakeActOnHook)
    monkeypatch.setattr(netsuite, "NetSuiteHook", FakeNetSuiteHook)
    monkeypatch.setattr(leads_source.time, "sleep", lambda _s: None)
    FakeActOnHook.headings = HEADINGS
    FakeActOnHook.rows = [
        ["New.One@Example.com", "New", "One", "Acme", "+14155550101"],
        ["known@example.com", "Known", "Contact", "", ""],  # a NetSuite contact holds it
        ["not-an-email", "Bad", "Address", "", ""],
        ["nameless@example.com", "", "", "Nameless Inc", ""],
        ["optout@example.com", "Opted", "Out", "", ""],  # opted out in the consent entries
        ["new.one@example.com", "Twice", "Listed", "", ""],
        ["two@example.com", "Two", "New", "", ""],
    ]
    FakeNetSuiteHook.records = {"contact": [{"id": "3", "email": " KNOWN@example.com"}], "customer": []}
    FakeNetSuiteHook.script, FakeNetSuiteHook.bodies, FakeNetSuiteHook.next_id = [], [], 900
    return FakeActOnHook, FakeNetSuiteHook


def _config(tmp_path: Path, create_leads: dict[str, Any] | None) -> str:
    data = yaml.safe_load(SYNC_YAML.read_text())
    data["reverse"]["create_leads"] = create_leads
    base = SYNC_YAML.parent
    data["expectations"] = {k: str(base / v) for k, v in data["expectations"].items()}
    path = tmp_path / f"sync-{len(list(tmp_path.glob('sync-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


LEADS = {"list": LIST, "entity_status": "Unqualified", "max_per_run": 10}


def _run(config: str, staging_root: str, context: dict[str, Any]) -> dict[str, Any]:
    common = {"config_path": config, "staging_root": staging_root}
    out = {"read_leads": ReadLeadsListOperator(task_id="read_leads", **common).execute(context)}
    out["plan_leads"] = PlanLeadsOperator(task_id="plan_leads", **common).execute(context)
    create = CreateLeadsOperator(task_id="create_leads", plan_result=out["plan_leads"], **common)
    out["create_leads"] = create.execute(context)
    return out


def test_off_by_default_reads_and_writes_nothing(hooks, store, staging_root, make_context, tmp_path) -> None:
    context = make_context(dag_id=REVERSE_DAG)
    out = _run(_config(tmp_path, None), staging_root, context)
    assert all(step["enabled"] is False for step in out.values())
    assert out["create_leads"]["attempted"] == 0
    assert hooks[1].bodies == []
    assert CreatedLeads(store.engine).rows() == []


def test_new_addresses_become_leads_once(
    hooks, store: StateStore, staging_root, make_context, staging_for, tmp_path
) -> None:
    store.add_consent_entries([{"kind": "optout", "email": "optout@example.com"}])
    config = _config(tmp_path, LEADS)
    context = make_context(dag_id=REVERSE_DAG)
    out = _run(config, staging_root, context)
    staging = staging_for(context)

    assert out["read_leads"]["rows"] == 7
    assert sorted(staging.read_step(LEADS_LIST).columns) == sorted(HEADINGS), "only the lead headings"
    quarantine = staging.read_step(QUARANTINE_LEADS)
    assert dict(zip(quarantine["email"], quarantine["reasons"], strict=True)) == {
        "not-an-email": "email_invalid",
        "nameless@example.com": "name_missing",
    }
    planned = staging.read_step(LEADS_TO_CREATE)
    assert list(planned["email"]) == ["new.one@example.com", "optout@example.com", "two@example.com"]
    assert (out["plan_leads"]["status_id"], out["plan_leads"]["to_create"]) == ("6", 3)

    bodies = {body["email"]: body for body in hooks[1].bodies}
    assert set(bodies) == set(planned["email"])
    assert bodies["new.one@example.com"] == {
        "isPerson": True,
        "firstName": "New",
        "lastName": "One",
        "email": "new.one@example.com",
        "phone": "+14155550101",
        "companyName": "Acme",
        "entityStatus": {"id": "6"},
    }
    assert bodies["optout@example.com"]["globalSubscriptionStatus"] == {"id": "2"}
    assert "globalSubscriptionStatus" not in bodies["two@example.com"]

    created = CreatedLeads(store.engine).created(planned["email"])
    assert sorted(created.values()) == ["901", "902", "903"]
    results = staging.read_step(LEAD_RESULTS)
    assert set(results["outcome"]) == {"created"}
    assert (out["create_leads"]["attempted"], out["create_leads"]["failed"]) == (3, 0)
    report = out["create_leads"]["report"]
    assert report["loaded_appended"] == {"netsuite:lead": 3}
    counters = out["plan_leads"]["report"]["counters"]
    assert counters["leads:known_in_netsuite"] == 1
    assert counters["leads:duplicate_rows"] == 1
    assert counters["leads:quarantined:email_invalid"] == 1
    assert counters["leads:opted_out"] == 1

    # a retry of the create step in the same run, and a whole new run: nothing is created again
    create = CreateLeadsOperator(
        task_id="create_leads", plan_result=out["plan_leads"], config_path=config, staging_root=staging_root
    )
    again = create.execute(context)
    assert set(staging.read_step(LEAD_RESULTS)["outcome"]) == {"already_created"}
    assert again["attempted"] == 0
    later = _run(config, staging_root, make_context(dag_id=REVERSE_DAG, run_id="scheduled__later"))
    assert later["plan_leads"]["to_create"] == 0
    assert len(hooks[1].bodies) == 3


def test_dry_run_plans_and_writes_nothing(
    hooks, store, staging_root, make_context, staging_for, tmp_path
) -> None:
    context = make_context(params={"dry_run": True}, dag_id=REVERSE_DAG)
    out = _run(_config(tmp_path, LEADS), staging_root, context)
    assert len(staging_for(context).read_step(LEADS_TO_CREATE)) == 3
    assert out["create_leads"]["report"]["counters"] == {"would_create:leads": 3}
    assert out["create_leads"]["report"]["dry_run"] is True
    assert out["create_leads"]["would_create"] == 3
    assert out["create_leads"]["listed_in"].endswith(LEADS_TO_CREATE)
    assert hooks[1].bodies == []
    assert CreatedLeads(store.engine).rows() == []


def test_the_cap_defers_the_rest_to_later_runs(hooks, store, staging_root, make_context, tmp_path) -> None:
    config = _config(tmp_path, {**LEADS, "max_per_run": 2})
    first = _run(config, staging_root, make_context(dag_id=REVERSE_DAG))
    assert first["plan_leads"]["report"]["counters"]["leads:deferred"] == 1
    assert len(hooks[1].bodies) == 2
    second = _run(config, staging_root, make_context(dag_id=REVERSE_DAG, run_id="r2"))
    assert second["plan_leads"]["to_create"] == 1
    assert second["plan_leads"]["report"]["counters"]["leads:deferred"] == 0
    assert len(hooks[1].bodies) == 3


def test_a_lost_answer_is_recorded_not_created_twice(
    hooks, store, staging_root, make_context, tmp_path
) -> None:
    hooks[1].script = ["lost"]
    FakeActOnHook.rows = FakeActOnHook.rows[:1]
    out = _run(_config(tmp_path, LEADS), staging_root, make_context(dag_id=REVERSE_DAG))
    assert len(hooks[1].bodies) == 1
    assert hooks[1].records["customer"] == [{"id": "901", "email": "new.one@example.com"}]
    assert CreatedLeads(store.engine).created(["new.one@example.com"]) == {"new.one@example.com": "901"}
    assert out["create_leads"]["report"]["counters"] == {"leads:recovered": 1}


def test_refusals_are_counted_per_record_and_fail_the_step_only_above_the_threshold(
    hooks, store, staging_root, make_context, staging_for, tmp_path
) -> None:
    config = _config(tmp_path, LEADS)
    hooks[1].script = ["400"]
    context = make_context(dag_id=REVERSE_DAG)
    with pytest.raises(ThresholdExceededError, match=r"lead creation failure rate \(1 of 3"):
        _run(config, staging_root, context)
    results = staging_for(context).read_step(LEAD_RESULTS)
    assert sorted(results["outcome"]) == ["created", "created", "refused"]
    assert list(results.loc[results["outcome"] == "refused", "error_code"]) == ["USER_ERROR"]
    failed = [row for row in CreatedLeads(store.engine).rows() if row["status"] == "failed"]
    assert len(failed) == 1
    assert failed[0]["last_error"].startswith("USER_ERROR")

    # the next run (threshold raised by its Param) retries the refused address after a lookup
    retry = make_context(params={"failure_rate_threshold": 0.5}, dag_id=REVERSE_DAG, run_id="r2")
    out = _run(config, staging_root, retry)
    assert out["plan_leads"]["to_create"] == 1
    assert out["create_leads"]["report"]["counters"] == {"leads:created": 1}
    hooks[1].script = ["400"]
    FakeActOnHook.rows.append(["three@example.com", "", "Only-Last", "", ""])
    out = _run(config, staging_root, make_context(params={"failure_rate_threshold": 1.0}, dag_id=REVERSE_DAG))
    assert out["create_leads"]["report"]["rejected"] == {"lead:USER_ERROR": 1}
    assert (out["create_leads"]["attempted"], out["create_leads"]["failed"]) == (1, 1)


def test_an_address_claimed_by_a_live_run_is_left_alone(
    hooks, store, staging_root, make_context, staging_for, tmp_path
) -> None:
    from datetime import timedelta

    CreatedLeads(store.engine).claim("two@example.com", "other-run", timedelta(hours=1))
    context = make_context(dag_id=REVERSE_DAG)
    out = _run(_config(tmp_path, LEADS), staging_root, context)
    assert "two@example.com" not in {body["email"] for body in hooks[1].bodies}
    assert out["create_leads"]["report"]["counters"]["leads:held"] == 1
    results = staging_for(context).read_step(LEAD_RESULTS).set_index("email")
    assert results.loc["two@example.com", "outcome"] == "held"


def test_a_status_that_is_not_a_lead_one_fails_before_anything_is_written(
    hooks, store, staging_root, make_context, tmp_path
) -> None:
    with pytest.raises(LeadStatusError, match="not LEAD"):
        _run(_config(tmp_path, {**LEADS, "entity_status": 8}), staging_root, make_context(dag_id=REVERSE_DAG))
    assert hooks[1].bodies == []


def test_a_missing_list_or_email_heading_is_a_permanent_failure(
    hooks, store, staging_root, make_context, tmp_path
) -> None:
    context = make_context(dag_id=REVERSE_DAG)
    with pytest.raises(PermanentSyncError, match="no list named 'Nope'"):
        _run(_config(tmp_path, {**LEADS, "list": "Nope"}), staging_root, context)
    FakeActOnHook.headings = ["Email", "First Name", "Last Name", "Company", "Business Phone"]
    with pytest.raises(ActOnHeadingsMismatchError, match="E-mail Address"):
        _run(_config(tmp_path, LEADS), staging_root, context)


def test_results_hold_counts_only_in_the_report(hooks, store, staging_root, make_context, tmp_path) -> None:
    out = _run(_config(tmp_path, LEADS), staging_root, make_context(dag_id=REVERSE_DAG))
    assert "@" not in json.dumps([step["report"] for step in out.values()])
