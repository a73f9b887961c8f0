"""The opt-out DAG end to end against both sandboxes: consent moves both ways and only towards opting out.

Every scenario runs the real DAG (``dag.test()``) with only the setup the README documents; NetSuite is
read through its admin API and SuiteQL, Act-On through ``GET /_sandbox/optouts``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from netsuite_acton.dag_settings import config_path
from tests.e2e.conftest import ROOT, SyncEnv

DAG_ID = "netsuite_acton_optouts"
FORWARD = "netsuite_contacts_to_acton"
pytestmark = [pytest.mark.e2e, pytest.mark.integration]


# -- helpers ----------------------------------------------------------------------------------------
def acton_optouts(sync: SyncEnv) -> dict[str, dict[str, Any]]:
    rows = requests.get(f"{sync.acton}/_sandbox/optouts", timeout=30).json()
    return {row["email"].lower(): row for row in rows}


def opt_out_in_acton(sync: SyncEnv, emails: list[str], kind: str = "optouts") -> None:
    sync.post(sync.acton, kind, {"emails": emails})


def status(sync: SyncEnv, record_type: str, record_id: int | str) -> int:
    row = requests.get(f"{sync.netsuite}/_sandbox/{record_type}s/{record_id}", timeout=30).json()
    return int(row["globalsubscriptionstatus"])


def suiteql(query: str) -> list[dict[str, Any]]:
    from netsuite_acton.hooks.netsuite import NetSuiteHook

    return NetSuiteHook().suiteql(query, limit=1000).get("items") or []


def contacts_with_status(value: int, count: int) -> list[dict[str, Any]]:
    rows = suiteql(
        "SELECT id, email, company FROM contact WHERE globalsubscriptionstatus = "
        f"'{value}' AND email LIKE '%@%' ORDER BY id"
    )
    alone = unique_emails()
    rows = [row for row in rows if row["email"] == row["email"].strip() and row["email"].lower() in alone]
    assert len(rows) >= count, f"the seed has fewer than {count} contacts at status {value}"
    return rows[:count]


def set_record(sync: SyncEnv, record_type: str, record_id: int | str, **values: Any) -> None:
    """Edit a record the way a user would: the whole row kept, these values changed, modified now."""
    url = f"{sync.netsuite}/_sandbox/{record_type}s/{record_id}"
    row = {k: v for k, v in requests.get(url, timeout=30).json().items() if k != "locked"}
    now = datetime.now(UTC).isoformat()
    sync.post(sync.netsuite, f"{record_type}s", [{**row, **values, "lastmodifieddate": now}])


def unique_emails() -> set[str]:
    """Addresses exactly one contact or customer holds (the seed shares some on purpose)."""
    counts: dict[str, int] = {}
    for table in ("contact", "customer"):
        after = 0
        while rows := suiteql(f"SELECT id, email FROM {table} WHERE id > {after} ORDER BY id"):
            for row in rows:
                key = str(row.get("email") or "").strip().lower()
                counts[key] = counts.get(key, 0) + 1
            after = int(rows[-1]["id"])
    return {email for email, n in counts.items() if n == 1 and "@" in email}


def patches(sync: SyncEnv) -> int:
    return int(sync.netsuite_stats()["patches"])


def run_ok(sync: SyncEnv, **params: Any) -> dict[str, Any]:
    state, report = sync.run(DAG_ID, **params)
    assert state == "success", report
    assert report is not None
    return report


def config_with(tmp_path: Path, **reverse: Any) -> str:
    config = yaml.safe_load(Path(config_path()).read_text(encoding="utf-8"))
    config["reverse"].update(reverse)
    base = Path(config_path()).parent
    config["expectations"] = {k: str(base / v) for k, v in config["expectations"].items()}
    path = tmp_path / "sync.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return str(path)


# -- scenarios --------------------------------------------------------------------------------------
def test_netsuite_optouts_reach_acton_and_an_unchanged_rerun_writes_nothing(sync_env: SyncEnv) -> None:
    opted = [*contacts_with_status(2, 3), *contacts_with_status(4, 2)]
    report = run_ok(sync_env)
    on_acton = acton_optouts(sync_env)
    for row in opted:
        assert row["email"].lower() in on_acton, "a NetSuite opt-out did not reach Act-On"
    assert report["loaded_appended"]["acton:optout"] == report["to_load"]["acton:optout"] > 0
    assert not report["problems"]
    # the audit trail names the records that asked for it
    history = sync_env.state.consent_history(opted[0]["email"])
    assert [c["target"] for c in history["changes"] if c["direction"] == "to_acton"] == [
        "Act-On opt-out list"
    ]
    assert f"contact {opted[0]['id']}" in history["changes"][0]["origin"]

    before, listed = patches(sync_env), len(on_acton)
    again = run_ok(sync_env)
    assert again["to_load"].get("acton:optout", 0) == 0
    assert not again["loaded_appended"]
    assert not again["loaded_updated"]
    assert patches(sync_env) == before
    assert len(acton_optouts(sync_env)) == listed


def test_an_acton_unsubscribe_opts_out_every_record_with_the_address(sync_env: SyncEnv) -> None:
    contact, other = contacts_with_status(1, 2)
    customer_id = suiteql("SELECT id FROM customer WHERE globalsubscriptionstatus = '1' ORDER BY id")[0]["id"]
    set_record(sync_env, "customer", customer_id, email=contact["email"].upper())  # same address, any case
    opt_out_in_acton(sync_env, [contact["email"]])
    opt_out_in_acton(sync_env, [other["email"]], kind="spamcomplaints")

    report = run_ok(sync_env)
    assert status(sync_env, "contact", contact["id"]) == 2
    assert status(sync_env, "customer", customer_id) == 2
    assert status(sync_env, "contact", other["id"]) == 2  # a spam complaint is an opt-out
    assert report["loaded_updated"]["netsuite:contact.globalsubscriptionstatus"] >= 2

    # the runbook's one command, as an operator would run it
    out = subprocess.run(
        [sys.executable, "-m", "scripts.consent_history", contact["email"]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
        timeout=120,
        check=True,
    ).stdout
    assert "on Act-On's opt-out list since" in out
    assert "Recipient: unsubscribe link" in out
    assert f"contact {contact['id']}: globalsubscriptionstatus: Soft Opt-In -> Soft Opt-Out" in out
    assert f"customer {customer_id}: globalsubscriptionstatus: Soft Opt-In -> Soft Opt-Out" in out
    raw = subprocess.run(
        [sys.executable, "-m", "scripts.consent_history", "nobody@example.org", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
        timeout=120,
    )
    assert raw.returncode == 1
    assert json.loads(raw.stdout) == {"entries": [], "changes": []}


def test_opted_out_on_both_sides_at_once_and_a_confirmed_opt_out_is_never_touched(
    sync_env: SyncEnv,
) -> None:
    soft, confirmed = contacts_with_status(2, 1)[0], contacts_with_status(4, 1)[0]
    sibling = contacts_with_status(1, 1)[0]
    set_record(sync_env, "contact", sibling["id"], email=soft["email"])  # a second record, still opted in
    opt_out_in_acton(sync_env, [soft["email"], confirmed["email"]])
    before = patches(sync_env)

    report = run_ok(sync_env)
    assert status(sync_env, "contact", confirmed["id"]) == 4
    assert status(sync_env, "contact", soft["id"]) == 2
    assert status(sync_env, "contact", sibling["id"]) == 2  # opted out anywhere: opted out everywhere
    assert not report["rejected"], "a write NetSuite refuses (a confirmed status) was attempted"
    written = patches(sync_env) - before
    preflight = 2 if report["steps"]["preflight"]["write_check"] else 0  # its daily no-op writes
    assert written == report["loaded_updated"]["netsuite:contact.globalsubscriptionstatus"] + preflight
    on_acton = acton_optouts(sync_env)
    # already on Act-On's list: added once, by the recipient, not again by the sync
    assert on_acton[soft["email"].lower()]["origin"] == "Recipient: unsubscribe link"
    history = sync_env.state.consent_history(confirmed["email"])
    assert not [c for c in history["changes"] if c["target"] == f"contact {confirmed['id']}"]


def test_a_locked_record_is_reported_and_retried_by_the_next_run(sync_env: SyncEnv) -> None:
    locked, free = contacts_with_status(1, 2)
    sync_env.post(sync_env.netsuite, "locks", {"record_type": "contact", "ids": [int(locked["id"])]})
    opt_out_in_acton(sync_env, [locked["email"], free["email"]])

    state, report = sync_env.run(DAG_ID)
    assert state == "failed"  # 1 of 2 writes failed: above the 5% threshold
    assert report is not None
    assert report["rejected"] == {"USER_ERROR": 1}
    assert "NetSuite writes failed" in report["problems"][0]
    assert status(sync_env, "contact", free["id"]) == 2
    assert status(sync_env, "contact", locked["id"]) == 1
    owed = [e for e in sync_env.state.consent_entries("optout") if e["settled_at"] is None]
    assert [e["email"] for e in owed] == [locked["email"].lower()]

    sync_env.post(
        sync_env.netsuite, "locks", {"record_type": "contact", "ids": [int(locked["id"])], "locked": False}
    )
    report = run_ok(sync_env)
    assert status(sync_env, "contact", locked["id"]) == 2
    assert report["loaded_updated"] == {"netsuite:contact.globalsubscriptionstatus": 1}
    assert not [e for e in sync_env.state.consent_entries() if e["settled_at"] is None]


def test_a_dry_run_writes_nothing_anywhere(sync_env: SyncEnv) -> None:
    run_ok(sync_env)  # the seed's opt-outs settled: what follows is the only change
    in_acton, in_netsuite = contacts_with_status(1, 2)
    opt_out_in_acton(sync_env, [in_acton["email"]])
    set_record(sync_env, "contact", in_netsuite["id"], globalsubscriptionstatus=2)
    listed, before = len(acton_optouts(sync_env)), patches(sync_env)
    entries = sync_env.state.consent_entries()
    marks = [sync_env.state.get_watermark(name) for name in ("consent_acton", "consent_netsuite")]

    report = run_ok(sync_env, dry_run=True)
    assert report["dry_run"] is True
    assert report["counters"]["would_write:contact.globalsubscriptionstatus"] == 1
    assert report["counters"]["would_add:acton:optout"] == 1
    assert patches(sync_env) == before
    assert len(acton_optouts(sync_env)) == listed
    assert sync_env.state.consent_entries() == entries
    assert [sync_env.state.get_watermark(n) for n in ("consent_acton", "consent_netsuite")] == marks


def test_hard_bounces_set_the_configured_checkbox(sync_env: SyncEnv, tmp_path: Path) -> None:
    field = "custentity_acton_hard_bounce"
    for record_type in ("contact", "customer"):
        sync_env.post(
            sync_env.netsuite, "fields", {"record_type": record_type, "id": field, "type": "checkbox"}
        )
    sync_env.config_path = config_with(tmp_path, hard_bounce_field=field)
    bounced = contacts_with_status(1, 1)[0]
    sync_env.post(sync_env.acton, "hardbounces", {"emails": [bounced["email"]]})

    report = run_ok(sync_env)
    row = sync_env.netsuite_contact(bounced["id"])
    assert str(row[field]).upper() in ("T", "TRUE", "1")
    assert row["globalsubscriptionstatus"] == 1  # a bounce is not an opt-out
    assert report["loaded_updated"][f"netsuite:contact.{field}"] == 1
    assert run_ok(sync_env)["loaded_updated"] == {}


def test_an_acton_unsubscribe_takes_the_contact_out_of_the_forward_lists(sync_env: SyncEnv) -> None:
    state, report = sync_env.run(FORWARD)
    assert state == "success", report
    listed = {
        rec["E-mail Address"]: rec["NetSuite Contact ID"]
        for records in sync_env.all_acton_records().values()
        for rec in records
    }
    email, contact_id = next(iter(sorted(listed.items())))
    opt_out_in_acton(sync_env, [email])

    run_ok(sync_env)
    assert status(sync_env, "contact", contact_id) == 2
    state, report = sync_env.run(FORWARD)
    assert state == "success", report
    removed = {k: v for k, v in report["counters"].items() if k.startswith("removed:")}
    assert any(key.endswith(":opted_out") for key in removed), removed
    remaining = {rec["E-mail Address"] for recs in sync_env.all_acton_records().values() for rec in recs}
    assert email not in remaining


def test_a_new_record_with_an_address_opted_out_in_acton_is_kept_out_and_opted_out(sync_env: SyncEnv) -> None:
    address = "late.joiner@example.com"
    opt_out_in_acton(sync_env, [address])
    report = run_ok(sync_env)
    assert report["counters"]["addresses_without_netsuite_record"] == 1  # nobody in NetSuite has it yet

    template = contacts_with_status(1, 1)[0]
    row = requests.get(f"{sync_env.netsuite}/_sandbox/contacts/{template['id']}", timeout=30).json()
    row = {k: v for k, v in row.items() if k not in ("locked", "datecreated")}
    now = datetime.now(UTC).isoformat()
    sync_env.post(
        sync_env.netsuite, "contacts", [{**row, "id": 900_001, "email": address, "lastmodifieddate": now}]
    )

    state, forward = sync_env.run(FORWARD)  # the forward DAG knows the address from the state store
    assert state == "success", forward
    listed = {rec["E-mail Address"] for recs in sync_env.all_acton_records().values() for rec in recs}
    assert address not in listed
    assert forward["opted_out"] >= 1

    run_ok(sync_env)  # the new record is read as changed, and its address is opted out
    assert status(sync_env, "contact", 900_001) == 2
