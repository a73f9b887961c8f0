"""The admin API for addresses, individuals, statuses, sales reps and finding customers by email."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import SignedClient

ADDRESS = {
    "addr1": "1 Market St",
    "addr2": "Suite 300",
    "city": "San Francisco",
    "state": "CA",
    "zip": "94105",
}
JOINED = """
SELECT c.id, ab.addressbookaddress AS nkey, ab.defaultshipping, a.addr1, a.addr2, a.city, a.state, a.zip,
       a.country, BUILTIN.DF(a.country) AS countryname, a.addrtext, e.firstname AS rep, cs.name AS status,
       cs.stage
FROM contact c
LEFT JOIN contactaddressbook ab ON ab.entity = c.id AND ab.defaultbilling = 'T'
LEFT JOIN contactaddressbookentityaddress a ON a.nkey = ab.addressbookaddress
LEFT JOIN customer cu ON cu.id = c.company
LEFT JOIN employee e ON e.id = cu.salesrep
LEFT JOIN customerstatus cs ON cs.id = cu.entitystatus
WHERE c.id = {id}"""


def post(app_client: TestClient, path: str, rows: list[dict[str, Any]]) -> Any:
    return app_client.post(f"/_sandbox/{path}", json=rows)


def joined(ns: SignedClient, contact_id: int) -> dict[str, Any]:
    found = ns.suiteql(JOINED.format(id=contact_id)).json()["items"]
    assert len(found) == 1, found
    return found[0]


def book_lines(ns: SignedClient, table: str, entity: int) -> list[dict[str, Any]]:
    return ns.suiteql(f"SELECT * FROM {table}addressbook WHERE entity = {entity} ORDER BY id").json()["items"]


def test_a_contact_address_is_created_replaced_and_removed(ns: SignedClient, app_client: TestClient) -> None:
    assert post(app_client, "contacts", [{"id": 931_001, "lastname": "Nowhere"}]).status_code == 200
    row = joined(ns, 931_001)
    assert set(row) == {"links", "id"}  # no address: NULLs, the contact still there
    assert app_client.get("/_sandbox/contacts/931001").json()["address"] is None

    contact = {"id": 931_001, "lastname": "Somewhere", "address": {**ADDRESS, "country": "us"}}
    assert post(app_client, "contacts", [contact]).status_code == 200
    row = joined(ns, 931_001)
    assert (row["addr1"], row["addr2"], row["city"], row["state"], row["zip"]) == tuple(ADDRESS.values())
    assert row["country"] == "US"  # a code, upper-cased
    assert row["countryname"] == "United States"
    assert row["addrtext"] == "1 Market St\nSuite 300\nSan Francisco CA 94105\nUnited States"
    assert row["defaultshipping"] == "T"  # the only address is the default shipping one too
    shown = app_client.get("/_sandbox/contacts/931001").json()["address"]
    assert shown == {**dict.fromkeys(shown), **ADDRESS, "country": "US"}
    first_key = row["nkey"]

    # posting the row again without "address" keeps it; with the same address keeps its key
    assert post(app_client, "contacts", [{"id": 931_001, "lastname": "Still"}]).status_code == 200
    assert joined(ns, 931_001)["nkey"] == first_key
    back = {k: v for k, v in app_client.get("/_sandbox/contacts/931001").json().items() if k != "locked"}
    assert post(app_client, "contacts", [back]).status_code == 200  # a row read back is accepted as is
    assert joined(ns, 931_001)["nkey"] == first_key

    moved = {"id": 931_001, "lastname": "Moved", "address": {"addr1": "Unter den Linden 1", "city": "Berlin",
             "zip": "10117", "country": "DE"}}  # fmt: skip
    assert post(app_client, "contacts", [moved]).status_code == 200
    row = joined(ns, 931_001)
    assert row["nkey"] != first_key
    assert (row["addr1"], row["countryname"]) == ("Unter den Linden 1", "Germany")
    assert "state" not in row
    assert len(book_lines(ns, "contact", 931_001)) == 1  # replaced, not added
    gone = ns.suiteql(f"SELECT nkey FROM contactaddressbookentityaddress WHERE nkey = {first_key}")
    assert gone.json()["items"] == []

    assert (
        post(app_client, "contacts", [{"id": 931_001, "lastname": "Gone", "address": None}]).status_code
        == 200
    )
    assert set(joined(ns, 931_001)) == {"links", "id"}
    assert book_lines(ns, "contact", 931_001) == []


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ({"street": "1 Main St"}, "unknown address fields ['street']"),
        ({"addr1": "1 Main St", "country": "United States"}, "country must be a code"),
        ({"addr1": ["1 Main St"]}, "addr1 must be a string"),
        ("1 Main St", "address must be an object"),
    ],
)
def test_bad_addresses_are_refused(app_client: TestClient, address: object, message: str) -> None:
    response = post(app_client, "contacts", [{"id": 931_050, "lastname": "X", "address": address}])
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert app_client.get("/_sandbox/contacts/931050").status_code == 404  # nothing written


def test_deleting_a_contact_deletes_its_address(ns: SignedClient, app_client: TestClient) -> None:
    post(app_client, "contacts", [{"id": 931_100, "lastname": "Temp", "address": ADDRESS}])
    nkey = joined(ns, 931_100)["nkey"]
    assert app_client.delete("/_sandbox/contacts/931100").json() == {"deleted": 1}
    assert book_lines(ns, "contact", 931_100) == []
    assert (
        ns.suiteql(f"SELECT nkey FROM contactaddressbookentityaddress WHERE nkey = {nkey}").json()["items"]
        == []
    )


def test_customers_take_people_statuses_reps_and_addresses(ns: SignedClient, app_client: TestClient) -> None:
    employees = [
        {"id": 901, "firstname": "Rita", "lastname": "Rep", "email": "rita@sandboxcorp.com"},
        {"id": 902, "firstname": "Otto", "lastname": "Office", "email": "otto@x.com", "issalesrep": False},
    ]
    assert post(app_client, "employees", employees).json() == {"upserted": 2}
    shown = {e["id"]: e for e in app_client.get("/_sandbox/employees").json()}
    assert (shown[901]["issalesrep"], shown[902]["issalesrep"]) == ("T", "F")  # reps unless told otherwise
    assert shown[901]["entityid"] == "Rita Rep"

    company = {"id": 932_000, "companyname": "Rep Co", "entitystatus": 9, "salesrep": 901, "address": ADDRESS}
    person = {
        "id": 932_010,
        "isperson": True,
        "firstname": "Ida",
        "lastname": "Individual",
        "email": "Ida@Example.org",
        "entitystatus": 7,
    }
    assert post(app_client, "customers", [company, person]).status_code == 200
    post(app_client, "contacts", [{"id": 932_001, "lastname": "Worker", "company": 932_000}])
    row = joined(ns, 932_001)
    assert (row["rep"], row["status"], row["stage"]) == ("Rita", "Identified Decision Makers", "PROSPECT")
    assert "addr1" not in row  # the company's address is not the contact's

    raw = app_client.get("/_sandbox/customers/932000").json()
    assert (raw["stage"], raw["searchstage"], raw["entitystatus"]) == ("PROSPECT", "Prospect", 9)
    assert raw["address"]["addr1"] == "1 Market St"
    nkey = raw["defaultbillingaddress"]
    assert nkey is not None
    assert raw["defaultshippingaddress"] == nkey
    item = ns.suiteql(
        "SELECT a.city FROM customer cu JOIN customeraddressbookentityaddress a "
        "ON a.nkey = cu.defaultbillingaddress WHERE cu.id = 932000"
    ).json()["items"]
    assert item == [{"links": [], "city": "San Francisco"}]

    ida = app_client.get("/_sandbox/customers/932010").json()
    assert (ida["isperson"], ida["entityid"], ida["companyname"]) == ("T", "Ida Individual", None)
    assert (ida["stage"], ida["entitystatus"]) == ("LEAD", 7)

    # a row read back and posted again changes nothing, its address key included
    back = {k: v for k, v in raw.items() if k != "locked"}
    assert post(app_client, "customers", [back]).status_code == 200
    again = app_client.get("/_sandbox/customers/932000").json()
    assert (again["defaultbillingaddress"], again["entitystatus"]) == (nkey, 9)
    # ... and changing only its stage moves it, whatever entitystatus the row still carries
    assert post(app_client, "customers", [{**back, "stage": "CUSTOMER"}]).status_code == 200
    moved = app_client.get("/_sandbox/customers/932000").json()
    assert (moved["stage"], moved["entitystatus"]) == ("CUSTOMER", 13)
    assert moved["defaultbillingaddress"] == nkey  # a replaced row keeps its address book
    # stage and a status of that stage: the status
    post(app_client, "customers", [{**back, "stage": "CUSTOMER", "entitystatus": 15}])
    assert app_client.get("/_sandbox/customers/932000").json()["entitystatus"] == 15


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": 932_100, "companyname": "X", "entitystatus": 99}, "entitystatus must be one of"),
        ({"id": 932_100, "companyname": "X", "entitystatus": "6"}, "entitystatus must be an integer"),
        ({"id": 932_100, "stage": "LEAD"}, "companyname is required (unless isperson is true)"),
        ({"id": 932_100, "companyname": "X"}, "stage must be one of"),
        (
            {"id": 932_100, "companyname": "X", "stage": "LEAD", "salesrep": "Rita"},
            "salesrep must be an integer",
        ),
    ],
)
def test_bad_customers_are_refused(app_client: TestClient, row: dict[str, Any], message: str) -> None:
    response = post(app_client, "customers", [row])
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_employees_are_validated(app_client: TestClient) -> None:
    assert post(app_client, "employees", [{"firstname": "No Id"}]).status_code == 400
    assert post(app_client, "employees", [{"id": 903, "shoe_size": 9}]).status_code == 400
    assert app_client.post("/_sandbox/employees", json={"id": 903}).status_code == 400


def test_customers_by_email(app_client: TestClient) -> None:
    rows = [
        {"id": 933_000, "companyname": "Mail One", "stage": "LEAD", "email": "shared@example.com"},
        {
            "id": 933_002,
            "isperson": True,
            "lastname": "Two",
            "stage": "LEAD",
            "email": " SHARED@Example.com\t",
        },
        {"id": 933_004, "companyname": "Other", "stage": "LEAD", "email": "other@example.com"},
    ]
    post(app_client, "customers", rows)
    found = app_client.get("/_sandbox/customers", params={"email": "Shared@EXAMPLE.com"}).json()
    assert [row["id"] for row in found] == [933_000, 933_002]
    assert found[1]["stage"] == "LEAD"
    assert found[1]["isperson"] == "T"
    assert "address" in found[0]
    assert app_client.get("/_sandbox/customers", params={"email": "nobody@example.com"}).json() == []
    assert app_client.get("/_sandbox/customers").status_code == 400
