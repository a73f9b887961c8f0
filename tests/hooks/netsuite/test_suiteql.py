"""SuiteQL building blocks: validated literals, template rendering, time zones across DST, range planning."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from netsuite_acton.client.parallel import read_in_parallel
from netsuite_acton.hooks.netsuite.keyset import IdRange, KeysetError, RangeSplitter, plan_id_ranges
from netsuite_acton.hooks.netsuite.suiteql import (
    SqlLiteral,
    account_local_to_utc,
    render,
    sql_extra_columns,
    sql_identifier,
    sql_int,
    sql_string_list,
    sql_timestamp,
    watermark_literal,
)
from netsuite_acton.sources.netsuite_contacts import CONTACT_COLUMNS, contacts_frame
from netsuite_acton.sources.suiteql_templates import load_template

LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    "value", ["1 OR 1=1", "12; DROP", "", "1e3", 1.5, None, True, "0x10", "\uff11\uff12"]
)
def test_sql_int_rejects_anything_but_integers(value: object) -> None:
    with pytest.raises(ValueError, match=r"integer|boolean"):
        sql_int(value)


def test_sql_int_accepts_ints_and_digit_strings() -> None:
    assert sql_int(42).text == "42"
    assert sql_int(" 42 ").text == "42"
    assert sql_int("-1").text == "-1"


@pytest.mark.parametrize("name", ["custentity_x' OR '1'='1", "a b", "1abc", "x;y", "", "a" * 101, "é"])
def test_sql_identifier_rejects_free_text(name: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        sql_identifier(name)


def test_sql_string_list_quotes_each_value_and_doubles_quotes() -> None:
    assert sql_string_list(["a@x.com"]).text == "'a@x.com'"
    assert sql_string_list(["a@x.com", "o'brien@y.org", "x' OR '1'='1"]).text == (
        "'a@x.com', 'o''brien@y.org', 'x'' OR ''1''=''1'"
    )
    assert sql_string_list(["''"]).text == "''''''"
    assert sql_string_list(["Zoë@example.com", ""]).text == "'Zoë@example.com', ''"
    assert isinstance(sql_string_list(["a"]), SqlLiteral)


def test_sql_string_list_renders_into_an_in_list() -> None:
    query = render(
        "SELECT id FROM contact WHERE LOWER(email) IN ($emails)", emails=sql_string_list(["o'b@x.com"])
    )
    assert query == "SELECT id FROM contact WHERE LOWER(email) IN ('o''b@x.com')"


@pytest.mark.parametrize(
    "value",
    ["a@x.com\n", "a\rb", "tab\there", "nul\x00", "esc\x1b[0m", "del\x7f", "x" * 321],
)
def test_sql_string_list_refuses_control_characters_and_over_long_values(value: str) -> None:
    with pytest.raises(ValueError, match="plain text"):
        sql_string_list(["ok@x.com", value])


def test_sql_string_list_length_limit() -> None:
    assert sql_string_list(["x" * 320]).text == "'" + "x" * 320 + "'"
    with pytest.raises(ValueError, match="plain text"):
        sql_string_list(["x" * 11], max_length=10)
    assert sql_string_list(["x" * 10], max_length=10).text == "'xxxxxxxxxx'"


@pytest.mark.parametrize("value", [None, 5, b"a@x.com", 1.5, ["a@x.com"], True])
def test_sql_string_list_refuses_non_strings(value: object) -> None:
    with pytest.raises(ValueError, match="plain text"):
        sql_string_list(["ok@x.com", value])  # type: ignore[list-item]


def test_sql_string_list_refuses_an_empty_list() -> None:
    with pytest.raises(ValueError, match="at least one"):
        sql_string_list([])


def test_sql_extra_columns() -> None:
    assert sql_extra_columns([]).text == ""
    assert isinstance(sql_extra_columns([]), SqlLiteral)
    assert sql_extra_columns(["custentity_Acton_Hard_Bounce"]).text == ", custentity_acton_hard_bounce"
    assert sql_extra_columns(["a", "b_2"]).text == ", a, b_2"
    assert render("SELECT id$cols FROM contact", cols=sql_extra_columns([])) == "SELECT id FROM contact"


@pytest.mark.parametrize(
    "name", ["x; drop", "x; drop table contact", "a, b", "a b", "1abc", "", "(select 1)", "x--"]
)
def test_sql_extra_columns_takes_identifiers_only(name: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        sql_extra_columns(["custentity_ok", name])


def test_sql_timestamp_needs_a_naive_local_datetime() -> None:
    assert sql_timestamp(datetime(2026, 1, 31, 13, 45)).text == (
        "TO_TIMESTAMP('2026-01-31 13:45:00', 'YYYY-MM-DD HH24:MI:SS')"
    )
    with pytest.raises(ValueError, match="naive"):
        sql_timestamp(datetime(2026, 1, 31, tzinfo=UTC))


def test_render_substitutes_only_validated_literals() -> None:
    assert render("SELECT 1 FROM t WHERE id > $a", a=sql_int(5)) == "SELECT 1 FROM t WHERE id > 5"
    with pytest.raises(TypeError, match="SqlLiteral"):
        render("WHERE id > $a", a="5 OR 1=1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\$b"):
        render("WHERE id > $a AND x = $b", a=sql_int(5))


def test_render_drops_comment_lines() -> None:
    assert render("-- the doc\nSELECT $a\n  -- more\n", a=SqlLiteral("1")) == "SELECT 1"


def test_contacts_template_renders_the_supported_shape() -> None:
    since = watermark_literal(datetime(2026, 1, 31, 22, 45, tzinfo=UTC), LA)
    query = render(
        load_template("contacts"), after_id=sql_int(1000), upper_id=sql_int(25000), modified_since=since
    )
    flat = " ".join(query.split())
    assert flat.startswith("SELECT c.id, c.entityid, c.firstname")
    assert "FROM contact c LEFT JOIN customer cu ON cu.id = c.company" in flat
    # 22:45 UTC is 14:45 in Los Angeles (PST); minus the one-hour DST margin. A contact is read when it
    # or its company changed (a stage change does not touch the contact's lastmodifieddate).
    mark = "TO_TIMESTAMP('2026-01-31 13:45:00', 'YYYY-MM-DD HH24:MI:SS')"
    assert (
        f"WHERE c.id > 1000 AND c.id <= 25000 AND (c.lastmodifieddate >= {mark} "
        f"OR cu.lastmodifieddate >= {mark}) ORDER BY c.id"
    ) in flat
    bounds = " ".join(render(load_template("contacts_bounds"), modified_since=since).split())
    assert bounds.startswith(
        "SELECT MIN(c.id) AS min_id, MAX(c.id) AS max_id, COUNT(*) AS n "
        "FROM contact c LEFT JOIN customer cu ON cu.id = c.company WHERE"
    )
    assert f"c.lastmodifieddate >= {mark} OR cu.lastmodifieddate >= {mark}" in bounds


def test_load_template_refuses_paths() -> None:
    with pytest.raises(ValueError, match="identifier"):
        load_template("../../etc/passwd")


def test_watermark_requires_aware_datetime_and_defaults_to_floor() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        watermark_literal(datetime(2026, 1, 1), LA)
    assert "1900-01-01 00:00:00" in watermark_literal(None, LA).text


def test_watermark_in_summer_uses_daylight_time() -> None:
    # 2026-07-01 12:00 UTC = 05:00 PDT; minus one hour.
    assert "2026-07-01 04:00:00" in watermark_literal(datetime(2026, 7, 1, 12, tzinfo=UTC), LA).text


def test_local_to_utc_across_dst() -> None:
    values = [
        "2026-01-15 10:00:00",  # PST, UTC-8
        "2026-07-15 10:00:00",  # PDT, UTC-7
        "2026-11-01 01:30:00",  # ambiguous fall-back hour: read as PST (the later instant)
        "2026-03-08 02:30:00",  # spring-forward gap: shifted forward
        None,
    ]
    out = account_local_to_utc(values, LA)
    assert str(out.dtype) == "datetime64[ns, UTC]"
    assert out[0] == pd.Timestamp("2026-01-15 18:00:00", tz="UTC")
    assert out[1] == pd.Timestamp("2026-07-15 17:00:00", tz="UTC")
    assert out[2] == pd.Timestamp("2026-11-01 09:30:00", tz="UTC")
    assert out[3] == pd.Timestamp("2026-03-08 10:00:00", tz="UTC")
    assert pd.isna(out[4])


def test_watermark_in_fall_back_hour_never_excludes_the_later_reading() -> None:
    # 09:15 UTC on 2026-11-01 is 01:15 PST (second 01:xx). A row saved then reads back "01:15:00".
    moment = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # = 01:00 PST
    literal = watermark_literal(moment, LA).text
    assert "2026-11-01 00:00:00" in literal  # 01:00 minus the margin: covers both readings of 01:xx
    assert account_local_to_utc(["2026-11-01 01:15:00"], LA)[0] >= pd.Timestamp(moment)


def test_contacts_frame_types_and_missing_values() -> None:
    items = [
        {
            "id": "7",
            "firstname": "Zoë",
            "email": "A@X.COM ",
            "company": "12",
            "companyname": "Acme",
            "searchstage": "Prospect",
            "isinactive": "F",
            "datecreated": "2026-01-01 00:00:00",
            "lastmodifieddate": "2026-07-01 08:00:00",
            "links": [],
        },
        {"id": 8, "isinactive": "T", "searchstage": "Other", "lastmodifieddate": "2026-01-01 08:00:00"},
    ]
    frame = contacts_frame(items, LA)
    assert list(frame.columns) == list(CONTACT_COLUMNS)
    assert frame["id"].tolist() == ["7", "8"]
    assert frame["stage"].tolist() == ["PROSPECT", None]
    assert frame["middlename"].tolist() == [None, None]
    assert frame["company"].tolist() == ["12", None]
    assert frame["isinactive"].tolist() == [False, True]
    assert frame["email"].dtype == object
    assert str(frame["lastmodifieddate"].dtype) == "datetime64[ns, UTC]"
    assert frame["lastmodifieddate"][0] == pd.Timestamp("2026-07-01 15:00:00", tz="UTC")
    assert pd.isna(frame["datecreated"][1])


@pytest.mark.parametrize(
    ("min_id", "max_id", "count", "workers"),
    [(1, 150_000, 150_000, 4), (5, 9, 5, 4), (1000, 1000, 1, 5), (3, 10_000_000, 500_000, 5), (1, 2, 2, 8)],
)
def test_plan_id_ranges_cover_the_span_without_overlap(
    min_id: int, max_id: int, count: int, workers: int
) -> None:
    ranges = plan_id_ranges(min_id, max_id, count, workers)
    assert ranges[0].after_id == min_id - 1
    assert ranges[-1].upper_id == max_id
    for left, right in itertools.pairwise(ranges):
        assert left.upper_id == right.after_id
    assert all(r.upper_id > r.after_id for r in ranges)


def test_plan_id_ranges_sizes() -> None:
    assert plan_id_ranges(None, None, 0, 4) == []
    assert len(plan_id_ranges(1, 500_000, 500_000, 5)) == 25  # one per 20,000 rows
    assert len(plan_id_ranges(1, 50_000, 50_000, 5)) == 5  # at least one per worker
    assert len(plan_id_ranges(1, 10_000_000, 3_000, 4)) == 3  # never below one page per range


def fake_keyset_read(ids: list[int], splitter: RangeSplitter, page: int, delay: float = 0.0):
    """Read ``ids`` the way the hook does: (after, upper] pages, trimmed to the bound advance() returns."""

    def read(cursor):
        while (bounds := splitter.bounds(cursor)) is not None:
            after, upper = bounds
            hits = [i for i in ids if after < i <= upper]
            rows = hits[:page]
            time.sleep(delay)
            bound = splitter.advance(cursor, after, rows[-1] if rows else None, len(hits) > page)
            rows = [i for i in rows if i <= bound]
            if rows:
                yield rows

    return read


@pytest.mark.parametrize("workers", [1, 3, 5])
def test_range_splitting_reads_every_id_exactly_once(workers: int) -> None:
    # skewed ids: a dense block, then a sparse tail, so planned ranges are very unequal
    ids = list(range(1, 3001)) + list(range(10_000, 400_000, 97))
    ranges = plan_id_ranges(ids[0], ids[-1], len(ids), workers)
    splitter = RangeSplitter(ranges, rows_per_id=len(ids) / (ids[-1] - ids[0] + 1), min_split_rows=200)
    pages = list(read_in_parallel(splitter.take, fake_keyset_read(ids, splitter, 100, 0.001), workers))
    out = [i for page in pages for i in page]
    assert sorted(out) == ids
    if workers > 1:
        assert splitter.splits > 0


def test_splitting_trims_a_page_in_flight() -> None:
    splitter = RangeSplitter([IdRange(0, 10_000)], rows_per_id=1.0, min_split_rows=2)
    owner = splitter.take()
    assert splitter.bounds(owner) == (0, 10_000)
    thief = splitter.take()  # takes (5000, 10000] while the owner's first page is in flight
    assert (thief.after, thief.upper) == (5_000, 10_000)
    assert splitter.advance(owner, 0, 6_000, True) == 5_000  # owner must drop ids above 5000 ...
    assert splitter.bounds(owner) is None  # ... and is finished
    assert splitter.advance(thief, 5_000, 6_000, True) == 10_000
    assert splitter.bounds(thief) == (6_000, 10_000)
    with pytest.raises(KeysetError, match="ORDER BY"):
        splitter.advance(thief, 6_000, 6_000, True)


def test_watermark_margin_is_small() -> None:
    since = datetime(2026, 1, 31, 22, 45, 30, 999, tzinfo=UTC)
    text = watermark_literal(since, LA).text
    local = since.astimezone(LA).replace(tzinfo=None, microsecond=0) - timedelta(hours=1)
    assert local.strftime("%Y-%m-%d %H:%M:%S") in text
