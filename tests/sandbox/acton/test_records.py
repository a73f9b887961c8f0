"""Deleting records (one, or up to 100 a call) and looking one up by email, in Act-On's shapes."""

from __future__ import annotations

import csv
import io
import time

import pytest
from fastapi.testclient import TestClient

from sandbox.acton.store import ContactList
from tests.sandbox.acton.conftest import csv_bytes, error_of, login, merged, new_list, records, set_config


def person(n: int) -> dict[str, str]:
    return {"E-mail Address": f"p{n}@example.com", "First Name": f"P{n}", "Last Name": "", "Act-On score": ""}


@pytest.fixture
def list_id(client: TestClient) -> str:
    return new_list(client, [person(n) for n in range(1, 6)])


def ids_of(client: TestClient, auth: dict[str, str], list_id: str) -> list[str]:
    page = client.get(f"/api/1/list/{list_id}", headers=auth).json()
    return [row[0] for row in page["data"]]


def bulk_delete(client: TestClient, auth: dict[str, str], list_id: str, ids: list[str]):
    return client.delete(f"/api/1/list/{list_id}/record", headers=auth, params={"contactids": ",".join(ids)})


def test_delete_one_record(client, auth, list_id) -> None:
    response = client.delete(f"/api/1/list/{list_id}/record/{list_id}:2", headers=auth)
    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Record deleted"}
    assert ids_of(client, auth, list_id) == [f"{list_id}:{n}" for n in (1, 3, 4, 5)]
    again = client.delete(f"/api/1/list/{list_id}/record/{list_id}:2", headers=auth)
    assert again.status_code == 400
    assert again.json() == {"errorCode": 10008, "message": "Invalid contact"}


@pytest.mark.parametrize(
    "record_id", ["nonsense", "{list}:", "{list}:a", "{list}:99", "l-0999:1", ":1", "{list}:\u0661"]
)
def test_delete_of_an_invalid_record_id_is_10008(client, auth, list_id, record_id) -> None:
    other = new_list(client, [person(1)])
    record_id = record_id.replace("l-0999", other).format(list=list_id)
    response = client.delete(f"/api/1/list/{list_id}/record/{record_id}", headers=auth)
    assert error_of(response) == (400, 10008)
    assert len(records(client, list_id)) == 5


def test_delete_in_an_unknown_list_is_10004(client, auth, list_id) -> None:
    assert error_of(client.delete("/api/1/list/l-0404/record/l-0404:1", headers=auth)) == (400, 10004)
    assert error_of(bulk_delete(client, auth, "l-0404", ["l-0404:1"])) == (400, 10004)


def test_bulk_delete_answers_200_with_the_failures(client, auth, list_id) -> None:
    other = new_list(client, [person(1)])
    ids = [f"{list_id}:1", f"{list_id}:2", f"{list_id}:a", f"{other}:1", f"{list_id}:1", f"{list_id}:99"]
    response = bulk_delete(client, auth, list_id, ids)
    assert response.status_code == 200
    body = response.json()
    assert (body["success_count"], body["fail_count"]) == (2, 4)
    failed = {entry["id"]: entry["reason"] for entry in body["failedList"]}
    assert set(failed) == {f"{list_id}:a", f"{other}:1", f"{list_id}:1", f"{list_id}:99"}
    assert failed[f"{list_id}:a"] == "Invalid contact id"
    assert all(reason.startswith("Invalid contact id") for reason in failed.values())
    assert ids_of(client, auth, list_id) == [f"{list_id}:{n}" for n in (3, 4, 5)]
    assert len(records(client, other)) == 1


def test_bulk_delete_takes_at_most_100_ids(client, auth, list_id) -> None:
    too_many = bulk_delete(client, auth, list_id, [f"{list_id}:{n}" for n in range(1, 102)])
    assert error_of(too_many) == (400, 400)
    assert "at most 100" in too_many.json()["message"]
    assert len(records(client, list_id)) == 5
    hundred = bulk_delete(client, auth, list_id, [f"{list_id}:{n}" for n in range(1, 101)]).json()
    assert (hundred["success_count"], hundred["fail_count"]) == (5, 95)
    assert error_of(client.delete(f"/api/1/list/{list_id}/record", headers=auth)) == (400, 400)


