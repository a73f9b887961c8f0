"""The real thing over HTTP: ``python -m sandbox.acton`` started by :class:`SandboxProcess`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
import requests

from sandbox.launcher import SandboxProcess
from tests.sandbox.acton.conftest import CREDENTIALS, csv_bytes

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with SandboxProcess(
        "sandbox.acton",
        [
            "--lists",
            "Customers,Leads",
            "--seed-records",
            "3",
            "--job-seconds",
            "0.2",
            "--logins-per-hour",
            "2",
        ],
    ) as sandbox:
        yield sandbox.base_url


@pytest.fixture
def session(base_url: str) -> Iterator[requests.Session]:
    requests.post(f"{base_url}/_sandbox/reset", json={}, timeout=10)
    with requests.Session() as http:
        token = http.post(f"{base_url}/token", data={"grant_type": "password", **CREDENTIALS}, timeout=10)
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield http


def test_seeded_lists_and_login_limit(base_url: str, session: requests.Session) -> None:
    lists = session.get(f"{base_url}/api/1/list", params={"listingtype": "CONTACT_LIST"}, timeout=10).json()
    assert [entry["name"] for entry in lists["result"]] == ["Customers", "Leads"]
    assert (
        session.post(f"{base_url}/token", data={"grant_type": "password", **CREDENTIALS}).status_code == 200
    )
    third = session.post(f"{base_url}/token", data={"grant_type": "password", **CREDENTIALS}, timeout=10)
    assert third.status_code == 403


def test_merge_over_http_then_429_without_retry_after(base_url: str, session: requests.Session) -> None:
    body = csv_bytes(
        [["new@example.com", "New", "", "", "9"]],
        ["E-mail Address", "First Name", "Last Name", "Company", "Act-On score"],
    )
    spec = [
        {"dstListId": "l-0001", "mergeMode": "UPSERT", "columnMap": [], "mergeKeyHeading": "E-mail Address"}
    ]
    job = session.put(
        f"{base_url}/api/1/list/l-0001",
        data={"mergespecs": json.dumps(spec), "headings": "Y"},
        files={"file": ("c.csv", body, "text/csv")},
        timeout=10,
    ).json()["jobId"]
    time.sleep(1.1)  # let the 1-second window empty, so the burst below starts from zero
    status = session.get(f"{base_url}/api/1/list/{job}/status", timeout=10).json()
    assert status["details"]["appendCount"] == 1
    burst = [session.get(f"{base_url}/api/1/list/{job}/status", timeout=10) for _ in range(7)]
    assert [r.status_code for r in burst].count(429) >= 2
    assert all("Retry-After" not in r.headers for r in burst)
    stats = requests.get(f"{base_url}/_sandbox/stats", timeout=10).json()
    assert stats["max_calls_in_1s"] == 5
    assert stats["uploads"] == 1


def test_lookup_delete_and_optouts_over_http(base_url: str, session: requests.Session) -> None:
    time.sleep(1.1)  # an empty 1-second window: the five calls below fit in it
    found = session.get(
        f"{base_url}/api/1/list/lookup/l-0002", params={"email": "LEADS.2@example.com"}, timeout=10
    )
    contact_id = found.json()["contactID"]
    assert contact_id == "l-0002:2"
    deleted = session.delete(  # requests encodes the commas (%2C): the sandbox must decode them
        f"{base_url}/api/1/list/l-0002/record", params={"contactids": f"{contact_id},l-0002:x"}, timeout=10
    ).json()
    assert (deleted["success_count"], deleted["fail_count"]) == (1, 1)
    added = session.put(
        f"{base_url}/api/1/list/optout",
        files={"file": ("o.csv", b"leads.2@example.com\r\n", "text/csv")},
        timeout=10,
    ).json()
    assert added["message"] == "0 invalid or empty records rejected. 1 valid records processed."
    page = session.get(f"{base_url}/api/1/list/optout", params={"createdafter": 0}, timeout=10).json()
    assert [entry["email"] for entry in page["result"]] == ["leads.2@example.com"]
    gone = session.get(
        f"{base_url}/api/1/list/lookup/l-0002", params={"email": "leads.2@example.com"}, timeout=10
    )
    assert (gone.status_code, gone.json()["errorCode"]) == (400, 10162)
