"""Listing and downloading lists, and one-record writes, in Act-On's shapes."""

from __future__ import annotations

import csv
import io
import time

import pytest
from fastapi.testclient import TestClient

from tests.sandbox.acton.conftest import HEADINGS, error_of, new_list, records


def person(n: int) -> dict[str, str]:
    return {
        "E-mail Address": f"p{n}@example.com",
        "First Name": f"P{n}",
        "Last Name": "",
        "Act-On score": str(n),
    }


@pytest.fixture
def list_id(client: TestClient) -> str:
    return new_list(client, [person(n) for n in range(1, 26)])


def test_list_of_lists_is_paged(client, auth) -> None:
    for _ in range(3):
        new_list(client)
    params = {"listingtype": "CONTACT_LIST", "count": 2, "offset": 1}
    page = client.get("/api/1/list", headers=auth, params=params).json()
    assert (page["offset"], page["count"], page["totalCount"]) == (1, 2, 3)
    assert [entry["id"] for entry in page["result"]] == ["l-0002", "l-0003"]
    assert {"id", "name", "folderName", "tsLastModified"} <= set(page["result"][0])


def test_json_download_shape_and_paging(client, auth, list_id) -> None:
    page = client.get(f"/api/1/list/{list_id}", headers=auth, params={"count": 10, "offset": 20}).json()
    assert (page["listId"], page["offset"], page["count"], page["totalCount"]) == (list_id, 20, 5, 25)
    assert page["headers"] == ["_contact_id_", *HEADINGS]
    assert page["emailColumn"] == 1
    assert page["data"][0] == [f"{list_id}:21", "p21@example.com", "P21", "", "21"]


def test_fields_select_columns(client, auth, list_id) -> None:
    params = {"fields": "Act-On score;E-mail Address", "count": 1}
    page = client.get(f"/api/1/list/{list_id}", headers=auth, params=params).json()
    assert page["headers"] == ["_contact_id_", "Act-On score", "E-mail Address"]
    assert page["emailColumn"] == 2
    assert page["data"] == [[f"{list_id}:1", "1", "p1@example.com"]]
    unknown = client.get(f"/api/1/list/{list_id}", headers=auth, params={"fields": "Nope"})
    assert error_of(unknown) == (400, 10010)


def test_modafter_returns_only_changed_records(client, auth, list_id) -> None:
    since = int(time.time() * 1000)
    time.sleep(0.01)
    client.post("/_sandbox/scores", json={"scores": {"p3@example.com": 99}, "list_id": list_id})
    page = client.get(f"/api/1/list/{list_id}", headers=auth, params={"modafter": since}).json()
    assert page["totalCount"] == 1
    assert page["data"][0][0] == f"{list_id}:3"
    assert page["data"][0][-1] == "99"


def test_csv_download_is_the_whole_list(client, auth, list_id) -> None:
    response = client.get(
        f"/api/1/list/{list_id}", headers=auth, params={"responseformat": "CSV", "count": 5}
    )
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["_contact_id_", *HEADINGS]
    assert len(rows) == 26


def test_page_limits_and_unknown_list(client, auth, list_id) -> None:
    assert error_of(client.get(f"/api/1/list/{list_id}", headers=auth, params={"count": 1001})) == (400, 400)
    assert error_of(client.get("/api/1/list/l-0404", headers=auth)) == (400, 10004)
    assert error_of(client.get("/api/1/list", headers=auth)) == (400, 400)  # listingtype is required


def test_single_record_upsert_and_insert(client, auth, list_id) -> None:
    response = client.put(
        f"/api/1/list/{list_id}/record",
        headers=auth,
        params={"email": "P2@Example.com"},
        json={"Act-On score": 42, "First Name": "Two"},
    )
    assert response.json() == {
        "status": "success",
        "message": "Record updated",
        "id": f"{list_id}:2",
        "contact_id": f"{list_id}:2",
    }
    added = client.put(
        f"/api/1/list/{list_id}/record",
        headers=auth,
        params={"email": "new@example.com"},
        json={"First Name": "New"},
    ).json()
    assert added["message"] == "Record added"
    inserted = client.post(
        f"/api/1/list/{list_id}/record",
        headers=auth,
        json={"E-mail Address": "p1@example.com", "First Name": "Dup"},
    ).json()
    assert inserted["id"] == f"{list_id}:27"
    rows = {r["_contact_id_"]: r for r in records(client, list_id)}
    assert rows[f"{list_id}:2"]["Act-On score"] == "42"
    assert rows[f"{list_id}:26"]["E-mail Address"] == "new@example.com"
    bad = client.put(f"/api/1/list/{list_id}/record", headers=auth, params={"email": "x@"}, json={})
    assert error_of(bad) == (400, 400)
    unknown = client.put(
        f"/api/1/list/{list_id}/record", headers=auth, params={"email": "p1@example.com"}, json={"Phone": "1"}
    )
    assert error_of(unknown) == (400, 10010)
