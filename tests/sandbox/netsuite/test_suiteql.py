"""SuiteQL translation and the SuiteQL endpoint, in process."""

from __future__ import annotations

import pytest

from sandbox.netsuite.errors import NetSuiteError
from sandbox.netsuite.schema import Schema
from sandbox.netsuite.suiteql import SuiteQLTranslator
from sandbox.netsuite.timefmt import AccountClock, oracle_to_strftime

from .conftest import SUITEQL, SignedClient

HOOK_QUERY = """
SELECT c.id, c.entityid, c.firstname, c.middlename, c.lastname, c.email, c.phone, c.mobilephone,
       c.officephone, c.title, c.company, c.isinactive,
       TO_CHAR(c.datecreated, 'YYYY-MM-DD HH24:MI:SS') AS datecreated,
       TO_CHAR(c.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate,
       cu.companyname AS companyname, cu.searchstage AS searchstage
FROM contact c LEFT JOIN customer cu ON cu.id = c.company
WHERE c.id > 1000 AND c.id <= 25000
  AND c.lastmodifieddate >= TO_TIMESTAMP('2026-01-31 13:45:00', 'YYYY-MM-DD HH24:MI:SS')
ORDER BY c.id
"""


@pytest.fixture
def translator() -> SuiteQLTranslator:
    return SuiteQLTranslator(Schema(), AccountClock("America/Los_Angeles", "M/D/YYYY"))


def error_detail(exc: pytest.ExceptionInfo[NetSuiteError]) -> str:
    return exc.value.detail


def test_hook_query_translates_with_local_time_literal(translator: SuiteQLTranslator) -> None:
    t = translator.translate(HOOK_QUERY)
    assert t.columns[:3] == ["id", "entityid", "firstname"]
    assert t.columns[-4:] == ["datecreated", "lastmodifieddate", "companyname", "searchstage"]
    # 13:45 in Los Angeles (PST, UTC-8) is 21:45 UTC
    assert "c.lastmodifieddate >= 1769895900" in t.page_sql
    assert t.page_sql.endswith("LIMIT ? OFFSET ?")
    # the count skips the LEFT JOIN on the customer's id: it cannot change the number of rows
    assert "JOIN" not in t.count_sql
    assert "ORDER" not in t.count_sql


def test_range_probe_and_rownum(translator: SuiteQLTranslator) -> None:
    t = translator.translate("SELECT MIN(c.id) AS min_id, MAX(c.id) AS max_id, COUNT(*) AS n FROM contact c")
    assert t.columns == ["min_id", "max_id", "n"]
    assert t.count_sql == "SELECT 1"
    t = translator.translate("SELECT id, custentity_acton_score FROM contact WHERE ROWNUM <= 1")
    assert "LIMIT 1" in t.page_sql
    assert "ROWNUM" not in t.page_sql.upper()
    t = translator.translate("SELECT id FROM contact WHERE isinactive = 'F' FETCH FIRST 5 ROWS ONLY")
    assert "LIMIT 5" in t.page_sql


