"""NetSuiteConsent: opted-out records by id, records by address (safely quoted), and the one write it makes.

Unit tests fake NetSuite at the transport (``responses``); the last test runs against the NetSuite sandbox,
whose SuiteQL parser proves the quoting, and whose record API enforces NetSuite's consent rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import requests
import responses

from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.sources import netsuite_consent as nc
from netsuite_acton.sources.netsuite_consent import NetSuiteConsent
from sandbox.launcher import SandboxProcess, sandbox_connection
from tests.support.fake_netsuite import BASE, SUITEQL, make_hook, nserror
from tests.support.sandboxes import env, running

RECORD = f"{BASE}/services/rest/record/v1"
FROM = re.compile(r"\bFROM (\w+)")
AFTER = re.compile(r"\bid > (\d+)")
SINCE = re.compile(r"TO_TIMESTAMP\('([^']+)'")
IN_LIST = re.compile(r"IN \((.*)\)\s+ORDER BY", re.S)
LOWER_EMAIL = re.compile(r"LOWER\((TRIM\()?email\)?\) IN \(")


def _flat(query: str) -> str:
    return " ".join(query.split())


def _call_query(call: responses.Call) -> tuple[str, dict[str, str]]:
    params = {k: v[0] for k, v in parse_qs(urlparse(call.request.url).query).items()}
    return json.loads(call.request.body)["q"], params


def _suiteql_calls(fake: responses.RequestsMock) -> list[tuple[str, dict[str, str]]]:
    return [_call_query(call) for call in fake.calls if call.request.url.startswith(SUITEQL)]


def serve_opted_out(fake: responses.RequestsMock, rows: dict[str, list[dict]]) -> None:
    """Keyset pages of ``rows`` by record type: ``id > $after_id ORDER BY id``, ``limit`` a page."""

    def callback(request: requests.PreparedRequest):
        query = json.loads(request.body)["q"]
        limit = int(parse_qs(urlparse(request.url).query)["limit"][0])
        after = int(AFTER.search(query).group(1))
        hits = sorted(
            (r for r in rows[FROM.search(query).group(1)] if int(r["id"]) > after), key=lambda r: int(r["id"])
        )
        body = {"items": hits[:limit], "hasMore": len(hits) > limit, "count": min(limit, len(hits))}
        return 200, {}, json.dumps(body)

    fake.add_callback(responses.POST, SUITEQL, callback=callback)


def _row(rid: int, email: str, status: str = "2", modified: str = "2026-01-15 12:00:00") -> dict:
    return {"id": str(rid), "email": email, "globalsubscriptionstatus": status, "lastmodifieddate": modified}


# -- opted_out_since --------------------------------------------------------------------------------
def test_opted_out_since_pages_by_id_contacts_then_customers(
    fake: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nc, "PAGE_LIMIT", 2)
    serve_opted_out(
        fake,
        {
            "contact": [
                _row(3, "a@x.com"),
                _row(10, "B@X.com", "4"),
                _row(25, "c@x.com"),
                _row(40, "d@x.com"),
            ],
            "customer": [_row(7, "e@x.com", "4")],
        },
    )
    frames = list(NetSuiteConsent(make_hook()).opted_out_since(None))
    assert [frame["record_type"].tolist() for frame in frames] == [
        ["contact", "contact"],
        ["contact", "contact"],
        ["customer"],
    ]
    everything = pd.concat(frames, ignore_index=True)
    assert list(everything.columns) == list(nc.OPTED_OUT_COLUMNS)
    assert everything["id"].tolist() == ["3", "10", "25", "40", "7"]
    assert everything["email"].tolist() == ["a@x.com", "B@X.com", "c@x.com", "d@x.com", "e@x.com"]
    assert everything["status"].tolist() == ["2", "4", "2", "2", "4"]
    # 12:00 in Los Angeles (the fake account's time zone, PST) is 20:00 UTC
    assert set(everything["lastmodifieddate"]) == {pd.Timestamp("2026-01-15 20:00", tz="UTC")}

    calls = _suiteql_calls(fake)
    assert [(FROM.search(q).group(1), AFTER.search(q).group(1)) for q, _ in calls] == [
        ("contact", "0"),
        ("contact", "10"),  # this page says hasMore: false, which ends the read of contacts
        ("customer", "0"),
    ]
    assert all(params == {"limit": "2", "offset": "0"} for _, params in calls), "keyset: always offset 0"
    assert all("globalsubscriptionstatus IN ('2', '4')" in q for q, _ in calls)
    assert all("1900-01-01 00:00:00" in SINCE.search(q).group(1) for q, _ in calls)


def test_a_full_last_page_ends_at_the_empty_page_after_it(
    fake: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nc, "PAGE_LIMIT", 2)

    def callback(request: requests.PreparedRequest):
        query = json.loads(request.body)["q"]
        if FROM.search(query).group(1) == "customer" or AFTER.search(query).group(1) != "0":
            return 200, {}, json.dumps({"items": [], "hasMore": False})
        return 200, {}, json.dumps({"items": [_row(1, "a@x.com"), _row(2, "b@x.com")], "hasMore": True})

    fake.add_callback(responses.POST, SUITEQL, callback=callback)
    frames = list(NetSuiteConsent(make_hook()).opted_out_since(None))
    assert [len(frame) for frame in frames] == [2]
    assert len(_suiteql_calls(fake)) == 3


def test_rows_before_the_watermark_are_trimmed_after_the_widened_query(
    fake: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nc, "PAGE_LIMIT", 2)
    mark = datetime(2026, 1, 15, 20, 0, 30, 500_000, tzinfo=UTC)  # 12:00:30.5 PST
    serve_opted_out(
        fake,
        {
            "contact": [
                _row(1, "early@x.com", modified="2026-01-15 11:15:00"),  # inside the DST margin only
                _row(2, "same-second@x.com", modified="2026-01-15 12:00:30"),
                _row(3, "later@x.com", modified="2026-01-15 12:30:00"),
                _row(4, "also-early@x.com", modified="2026-01-15 12:00:29"),
            ],
            "customer": [_row(8, "co@x.com", "4", "2026-01-16 09:00:00")],
        },
    )
    frames = list(NetSuiteConsent(make_hook()).opted_out_since(mark))
    everything = pd.concat(frames, ignore_index=True)
    assert everything["email"].tolist() == ["same-second@x.com", "later@x.com", "co@x.com"]
    assert (everything["lastmodifieddate"] >= pd.Timestamp(mark).floor("s")).all()
    assert all(frame.index.tolist() == list(range(len(frame))) for frame in frames)
    calls = _suiteql_calls(fake)
    # the query asks from one hour before the mark, in account time; keyset continues past trimmed rows
    assert {SINCE.search(q).group(1) for q, _ in calls} == {"2026-01-15 11:00:30"}
    assert [AFTER.search(q).group(1) for q, _ in calls] == ["0", "2", "0"]


# -- records_by_email -------------------------------------------------------------------------------
def serve_records(fake: responses.RequestsMock, rows: dict[str, list[dict]]) -> None:
    """``LOWER(email) IN (...)`` over ``rows`` by record type, reading the quoted list as SQL would."""

    def callback(request: requests.PreparedRequest):
        query = json.loads(request.body)["q"]
        wanted = {
            m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", IN_LIST.search(query).group(1))
        }
        hits = [r for r in rows[FROM.search(query).group(1)] if r["email"].strip().lower() in wanted]
        return 200, {}, json.dumps({"items": hits, "hasMore": False})

    fake.add_callback(responses.POST, SUITEQL, callback=callback)


def test_records_by_email_batches_addresses_per_record_type(
    fake: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nc, "LOOKUP_BATCH", 2)
    serve_records(
        fake,
        {
            "contact": [
                {"id": "12", "email": "Ann@X.com", "globalsubscriptionstatus": "1"},
                {"id": "13", "email": "e@x.com", "globalsubscriptionstatus": "4"},
            ],
            "customer": [{"id": "12", "email": "ann@x.com", "globalsubscriptionstatus": "3"}],
        },
    )
    emails = ["e@x.com", "ann@x.com", "c@x.com", "b@x.com", "d@x.com", "ann@x.com"]
    frame = NetSuiteConsent(make_hook()).records_by_email(emails)

    assert list(frame.columns) == list(nc.RECORD_COLUMNS)
    assert frame.to_dict("records") == [
        {"record_type": "contact", "id": "12", "email": "Ann@X.com", "status": "1", "hard_bounce": False},
        {"record_type": "contact", "id": "13", "email": "e@x.com", "status": "4", "hard_bounce": False},
        {"record_type": "customer", "id": "12", "email": "ann@x.com", "status": "3", "hard_bounce": False},
    ]
    calls = _suiteql_calls(fake)
    lists = sorted((FROM.search(q).group(1), IN_LIST.search(q).group(1)) for q, _ in calls)  # concurrent
    assert lists == [
        ("contact", "'ann@x.com', 'b@x.com'"),
        ("contact", "'c@x.com', 'd@x.com'"),
        ("contact", "'e@x.com'"),
        ("customer", "'ann@x.com', 'b@x.com'"),
        ("customer", "'c@x.com', 'd@x.com'"),
        ("customer", "'e@x.com'"),
    ]
    assert all(LOWER_EMAIL.search(q) for q, _ in calls)
    assert all(_flat(q).startswith("SELECT id, email, globalsubscriptionstatus FROM") for q, _ in calls)


def test_records_by_email_default_batch_is_200(fake: responses.RequestsMock) -> None:
    serve_records(fake, {"contact": [], "customer": []})
    frame = NetSuiteConsent(make_hook()).records_by_email([f"p{i}@x.com" for i in range(401)])
    assert frame.empty
    assert list(frame.columns) == list(nc.RECORD_COLUMNS)
    sizes = sorted(IN_LIST.search(q).group(1).count("@") for q, _ in _suiteql_calls(fake))
    assert sizes == [1, 1, 200, 200, 200, 200]
    nothing = NetSuiteConsent(make_hook()).records_by_email([])
    assert nothing.empty
    assert list(nothing.columns) == list(nc.RECORD_COLUMNS)
    assert len(_suiteql_calls(fake)) == 6, "no addresses, no query"


def test_an_address_with_a_quote_is_doubled_in_the_query(fake: responses.RequestsMock) -> None:
    serve_records(
        fake,
        {
            "contact": [{"id": "5", "email": "O'Brien@Example.com", "globalsubscriptionstatus": "1"}],
            "customer": [],
        },
    )
    frame = NetSuiteConsent(make_hook()).records_by_email(["o'brien@example.com", "x' OR '1'='1@x.com"])
    assert frame["id"].tolist() == ["5"]
    query, _ = _suiteql_calls(fake)[0]
    assert "IN ('o''brien@example.com', 'x'' OR ''1''=''1@x.com')" in query
    assert "'o'brien" not in query


@pytest.mark.parametrize("bad", ["a@x.com\n", "a@x.com'); --\x00", "x" * 321 + "@x.com"])
def test_an_address_that_cannot_be_quoted_safely_is_refused_before_any_call(
    fake: responses.RequestsMock, bad: str
) -> None:
    with pytest.raises(ValueError, match="plain text"):
        NetSuiteConsent(make_hook()).records_by_email(["ok@x.com", bad])
    assert _suiteql_calls(fake) == []


def test_the_hard_bounce_column_is_read_only_when_configured(fake: responses.RequestsMock) -> None:
    field = "custentity_Acton_Hard_Bounce"
    serve_records(
        fake,
        {
            "contact": [
                {
                    "id": "1",
                    "email": "a@x.com",
                    "globalsubscriptionstatus": "1",
                    "custentity_acton_hard_bounce": "T",
                },
                {
                    "id": "2",
                    "email": "a@x.com",
                    "globalsubscriptionstatus": "2",
                    "custentity_acton_hard_bounce": "F",
                },
                {"id": "3", "email": "a@x.com", "globalsubscriptionstatus": "3"},
            ],
            "customer": [],
        },
    )
    with_field = NetSuiteConsent(make_hook()).records_by_email(["a@x.com"], field)
    assert with_field["hard_bounce"].tolist() == [True, False, False]
    configured = [q for q, _ in _suiteql_calls(fake)]
    assert all(
        q.startswith("SELECT id, email, globalsubscriptionstatus , custentity_acton_hard_bounce\n")
        for q in configured
    )

    without = NetSuiteConsent(make_hook()).records_by_email(["a@x.com"])
    assert without["hard_bounce"].tolist() == [False, False, False]
    plain = [q for q, _ in _suiteql_calls(fake)][len(configured) :]
    assert plain
    assert not [q for q in plain if "custentity" in q]

    with pytest.raises(ValueError, match="identifier"):
        NetSuiteConsent(make_hook()).records_by_email(["a@x.com"], "x; drop table contact")


def test_records_by_email_reads_every_page_of_a_batch(
    fake: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nc, "PAGE_LIMIT", 2)
    rows = [{"id": str(i), "email": "shared@x.com", "globalsubscriptionstatus": "1"} for i in range(1, 6)]

    def callback(request: requests.PreparedRequest):
        query = json.loads(request.body)["q"]
        params = parse_qs(urlparse(request.url).query)
        offset, limit = int(params["offset"][0]), int(params["limit"][0])
        hits = rows if FROM.search(query).group(1) == "contact" else []
        return (
            200,
            {},
            json.dumps({"items": hits[offset : offset + limit], "hasMore": offset + limit < len(hits)}),
        )

    fake.add_callback(responses.POST, SUITEQL, callback=callback)
    frame = NetSuiteConsent(make_hook()).records_by_email(["shared@x.com"])
    assert frame["id"].tolist() == ["1", "2", "3", "4", "5"]
    calls = _suiteql_calls(fake)  # the two record types are read at once: compare each one's pages
    contact = [p["offset"] for q, p in calls if FROM.search(q).group(1) == "contact"]
    customer = [p["offset"] for q, p in calls if FROM.search(q).group(1) == "customer"]
    assert (contact, customer) == (["0", "2", "4"], ["0"])


# -- writes -----------------------------------------------------------------------------------------
def test_set_soft_opt_out_sends_status_2_and_nothing_else(fake: responses.RequestsMock) -> None:
    def callback(request: requests.PreparedRequest):
        if request.url.endswith("/8"):
            return (
                400,
                {},
                json.dumps(nserror(400, "USER_ERROR", "The recipient has confirmed their opt-out")),
            )
        return 204, {}, ""

    fake.add_callback(responses.PATCH, re.compile(rf"{RECORD}/customer/\d+"), callback=callback)
    results = NetSuiteConsent(make_hook()).set_soft_opt_out("customer", ["7", "8", "9"])

    patches = [c.request for c in fake.calls if c.request.method == "PATCH"]
    assert len(patches) == 3
    assert all(json.loads(p.body) == {"globalSubscriptionStatus": {"id": "2"}} for p in patches)
    assert sorted(urlparse(p.url).path.rsplit("/", 1)[1] for p in patches) == ["7", "8", "9"]
    assert [(r.record_id, r.ok) for r in results] == [("7", True), ("8", False), ("9", True)]
    assert results[1].error_code == "USER_ERROR"


def test_set_checkbox_sets_only_the_named_field_to_true(fake: responses.RequestsMock) -> None:
    fake.patch(re.compile(rf"{RECORD}/contact/\d+"), status=204)
    NetSuiteConsent(make_hook()).set_checkbox("contact", ["1"], "custentity_Hard_Bounce")
    (patch,) = [c.request for c in fake.calls if c.request.method == "PATCH"]
    assert json.loads(patch.body) == {"custentity_hard_bounce": True}
    with pytest.raises(ValueError, match="identifier"):
        NetSuiteConsent(make_hook()).set_checkbox("contact", ["1"], "globalSubscriptionStatus: 1")


# -- against the NetSuite sandbox -------------------------------------------------------------------
@pytest.fixture(scope="module")
def netsuite() -> Iterator[SandboxProcess]:
    with running("sandbox.netsuite", "--contacts", "20") as process:
        yield process


@pytest.fixture
def sandbox_hook(netsuite: SandboxProcess) -> Iterator[NetSuiteHook]:
    requests.post(f"{netsuite.base_url}/_sandbox/reset", json={"reseed": True}, timeout=60).raise_for_status()
    with env({"AIRFLOW_CONN_NETSUITE_CONSENT": json.dumps(sandbox_connection(netsuite.base_url))}):
        yield NetSuiteHook("netsuite_consent")


def _admin(netsuite: SandboxProcess, method: str, path: str, body: object = None) -> dict:
    response = requests.request(method, f"{netsuite.base_url}/_sandbox/{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


@pytest.mark.integration
def test_consent_reads_and_the_opt_out_write_against_the_sandbox(
    netsuite: SandboxProcess, sandbox_hook: NetSuiteHook
) -> None:
    field = "custentity_acton_hard_bounce"
    for record_type in ("contact", "customer"):
        _admin(netsuite, "POST", "fields", {"record_type": record_type, "id": field, "type": "checkbox"})
    start = datetime.now(UTC) - timedelta(seconds=2)
    _admin(
        netsuite,
        "POST",
        "customers",
        [
            {
                "id": 9001,
                "companyname": "Quote Co",
                "stage": "PROSPECT",
                "email": "o'brien@example.com",
                "globalsubscriptionstatus": 3,
            }
        ],
    )
    _admin(
        netsuite,
        "POST",
        "contacts",
        [
            {"id": 90_001, "email": "O'Brien@Example.com", "globalsubscriptionstatus": 1, field: True},
            {"id": 90_002, "email": "gone@example.com", "globalsubscriptionstatus": 4},
        ],
    )
    consent = NetSuiteConsent(sandbox_hook)

    found = consent.records_by_email(["o'brien@example.com", "nobody@example.com"], field)
    assert found.to_dict("records") == [
        {
            "record_type": "contact",
            "id": "90001",
            "email": "O'Brien@Example.com",
            "status": "1",
            "hard_bounce": True,
        },
        {
            "record_type": "customer",
            "id": "9001",
            "email": "o'brien@example.com",
            "status": "3",
            "hard_bounce": False,
        },
    ]

    (result,) = consent.set_soft_opt_out("contact", ["90001"])
    assert result.ok, result
    assert _admin(netsuite, "GET", "contacts/90001")["globalsubscriptionstatus"] == 2
    (refused,) = consent.set_soft_opt_out("contact", ["90002"])  # a Confirmed Opt-Out cannot be changed
    assert not refused.ok
    assert _admin(netsuite, "GET", "contacts/90002")["globalsubscriptionstatus"] == 4

    since = pd.concat(list(consent.opted_out_since(start)), ignore_index=True)
    mine = since.loc[since["id"].isin(["90001", "90002", "9001"])]
    assert sorted(zip(mine["record_type"], mine["id"], mine["status"], strict=True)) == [
        ("contact", "90001", "2"),
        ("contact", "90002", "4"),
    ]
    assert (since["lastmodifieddate"] >= pd.Timestamp(start).floor("s")).all()
