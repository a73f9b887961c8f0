"""Addresses, sales reps, customer statuses and individuals: the SuiteQL tables over the seeded data.

The contact query the sync uses joins all of them with LEFT JOINs: a contact without an address, a company
or a sales rep must come back with those columns absent (NULL), never be dropped or duplicated.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.netsuite.schema import COUNTRIES, CUSTOMER_STATUSES, STAGES, Schema
from sandbox.netsuite.seed import generate
from sandbox.netsuite.store import Store
from sandbox.netsuite.suiteql import SuiteQLRunner, SuiteQLTranslator, render_items
from sandbox.netsuite.timefmt import AccountClock

from .conftest import SignedClient

CONTACT_QUERY = """
SELECT c.id, a.addr1, a.addr2, a.city, a.state, a.zip, a.country, e.firstname AS salesrep_first,
       e.email AS salesrep_email, cs.name AS status, cs.stage AS stage
FROM contact c
LEFT JOIN contactaddressbook ab ON ab.entity = c.id AND ab.defaultbilling = 'T'
LEFT JOIN contactaddressbookentityaddress a ON a.nkey = ab.addressbookaddress
LEFT JOIN customer cu ON cu.id = c.company
LEFT JOIN employee e ON e.id = cu.salesrep
LEFT JOIN customerstatus cs ON cs.id = cu.entitystatus
WHERE c.id > {after} AND c.id <= {upper}
ORDER BY c.id"""


def items(ns: SignedClient, query: str, limit: int = 1000) -> list[dict[str, Any]]:
    """Every item of ``query``, page by page (offset paging: fine for the small seeded account)."""
    out: list[dict[str, Any]] = []
    while True:
        response = ns.suiteql(query, limit=limit, offset=len(out))
        assert response.status_code == 200, response.text
        body = response.json()
        out.extend(body["items"])
        if not body["hasMore"]:
            return out


def one(ns: SignedClient, query: str) -> dict[str, Any]:
    found = items(ns, query)
    assert len(found) == 1, found
    return found[0]


def test_the_contact_join_keeps_every_contact_once(ns: SignedClient) -> None:
    ids = [int(item["id"]) for item in items(ns, "SELECT id FROM contact ORDER BY id")]
    upper = ids[len(ids) // 2]
    rows = items(ns, CONTACT_QUERY.format(after=0, upper=upper))
    assert [int(row["id"]) for row in rows] == [i for i in ids if i <= upper]  # none dropped, none twice
    first = ns.suiteql(CONTACT_QUERY.format(after=0, upper=upper), limit=10).json()
    assert first["totalResults"] == len(rows)  # the count query agrees with the rows

    with_address = [row for row in rows if "addr1" in row]
    without = [row for row in rows if "addr1" not in row]
    assert 0.6 < len(with_address) / len(rows) < 0.8
    assert without
    assert all(not {"city", "country", "zip"} & set(row) for row in without)  # NULLs left out, row kept
    assert {row.get("country") for row in with_address} >= {"US", "CA", "GB", "DE"}
    assert all(row["country"] in COUNTRIES for row in with_address if "country" in row)
    assert any("addr2" in row for row in with_address)

    with_rep = [row for row in rows if "salesrep_first" in row]
    assert with_rep
    assert len(with_rep) < len(rows)  # unaffiliated contacts and companies without a rep
    assert all(row["salesrep_email"].endswith("@sandboxcorp.com") for row in with_rep)
    with_status = [row for row in rows if "stage" in row]
    assert {row["stage"] for row in with_status} == set(STAGES)
    assert len(with_status) < len(rows)  # contacts without a company have no status


def test_a_non_default_address_line_does_not_count_as_the_billing_address(ns: SignedClient) -> None:
    """The condition belongs in the ON clause: in WHERE it would drop the contact instead."""
    lines = items(
        ns,
        "SELECT ab.entity FROM contactaddressbook ab WHERE ab.defaultbilling = 'F' "
        "AND ab.defaultshipping = 'F' ORDER BY ab.entity",
    )
    assert lines, "the seed gives some contacts only a non-default address"
    entity = int(lines[0]["entity"])
    row = one(ns, CONTACT_QUERY.format(after=entity - 1, upper=entity))
    assert "addr1" not in row
    books = items(ns, f"SELECT ab.defaultbilling FROM contactaddressbook ab WHERE ab.entity = {entity}")
    assert [book["defaultbilling"] for book in books] == ["F"]


def test_at_most_one_default_billing_and_shipping_line_per_entity(ns: SignedClient) -> None:
    for book in ("contactaddressbook", "customeraddressbook"):
        for flag in ("defaultbilling", "defaultshipping"):
            doubled = items(
                ns,
                f"SELECT entity, COUNT(*) AS n FROM {book} WHERE {flag} = 'T' "
                "GROUP BY entity HAVING COUNT(*) > 1",
            )
            assert doubled == [], (book, flag)
    shipping_apart = items(
        ns,
        "SELECT ab.entity FROM contactaddressbook ab "
        "WHERE ab.defaultbilling = 'F' AND ab.defaultshipping = 'T'",
    )
    assert shipping_apart  # some contacts ship to a second address


def test_customer_default_address_columns_follow_the_address_book(ns: SignedClient) -> None:
    for column, flag in (
        ("defaultbillingaddress", "defaultbilling"),
        ("defaultshippingaddress", "defaultshipping"),
    ):
        mismatches = items(
            ns,
            f"SELECT cu.id FROM customer cu LEFT JOIN customeraddressbook ab ON ab.entity = cu.id "
            f"AND ab.{flag} = 'T' WHERE NVL(ab.addressbookaddress, -1) <> NVL(cu.{column}, -1)",
        )
        assert mismatches == [], column
    rows = items(
        ns,
        "SELECT cu.id, a.addr1, a.city, BUILTIN.DF(a.country) AS country, a.addrtext FROM customer cu "
        "LEFT JOIN customeraddressbookentityaddress a ON a.nkey = cu.defaultbillingaddress "
        "WHERE cu.isperson = 'F' ORDER BY cu.id",
    )
    with_address = [row for row in rows if "addr1" in row]
    assert 0.85 < len(with_address) / len(rows) < 0.95
    for row in with_address[:50]:
        assert row["addr1"] in row["addrtext"]
        if "country" in row:
            assert row["addrtext"].endswith(row["country"])  # addrtext ends with the country's name


def test_customerstatus_matches_the_stages(ns: SignedClient) -> None:
    statuses = {int(row["id"]): row for row in items(ns, "SELECT * FROM customerstatus ORDER BY id")}
    assert set(statuses) == set(CUSTOMER_STATUSES)
    for stage, (_, default, display) in STAGES.items():
        assert statuses[default]["stage"] == stage
        assert display == f"{stage}-{statuses[default]['name']}"  # the record API's refName
    leads = items(ns, "SELECT id, name FROM customerstatus WHERE stage = 'LEAD' AND isinactive = 'F'")
    assert {row["id"] for row in leads} == {"6", "7"}
    assert items(ns, "SELECT id FROM customerstatus WHERE isinactive = 'T'") == [{"links": [], "id": "17"}]
    # every customer's status belongs to its search stage
    wrong = items(
        ns,
        "SELECT cu.id FROM customer cu LEFT JOIN customerstatus cs ON cs.id = cu.entitystatus "
        "WHERE cs.id IS NULL OR cs.stage <> UPPER(cu.searchstage)",
    )
    assert wrong == []


def test_sales_reps_are_employees(ns: SignedClient) -> None:
    employees = items(ns, "SELECT * FROM employee ORDER BY id")
    assert 5 <= len(employees) <= 32
    assert all(int(e["id"]) < 1001 for e in employees)  # below the seeded customers' and contacts' ids
    assert {e["issalesrep"] for e in employees} == {"T", "F"}
    assert any(e["isinactive"] == "T" for e in employees)
    reps = items(
        ns,
        "SELECT cu.salesrep, e.issalesrep, e.isinactive, COUNT(*) AS n FROM customer cu "
        "LEFT JOIN employee e ON e.id = cu.salesrep GROUP BY cu.salesrep, e.issalesrep, e.isinactive",
    )
    assert all(row["issalesrep"] == "T" for row in reps if "salesrep" in row)  # every rep is an employee
    without = sum(int(row["n"]) for row in reps if "salesrep" not in row)
    total = sum(int(row["n"]) for row in reps)
    assert 0.1 < without / total < 0.4
    assert any(row.get("isinactive") == "T" for row in reps)  # some companies keep a rep who left


def test_individuals_are_customers_named_by_person(ns: SignedClient) -> None:
    people = items(
        ns,
        "SELECT id, entityid, companyname, firstname, lastname, email, searchstage FROM customer "
        "WHERE isperson = 'T' ORDER BY id",
    )
    assert len(people) == 60  # 2% of the 3,000 seeded contacts
    assert all(
        "companyname" not in p and p["entityid"] == f"{p['firstname']} {p['lastname']}" for p in people
    )
    stages = [p["searchstage"] for p in people]
    assert stages.count("Lead") > len(people) / 2
    assert {"Lead", "Prospect", "Customer"} >= set(stages)
    assert sum("email" in p for p in people) > 0.9 * len(people)
    highest = one(ns, "SELECT MAX(id) AS n FROM contact")["n"]
    companies = one(ns, "SELECT MAX(id) AS n FROM customer WHERE isperson = 'F'")["n"]
    assert int(people[0]["id"]) > max(int(highest), int(companies))  # ids after every other entity
    linked = items(
        ns, "SELECT c.id FROM contact c JOIN customer cu ON cu.id = c.company WHERE cu.isperson = 'T'"
    )
    assert linked == []  # nobody works for an individual
    companies_only = items(ns, "SELECT COUNT(*) AS n FROM customer WHERE isperson = 'F'")
    assert companies_only[0]["n"] == "300"  # the companies are what they were


def test_builtin_df_names_codes_and_references(ns: SignedClient) -> None:
    row = one(
        ns,
        "SELECT cu.id, BUILTIN.DF(cu.entitystatus) AS status, BUILTIN.DF(cu.salesrep) AS rep, "
        "BUILTIN.DF(cu.globalsubscriptionstatus), BUILTIN.DF(cu.subsidiary) AS subsidiary, "
        "BUILTIN.DF(cu.companyname) AS name, e.entityid AS rep_name, cu.entitystatus "
        "FROM customer cu JOIN employee e ON e.id = cu.salesrep "
        "WHERE cu.isperson = 'F' AND cu.entitystatus = 13 AND ROWNUM <= 1",
    )
    assert row["status"] == "CUSTOMER-Closed Won"
    assert row["rep"] == row["rep_name"]
    assert row["expr1"] in {"Soft Opt-In", "Soft Opt-Out", "Confirmed Opt-Out"}  # unaliased: exprN
    assert row["subsidiary"] == "Parent Company"
    assert row["name"]
    countries = items(
        ns,
        "SELECT a.country, BUILTIN.DF(a.country) AS name, COUNT(*) AS n "
        "FROM contactaddressbookentityaddress a WHERE a.country IS NOT NULL "
        "GROUP BY a.country, BUILTIN.DF(a.country) ORDER BY BUILTIN.DF(a.country)",
    )
    assert {row["country"]: row["name"] for row in countries}["US"] == "United States"
    assert [row["name"] for row in countries] == sorted(row["name"] for row in countries)
    contact = one(
        ns,
        "SELECT c.id, BUILTIN.DF(c.company) AS company, cu.entityid FROM contact c "
        "JOIN customer cu ON cu.id = c.company WHERE ROWNUM <= 1",
    )
    assert contact["company"] == contact["entityid"]
    filtered = items(
        ns,
        "SELECT cu.id FROM customer cu "
        "WHERE BUILTIN.DF(cu.entitystatus) = 'LEAD-Unqualified' AND ROWNUM <= 3",
    )
    assert len(filtered) == 3


@pytest.fixture(scope="module")
def seeded_store() -> Store:
    store = Store(Schema(), AccountClock("America/Los_Angeles", "M/D/YYYY"))
    store.load(generate(400, seed=5))
    return store


@pytest.mark.parametrize(
    "query",
    [
        CONTACT_QUERY.format(after=0, upper=10**9),
        "SELECT a.*, BUILTIN.DF(a.country) FROM customeraddressbookentityaddress a ORDER BY a.nkey",
        "SELECT cu.id, BUILTIN.DF(cu.salesrep) AS rep, BUILTIN.DF(cu.entitystatus), "
        "BUILTIN.DF(cu.email) AS e, BUILTIN.DF(cu.isinactive) AS i FROM customer cu ORDER BY cu.id",
        "SELECT * FROM employee",
        "SELECT * FROM customerstatus",
    ],
)
def test_new_tables_render_the_same_in_sqlite_and_python(seeded_store: Store, query: str) -> None:
    translator = SuiteQLTranslator(seeded_store.schema, seeded_store.clock)
    runner = SuiteQLRunner(seeded_store)
    translation = translator.translate(query)
    assert translation.json_sql is not None
    fast = seeded_store.call(runner.page, translation, 1000, 0, True)
    slow = seeded_store.call(runner.page, translation, 1000, 0, False)
    python = render_items(translation.columns, slow.rows)
    assert [json.loads(text) for text in fast.items_json()] == python
    assert python
