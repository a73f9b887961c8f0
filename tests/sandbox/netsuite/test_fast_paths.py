"""The SuiteQL serving path's fast paths give exactly what the slow ones give.

Fast paths: per-hour cached UTC offsets, TO_CHAR by SQLite's strftime on a stored offset column (and a
per-day / per-second cache in Python), date-only display cached per local day, the translation cached
per query shape, totalResults from a short page, and items rendered to JSON inside SQLite.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.netsuite.errors import NetSuiteError
from sandbox.netsuite.paging import envelope, envelope_json
from sandbox.netsuite.schema import Schema
from sandbox.netsuite.store import Store
from sandbox.netsuite.suiteql import SuiteQLRunner, SuiteQLTranslator, render_items
from sandbox.netsuite.timefmt import DATE_FORMATS, AccountClock

from .conftest import SUITEQL, SignedClient

LA = "America/Los_Angeles"


def _epoch(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


# Los Angeles: spring forward 2024-03-10 10:00 UTC, fall back 2024-11-03 09:00 UTC; 2007's first new-rule
# change; 1970; and a pre-1970 change.
LA_CHANGES = [
    _epoch(2024, 3, 10, 10),
    _epoch(2024, 11, 3, 9),
    _epoch(2007, 3, 11, 10),
    _epoch(1969, 10, 26, 9),
]


def dst_edge_values() -> list[int]:
    values: list[int] = []
    for change in LA_CHANGES:
        values.extend(range(change - 2 * 3600, change + 2 * 3600, 1))  # every second, two hours each side
    rng = random.Random(5)
    values.extend(rng.randrange(-2_208_988_800, 4_102_444_800) for _ in range(20_000))
    values.extend([0, -1, 86_399, 86_400, _epoch(1900, 1, 3), _epoch(2999, 12, 29), _epoch(2038, 1, 19, 3)])
    return values


@pytest.mark.parametrize(
    "zone", [LA, "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "America/St_Johns", "UTC"]
)
def test_cached_utc_offset_equals_zoneinfo(zone: str) -> None:
    clock = AccountClock(zone, "M/D/YYYY")
    values = dst_edge_values() if zone == LA else dst_edge_values()[::7]
    for value in values:
        expected = datetime.fromtimestamp(value, clock.tz).utcoffset()
        assert expected is not None
        assert clock.utc_offset(value) == int(expected.total_seconds()), (zone, value)
    assert clock.utc_offset_or_null(1.5) is None
    assert clock.utc_offset_or_null(None) is None
    assert clock.utc_offset_or_null(10**15) is None


@pytest.mark.parametrize(
    "pyfmt",
    ["%Y-%m-%d %H:%M:%S", "%d.%m.%Y", "%H:%M", "%b %d %Y %I:%M %p", "%H %d", "%j/%y %% x", "%Y%f"],
)
def test_to_char_fast_equals_slow(pyfmt: str) -> None:
    clock = AccountClock(LA, "M/D/YYYY")
    for value in dst_edge_values()[::3]:
        assert clock.to_char(value, pyfmt) == clock.to_char_slow(value, pyfmt), value
    for value in (None, 1_710_064_799.5, -0.25):
        assert clock.to_char(value, pyfmt) == clock.to_char_slow(value, pyfmt)


@pytest.mark.parametrize("date_format", DATE_FORMATS)
def test_display_date_fast_equals_slow(date_format: str) -> None:
    clock = AccountClock(LA, date_format)
    for value in dst_edge_values()[::5]:
        assert clock.display_date(value) == clock.display_date_slow(value), value
    for value in (None, 1_710_064_799.5, -0.25):
        assert clock.display_date(value) == clock.display_date_slow(value)


# ---- SQL: the offset column, strftime and the JSON renderer against the Python functions -------------------

WEIRD_TEXT = [
    'a "quoted" \\ back',
    "tab\there\nnew\r\x00\x01\x1f\x7f",
    "é ü 中文 😀 \u2028\u2029",
    "",
    "null",
    "T",
]


@pytest.fixture
def store() -> Store:
    store = Store(Schema(), AccountClock(LA, "M/D/YYYY"))
    values: list[Any] = [*dst_edge_values()[::97], None, 1_710_064_799.5, _epoch(3100, 1, 1), -1.5]
    rows = []
    for i, value in enumerate(values, start=1):
        rows.append(
            {
                "id": i,
                "entityid": WEIRD_TEXT[i % len(WEIRD_TEXT)] if i % 7 else None,
                "email": f"c{i}@example.com",
                "datecreated": value,
                "lastmodifieddate": values[-i],
                "company": [None, 1, 2, 1.5, "x"][i % 5],
                "custentity_acton_score": [None, 3, 0.1 + 0.2, 2.0, -7, "12a"][i % 6],
            }
        )
    store.upsert("contact", rows)
    store.upsert("customer", [{"id": 1, "companyname": 'Acme "A"', "searchstage": "Customer"}])
    return store


def _page_items(
    store: Store, translator: SuiteQLTranslator, query: str, limit: int = 1000, offset: int = 0
) -> tuple[str, str]:
    """(JSON text of the items rendered by SQLite, JSON text of the items rendered in Python)."""
    runner = SuiteQLRunner(store)
    translation = translator.translate(query)
    assert translation.json_sql is not None
    fast = store.call(runner.page, translation, limit, offset, True)
    slow = store.call(runner.page, translation, limit, offset, False)
    assert fast.json
    assert not slow.json
    assert fast.total == slow.total
    python = json.dumps(
        render_items(translation.columns, slow.rows), ensure_ascii=False, separators=(",", ":")
    )
    return "[" + ",".join(fast.items_json()) + "]", python


def test_to_char_and_json_in_sqlite_equal_python(store: Store) -> None:
    translator = SuiteQLTranslator(store.schema, store.clock)
    query = """
        SELECT c.id, c.entityid, c.email, c.company, c.custentity_acton_score AS score,
               TO_CHAR(c.datecreated, 'YYYY-MM-DD HH24:MI:SS') AS created,
               TO_CHAR(c.lastmodifieddate, 'DD.MM.YYYY HH24:MI') AS modified,
               TO_CHAR(c.datecreated, 'Mon DD YYYY HH12:MI AM') AS created_slow_pattern,
               c.datecreated, c.lastmodifieddate + 1 AS tomorrow, c.custentity_acton_score * 1.5 AS product,
               cu.companyname
        FROM contact c LEFT JOIN customer cu ON cu.id = c.company ORDER BY c.id"""
    translation = translator.translate(query)
    assert "STRFTIME" in translation.page_sql.upper()  # the fast path is in use...
    fast, python = _page_items(store, translator, query)
    assert fast == python  # ...and renders what Python renders, byte for byte
    items = json.loads(fast)
    # and what the slow Python functions give, value by value
    rows = store.query("SELECT id, datecreated, lastmodifieddate FROM contact ORDER BY id")
    assert len(items) == len(rows)
    clock = store.clock
    for item, (_, created, modified) in zip(items, rows, strict=True):
        for key, value, pyfmt in (
            ("created", created, "%Y-%m-%d %H:%M:%S"),
            ("modified", modified, "%d.%m.%Y %H:%M"),
        ):
            assert item.get(key) == clock.to_char_slow(value, pyfmt)
        if isinstance(created, int | float):
            assert item["datecreated"] == clock.display_date_slow(created)


@pytest.mark.parametrize("bad", ["not a date", 10**12])
def test_values_python_cannot_render_fail_the_same_way(store: Store, bad: object) -> None:
    store.upsert("contact", [{"id": 10**6, "datecreated": bad}])
    translator = SuiteQLTranslator(store.schema, store.clock)
    runner = SuiteQLRunner(store)
    translation = translator.translate("SELECT TO_CHAR(datecreated, 'YYYY-MM-DD') AS d FROM contact")
    assert "STRFTIME" in translation.page_sql.upper()
    messages = []
    for as_json in (True, False):
        with pytest.raises(NetSuiteError) as info:
            store.call(runner.page, translation, 1000, 0, as_json)
        messages.append(info.value.detail)
    assert messages[0] == messages[1]
    assert "user-defined function raised exception" in messages[0]


def test_json_paths_cover_every_item_shape(store: Store) -> None:
    translator = SuiteQLTranslator(store.schema, store.clock)
    for query in (
        "SELECT * FROM contact",
        "SELECT COUNT(*), MAX(c.datecreated), MIN(c.id) AS low FROM contact c",
        "SELECT c.company, COUNT(*) AS n FROM contact c GROUP BY c.company ORDER BY n DESC, c.company",
        "SELECT DISTINCT c.company FROM contact c ORDER BY 1",
        "SELECT c.id, UPPER(c.entityid), NVL(c.entityid, 'none') AS e FROM contact c WHERE ROWNUM <= 7",
        "SELECT TO_CHAR(c.custentity_acton_score) AS s, TO_CHAR(c.datecreated) AS d FROM contact c",
        "SELECT c.id FROM contact c ORDER BY c.id FETCH FIRST 3 ROWS ONLY",
    ):
        for limit, offset in ((1000, 0), (5, 0), (5, 5), (3, 1)):
            fast, python = _page_items(store, translator, query, limit, offset)
            assert fast == python, query


def test_json_sql_is_skipped_for_names_it_cannot_render(store: Store) -> None:
    translator = SuiteQLTranslator(store.schema, store.clock)
    for query in (
        "SELECT c.id, cu.id FROM contact c LEFT JOIN customer cu ON cu.id = c.company",  # duplicate name
        "SELECT c.id AS links FROM contact c",  # would clash with "links"
        'SELECT c.id AS "Odd Name" FROM contact c',
    ):
        assert translator.translate(query).json_sql is None


def test_envelope_json_equals_envelope() -> None:
    items = [{"links": [], "id": "1", "x": 'a"b'}, {"links": [], "id": "2"}]
    texts = [json.dumps(i, ensure_ascii=False, separators=(",", ":")) for i in items]
    url = 'http://h"items":[]/services/rest/query/v1/suiteql'
    for offset, total in ((0, 2), (0, 10), (4, 6)):
        expected = json.dumps(
            envelope(url, items, 2, offset, total), ensure_ascii=False, separators=(",", ":")
        )
        assert envelope_json(url, texts, 2, offset, total) == expected


def test_total_results_from_short_pages_equal_the_count(store: Store) -> None:
    translator = SuiteQLTranslator(store.schema, store.clock)
    runner = SuiteQLRunner(store)
    (count,) = store.query("SELECT COUNT(*) FROM contact WHERE company IS NOT NULL")[0]
    translation = translator.translate("SELECT id FROM contact WHERE company IS NOT NULL ORDER BY id")
    for limit, offset in ((1000, 0), (count, 0), (count - 1, 0), (7, count - 3), (7, count + 5), (1, 0)):
        page = store.call(runner.page, translation, limit, offset, True)
        assert page.total == count, (limit, offset)
        assert len(page.rows) == max(0, min(limit, count - offset))
    empty = translator.translate("SELECT id FROM contact WHERE id < 0")
    assert store.call(runner.page, empty, 10, 0, True).total == 0
    assert store.call(runner.page, empty, 10, 20, True).total == 0


# ---- translation cache -------------------------------------------------------------------------------------

CACHE_QUERIES = [
    "SELECT c.id FROM contact c WHERE c.id > {a} AND c.id <= {b} ORDER BY c.id",
    "SELECT id FROM contact WHERE ROWNUM <= {a}",
    "SELECT id FROM contact WHERE ROWNUM < {a}",
    "SELECT id FROM contact WHERE ROWNUM <= {a} AND ROWNUM <= {b}",
    "SELECT id FROM contact WHERE ROWNUM = {a}",
    "SELECT id FROM contact WHERE id IN ({a}, {b}, -{a}) ORDER BY 1",
    "SELECT id FROM contact ORDER BY id FETCH FIRST {a} ROWS ONLY",
    "SELECT SUBSTR(email, {a}, {b}) AS s, id * {a}.5 AS x, 1e{a} AS y FROM contact",
    "SELECT id FROM contact WHERE datecreated > SYSDATE - {a}",
    "SELECT id FROM contact WHERE datecreated - {a} > TO_DATE('2024-03-10', 'YYYY-MM-DD')",
    "SELECT id FROM contact WHERE email = '{a}' /* {b} */ -- {a}\n AND id > {b}",
    'SELECT id AS "x{a}" FROM contact WHERE id > 0{a}',
    "SELECT id FROM contact WHERE id > {a} AND nosuchfield = {b}",
    "SELECT id FROM contact WHERE id > {a} AND",
    "SELECT id FROM contact WHERE datecreated > {a}",
    "SELECT * FROM contact WHERE id = {a}",
]


def _outcome(translate: Any, query: str) -> Any:
    try:
        t = translate(query)
    except NetSuiteError as exc:
        return ("error", exc.status, exc.detail)
    return (t.page_sql, t.count_sql, t.columns, t.json_sql)


@pytest.mark.parametrize("template", CACHE_QUERIES)
def test_cached_translation_equals_fresh_translation(template: str) -> None:
    schema = Schema()
    translator = SuiteQLTranslator(schema, AccountClock(LA, "M/D/YYYY"))
    fresh = SuiteQLTranslator(schema, AccountClock(LA, "M/D/YYYY"))
    for a, b in ((1, 2), (5, 3), (3, 5), (1000, 25000), (0, 0), (7306180000001, 1)):
        query = template.format(a=a, b=b)
        if "SYSDATE" in query:
            assert _outcome(translator.translate, query)[0] == _outcome(fresh.translate_uncached, query)[0]
        else:
            assert _outcome(translator.translate, query) == _outcome(fresh.translate_uncached, query), query


def test_keyset_pages_share_one_translation_and_custom_fields_invalidate_it() -> None:
    schema = Schema()
    translator = SuiteQLTranslator(schema, AccountClock(LA, "M/D/YYYY"))
    for after in range(0, 10_000, 1000):
        translator.translate(f"SELECT c.id FROM contact c WHERE c.id > {after} ORDER BY c.id")
    assert translator.cache_hits == 9
    before = translator.translate("SELECT * FROM contact WHERE id = 1").columns
    schema.add_custom("contact", "custentity_new", "text")
    after = translator.translate("SELECT * FROM contact WHERE id = 2").columns
    assert after == [*before, "custentity_new"]


# ---- the endpoint, end to end ------------------------------------------------------------------------------


def test_hook_page_equals_python_rendering(ns: SignedClient, app_client: Any) -> None:
    sandbox = app_client.app.sandbox
    query = (
        "SELECT c.id, c.middlename, c.company, TO_CHAR(c.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m, "
        "c.datecreated, cu.searchstage FROM contact c LEFT JOIN customer cu ON cu.id = c.company "
        "WHERE c.id > {a} ORDER BY c.id"
    )
    for after in (0, 500):
        response = ns.suiteql(query.format(a=after), limit=300)
        assert response.status_code == 200
        body = response.json()
        translation = sandbox.translator.translate_uncached(query.format(a=after))
        page = sandbox.store.call(sandbox.runner.page, translation, 300, 0, False)
        expected = envelope(
            "http://testserver" + SUITEQL, render_items(translation.columns, page.rows), 300, 0, page.total
        )
        assert body == expected
        assert response.text == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))
