"""The consent lists over the API: paged reads with creation-time bounds, opt-out uploads, no opt-in."""

from __future__ import annotations

import csv
import io
import time

import pytest
from fastapi.testclient import TestClient

from tests.sandbox.acton.conftest import error_of, login, new_list, records, set_config

T = 1_567_639_147_559  # epoch ms, as in Act-On's docs
API_ORIGIN = "User: marketing@example.com via Act-On API"


def admin_add(client: TestClient, kind: str, emails: list[str], timestamp: int | None = None) -> dict:
    body: dict[str, object] = {"emails": emails}
    if timestamp is not None:
        body["timestamp"] = timestamp
    response = client.post(f"/_sandbox/{kind}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def put_optouts(client: TestClient, auth: dict[str, str], text: str):
    return client.put(
        "/api/1/list/optout", headers=auth, files={"file": ("optouts.csv", text.encode(), "text/csv")}
    )


def read_all(client: TestClient, auth: dict[str, str], kind: str = "optout", **params: object) -> list[dict]:
    """Page as a client must: until a short page (``totalCount`` is always -1)."""
    result: list[dict] = []
    count = int(params.pop("count", 2))
    while True:
        page = client.get(
            f"/api/1/list/{kind}", headers=auth, params={"count": count, "offset": len(result), **params}
        ).json()
        assert page["totalCount"] == -1
        assert page["count"] == len(page["result"])
        result += page["result"]
        if page["count"] < count:
            return result


def test_an_empty_list_reads_as_an_empty_page(client, auth) -> None:
    for kind in ("optout", "hardbounce", "spamcomplaint"):
        page = client.get(f"/api/1/list/{kind}", headers=auth).json()
        assert page == {"offset": 0, "count": 0, "totalCount": -1, "result": []}


def test_paging_until_a_short_page_in_creation_order(client, auth) -> None:
    admin_add(client, "optouts", [f"p{n}@example.com" for n in range(3)], T)
    admin_add(client, "optouts", ["late@example.com", "later@example.com"], T + 10)
    page = client.get("/api/1/list/optout", headers=auth, params={"count": 2, "offset": 4}).json()
    assert page == {
        "offset": 4,
        "count": 1,
        "totalCount": -1,
        "result": [
            {"email": "later@example.com", "timestamp": T + 10, "origin": "Recipient: unsubscribe link"}
        ],
    }
    emails = [entry["email"] for entry in read_all(client, auth)]
    assert emails == [
        "p0@example.com",
        "p1@example.com",
        "p2@example.com",
        "late@example.com",
        "later@example.com",
    ]


@pytest.mark.parametrize("count", [0, 1001, -1])
def test_count_must_be_1_to_1000(client, auth, count) -> None:
    assert error_of(client.get("/api/1/list/optout", headers=auth, params={"count": count})) == (400, 400)
    assert client.get("/api/1/list/optout", headers=auth, params={"count": 1000}).status_code == 200
    assert error_of(client.get("/api/1/list/optout", headers=auth, params={"offset": -1})) == (400, 400)
    assert error_of(client.get("/api/1/list/optout", headers=auth, params={"createdafter": "x"})) == (
        400,
        400,
    )


def test_createdafter_and_createdbefore_in_milliseconds_are_strict(client, auth) -> None:
    for n in range(4):
        admin_add(client, "optouts", [f"p{n}@example.com"], T + n * 1000)
    after = read_all(client, auth, createdafter=T + 1000)
    assert [e["email"] for e in after] == ["p2@example.com", "p3@example.com"]
    window = read_all(client, auth, createdafter=T - 1, createdbefore=T + 2000)
    assert [e["email"] for e in window] == ["p0@example.com", "p1@example.com"]


def test_createdafter_in_seconds_is_taken_as_seconds(client, auth) -> None:
    admin_add(client, "optouts", ["old@example.com"], 1_600_000_000_000)
    admin_add(client, "optouts", ["same-second@example.com"], 1_700_000_000_500)
    admin_add(client, "optouts", ["new@example.com"], 1_700_000_001_000)
    after = read_all(client, auth, createdafter=1_700_000_000)  # seconds: after 1_700_000_000_000 ms
    assert [e["email"] for e in after] == ["same-second@example.com", "new@example.com"]
    before = read_all(client, auth, createdbefore=1_700_000_001)
    assert [e["email"] for e in before] == ["old@example.com", "same-second@example.com"]


def test_put_optout_rejects_a_heading_row_and_bad_rows(client, auth) -> None:
    before = int(time.time() * 1000)
    text = 'email\r\nada@example.com\r\n""\r\nnot-an-email\r\n Alan@Example.com \r\ntwo@example.com,extra\r\n'
    response = put_optouts(client, auth, text)
    assert response.status_code == 200
    body = response.json()
    url = body.pop("rejectedRecordsUrl")
    assert body == {
        "status": "success",
        "message": "4 invalid or empty records rejected. 2 valid records processed.",
        "emptyRecords": 1,
        "rejectedRecords": 3,
    }
    assert url.startswith("http://testserver/api/1/list/rejectedUploadRecords?filename=rejected-optout-")
    rejected = client.get(url.removeprefix("http://testserver"), headers=auth)
    rows = list(csv.reader(io.StringIO(rejected.text)))
    assert rows[0] == ["E-mail Address", "Reason"]
    assert [row[0] for row in rows[1:]] == ["email", "", "not-an-email", "two@example.com"]
    assert rows[2][1] == "Missing email address"
    assert rows[4][1].startswith("Expected 1 field")
    entries = read_all(client, auth)
    assert [(e["email"], e["origin"]) for e in entries] == [
        ("ada@example.com", API_ORIGIN),
        ("Alan@Example.com", API_ORIGIN),
    ]
    assert before <= entries[0]["timestamp"] <= int(time.time() * 1000)


def test_put_optout_is_idempotent(client, auth) -> None:
    put_optouts(client, auth, "ada@example.com\n")
    (first,) = read_all(client, auth)
    time.sleep(0.01)
    body = put_optouts(client, auth, "ADA@example.com\nada@example.com\n").json()
    assert body["message"] == "0 invalid or empty records rejected. 2 valid records processed."
    assert (body["emptyRecords"], body["rejectedRecords"], body["rejectedRecordsUrl"]) == (0, 0, None)
    assert read_all(client, auth) == [first]
    stats = client.get("/_sandbox/stats").json()
    assert stats["optouts_added"] == 1
    assert "optout_records_rejected" not in stats


def test_put_optout_without_a_file_is_10003(client, auth) -> None:
    assert error_of(client.put("/api/1/list/optout", headers=auth, data={"x": "y"})) == (400, 10003)


def test_optin_is_not_enabled(client, auth) -> None:
    response = client.put(
        "/api/1/list/optin", headers=auth, files={"file": ("in.csv", b"ada@example.com\n", "text/csv")}
    )
    assert error_of(response) == (403, 403)
    assert "not enabled" in response.json()["message"]


def test_hard_bounces_and_spam_complaints_read_like_optouts(client, auth) -> None:
    admin_add(client, "hardbounces", ["bounce@example.com"], T)
    admin_add(client, "spamcomplaints", ["angry@example.com"], T + 1)
    assert read_all(client, auth, "hardbounce") == [
        {"email": "bounce@example.com", "timestamp": T, "origin": "Recipient: hard bounce"}
    ]
    assert read_all(client, auth, "spamcomplaint", createdafter=T) == [
        {"email": "angry@example.com", "timestamp": T + 1, "origin": "Recipient: spam complaint"}
    ]
    assert read_all(client, auth, "optout") == []
    assert client.put("/api/1/list/hardbounce", headers=auth).status_code in {400, 405}


def test_opted_out_addresses_stay_in_contact_lists(client, auth) -> None:
    list_id = new_list(client, [{"E-mail Address": "ada@example.com"}])
    put_optouts(client, auth, "ada@example.com\n")
    assert [r["E-mail Address"] for r in records(client, list_id)] == ["ada@example.com"]


NEW_ROUTES = [
    ("GET", "/api/1/list/optout"),
    ("GET", "/api/1/list/hardbounce"),
    ("GET", "/api/1/list/spamcomplaint"),
    ("PUT", "/api/1/list/optout"),
    ("PUT", "/api/1/list/optin"),
]


@pytest.mark.parametrize(("method", "path"), NEW_ROUTES)
def test_the_new_routes_need_a_token_and_keep_the_budget(client, method, path) -> None:
    files = {"file": ("o.csv", b"ada@example.com\n", "text/csv")} if method == "PUT" else None
    assert client.request(method, path, files=files).status_code == 401
    auth = {"Authorization": f"Bearer {login(client)['access_token']}"}
    set_config(client, daily_quota=client.get("/_sandbox/stats").json()["quota_used"] + 1)
    assert client.request(method, path, headers=auth, files=files).status_code != 429
    refused = client.request(method, path, headers=auth, files=files)
    assert error_of(refused) == (429, 429)
    set_config(client, daily_quota=30_000, fail_next_calls=1)
    assert client.request(method, path, headers=auth, files=files).status_code == 503
    assert client.get("/_sandbox/stats").json()["calls"][f"{method} {path}"]["429"] == 1
