"""The record API and the admin API, in process."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from sandbox.netsuite.errors import concurrency_body
from sandbox.netsuite.governance import ConnectionDroppedError
from sandbox.netsuite.settings import FAULT_KINDS

from .conftest import RECORD, SignedClient


def add(app_client: TestClient) -> None:
    app_client.post(
        "/_sandbox/customers", json=[{"id": 900_001, "companyname": "Acme, Inc.", "stage": "PROSPECT"}]
    )
    app_client.post(
        "/_sandbox/contacts",
        json=[
            {
                "id": 900_002,
                "firstname": "Zoë",
                "lastname": "O'Brien",
                "email": " Zoe@Example.org ",
                "company": 900_001,
                "isinactive": False,
                "lastmodifieddate": "2025-06-01T12:00:00Z",
                "custentity_acton_score": 5,
            }
        ],
    )


def test_get_record_camel_case_and_reference(ns: SignedClient, app_client: TestClient) -> None:
    add(app_client)
    r = ns.request("GET", f"{RECORD}/contact/900002")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == "900002"
    assert body["firstName"] == "Zoë"
    assert body["lastName"] == "O'Brien"
    assert body["email"] == " Zoe@Example.org "
    assert body["isInactive"] is False
    assert body["company"]["id"] == "900001"
    assert body["company"]["refName"] == "Acme, Inc."
    assert body["company"]["links"][0]["href"].endswith("/customer/900001")
    assert body["lastModifiedDate"] == "2025-06-01T12:00:00Z"
    assert body["custentity_acton_score"] == 5
    assert "middleName" not in body  # NULL fields are left out
    customer = ns.request("GET", f"{RECORD}/customer/900001").json()
    assert customer["companyName"] == "Acme, Inc."
    assert customer["searchStage"] == "Prospect"


def test_patch_semantics(ns: SignedClient, app_client: TestClient) -> None:
    add(app_client)
    before = time.time()
    r = ns.request("PATCH", f"{RECORD}/contact/900002", json={"custentity_acton_score": 87, "title": "CTO"})
    assert r.status_code == 204
    assert r.content == b""
    assert r.headers["Location"].endswith(f"{RECORD}/contact/900002")
    raw = app_client.get("/_sandbox/contacts/900002").json()
    assert raw["custentity_acton_score"] == 87
    assert raw["title"] == "CTO"
    assert raw["lastmodifieddate"] >= time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(before)))
    assert ns.request("PATCH", f"{RECORD}/contact/900002", json={"title": None}).status_code == 204
    assert "title" not in ns.request("GET", f"{RECORD}/contact/900002").json()

    r = ns.request("PATCH", f"{RECORD}/contact/900002", json={"custentity_nope": 1})
    assert r.status_code == 400
    detail = r.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "NONEXISTENT_FIELD"
    assert detail["o:errorPath"] == "custentity_nope"
    r = ns.request("PATCH", f"{RECORD}/contact/900002", json={"custentity_acton_score": "high"})
    assert r.status_code == 400
    assert r.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_PARAMETER"
    r = ns.request("PATCH", f"{RECORD}/contact/424242424", json={"custentity_acton_score": 1})
    assert r.status_code == 404
    assert r.json()["o:errorDetails"][0]["o:errorCode"] == "NONEXISTENT_ID"

    app_client.post("/_sandbox/locks", json={"record_type": "contact", "ids": [900_002], "locked": True})
    r = ns.request("PATCH", f"{RECORD}/contact/900002", json={"custentity_acton_score": 1})
    assert r.status_code == 400
    assert r.json()["o:errorDetails"][0]["o:errorCode"] == "USER_ERROR"
    app_client.post("/_sandbox/locks", json={"record_type": "contact", "ids": [900_002], "locked": False})
    assert (
        ns.request("PATCH", f"{RECORD}/contact/900002", json={"custentity_acton_score": 1}).status_code == 204
    )
    stats = app_client.get("/_sandbox/stats").json()
    assert stats["patches"] >= 3
    assert stats["patch_failures"] >= 4
    assert stats["requests"]["PATCH /services/rest/record/v1/contact/{id}"]["204"] >= 3


def test_custom_fields_everywhere(ns: SignedClient, app_client: TestClient) -> None:
    add(app_client)
    r = app_client.post(
        "/_sandbox/fields", json={"record_type": "contact", "id": "custentity_engagement", "type": "float"}
    )
    assert r.json()["created"] is True
    assert (
        app_client.post(
            "/_sandbox/fields",
            json={"record_type": "contact", "id": "custentity_engagement", "type": "float"},
        ).json()["created"]
        is False
    )
    assert (
        ns.request("PATCH", f"{RECORD}/contact/900002", json={"custentity_engagement": 0.5}).status_code
        == 204
    )
    item = ns.suiteql("SELECT custentity_engagement FROM contact WHERE id = 900002").json()["items"][0]
    assert item["custentity_engagement"] == "0.5"
    assert app_client.get("/_sandbox/contacts/900002").json()["custentity_engagement"] == 0.5


def test_listing_with_q(ns: SignedClient, app_client: TestClient) -> None:
    add(app_client)
    # 2025-06-01T12:00Z is 5:00 on 6/1/2025 in Los Angeles
    r = ns.request("GET", f"{RECORD}/contact", params={"limit": 1000, "q": 'lastModifiedDate ON "6/1/2025"'})
    assert r.status_code == 200, r.text
    ids = [item["id"] for item in r.json()["items"]]
    assert "900002" in ids
    r = ns.request(
        "GET", f"{RECORD}/contact", params={"q": 'lastModifiedDate AFTER "6/1/2025" AND email IS "x"'}
    )
    assert r.json()["totalResults"] == 0
    r = ns.request("GET", f"{RECORD}/contact?limit=2")
    body = r.json()
    assert body["count"] == 2
    assert body["hasMore"] is True
    assert body["items"][0]["links"][0]["rel"] == "self"
    assert (
        ns.request("GET", f"{RECORD}/contact", params={"q": 'lastModifiedDate SOON "x"'}).status_code == 400
    )


def test_admin_connection_health_and_config(app_client: TestClient) -> None:
    health = app_client.get("/_sandbox/health").json()
    assert health["status"] == "ok"
    assert health["contacts"] >= 3000
    conn = app_client.get("/_sandbox/connection").json()
    assert conn["conn_type"] == "netsuite"
    assert conn["host"] == "http://testserver"
    assert conn["extra"]["auth_method"] == "tba"
    assert conn["extra"]["account_id"] == "1234567_SB1"
    m2m = app_client.get("/_sandbox/connection?auth=m2m").json()["extra"]
    assert m2m["auth_method"] == "m2m"
    assert "BEGIN PRIVATE KEY" in m2m["private_key"]
    assert app_client.post("/_sandbox/config", json={"nope": 1}).status_code == 400
    assert app_client.post("/_sandbox/config", json={"error_500_rate": 2}).status_code == 400
    assert app_client.post("/_sandbox/config", json={"latency_ms": 1}).json()["latency_ms"] == 1
    app_client.post("/_sandbox/config", json={"latency_ms": 0})
    assert (
        app_client.post(
            "/_sandbox/customers", json=[{"id": 1, "companyname": "X", "stage": "NOPE"}]
        ).status_code
        == 400
    )
    assert app_client.post("/_sandbox/contacts", json=[{"id": 1, "shoe_size": 9}]).status_code == 400


def test_admin_refuses_remote_callers() -> None:
    from sandbox.netsuite.app import create_app
    from sandbox.netsuite.settings import Settings

    with TestClient(create_app(Settings(contacts=10)), client=("203.0.113.9", 1234)) as remote:
        assert remote.get("/_sandbox/health").status_code == 403


def test_mutate_bumps_lastmodified(ns: SignedClient, app_client: TestClient) -> None:
    ids = app_client.post("/_sandbox/mutate", json={"count": 3}).json()["ids"]
    assert len(ids) == 3
    log = app_client.get("/_sandbox/mutations").json()
    assert {item["id"] for item in log["items"]} >= set(ids)
    r = ns.suiteql(f"SELECT id FROM contact WHERE lastmodifieddate >= SYSDATE - 1 AND id IN ({ids[0]})")
    assert r.json()["count"] == 1


def status_of(ns: SignedClient, path: str) -> str:
    """The status of one signed GET, or "dropped" when the sandbox hung up (in process: an exception)."""
    try:
        return str(ns.request("GET", path).status_code)
    except ConnectionDroppedError:
        return "dropped"


def test_fail_next_is_consumed_in_order_before_the_rates(ns: SignedClient, app_client: TestClient) -> None:
    scheduled = ["503", "429", "500", "401", "dropped", "503"]
    app_client.post("/_sandbox/reset", json={})
    # the rates would fail every request: the scheduled faults still come first, exactly as listed
    config = app_client.post("/_sandbox/config", json={"fail_next": scheduled, "error_500_rate": 1.0}).json()
    try:
        assert config["fail_next"] == scheduled
        seen = [status_of(ns, f"{RECORD}/contact?limit=1") for _ in scheduled]
        assert app_client.get("/_sandbox/config").json()["fail_next"] == []  # consumed as used
        assert status_of(ns, f"{RECORD}/contact?limit=1") == "500"  # then the rates again
        app_client.post("/_sandbox/config", json={"error_500_rate": 0.0})
        assert status_of(ns, f"{RECORD}/contact?limit=1") == "200"
    finally:
        app_client.post("/_sandbox/config", json={"fail_next": [], "error_500_rate": 0.0})
    assert seen == scheduled
    stats = app_client.get("/_sandbox/stats").json()
    assert stats["faults"] == {"503": 2, "500": 2, "dropped": 1}
    assert (stats["throttled_429"], stats["unauthorized_under_load"]) == (1, 1)
    assert stats["requests"]["GET /services/rest/record/v1/contact"] == {
        "503": 2,
        "429": 1,
        "500": 2,
        "401": 1,
        "dropped": 1,
        "200": 1,
    }


def test_scheduled_429_and_401_are_the_over_limit_answers(ns: SignedClient, app_client: TestClient) -> None:
    app_client.post("/_sandbox/config", json={"fail_next": ["429", "401"], "retry_after": 3})
    try:
        throttled = ns.request("GET", f"{RECORD}/contact?limit=1")
        unauthorized = ns.request("GET", f"{RECORD}/contact?limit=1")
    finally:
        app_client.post("/_sandbox/config", json={"fail_next": [], "retry_after": None})
    assert throttled.status_code == 429
    assert throttled.json() == concurrency_body()
    assert throttled.headers["Retry-After"] == "3"
    assert unauthorized.status_code == 401
    assert unauthorized.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN_ATTEMPT"
    assert 'error="invalid_token"' in unauthorized.headers["WWW-Authenticate"]
    assert unauthorized.headers["X-Sandbox-Reason"] == "rejected under load"


@pytest.mark.parametrize("bad", [["404"], [503], "503", ["503", "slow"], None])
def test_fail_next_must_list_known_fault_kinds(app_client: TestClient, bad: object) -> None:
    app_client.post("/_sandbox/config", json={"fail_next": ["500"]})
    try:
        response = app_client.post("/_sandbox/config", json={"fail_next": bad})
        assert response.status_code == 400
        assert all(f'"{kind}"' in response.json()["detail"] for kind in FAULT_KINDS)
        pending = app_client.get("/_sandbox/config").json()["fail_next"]
        assert pending == ["500"]  # a rejected update changes nothing
        app_client.post("/_sandbox/reset", json={})  # zeroes the stats, keeps every knob
        assert app_client.get("/_sandbox/config").json()["fail_next"] == ["500"]
    finally:
        app_client.post("/_sandbox/config", json={"fail_next": []})
    assert app_client.get("/_sandbox/config").json()["fail_next"] == []
