"""The reads the mirror needs, against the NetSuite sandbox: deletions, contacts by id, company changes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import requests

from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.sources.netsuite_contacts import NetSuiteContacts
from netsuite_acton.sources.netsuite_deletions import NetSuiteDeletions, deletions_frame
from sandbox.launcher import SandboxProcess, sandbox_connection
from tests.support.sandboxes import env, running

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    with running("sandbox.netsuite", "--contacts", "200") as process:
        yield process


@pytest.fixture
def hook(sandbox: SandboxProcess) -> Iterator[NetSuiteHook]:
    requests.post(f"{sandbox.base_url}/_sandbox/reset", json={"reseed": True}, timeout=60).raise_for_status()
    with env({"AIRFLOW_CONN_NETSUITE_MIRROR": json.dumps(sandbox_connection(sandbox.base_url))}):
        yield NetSuiteHook("netsuite_mirror")


def _admin(sandbox: SandboxProcess, method: str, path: str, body: object = None) -> None:
    requests.request(method, f"{sandbox.base_url}/_sandbox/{path}", json=body, timeout=30).raise_for_status()


def test_deletions_since_a_time_are_contacts_and_customers_only(
    sandbox: SandboxProcess, hook: NetSuiteHook
) -> None:
    _admin(sandbox, "POST", "customers", [{"id": 7001, "companyname": "Gone Co", "stage": "LEAD"}])
    _admin(sandbox, "POST", "contacts", [{"id": 70_001, "email": "gone@example.com", "company": 7001}])
    before = datetime.now(UTC) - timedelta(seconds=2)
    _admin(sandbox, "DELETE", "contacts/70001")
    _admin(sandbox, "DELETE", "customers/7001")
    deleted = NetSuiteDeletions(hook).since(before)
    assert set(zip(deleted["recordid"], deleted["record_type"], strict=True)) == {
        ("70001", "contact"),
        ("7001", "customer"),
    }
    assert NetSuiteDeletions(hook).since(datetime.now(UTC) + timedelta(hours=2)).empty


def test_unconfirmed_type_values_are_matched_on_type_or_record_type_id() -> None:
    items = [
        {"recordid": "1", "type": "Contact", "deleteddate": "2026-01-01 00:00:00"},
        {"recordid": "2", "recordtypeid": "-2", "deleteddate": "2026-01-01 00:00:00"},
        {"recordid": "3", "type": "salesorder", "recordtypeid": "-30", "deleteddate": "2026-01-01 00:00:00"},
    ]
    frame = deletions_frame(items, UTC)
    assert frame["record_type"].tolist() == ["contact", "customer"]


def test_contacts_by_id_and_a_company_change_reaches_its_contacts(
    sandbox: SandboxProcess, hook: NetSuiteHook
) -> None:
    _admin(sandbox, "POST", "customers", [{"id": 7002, "companyname": "Moving Co", "stage": "LEAD"}])
    _admin(
        sandbox,
        "POST",
        "contacts",
        [{"id": 70_002 + i, "email": f"m{i}@example.com", "company": 7002} for i in range(3)],
    )
    source = NetSuiteContacts(hook)
    picked = pd.concat(source.by_ids(["70002", "70004", "99999999"]), ignore_index=True)
    assert picked["id"].tolist() == ["70002", "70004"]
    assert picked["stage"].tolist() == ["LEAD", "LEAD"]

    time.sleep(1.1)
    mark = datetime.now(UTC)
    time.sleep(1.1)
    _admin(sandbox, "POST", "customers", [{"id": 7002, "companyname": "Moving Co", "stage": "CUSTOMER"}])
    changed = pd.concat(source.extract(modified_since=mark), ignore_index=True)
    assert set(changed["id"]) == {"70002", "70003", "70004"}, "contacts of a changed company, and only them"
    assert set(changed["stage"]) == {"CUSTOMER"}
    assert (changed["lastmodifieddate"] < pd.Timestamp(mark)).all(), "the contacts themselves did not change"


def test_the_by_id_template_selects_what_the_contacts_template_selects() -> None:
    """contacts_by_id.sql repeats contacts.sql's column list (a template each, for the data team)."""
    from netsuite_acton.hooks.netsuite.suiteql import strip_comments
    from netsuite_acton.sources.suiteql_templates import load_template

    def columns(name: str) -> str:
        return " ".join(strip_comments(load_template(name)).split()).split(" WHERE ")[0]

    assert columns("contacts_by_id") == columns("contacts")
