"""The record API and the admin API, in process."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

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