def test_downloads_leave_deleted_records_out(client, auth, list_id) -> None:
    bulk_delete(client, auth, list_id, [f"{list_id}:1", f"{list_id}:4"])
    page = client.get(f"/api/1/list/{list_id}", headers=auth, params={"count": 2, "offset": 2}).json()
    assert (page["totalCount"], page["count"]) == (3, 1)
    assert page["data"] == [[f"{list_id}:5", "p5@example.com", "P5", "", ""]]
    text = client.get(f"/api/1/list/{list_id}", headers=auth, params={"responseformat": "CSV"}).text
    assert [row[0] for row in csv.reader(io.StringIO(text))][1:] == [f"{list_id}:{n}" for n in (2, 3, 5)]
    summary = client.get("/api/1/list", headers=auth, params={"listingtype": "CONTACT_LIST"}).json()
    assert summary["result"][0]["size"] == 3


def test_a_merge_after_a_delete_adds_the_address_under_a_new_id(client, auth, list_id) -> None:
    client.delete(f"/api/1/list/{list_id}/record/{list_id}:5", headers=auth)  # the highest id
    client.delete(f"/api/1/list/{list_id}/record/{list_id}:2", headers=auth)
    details = merged(client, auth, list_id, csv_bytes([["P2@example.com", "Back", "", ""]]))["details"]
    assert (details["appendCount"], details["updateCount"]) == (1, 0)
    found = client.get(f"/api/1/list/lookup/{list_id}", headers=auth, params={"email": "p2@example.com"})
    assert found.json()["contactID"] == f"{list_id}:6"  # neither :2 nor :5 comes back
    added = client.post(
        f"/api/1/list/{list_id}/record", headers=auth, json={"E-mail Address": "n@example.com"}
    )
    assert added.json()["id"] == f"{list_id}:7"


def test_replace_after_a_delete_keeps_the_right_records(client, auth, list_id) -> None:
    client.delete(f"/api/1/list/{list_id}/record/{list_id}:1", headers=auth)
    body = csv_bytes([["p3@example.com", "", "", ""], ["p5@example.com", "", "", ""]])
    merged(client, auth, list_id, body, mode="REPLACE")
    assert [r["_contact_id_"] for r in records(client, list_id)] == [f"{list_id}:3", f"{list_id}:5"]


def test_lookup_by_email_is_case_insensitive(client, auth, list_id) -> None:
    response = client.get(f"/api/1/list/lookup/{list_id}", headers=auth, params={"email": " P3@EXAMPLE.com"})
    assert response.status_code == 200
    assert response.json() == {
        "contactID": f"{list_id}:3",
        "E-mail Address": "p3@example.com",
        "First Name": "P3",
        "Last Name": "",
        "Act-On score": "",
    }
    assert next(iter(response.json())) == "contactID"


def test_lookup_of_an_unknown_or_deleted_address_is_10162(client, auth, list_id) -> None:
    missing = client.get(f"/api/1/list/lookup/{list_id}", headers=auth, params={"email": "who@example.com"})
    assert missing.status_code == 400
    assert missing.json() == {"errorCode": 10162, "message": "Contact not found"}
    client.delete(f"/api/1/list/{list_id}/record/{list_id}:1", headers=auth)
    gone = client.get(f"/api/1/list/lookup/{list_id}", headers=auth, params={"email": "p1@example.com"})
    assert error_of(gone) == (400, 10162)
    assert error_of(client.get(f"/api/1/list/lookup/{list_id}", headers=auth)) == (400, 400)
    assert error_of(client.get("/api/1/list/lookup/l-0404", headers=auth, params={"email": "a@b.co"})) == (
        400,
        10004,
    )