def test_unnamed_expressions_and_stars(translator: SuiteQLTranslator) -> None:
    t = translator.translate("SELECT COUNT(*), NVL(email, 'none'), id FROM contact")
    assert t.columns == ["expr1", "expr2", "id"]
    t = translator.translate("SELECT cu.* FROM customer cu")
    assert "searchstage" in t.columns
    assert "custentity_acton_lead_score" in t.columns


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT xyz FROM contact", "Field 'xyz' for record 'contact' was not found."),
        (
            "SELECT c.id FROM contact c JOIN customer cu ON cu.id = c.company WHERE cu.nope = 1",
            "Field 'nope' for record 'customer' was not found.",
        ),
        ("SELECT id FROM vendor", "Record 'vendor' was not found."),
        ("SELECT id FROM contact WHERE id IN (SELECT id FROM customer)", "subquery"),
        ("SELECT BUILTIN.CF(company) FROM contact", "BUILTIN.CF"),
        ("SELECT BUILTIN.DF(email || 'x') FROM contact", "BUILTIN.DF of anything but one column"),
        ("SELECT BUILTIN.DF(datecreated) FROM contact", "BUILTIN.DF of 'datecreated'"),
        ("SELECT BUILTIN.DF(nope) FROM contact", "Field 'nope' for record 'contact' was not found."),
        ("SELECT id FROM contact WHERE lastmodifieddate > '2026-01-01'", "TO_DATE or TO_TIMESTAMP"),
        ("DELETE FROM contact", "only SELECT"),
        ("SELECT id FROM contact WHERE", "syntax error"),
        ("SELECT MEDIAN(id) FROM contact", "MEDIAN"),
        ("SELECT id FROM contact WHERE ROWNUM > 5", "ROWNUM"),
    ],
)
def test_errors_name_the_problem(translator: SuiteQLTranslator, query: str, message: str) -> None:
    with pytest.raises(NetSuiteError) as exc:
        translator.translate(query)
    assert exc.value.status == 400
    assert exc.value.code == "INVALID_PARAMETER"
    assert exc.value.detail.startswith("Invalid search query. Detailed unprocessed description follows.")
    assert message in exc.value.detail


def test_oracle_formats() -> None:
    assert oracle_to_strftime("YYYY-MM-DD HH24:MI:SS") == "%Y-%m-%d %H:%M:%S"
    assert oracle_to_strftime('DD-MON-YYYY HH:MI AM "at" ') == "%d-%b-%Y %I:%M %p at "


