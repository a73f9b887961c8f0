"""netsuite_contacts_to_acton end to end with dag.test() against both sandboxes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
import requests

from sandbox.launcher import sandbox_connection
from tests.e2e.conftest import SyncEnv

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

DAG_ID = "netsuite_contacts_to_acton"
EMAIL = "E-mail Address"
_EMAILISH = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _loaded(report: dict[str, Any]) -> int:
    return sum(report["loaded_appended"].values()) + sum(report["loaded_updated"].values())


def _snapshot(sync: SyncEnv) -> dict[str, set[tuple[Any, ...]]]:
    """Act-On content (without Act-On's own record ids) and the state store's rows."""
    lists = {
        (name, tuple(sorted((k, v) for k, v in rec.items() if k != "_contact_id_")))
        for name, records in sync.all_acton_records().items()
        for rec in records
    }
    with sync.state.engine.connect() as conn:
        loaded = set(
            conn.exec_driver_sql("SELECT email, list_name, row_hash, netsuite_id FROM nas_loaded_rows")
        )
        links = set(
            conn.exec_driver_sql(
                "SELECT netsuite_id, email, company_id, company_stage FROM nas_contact_links"
            )
        )
    return {"acton": lists, "loaded": loaded, "links": links}


def _extracted_emails(sync: SyncEnv) -> set[str]:
    emails: set[str] = set()
    for path in sync.staging_root.rglob("extract/*.parquet"):
        frame = pd.read_parquet(path, columns=["email"])
        emails.update(str(e).strip().lower() for e in frame["email"].dropna() if "@" in str(e))
    return emails


def _edit_contacts(sync: SyncEnv, ids: list[str], title: str) -> None:
    """Change contacts in NetSuite the way a user would: new title, lastmodifieddate = now."""
    now = datetime.now(UTC).isoformat()
    rows = []
    for contact_id in ids:
        row = sync.netsuite_contact(contact_id)
        row = {k: v for k, v in row.items() if k not in ("locked",)}
        rows.append({**row, "title": f"{title} {contact_id}", "lastmodifieddate": now})
    sync.post(sync.netsuite, "contacts", rows)


def test_full_sync_rerun_and_incremental(sync_env: SyncEnv, capfd: pytest.CaptureFixture[str]) -> None:
    state, report = sync_env.run(DAG_ID)
    assert state == "success", report
    assert report is not None
    assert not report["problems"]
    assert report["calls"]["netsuite"] > 0
    assert report["calls"]["acton"] > 0

    # every extracted contact is accounted for: loaded, quarantined (with a reason), inactive, duplicate
    # or opted out
    to_load = sum(report["to_load"].values())
    assert report["extracted"] == (
        to_load
        + report["quarantined_rows"]
        + report["inactive_skipped"]
        + report["duplicates"]
        + report["opted_out"]
    )
    assert report["opted_out"] > 0
    assert report["quarantined_rows"] > 0
    assert sum(report["quarantined"].values()) >= report["quarantined_rows"]
    assert report["duplicates"] > 0
    records = sync_env.all_acton_records()
    assert set(records) == {
        "NetSuite Customers",
        "NetSuite Prospects",
        "NetSuite Leads",
        "NetSuite Unaffiliated",
    }
    emails = [rec[EMAIL] for recs in records.values() for rec in recs]
    assert len(emails) == len(set(emails)) == to_load == _loaded(report)
    assert all(e == e.strip().lower() for e in emails)
    kept_phones: dict[str, str] = {}  # contact id -> a phone phonenumbers refused, kept as typed
    for recs in records.values():
        for rec in recs:
            if rec["Business Phone"] and not re.fullmatch(r"\+\d{6,15}", rec["Business Phone"]):
                kept_phones[rec["NetSuite Contact ID"]] = rec["Business Phone"]
            for value in rec.values():
                assert not str(value).startswith(("=", "-", "@")), "CSV formula reached Act-On"
    # invalid_phones: keep (the default): numbers phonenumbers refuses reach Act-On as typed, and counted
    assert 0 < len(kept_phones) <= report["counters"]["phone_kept_unparsed"]
    for contact_id, phone in list(kept_phones.items())[:5]:
        typed = sync_env.netsuite_contact(contact_id)["phone"]
        assert " ".join(phone.lstrip("'").split()) == " ".join(typed.split()), "kept phone differs"
    for stage, name in [("CUSTOMER", "NetSuite Customers"), ("LEAD", "NetSuite Leads")]:
        assert {rec["NetSuite Stage"] for rec in records[name]} == {stage}
    watermark = sync_env.state.get_watermark("netsuite_contacts")
    assert watermark is not None
    assert watermark <= datetime.now(UTC)
    assert len(sync_env.state.loaded_hashes(emails)) == len(emails)

    # no email address or secret in any log line of the run
    out = capfd.readouterr()
    assert "Extracted" in out.out + out.err, (
        "task logs were not captured: the check below would prove nothing"
    )
    logged = {m.lower() for m in _EMAILISH.findall(out.out + out.err)}
    assert not logged & _extracted_emails(sync_env)
    connection = sandbox_connection(sync_env.netsuite)["extra"]
    acton = sandbox_connection(sync_env.acton)
    secrets = [connection["consumer_secret"], connection["token_secret"], acton["password"]]
    secrets.append(acton["extra"]["client_secret"])
    for secret in secrets:
        assert secret not in out.out + out.err

    # a rerun with nothing changed sends nothing and leaves Act-On and the state as they were
    before = _snapshot(sync_env)
    state, rerun = sync_env.run(DAG_ID)
    assert state == "success"
    assert sum(rerun["to_load"].values()) == 0
    assert _loaded(rerun) == 0
    assert _snapshot(sync_env) == before
    assert sync_env.state.get_watermark("netsuite_contacts") > watermark

    # an incremental run picks up exactly the contacts edited in NetSuite
    loaded_ids = [rec["NetSuite Contact ID"] for rec in records["NetSuite Customers"][:5]]
    _edit_contacts(sync_env, loaded_ids, "Chief Edited Officer")
    state, incremental = sync_env.run(DAG_ID)
    assert state == "success"
    assert incremental["extracted"] < report["extracted"]
    assert incremental["to_load"] == {"NetSuite Customers": 5}
    assert incremental["loaded_updated"]["NetSuite Customers"] == 5
    titles = {r["NetSuite Contact ID"]: r["Job Title"] for r in sync_env.acton_records("NetSuite Customers")}
    assert all(titles[cid] == f"Chief Edited Officer {cid}" for cid in loaded_ids)


def test_dry_run_writes_nothing(sync_env: SyncEnv) -> None:
    state, report = sync_env.run(DAG_ID, dry_run=True)
    assert state == "success", report
    assert report["dry_run"] is True
    would = {k: v for k, v in report["to_load"].items() if k.startswith("would_load:")}
    assert sum(would.values()) > 0
    assert sync_env.acton_lists() == {}
    assert sync_env.state.get_watermark("netsuite_contacts") is None
    with sync_env.state.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM nas_loaded_rows").scalar() == 0


def test_failed_load_keeps_the_watermark(sync_env: SyncEnv) -> None:
    sync_env.post(sync_env.acton, "config", {"fail_next_jobs": 1})
    state, report = sync_env.run(DAG_ID)
    assert state == "failed"
    assert sync_env.state.get_watermark("netsuite_contacts") is None
    with sync_env.state.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM nas_loaded_rows").scalar() == 0
    assert report is not None
    assert any("load" in p for p in report["problems"])

    state, report = sync_env.run(DAG_ID)
    assert state == "success"
    total = sum(len(r) for r in sync_env.all_acton_records().values())
    assert total == sum(report["to_load"].values()) > 0
    assert sync_env.state.get_watermark("netsuite_contacts") is not None


def test_contacts_modified_during_a_run_are_not_lost(sync_env: SyncEnv) -> None:
    sync_env.post(sync_env.netsuite, "config", {"latency_ms": 150, "mutator_per_second": 20})
    try:
        state, _ = sync_env.run(DAG_ID)
    finally:
        sync_env.post(sync_env.netsuite, "config", {"latency_ms": 0, "mutator_per_second": 0})
    assert state == "success"
    mutated = requests.get(f"{sync_env.netsuite}/_sandbox/mutations", params={"since": 0}, timeout=30).json()
    mutated_ids = {str(m["id"]) if isinstance(m, dict) else str(m) for m in _items(mutated)}
    assert mutated_ids, "the mutator changed nothing: the test proves nothing"

    state, _ = sync_env.run(DAG_ID)
    assert state == "success"
    in_acton = {
        rec["NetSuite Contact ID"]: rec["Job Title"]
        for recs in sync_env.all_acton_records().values()
        for rec in recs
    }
    checked = 0
    for contact_id in mutated_ids & set(in_acton):
        assert in_acton[contact_id] == (sync_env.netsuite_contact(contact_id)["title"] or "").strip()
        checked += 1
    assert checked > 0


def _items(payload: Any) -> list[Any]:
    if isinstance(payload, dict):
        for key in ("mutations", "items", "ids", "contacts"):
            if key in payload:
                return list(payload[key])
    return list(payload)