def test_lookup_finds_the_first_of_duplicates_and_the_next_once_it_is_deleted(client, auth, list_id) -> None:
    client.post(f"/api/1/list/{list_id}/record", headers=auth, json={"E-mail Address": "P1@example.com"})
    url = f"/api/1/list/lookup/{list_id}"
    assert (
        client.get(url, headers=auth, params={"email": "p1@example.com"}).json()["contactID"]
        == f"{list_id}:1"
    )
    client.delete(f"/api/1/list/{list_id}/record/{list_id}:1", headers=auth)
    assert (
        client.get(url, headers=auth, params={"email": "p1@example.com"}).json()["contactID"]
        == f"{list_id}:6"
    )


NEW_ROUTES = [
    ("DELETE", "/api/1/list/{list}/record/{list}:1", {}),
    ("DELETE", "/api/1/list/{list}/record", {"contactids": "{list}:1"}),
    ("GET", "/api/1/list/lookup/{list}", {"email": "p1@example.com"}),
]


@pytest.mark.parametrize(("method", "path", "params"), NEW_ROUTES)
def test_the_new_routes_need_a_token_and_keep_the_budget(client, list_id, method, path, params) -> None:
    url = path.format(list=list_id)
    query = {k: v.format(list=list_id) for k, v in params.items()}
    assert client.request(method, url, params=query).status_code == 401
    auth = {"Authorization": f"Bearer {login(client)['access_token']}"}
    set_config(client, rate_per_second=1)
    time.sleep(1.0)  # empty the window the login used
    statuses = [client.request(method, url, headers=auth, params=query).status_code for _ in range(2)]
    assert statuses[1] == 429
    set_config(client, rate_per_second=10_000, fail_next_calls=1)
    assert client.request(method, url, headers=auth, params=query).status_code == 503
    stats = client.get("/_sandbox/stats").json()
    route = next(r for r in stats["calls"] if r.startswith(method) and "{listid}" in r)
    assert stats["calls"][route]["429"] == 1
    assert stats["calls"][route]["503"] == 1


def test_stats_count_deletes_and_lookups_per_list(client, auth, list_id) -> None:
    client.delete(f"/api/1/list/{list_id}/record/{list_id}:1", headers=auth)
    client.delete(f"/api/1/list/{list_id}/record/{list_id}:1", headers=auth)
    bulk_delete(client, auth, list_id, [f"{list_id}:2", f"{list_id}:3", f"{list_id}:x"])
    client.get(f"/api/1/list/lookup/{list_id}", headers=auth, params={"email": "p4@example.com"})
    client.get(f"/api/1/list/lookup/{list_id}", headers=auth, params={"email": "p1@example.com"})
    stats = client.get("/_sandbox/stats").json()
    expected = {
        "record_delete_calls": 3,
        "records_deleted": 3,
        "record_delete_failures": 2,
        "lookups": 2,
        "lookups_not_found": 1,
    }
    assert {k: stats[k] for k in expected} == expected
    assert stats["by_list"] == {list_id: expected}
    assert stats["calls"]["DELETE /api/1/list/{listid}/record/{recordid}"] == {"200": 1, "400": 1}
    assert stats["calls"]["DELETE /api/1/list/{listid}/record"] == {"200": 1}
    assert stats["calls"]["GET /api/1/list/lookup/{listid}"] == {"200": 1, "400": 1}


def test_store_remove_keeps_numbers_and_finds_by_number() -> None:
    contact_list = ContactList("l-0001", "L", "", ["E-mail Address"], "E-mail Address", "")
    for email in ["a@x.co", "b@x.co", "a@x.co", "c@x.co"]:
        contact_list.append([email], 1)
    assert contact_list.remove([0, 3, 0]) == 2
    assert list(contact_list.numbers) == [2, 3]
    assert (contact_list.position_of(3), contact_list.position_of(1), contact_list.position_of(9)) == (
        1,
        None,
        None,
    )
    assert contact_list.find("A@x.co") == 1  # the index follows the shift, to the remaining duplicate
    assert contact_list.record_id(contact_list.append(["d@x.co"], 2)) == "l-0001:5"