def test_page_shape_and_types(ns: SignedClient) -> None:
    r = ns.suiteql(
        "SELECT id, email, isinactive, company, custentity_acton_score FROM contact ORDER BY id", 5, 5
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["links", "count", "hasMore", "items", "offset", "totalResults"]
    assert body["count"] == 5
    assert body["offset"] == 5
    assert body["hasMore"] is True
    assert body["totalResults"] == 3000
    rels = [link["rel"] for link in body["links"]]
    assert rels == ["previous", "first", "next", "last", "self"]
    assert body["links"][2]["href"].endswith(f"{SUITEQL}?limit=5&offset=10")
    for item in body["items"]:
        assert item["links"] == []
        assert isinstance(item["id"], str)
        assert item["isinactive"] in ("T", "F")
        assert all(isinstance(v, str) for k, v in item.items() if k != "links")
    # NULL columns are left out of the item, as NetSuite does
    everything = ns.suiteql("SELECT id, custentity_acton_score FROM contact ORDER BY id").json()["items"]
    assert any("custentity_acton_score" not in item for item in everything)


def test_datetimes_date_only_without_to_char_and_local_with_it(ns: SignedClient, app_client) -> None:
    app_client.post(
        "/_sandbox/contacts",
        json=[{"id": 999_001, "lastname": "Clock", "lastmodifieddate": "2026-01-03T05:30:00Z"}],
    )
    r = ns.suiteql(
        "SELECT lastmodifieddate, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lmd "
        "FROM contact WHERE id = 999001"
    )
    item = r.json()["items"][0]
    # 05:30 UTC on Jan 3rd is 21:30 on Jan 2nd in Los Angeles: date-only, local, M/D/YYYY
    assert item["lastmodifieddate"] == "1/2/2026"
    assert item["lmd"] == "2026-01-02 21:30:00"
    r = ns.suiteql(
        "SELECT id FROM contact WHERE lastmodifieddate >= "
        "TO_TIMESTAMP('2026-01-02 21:30:00', 'YYYY-MM-DD HH24:MI:SS') AND id = 999001"
    )
    assert r.json()["count"] == 1
    r = ns.suiteql(
        "SELECT id FROM contact WHERE lastmodifieddate > "
        "TO_TIMESTAMP('2026-01-02 21:30:00', 'YYYY-MM-DD HH24:MI:SS') AND id = 999001"
    )
    assert r.json()["totalResults"] == 0
    assert r.json()["items"] == []


def test_keyset_paging_reads_every_row_once(ns: SignedClient) -> None:
    seen: list[int] = []
    last = 0
    while True:
        r = ns.suiteql(
            f"SELECT c.id, cu.searchstage FROM contact c LEFT JOIN customer cu ON cu.id = c.company "
            f"WHERE c.id > {last} ORDER BY c.id",
            limit=1000,
        )
        items = r.json()["items"]
        if not items:
            break
        seen += [int(i["id"]) for i in items]
        last = seen[-1]
        if not r.json()["hasMore"]:
            break
    total = ns.suiteql("SELECT COUNT(*) AS n FROM contact").json()["items"][0]["n"]
    assert len(seen) == len(set(seen)) == int(total)


def test_limits_cap_and_header(ns: SignedClient) -> None:
    assert ns.suiteql("SELECT id FROM contact", limit=1001).status_code == 400
    r = ns.suiteql("SELECT id FROM contact", limit=1000, offset=99_001)
    assert r.status_code == 400
    assert "100000" in r.json()["o:errorDetails"][0]["detail"]
    r = ns.suiteql("SELECT id FROM contact", limit=1000, offset=99_000)  # allowed, but past the end
    assert r.status_code == 400
    assert "offset" in r.json()["o:errorDetails"][0]["detail"]
    r = ns.request("POST", f"{SUITEQL}?limit=10", json={"q": "SELECT id FROM contact"})
    assert r.status_code == 400
    assert "Prefer: transient" in r.json()["o:errorDetails"][0]["detail"]
    r = ns.suiteql("SELECT nope FROM contact")
    assert r.status_code == 400
    detail = r.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "INVALID_PARAMETER"
    assert "Field 'nope'" in detail["detail"]


def test_general_sql(ns: SignedClient) -> None:
    r = ns.suiteql(
        "SELECT cu.searchstage AS stage, COUNT(*) AS n FROM contact c "
        "LEFT JOIN customer cu ON cu.id = c.company "
        "WHERE (c.email IS NULL OR c.isinactive = 'T') AND c.id BETWEEN 1000 AND 999999 "
        "AND NVL(cu.searchstage, 'none') IN ('Customer', 'Prospect', 'Lead', 'none') "
        "GROUP BY cu.searchstage ORDER BY n DESC"
    )
    assert r.status_code == 200, r.text
    stages = {item.get("stage", "(none)") for item in r.json()["items"]}
    assert stages <= {"Customer", "Prospect", "Lead", "(none)"}
    assert len(stages) >= 3
    r = ns.suiteql(
        "SELECT id FROM contact WHERE datecreated >= TO_DATE('2020-01-01', 'YYYY-MM-DD') "
        "AND datecreated < SYSDATE - 30 ORDER BY id DESC",
        limit=3,
    )
    ids = [int(i["id"]) for i in r.json()["items"]]
    assert ids == sorted(ids, reverse=True)


def test_documented_functions_run(ns: SignedClient) -> None:
    r = ns.suiteql(
        "SELECT DECODE(isinactive, 'T', 'inactive', 'active') AS state, "
        "UPPER(SUBSTR(lastname, 1, 3)) AS abbr, firstname || ' ' || lastname AS name, GREATEST(id, 5) AS g, "
        "TO_NUMBER(id) AS n, LENGTH(TRIM(email)) AS l, "
        "CASE WHEN email LIKE '%@%' THEN 'T' ELSE 'F' END AS has_at, INSTR(email, '@') AS at, "
        "TO_CHAR(datecreated, 'DD-MON-YYYY HH:MI AM') AS created "
        "FROM contact WHERE email IS NOT NULL ORDER BY id OFFSET 2 ROWS FETCH NEXT 3 ROWS ONLY"
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert len(items) == 3
    assert items[0]["state"] in ("active", "inactive")
    assert items[0]["created"][-2:] in ("AM", "PM")
