"""``globalsubscriptionstatus``: SuiteQL, the record API with NetSuite's consent rules, the admin API."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import RECORD, SignedClient

STATUS = "globalSubscriptionStatus"


def arrange(app_client: TestClient, contact_id: int, status: object = None) -> None:
    """A customer ``contact_id - 1`` and a contact ``contact_id`` (modified 2025-01-01) with ``status``."""
    customer = {"id": contact_id - 1, "companyname": "Consent Co", "stage": "PROSPECT"}
    contact: dict[str, Any] = {
        "id": contact_id,
        "lastname": "Opt",
        "lastmodifieddate": "2025-01-01T00:00:00Z",
    }
    if status is not None:
        contact["globalsubscriptionstatus"] = status
    assert app_client.post("/_sandbox/customers", json=[customer]).status_code == 200
    assert app_client.post("/_sandbox/contacts", json=[contact]).status_code == 200


def raw(app_client: TestClient, contact_id: int) -> dict[str, Any]:
    return app_client.get(f"/_sandbox/contacts/{contact_id}").json()


def patch(ns: SignedClient, contact_id: int, body: dict[str, Any]) -> Any:
    return ns.request("PATCH", f"{RECORD}/contact/{contact_id}", json=body)


def user_error(response: Any) -> str:
    assert response.status_code == 400, response.text
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "USER_ERROR"
    return detail["detail"]


def test_suiteql_shows_the_status_as_a_string(ns: SignedClient) -> None:
    for table in ("contact", "customer"):
        counts = ns.suiteql(
            f"SELECT globalsubscriptionstatus AS s, COUNT(*) AS n FROM {table} "
            "GROUP BY globalsubscriptionstatus ORDER BY globalsubscriptionstatus"
        ).json()["items"]
        by_status = {item["s"]: int(item["n"]) for item in counts}
        assert set(by_status) <= {"1", "2", "4"}  # the seed never makes a confirmed opt-in
        assert by_status["1"] > 0.9 * sum(by_status.values())
    opted_out = ns.suiteql(
        "SELECT id, globalsubscriptionstatus FROM contact WHERE globalsubscriptionstatus = '2'"
    )
    assert opted_out.status_code == 200
    assert {item["globalsubscriptionstatus"] for item in opted_out.json()["items"]} == {"2"}
    assert "globalsubscriptionstatus" in ns.suiteql("SELECT * FROM contact", limit=1).json()["items"][0]


def test_admin_api_takes_and_shows_the_status(ns: SignedClient, app_client: TestClient) -> None:
    arrange(app_client, 930_001)
    assert raw(app_client, 930_001)["globalsubscriptionstatus"] == 1  # default: Soft Opt-In
    for given, stored in ((2, 2), ("4", 4), ("3", 3), (1, 1)):
        arrange(app_client, 930_001, given)
        assert raw(app_client, 930_001)["globalsubscriptionstatus"] == stored
    for bad in (0, 5, "x", True, 2.5, "Soft Opt-Out"):
        response = app_client.post(
            "/_sandbox/contacts", json=[{"id": 930_001, "globalsubscriptionstatus": bad}]
        )
        assert response.status_code == 400, bad
        assert "1 Soft Opt-In" in response.json()["detail"]
    customer = [
        {"id": 930_000, "companyname": "Consent Co", "stage": "LEAD", "globalsubscriptionstatus": "2"}
    ]
    app_client.post("/_sandbox/customers", json=customer)
    assert app_client.get("/_sandbox/customers/930000").json()["globalsubscriptionstatus"] == 2
    item = ns.suiteql("SELECT globalsubscriptionstatus FROM customer WHERE id = 930000").json()["items"][0]
    assert item["globalsubscriptionstatus"] == "2"


def test_record_api_shows_a_reference(ns: SignedClient, app_client: TestClient) -> None:
    arrange(app_client, 931_001, 4)
    body = ns.request("GET", f"{RECORD}/contact/931001").json()
    assert body[STATUS] == {"id": "4", "refName": "Confirmed Opt-Out", "links": []}
    customer = ns.request("GET", f"{RECORD}/customer/931000").json()
    assert customer[STATUS] == {"id": "1", "refName": "Soft Opt-In", "links": []}
    listing = ns.request("GET", f"{RECORD}/contact", params={"q": f"{STATUS} IS 4 AND id EQUAL 931001"})
    assert [item["id"] for item in listing.json()["items"]] == ["931001"]


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ({"id": "2"}, 2),
        ({"refName": "Soft Opt-Out"}, 2),
        ({"id": 2}, 2),
        ({"id": "2", "refName": "Soft Opt-Out"}, 2),
        ({"refName": "Soft Opt-In"}, 1),
    ],
)
def test_patch_sets_a_soft_status_and_modifies_the_record(
    ns: SignedClient, app_client: TestClient, body: dict[str, Any], stored: int
) -> None:
    arrange(app_client, 932_001, 2 if stored == 1 else 1)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(time.time())))
    response = patch(ns, 932_001, {STATUS: body})
    assert response.status_code == 204, response.text
    after = raw(app_client, 932_001)
    assert after["globalsubscriptionstatus"] == stored
    assert after["lastmodifieddate"] >= started
    item = ns.suiteql(
        "SELECT globalsubscriptionstatus FROM contact WHERE id = 932001 AND lastmodifieddate >= SYSDATE - 1"
    ).json()["items"]
    assert item == [{"links": [], "globalsubscriptionstatus": str(stored)}]


def test_patch_cannot_confirm_or_resubscribe(ns: SignedClient, app_client: TestClient) -> None:
    arrange(app_client, 933_001)
    for body in ({"id": "3"}, {"id": "4"}, {"refName": "Confirmed Opt-Out"}, {"refName": "Confirmed Opt-In"}):
        message = user_error(patch(ns, 933_001, {STATUS: body, "title": "CTO"}))
        assert "You cannot set confirmed statuses on the record" in message
    unchanged = raw(app_client, 933_001)
    assert (unchanged["globalsubscriptionstatus"], unchanged["title"]) == (1, None)
    assert unchanged["lastmodifieddate"] == "2025-01-01T00:00:00Z"

    arrange(app_client, 933_001, 4)  # the recipient confirmed their opt-out
    for body in ({"id": "1"}, {"id": "2"}, {"refName": "Soft Opt-In"}):
        message = user_error(patch(ns, 933_001, {STATUS: body}))
        assert "no one in your company can resubscribe" in message
    assert raw(app_client, 933_001)["globalsubscriptionstatus"] == 4
    assert patch(ns, 933_001, {"title": "CFO"}).status_code == 204  # other fields stay editable
    assert raw(app_client, 933_001)["globalsubscriptionstatus"] == 4

    arrange(app_client, 933_001, 3)  # confirmed opt-in: the company may still opt them out
    assert patch(ns, 933_001, {STATUS: {"id": "2"}}).status_code == 204
    assert raw(app_client, 933_001)["globalsubscriptionstatus"] == 2


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"id": "9"}, "USER_ERROR"),
        ({"refName": "Opted Out"}, "USER_ERROR"),
        ({"id": "1", "refName": "Soft Opt-Out"}, "USER_ERROR"),
        (None, "USER_ERROR"),
        ("2", "INVALID_PARAMETER"),
        ({"name": "Soft Opt-Out"}, "INVALID_PARAMETER"),
    ],
)
def test_patch_refuses_what_is_not_a_status(
    ns: SignedClient, app_client: TestClient, body: object, code: str
) -> None:
    arrange(app_client, 934_001, 2)
    response = patch(ns, 934_001, {STATUS: body})
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert (detail["o:errorCode"], detail["o:errorPath"]) == (code, STATUS)
    assert raw(app_client, 934_001)["globalsubscriptionstatus"] == 2


def test_a_locked_record_refuses_a_status_change(ns: SignedClient, app_client: TestClient) -> None:
    arrange(app_client, 935_001)
    app_client.post("/_sandbox/locks", json={"record_type": "contact", "ids": [935_001], "locked": True})
    failures = app_client.get("/_sandbox/stats").json()["patch_failures"]
    try:
        message = user_error(patch(ns, 935_001, {STATUS: {"id": "2"}}))
        assert "locked" in message
        assert raw(app_client, 935_001)["globalsubscriptionstatus"] == 1
        assert app_client.get("/_sandbox/stats").json()["patch_failures"] == failures + 1
    finally:
        app_client.post("/_sandbox/locks", json={"record_type": "contact", "ids": [935_001], "locked": False})
    assert patch(ns, 935_001, {STATUS: {"id": "2"}}).status_code == 204
    assert raw(app_client, 935_001)["globalsubscriptionstatus"] == 2


def test_customers_follow_the_same_rules(ns: SignedClient, app_client: TestClient) -> None:
    arrange(app_client, 936_001)
    assert ns.request("PATCH", f"{RECORD}/customer/936000", json={STATUS: {"id": "2"}}).status_code == 204
    assert app_client.get("/_sandbox/customers/936000").json()["globalsubscriptionstatus"] == 2
    message = user_error(ns.request("PATCH", f"{RECORD}/customer/936000", json={STATUS: {"id": "4"}}))
    assert "confirmed statuses" in message
    assert raw(app_client, 936_001)["globalsubscriptionstatus"] == 1  # the company's contacts are their own
