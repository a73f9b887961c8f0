"""Bulk merge as Act-On does it: five modes, headings that must match, bad emails rejected with a reason."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from tests.sandbox.acton.conftest import (
    HEADINGS,
    csv_bytes,
    error_of,
    merge,
    merged,
    new_list,
    records,
    set_config,
    wait_job,
)

ADA = {
    "E-mail Address": "ada@example.com",
    "First Name": "Ada",
    "Last Name": "Lovelace",
    "Act-On score": "10",
}
ALAN = {
    "E-mail Address": "alan@example.com",
    "First Name": "Alan",
    "Last Name": "Turing",
    "Act-On score": "20",
}
FILE = csv_bytes([[" ADA@Example.com ", "Augusta", "", ""], ["grace@example.com", "Grace", "Hopper", ""]])


@pytest.fixture
def list_id(client: TestClient) -> str:
    return new_list(client, [ADA, ALAN])


def by_email(client: TestClient, list_id: str) -> dict[str, dict]:
    return {r["E-mail Address"].lower(): r for r in records(client, list_id)}


def test_upsert_updates_by_trimmed_case_insensitive_email_and_appends(client, auth, list_id) -> None:
    details = merged(client, auth, list_id, FILE)["details"]
    assert (details["appendCount"], details["updateCount"], details["rejectedCount"]) == (1, 1, 0)
    rows = by_email(client, list_id)
    assert rows["ada@example.com"]["First Name"] == "Augusta"
    assert rows["ada@example.com"]["Last Name"] == "Lovelace"  # putEmptyValues=N keeps it
    assert rows["ada@example.com"]["_contact_id_"] == f"{list_id}:1"  # record id survives the update
    assert set(rows) == {"ada@example.com", "alan@example.com", "grace@example.com"}


def test_put_empty_values_overwrites(client, auth, list_id) -> None:
    merged(client, auth, list_id, FILE, putEmptyValues="Y")
    assert by_email(client, list_id)["ada@example.com"]["Last Name"] == ""


def test_update_only_leaves_new_emails_out(client, auth, list_id) -> None:
    details = merged(client, auth, list_id, FILE, mode="UPDATE_ONLY")["details"]
    assert (details["appendCount"], details["updateCount"]) == (0, 1)
    assert "grace@example.com" not in by_email(client, list_id)


def test_append_adds_duplicates(client, auth, list_id) -> None:
    details = merged(client, auth, list_id, FILE, mode="APPEND")["details"]
    assert details["appendCount"] == 2
    emails = [r["E-mail Address"].lower() for r in records(client, list_id)]
    assert emails.count("ada@example.com") == 2


def test_append_no_duplicates_skips_known_emails(client, auth, list_id) -> None:
    details = merged(client, auth, list_id, FILE, mode="APPEND_NO_DUPLICATES")["details"]
    assert (details["appendCount"], details["updateCount"]) == (1, 0)
    assert by_email(client, list_id)["ada@example.com"]["First Name"] == "Ada"


def test_replace_deletes_what_is_not_in_the_file(client, auth, list_id) -> None:
    body = merged(client, auth, list_id, FILE, mode="REPLACE")
    assert body["details"]["updateCount"] == 1
    assert '"deletedCount": 1' in body["jobDetails"]
    assert set(by_email(client, list_id)) == {"ada@example.com", "grace@example.com"}


def test_same_file_twice_leaves_the_list_unchanged(client, auth, list_id) -> None:
    merged(client, auth, list_id, FILE)
    before = records(client, list_id)
    merged(client, auth, list_id, FILE)
    assert records(client, list_id) == before


def test_headings_may_come_in_any_order(client, auth, list_id) -> None:
    reordered = csv_bytes(
        [["Hopper", "grace@example.com", "Grace", "5"]],
        ["Last Name", "E-mail Address", "First Name", "Act-On score"],
    )
    merged(client, auth, list_id, reordered)
    assert by_email(client, list_id)["grace@example.com"]["Last Name"] == "Hopper"


@pytest.mark.parametrize("headings", [[*HEADINGS, "Phone"], HEADINGS[:-1]])
def test_headings_must_equal_the_lists(client, auth, list_id, headings) -> None:
    response = merge(
        client, auth, list_id, csv_bytes([["x@example.com"] + [""] * (len(headings) - 1)], headings)
    )
    assert error_of(response) == (400, 10010)


def test_bad_emails_are_rejected_with_a_reason_and_downloadable(client, auth, list_id) -> None:
    body = csv_bytes(
        [
            ["not-an-email", "A", "B", ""],
            ["", "No", "Email", ""],
            ["ok@example.com", "O", "K", ""],
            ["x@foo.test", "Special", "Use", ""],
            ["short@example.com", "too few"],
        ]
    )
    details = merged(client, auth, list_id, body)["details"]
    assert (details["appendCount"], details["rejectedCount"], details["failedCount"]) == (1, 3, 1)
    response = client.get(
        "/api/1/list/rejectedUploadRecords", headers=auth, params={"filename": details["rejectedFile"]}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["E-mail Address"] for r in rows] == ["not-an-email", "", "x@foo.test", "short@example.com"]
    assert list(rows[0]) == [*HEADINGS, "Reason"]
    assert rows[0]["Reason"].startswith("Invalid email address")
    assert rows[1]["Reason"] == "Missing email address"
    assert "Expected 4 fields" in rows[3]["Reason"]


def test_quoted_commas_quotes_newlines_and_bom(client, auth, list_id) -> None:
    tricky = csv_bytes(
        [["q@example.com", 'Smith, "Jr"', "line one\nline two", "7"], ["é@example.com", "Zoë", "Ünal", ""]],
        bom=True,
    )
    details = merged(client, auth, list_id, tricky)["details"]
    assert details["appendCount"] == 2, details
    rows = by_email(client, list_id)
    assert rows["q@example.com"]["First Name"] == 'Smith, "Jr"'
    assert rows["q@example.com"]["Last Name"] == "line one\nline two"
    assert rows["é@example.com"]["First Name"] == "Zoë"


def test_semicolon_separator_under_the_misspelled_field_name(client, auth, list_id) -> None:
    body = b"E-mail Address;First Name;Last Name;Act-On score\r\nsemi@example.com;Semi;Colon;1\r\n"
    details = merged(client, auth, list_id, body, fieldseparator="", fieldseperator="SEMICOLON")["details"]
    assert details["appendCount"] == 1


def test_create_list_by_upload(client, auth) -> None:
    response = client.post(
        "/api/1/list",
        headers=auth,
        files={"file": ("new.csv", FILE, "text/csv")},
        data={
            "listname": "Leads",
            "foldername": "Sync",
            "headings": "Y",
            "fieldseparator": "COMMA",
            "quotecharacter": "DOUBLE_QUOTE",
        },
    )
    assert response.json()["message"] == "Upload completed"
    details = wait_job(client, auth, response.json()["jobId"])["details"]
    assert details["appendCount"] == 2
    listed = client.get("/api/1/list", headers=auth, params={"listingtype": "CONTACT_LIST"}).json()["result"]
    created = next(entry for entry in listed if entry["id"] == details["listId"])
    assert (created["name"], created["folderName"]) == ("Leads", "Sync")


def test_create_without_email_column_is_10088(client, auth) -> None:
    body = csv_bytes([["a", "b"]], ["Name", "Town"])
    response = client.post(
        "/api/1/list", headers=auth, data={"listname": "X"}, files={"file": ("x.csv", body, "text/csv")}
    )
    assert error_of(response) == (400, 10088)


def test_request_errors_carry_acton_codes(client, auth, list_id) -> None:
    assert error_of(merge(client, auth, "l-9999", FILE)) == (400, 10004)
    no_file = client.put(f"/api/1/list/{list_id}", headers=auth, data={"mergespecs": "[]"})
    assert error_of(no_file) == (400, 10003)
    wrong_destination = merge(client, auth, list_id, FILE, mergespecs='[{"dstListId": "l-0042"}]')
    assert error_of(wrong_destination) == (400, 10025)
    bad_key = merge(
        client, auth, list_id, FILE, mergespecs=f'[{{"dstListId": "{list_id}", "mergeKeyHeading": "Email"}}]'
    )
    assert error_of(bad_key) == (400, 10088)


def test_upload_over_the_size_limit_is_413(client, auth, list_id) -> None:
    set_config(client, max_upload_mb=0.01)
    response = merge(client, auth, list_id, csv_bytes([["big@example.com", "x" * 20_000, "", ""]]))
    assert error_of(response) == (413, 413)
