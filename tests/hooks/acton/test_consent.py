"""ConsentLists (ActOnHook): consent list reads in pages with a creation-time floor, opt-out uploads.

Unit tests run against a transport-level fake (``responses``) so the exact query parameters and upload
bodies can be checked; the last tests run the same calls against the Act-On sandbox.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses

from netsuite_acton.hooks.acton import ActOnHook
from netsuite_acton.hooks.acton import consent as consent_module
from netsuite_acton.state import StateStore
from tests.hooks.acton.conftest import Sandbox
from tests.hooks.acton.test_hook import BASE, CONN, make_hook, multipart, token_reply
from tests.support.sandboxes import env

T = 1_767_268_800_000  # 2026-01-01 12:00:00 UTC in epoch ms
ASKED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[responses.RequestsMock]:
    with (
        env({"AIRFLOW_CONN_ACTON_UNIT": json.dumps(CONN)}),
        responses.RequestsMock(assert_all_requests_are_fired=False) as rsps,
    ):
        rsps.post(f"{BASE}/token", json=token_reply("access-1", "refresh-1"))
        yield rsps


def serve_list(fake: responses.RequestsMock, kind: str, entries: list[dict]) -> list[dict[str, str]]:
    """Serve ``entries`` as Act-On does (``totalCount`` -1), ignoring ``createdafter`` as a server that
    read the seconds as milliseconds would; returns the query of every call, in order."""
    seen: list[dict[str, str]] = []

    def callback(request: requests.PreparedRequest):
        query = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        seen.append(query)
        offset, count = int(query["offset"]), int(query["count"])
        page = entries[offset : offset + count]
        body = {"offset": offset, "count": len(page), "totalCount": -1, "result": page}
        return 200, {}, json.dumps(body)

    fake.add_callback(responses.GET, f"{BASE}/api/1/list/{kind}", callback=callback)
    return seen


def entry(n: int, timestamp: int | None = T) -> dict:
    item: dict = {"email": f"p{n}@example.com", "origin": "Recipient: unsubscribe link"}
    if timestamp is not None:
        item["timestamp"] = timestamp
    return item


# -- reads ------------------------------------------------------------------------------------------
def test_created_after_is_sent_in_epoch_seconds(fake: responses.RequestsMock, store: StateStore) -> None:
    seen = serve_list(fake, "optout", [])
    assert list(make_hook(store).consent_entries("optout", created_after=ASKED)) == []
    assert seen == [{"createdafter": "1767268800", "count": "1000", "offset": "0"}]
    assert int(seen[0]["createdafter"]) * 1000 == T, "seconds, not milliseconds"


def test_a_naive_time_is_taken_as_utc_and_no_time_sends_no_filter(
    fake: responses.RequestsMock, store: StateStore
) -> None:
    seen = serve_list(fake, "spamcomplaint", [])
    hook = make_hook(store)
    list(hook.consent_entries("spamcomplaint", created_after=datetime(2026, 1, 1, 12, 0)))
    list(hook.consent_entries("spamcomplaint"))
    assert seen[0]["createdafter"] == "1767268800"
    assert "createdafter" not in seen[1]


def test_reads_page_by_offset_until_a_short_page_despite_total_count_minus_one(
    fake: responses.RequestsMock, store: StateStore
) -> None:
    entries = [entry(n, T + n) for n in range(5)]
    seen = serve_list(fake, "hardbounce", entries)
    pages = list(make_hook(store).consent_entries("hardbounce", page_size=2))
    assert [[e["email"] for e in page] for page in pages] == [
        ["p0@example.com", "p1@example.com"],
        ["p2@example.com", "p3@example.com"],
        ["p4@example.com"],
    ]
    assert [(q["offset"], q["count"]) for q in seen] == [("0", "2"), ("2", "2"), ("4", "2")]
    assert all(q.get("createdafter") is None for q in seen)


def test_a_full_last_page_costs_one_more_call_for_the_empty_one(
    fake: responses.RequestsMock, store: StateStore
) -> None:
    seen = serve_list(fake, "optout", [entry(n, T + n) for n in range(4)])
    pages = list(make_hook(store).consent_entries("optout", page_size=2))
    assert [len(page) for page in pages] == [2, 2]
    assert [q["offset"] for q in seen] == ["0", "2", "4"]


def test_page_size_is_capped_at_act_ons_limit(fake: responses.RequestsMock, store: StateStore) -> None:
    seen = serve_list(fake, "optout", [])
    list(make_hook(store).consent_entries("optout", page_size=5000))
    list(make_hook(store).consent_entries("optout", page_size=0))
    assert [q["count"] for q in seen] == ["1000", "1"]


def test_entries_created_before_the_asked_time_are_dropped(
    fake: responses.RequestsMock, store: StateStore
) -> None:
    entries = [
        entry(0, T - 86_400_000),  # a day early: what a server reading seconds as ms sends back
        entry(1, T - 1),
        entry(2, T),
        entry(3, T + 1),
        entry(4, T - 5),
        entry(5, T + 60_000),
    ]
    seen = serve_list(fake, "optout", entries)
    pages = list(make_hook(store).consent_entries("optout", created_after=ASKED, page_size=2))
    assert [[e["email"] for e in page] for page in pages] == [
        ["p2@example.com", "p3@example.com"],
        ["p5@example.com"],
    ]
    assert len(seen) == 4, "a page whose entries were all dropped does not end the read"
    assert pages[0][0] == {"email": "p2@example.com", "timestamp": T, "origin": "Recipient: unsubscribe link"}


def test_an_entry_without_a_timestamp_is_kept(fake: responses.RequestsMock, store: StateStore) -> None:
    """``_timestamp``: "0 when missing: kept, the caller de-duplicates", with a window as without one."""
    serve_list(fake, "optout", [entry(0, None), entry(1, T + 1)])
    hook = make_hook(store)
    everything = [e["email"] for page in hook.consent_entries("optout") for e in page]
    assert everything == ["p0@example.com", "p1@example.com"]
    since = [e["email"] for page in hook.consent_entries("optout", created_after=ASKED) for e in page]
    assert since == ["p0@example.com", "p1@example.com"]


# -- opt-out uploads --------------------------------------------------------------------------------
def _upload_rows(call: responses.Call) -> list[list[str]]:
    text = multipart(call)["file"].decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def test_add_optouts_uploads_one_address_a_line_without_heading_in_batches(
    fake: responses.RequestsMock, store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consent_module, "OPTOUT_BATCH", 2)
    fake.put(f"{BASE}/api/1/list/optout", json={"status": "success", "rejectedRecords": 1, "emptyRecords": 0})
    fake.put(f"{BASE}/api/1/list/optout", json={"status": "success", "rejectedRecords": 0, "emptyRecords": 1})
    fake.put(f"{BASE}/api/1/list/optout", json={"status": "success", "rejectedRecords": 0, "emptyRecords": 0})
    emails = ["a@x.com", "o'brien@example.com", "c@x.com", "d,e@x.com", "f@x.com"]

    outcome = make_hook(store).add_optouts(emails)

    puts = [call for call in fake.calls if call.request.method == "PUT"]
    assert len(puts) == 3
    assert [_upload_rows(call) for call in puts] == [
        [["a@x.com"], ["o'brien@example.com"]],
        [["c@x.com"], ["d,e@x.com"]],
        [["f@x.com"]],
    ]
    first = multipart(puts[0])["file"].decode("utf-8")
    assert first == "a@x.com\r\no'brien@example.com\r\n", "no heading row: Act-On counts one as rejected"
    assert "email" not in first.lower().split("\r\n")[0].split("@")[0]
    assert (outcome.calls, outcome.rejected, outcome.processed) == (3, 2, 3)


def test_add_optouts_of_nothing_makes_no_call(fake: responses.RequestsMock, store: StateStore) -> None:
    outcome = make_hook(store).add_optouts([])
    assert (outcome.calls, outcome.rejected, outcome.processed) == (0, 0, 0)
    assert not [call for call in fake.calls if "/api/" in call.request.url]


def test_the_hook_has_no_way_to_opt_anyone_in() -> None:
    names = {name.lower() for name in dir(ActOnHook)}
    assert not [name for name in names if "optin" in name or "opt_in" in name or "resubscribe" in name]


# -- against the Act-On sandbox ---------------------------------------------------------------------
@pytest.mark.integration
def test_opt_outs_round_trip_through_the_sandbox(
    fresh: Sandbox, store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consent_module, "OPTOUT_BATCH", 2)
    old, new = 1_600_000_000_000, 1_800_000_000_000
    fresh.admin("POST", "optouts", {"emails": ["old@example.com"], "timestamp": old})
    fresh.admin("POST", "spamcomplaints", {"emails": ["angry@example.com"], "timestamp": new})
    hook = ActOnHook(state=store, poll_initial=0.2)

    outcome = hook.add_optouts(["Ada@Example.com", "not-an-email", "bob@example.com"])
    assert (outcome.calls, outcome.rejected, outcome.processed) == (2, 1, 2)
    listed = {row["email"].lower() for row in fresh.admin("GET", "optouts")}
    assert listed == {"old@example.com", "ada@example.com", "bob@example.com"}
    assert hook.add_optouts(["ada@example.com"]).rejected == 0  # listed already: accepted, unchanged
    assert len(fresh.admin("GET", "optouts")) == 3

    read = [e["email"] for page in hook.consent_entries("optout", page_size=2) for e in page]
    assert read == ["old@example.com", "Ada@Example.com", "bob@example.com"]
    since = datetime.fromtimestamp((old + 1000) / 1000, UTC)
    recent = [e["email"] for page in hook.consent_entries("optout", created_after=since) for e in page]
    assert recent == ["Ada@Example.com", "bob@example.com"]
    complaints = list(hook.consent_entries("spamcomplaint", created_after=since))
    assert complaints == [
        [{"email": "angry@example.com", "timestamp": new, "origin": "Recipient: spam complaint"}]
    ]
    assert list(hook.consent_entries("spamcomplaint", created_after=datetime(2030, 1, 1, tzinfo=UTC))) == []
