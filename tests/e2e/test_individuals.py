"""Individuals are people too: customer records with ``isperson = 'T'`` and an email are synced into the
list of their own stage, de-duplicated against contacts, mirrored, and scored back onto their own record.

Each test adds its own records (ids far above the seed's) through the NetSuite sandbox's admin API and runs
the real DAGs against both sandboxes with the shipped configuration (``forward.include_individuals`` on).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tests.e2e.conftest import SyncEnv

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

FORWARD, REVERSE = "netsuite_contacts_to_acton", "acton_scores_to_netsuite"
EMAIL, ID_HEADING = "E-mail Address", "NetSuite Contact ID"
LEADS, CUSTOMERS = "NetSuite Leads", "NetSuite Customers"
LEAD_FIELD, SCORE_FIELD = "custentity_acton_lead_score", "custentity_acton_score"


def _individual(sync: SyncEnv, customer_id: int, stage: str, email: str, **fields: Any) -> None:
    row = {
        "id": customer_id,
        "isperson": True,
        "firstname": "Indy",
        "lastname": f"Vidual {customer_id}",
        "email": email,
        "stage": stage,
        "lastmodifieddate": datetime.now(UTC).isoformat(),
        **fields,
    }
    sync.post(sync.netsuite, "customers", [row])


def _rows(sync: SyncEnv, list_name: str) -> dict[str, dict[str, Any]]:
    if list_name not in sync.acton_lists():
        return {}
    return {str(r[EMAIL]).lower(): r for r in sync.acton_records(list_name)}


def _customer(sync: SyncEnv, customer_id: int) -> dict[str, Any]:
    return requests.get(f"{sync.netsuite}/_sandbox/customers/{customer_id}", timeout=30).json()


def _run(sync: SyncEnv, dag_id: str = FORWARD, **params: Any) -> dict[str, Any]:
    state, report = sync.run(dag_id, **params)
    assert state == "success", report
    assert report is not None
    return report


def test_an_individual_lead_lands_in_leads_with_its_own_fields_and_follows_its_stage(
    sync_env: SyncEnv,
) -> None:
    sync_env.post(
        sync_env.netsuite,
        "employees",
        [{"id": 9_001, "firstname": "Rita", "lastname": "Rep", "email": "rita.rep@example.com"}],
    )
    _individual(
        sync_env,
        8_000_001,
        "LEAD",
        "indy.lead@example.com",
        phone="(415) 555-0123",
        salesrep=9_001,
        address={"addr1": "1 Main St", "city": "Springfield", "state": "IL", "zip": "62701", "country": "US"},
    )
    _run(sync_env)

    row = _rows(sync_env, LEADS)["indy.lead@example.com"]
    assert row[ID_HEADING] == "customer:8000001", "an individual is keyed by its customer id"
    assert (row["First Name"], row["Last Name"]) == ("Indy", "Vidual 8000001")
    assert row["Business Phone"] == "+14155550123"
    assert (row["Business Street"], row["Business City"], row["Business Country"]) == (
        "1 Main St",
        "Springfield",
        "United States",
    )
    assert (row["Sales Rep"], row["Sales Rep Email"]) == ("Rita Rep", "rita.rep@example.com")
    assert row["NetSuite Stage"] == "LEAD"
    # the seed's own individuals (about 2% of the people, mostly leads) were synced too
    seeded = [
        r
        for rows in sync_env.all_acton_records().values()
        for r in rows
        if r[ID_HEADING].startswith("customer:")
    ]
    assert len(seeded) > 10

    # the lead becomes a customer: it moves from Leads to Customers in the next run
    _individual(sync_env, 8_000_001, "CUSTOMER", "indy.lead@example.com")
    report = _run(sync_env)
    assert "indy.lead@example.com" in _rows(sync_env, CUSTOMERS)
    assert "indy.lead@example.com" not in _rows(sync_env, LEADS)
    assert report["counters"].get(f"removed:{LEADS}:stage_change") == 1

    # deleted in NetSuite: it leaves its list
    requests.delete(f"{sync_env.netsuite}/_sandbox/customers/8000001", timeout=30).raise_for_status()
    report = _run(sync_env)
    assert "indy.lead@example.com" not in _rows(sync_env, CUSTOMERS)
    assert report["counters"].get(f"removed:{CUSTOMERS}:deleted") == 1


def test_a_contact_and_an_individual_sharing_an_address_resolve_by_most_recent_change(
    sync_env: SyncEnv,
) -> None:
    now = datetime.now(UTC)
    sync_env.post(
        sync_env.netsuite, "customers", [{"id": 8_000_100, "companyname": "Acme", "stage": "CUSTOMER"}]
    )
    contact = {
        "id": 8_000_101,
        "firstname": "Connie",
        "lastname": "Contact",
        "email": "Shared.Person@example.com",
        "company": 8_000_100,
        "lastmodifieddate": (now - timedelta(minutes=5)).isoformat(),
    }
    sync_env.post(sync_env.netsuite, "contacts", [contact])
    _individual(sync_env, 8_000_102, "LEAD", "shared.person@example.com")  # newer: it wins
    report = _run(sync_env)
    assert _rows(sync_env, LEADS)["shared.person@example.com"][ID_HEADING] == "customer:8000102"
    assert "shared.person@example.com" not in _rows(sync_env, CUSTOMERS)
    assert report["duplicates"] >= 1

    # the contact changes later: now it is the most recent, and its row goes to Customers; the address
    # also stays in Leads, where the individual still routes it (the mirror's shared-address rule: an
    # address leaves a list only when no current person routes it there)
    sync_env.post(
        sync_env.netsuite,
        "contacts",
        [{**contact, "title": "CEO", "lastmodifieddate": datetime.now(UTC).isoformat()}],
    )
    _run(sync_env)
    assert _rows(sync_env, CUSTOMERS)["shared.person@example.com"][ID_HEADING] == "8000101"
    assert "shared.person@example.com" in _rows(sync_env, LEADS)


def test_an_individuals_score_goes_back_to_its_own_customer_record(sync_env: SyncEnv) -> None:
    _individual(sync_env, 8_000_201, "LEAD", "scored.lead@example.com")
    _individual(sync_env, 8_000_202, "CUSTOMER", "scored.customer@example.com")
    _run(sync_env)
    sync_env.post(
        sync_env.acton,
        "scores",
        {"scores": {"scored.lead@example.com": 73, "scored.customer@example.com": 41}},
    )
    report = _run(sync_env, REVERSE)

    lead, customer = _customer(sync_env, 8_000_201), _customer(sync_env, 8_000_202)
    assert lead[LEAD_FIELD] == 73, "an individual lead gets its own score in reverse.lead_field"
    assert customer[SCORE_FIELD] == 41, "any other individual gets it in reverse.individual_field"
    assert customer.get(LEAD_FIELD) in (None, ""), "a non-lead never gets the lead field"
    assert report["loaded_updated"].get(f"customer.{SCORE_FIELD}") == 1
    # no contact was written for them (a contact may share the customer's number)
    assert report["counters"]["individual_updates"] == 1
