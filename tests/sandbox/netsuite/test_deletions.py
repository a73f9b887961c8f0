"""Deletions: the admin API deletes, SuiteQL's ``deletedrecord`` logs, the record API answers 404."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from sandbox.netsuite.app import create_app
from sandbox.netsuite.settings import Settings

from .conftest import RECORD, SignedClient

DELETED_COLUMNS = [
    "name",
    "recordid",
    "recordtypeid",
    "scriptid",
    "context",
    "deletedby",
    "deleteddate",
    "type",
    "iscustomlist",
    "iscustomrecord",
    "iscustomtransaction",
]
# what a deletion client writes (tap-netsuite-rest's DeletedRecordsStream, with the hook's TO_CHAR habit)
CLIENT_QUERY = (
    "SELECT recordid, type, TO_CHAR(deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS deleteddate "
    "FROM deletedrecord WHERE type IN ('contact', 'customer') "
    "AND deleteddate >= TO_TIMESTAMP('{since}', 'YYYY-MM-DD HH24:MI:SS') "
    "AND deleteddate < TO_TIMESTAMP('{until}', 'YYYY-MM-DD HH24:MI:SS') "
    "ORDER BY deleteddate, recordid"
)


def arrange(app_client: TestClient, base: int, contacts: int = 2, **contact: Any) -> None:
    """Customer ``base`` (modified 2024-01-01) with contacts ``base+1..`` (modified 2025-01-01)."""
    customer = {"id": base, "companyname": f"Gone {base} Ltd", "stage": "CUSTOMER"}
    customer["lastmodifieddate"] = "2024-01-01T00:00:00Z"
    assert app_client.post("/_sandbox/customers", json=[customer]).status_code == 200
    rows = [
        {
            "id": base + i,
            "firstname": "Del",
            "lastname": f"Etable{i}",
            "company": base,
            "lastmodifieddate": "2025-01-01T00:00:00Z",
            **contact,
        }
        for i in range(1, contacts + 1)
    ]
    assert app_client.post("/_sandbox/contacts", json=rows).status_code == 200


def deleted_rows(ns: SignedClient, *ids: int) -> list[dict[str, Any]]:
    query = (
        f"SELECT * FROM deletedrecord WHERE recordid IN ({', '.join(map(str, ids))}) "
        "ORDER BY deleteddate, recordid"
    )
    response = ns.suiteql(query)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_deleting_a_contact_logs_it_and_the_record_api_forgets_it(
    ns: SignedClient, app_client: TestClient
) -> None:
    arrange(app_client, 920_000, contacts=1)
    app_client.post("/_sandbox/locks", json={"record_type": "contact", "ids": [920_001], "locked": True})
    before = int(time.time())
    response = app_client.delete("/_sandbox/contacts/920001")
    assert response.status_code == 200
    assert response.json() == {"deleted": 1}

    (row,) = deleted_rows(ns, 920_001)
    assert list(row) == ["links", *[c for c in DELETED_COLUMNS if c != "scriptid"]]  # NULL left out
    assert row["name"] == "Del Etable1"  # the entityid
    assert (row["recordid"], row["recordtypeid"], row["type"]) == ("920001", "-6", "contact")
    assert (row["context"], row["deletedby"]) == ("UI", "-5")
    assert (row["iscustomlist"], row["iscustomrecord"], row["iscustomtransaction"]) == ("F", "F", "F")
    stamp = ns.suiteql(
        "SELECT TO_CHAR(deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS d, deleteddate AS shown, "
        "recordid FROM deletedrecord WHERE recordid = 920001 AND deleteddate >= SYSDATE - 1"
    ).json()["items"][0]
    clock = app_client.app.sandbox.clock  # type: ignore[attr-defined]
    local = clock.parse_local(stamp["d"], "%Y-%m-%d %H:%M:%S")
    assert before <= local <= int(time.time())  # deleteddate is now, shown in the account's time zone
    assert stamp["shown"] == clock.display_date(local)  # without TO_CHAR: date only, date preference

    assert app_client.get("/_sandbox/contacts/920001").status_code == 404
    for method, body in (("GET", None), ("PATCH", {"title": "CTO"})):
        response = ns.request(method, f"{RECORD}/contact/920001", json=body)
        assert response.status_code == 404
        assert response.json()["o:errorDetails"][0]["o:errorCode"] == "NONEXISTENT_ID"
    listing = ns.request("GET", f"{RECORD}/contact", params={"q": "id EQUAL 920001"}).json()
    assert listing["totalResults"] == 0
    assert ns.suiteql("SELECT id FROM contact WHERE id = 920001").json()["count"] == 0
    assert app_client.get("/_sandbox/customers/920000").status_code == 200  # the company stays

    response = app_client.delete("/_sandbox/contacts/920001")
    assert response.status_code == 404
    assert "920001" in response.json()["detail"]
    assert app_client.delete("/_sandbox/customers/920001").status_code == 404  # a contact id, not a customer
    assert len(deleted_rows(ns, 920_001)) == 1

    # created again (ids are the admin's to choose): not locked any more, the old deletion still logged
    app_client.post("/_sandbox/contacts", json=[{"id": 920_001, "lastname": "Back"}])
    assert app_client.get("/_sandbox/contacts/920001").json()["locked"] is False
    assert len(deleted_rows(ns, 920_001)) == 1


def test_deletedrecord_filters_by_type_and_time_in_the_account_time_zone(
    ns: SignedClient, app_client: TestClient
) -> None:
    arrange(app_client, 921_000, contacts=3)
    # 10:00 UTC on 1 March 2025 is 02:00 in Los Angeles (PST)
    first = {"contacts": [921_002, 921_001], "deleteddate": "2025-03-01T10:00:00Z"}
    second = {"customers": [921_000], "contacts": [921_003], "deleteddate": "2025-03-01T10:00:01Z"}
    assert app_client.post("/_sandbox/deletions", json=first).json() == {"deleted": 2}
    assert app_client.post("/_sandbox/deletions", json=second).json() == {"deleted": 2}

    window = {"since": "2025-03-01 02:00:00", "until": "2025-03-01 02:00:02"}
    items = ns.suiteql(CLIENT_QUERY.format(**window)).json()["items"]
    assert [(i["recordid"], i["type"], i["deleteddate"]) for i in items] == [
        ("921001", "contact", "2025-03-01 02:00:00"),
        ("921002", "contact", "2025-03-01 02:00:00"),
        ("921000", "customer", "2025-03-01 02:00:01"),
        ("921003", "contact", "2025-03-01 02:00:01"),
    ]
    later = ns.suiteql(CLIENT_QUERY.format(since="2025-03-01 02:00:01", until=window["until"])).json()
    assert [i["recordid"] for i in later["items"]] == ["921000", "921003"]
    # a UTC watermark read as local time would be eight hours off: nothing matches
    assert (
        ns.suiteql(CLIENT_QUERY.format(since="2025-03-01 10:00:00", until="2025-03-01 10:00:02")).json()[
            "count"
        ]
        == 0
    )

    customers_only = CLIENT_QUERY.format(**window).replace("('contact', 'customer')", "('customer')")
    (row,) = ns.suiteql(customers_only).json()["items"]
    assert row["recordid"] == "921000"
    customer = deleted_rows(ns, 921_000)[0]
    assert (customer["recordtypeid"], customer["name"]) == ("-2", "Gone 921000 Ltd")

    page = ns.suiteql(CLIENT_QUERY.format(**window), limit=3, offset=0).json()
    assert (page["count"], page["hasMore"], page["totalResults"]) == (3, True, 4)
    rest = ns.suiteql(CLIENT_QUERY.format(**window), limit=3, offset=3).json()
    assert [i["recordid"] for i in rest["items"]] == ["921003"]
    shown = ns.suiteql(
        "SELECT deleteddate FROM deletedrecord WHERE recordid = 921001 AND type = 'contact'"
    ).json()["items"]
    assert shown == [{"links": [], "deleteddate": "3/1/2025"}]
    refused = ns.suiteql("SELECT recordid FROM deletedrecord WHERE deleteddate > '2025-03-01'")
    assert refused.status_code == 400  # a datetime against a bare string, as for contacts
    unknown = ns.suiteql("SELECT id FROM deletedrecord")
    assert unknown.status_code == 400
    assert "Field 'id' for record 'deletedrecord' was not found." in unknown.text


def test_deleting_a_customer_empties_its_contacts_company_without_modifying_them(
    ns: SignedClient, app_client: TestClient
) -> None:
    arrange(app_client, 922_000, contacts=2)
    before = [app_client.get(f"/_sandbox/contacts/{922_000 + i}").json() for i in (1, 2)]
    assert app_client.delete("/_sandbox/customers/922000").json() == {"deleted": 1}

    after = [app_client.get(f"/_sandbox/contacts/{922_000 + i}").json() for i in (1, 2)]
    for old, new in zip(before, after, strict=True):
        assert old["company"] == 922_000
        assert new["company"] is None
        assert new["lastmodifieddate"] == old["lastmodifieddate"] == "2025-01-01T00:00:00Z"
        assert {k: v for k, v in new.items() if k != "company"} == {
            k: v for k, v in old.items() if k != "company"
        }
    record = ns.request("GET", f"{RECORD}/contact/922001").json()
    assert "company" not in record
    assert record["lastModifiedDate"] == "2025-01-01T00:00:00Z"
    # an extraction by lastmodifieddate never hears of it; a join shows the company gone
    recent = ns.suiteql(
        "SELECT id FROM contact WHERE id IN (922001, 922002) "
        "AND lastmodifieddate >= TO_TIMESTAMP('2025-06-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')"
    )
    assert recent.json()["count"] == 0
    joined = ns.suiteql(
        "SELECT c.id, c.company, cu.companyname FROM contact c LEFT JOIN customer cu ON cu.id = c.company "
        "WHERE c.id IN (922001, 922002) ORDER BY c.id"
    ).json()["items"]
    assert joined == [{"links": [], "id": "922001"}, {"links": [], "id": "922002"}]
    assert ns.request("GET", f"{RECORD}/customer/922000").status_code == 404
    response = ns.request("PATCH", f"{RECORD}/contact/922001", json={"company": {"id": "922000"}})
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "USER_ERROR"
    (row,) = deleted_rows(ns, 922_000)
    assert (row["type"], row["recordtypeid"]) == ("customer", "-2")


def test_a_stage_change_modifies_the_customer_only(ns: SignedClient, app_client: TestClient) -> None:
    arrange(app_client, 923_000, contacts=2)
    contacts_before = [app_client.get(f"/_sandbox/contacts/{923_000 + i}").json() for i in (1, 2)]
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(time.time())))
    change = [{"id": 923_000, "companyname": "Gone 923000 Ltd", "stage": "LEAD"}]
    assert app_client.post("/_sandbox/customers", json=change).status_code == 200

    customer = app_client.get("/_sandbox/customers/923000").json()
    assert (customer["stage"], customer["searchstage"], customer["entitystatus"]) == ("LEAD", "Lead", 6)
    assert customer["lastmodifieddate"] >= started
    contacts_after = [app_client.get(f"/_sandbox/contacts/{923_000 + i}").json() for i in (1, 2)]
    assert contacts_after == contacts_before
    recent = ns.suiteql(
        "SELECT c.id FROM contact c WHERE c.company = 923000 AND c.lastmodifieddate >= SYSDATE - 1"
    )
    assert recent.json()["count"] == 0
    assert (
        ns.suiteql("SELECT id FROM customer WHERE id = 923000 AND lastmodifieddate >= SYSDATE - 1").json()[
            "count"
        ]
        == 1
    )


def test_bulk_deletions_are_all_or_nothing(ns: SignedClient, app_client: TestClient) -> None:
    arrange(app_client, 924_000, contacts=2)
    response = app_client.post(
        "/_sandbox/deletions", json={"contacts": [924_001, 924_999, 924_998], "customers": [924_000]}
    )
    assert response.status_code == 404
    assert "924999, 924998" in response.json()["detail"]
    assert app_client.get("/_sandbox/contacts/924001").status_code == 200
    assert app_client.get("/_sandbox/customers/924000").status_code == 200
    assert deleted_rows(ns, 924_000, 924_001) == []
    for bad in (
        {"contacts": "924001"},
        {"contacts": [True]},
        {"contacts": [924_001], "employees": [1]},
        {"contacts": [924_001], "deleteddate": "yesterday"},
    ):
        assert app_client.post("/_sandbox/deletions", json=bad).status_code == 400, bad
    both = {"contacts": [924_001, 924_001], "customers": [924_000]}  # a repeated id counts once
    assert app_client.post("/_sandbox/deletions", json=both).json() == {"deleted": 2}
    assert app_client.get("/_sandbox/contacts/924002").json()["company"] is None
    assert len(deleted_rows(ns, 924_000, 924_001)) == 2


def test_deletedrecord_is_suiteql_only(ns: SignedClient, app_client: TestClient) -> None:
    response = ns.request("GET", f"{RECORD}/deletedrecord/1")
    assert response.status_code == 400
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_RCRD_TYPE"
    field = {"record_type": "deletedrecord", "id": "custentity_x", "type": "text"}
    assert app_client.post("/_sandbox/fields", json=field).status_code == 400
    lock = {"record_type": "deletedrecord", "ids": [1], "locked": True}
    assert app_client.post("/_sandbox/locks", json=lock).status_code == 400
    assert app_client.post("/_sandbox/deletedrecord", json=[{"recordid": 1}]).status_code in (404, 405)
    health = app_client.get("/_sandbox/health").json()
    assert set(health) == {"status", "account_id", "contacts", "customers"}


def test_deletions_and_deletedrecord_queries_in_the_stats(ns: SignedClient, app_client: TestClient) -> None:
    arrange(app_client, 925_000, contacts=1)
    app_client.post("/_sandbox/reset", json={})
    app_client.delete("/_sandbox/contacts/925001")
    ns.suiteql("SELECT recordid FROM deletedrecord WHERE recordid = 925001")
    stats = app_client.get("/_sandbox/stats").json()
    assert stats["deleted_records"] == 1
    assert stats["suiteql_rows"] == 1
    assert stats["requests"] == {"POST /services/rest/query/v1/suiteql": {"200": 1}}  # admin not counted


def test_reseeding_empties_deletedrecord_and_a_plain_reset_keeps_it() -> None:
    with TestClient(create_app(Settings(contacts=50, seed=3)), client=("127.0.0.1", 50001)) as client:
        ns = SignedClient(client)
        first = ns.suiteql("SELECT id FROM contact ORDER BY id", limit=1).json()["items"][0]["id"]
        assert client.delete(f"/_sandbox/contacts/{first}").json() == {"deleted": 1}
        client.post("/_sandbox/reset", json={})
        assert ns.suiteql("SELECT COUNT(*) AS n FROM deletedrecord").json()["items"][0]["n"] == "1"
        assert client.get(f"/_sandbox/contacts/{first}").status_code == 404
        reset = client.post("/_sandbox/reset", json={"reseed": True}).json()
        assert reset["contacts"] == 50
        assert ns.suiteql("SELECT COUNT(*) AS n FROM deletedrecord").json()["items"][0]["n"] == "0"
        assert client.get(f"/_sandbox/contacts/{first}").status_code == 200
        assert client.get("/_sandbox/stats").json()["deleted_records"] == 0
