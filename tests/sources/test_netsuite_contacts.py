"""NetSuiteContacts against a transport-level fake: every contact once, in bounded chunks, in account time."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import requests
import responses

from netsuite_acton.hooks.netsuite.errors import NetSuiteError
from netsuite_acton.hooks.netsuite.keyset import KeysetError
from netsuite_acton.sources.netsuite_contacts import NetSuiteContacts
from tests.support.fake_netsuite import SUITEQL, make_hook, nserror

PAGE = re.compile(r"c\.id > (-?\d+) AND c\.id <= (\d+)")
SINCE = re.compile(r"TO_TIMESTAMP\('([^']+)'")


def fake_account(rows: int) -> list[dict]:
    stages = ["Customer", "Prospect", "Lead", None]
    contacts = []
    for i in range(1, rows + 1):
        cid = i * 3  # sparse ids, like entity ids shared across record types
        month = 1 + i % 12
        contact = {
            "id": str(cid),
            "entityid": f"C{cid}",
            "firstname": f"Ann{i}",
            "isinactive": "T" if i % 10 == 0 else "F",
            "datecreated": "2025-01-01 00:00:00",
            "lastmodifieddate": f"2026-{month:02d}-15 12:00:00",
        }
        if stages[i % 4]:
            contact.update(company=str(cid + 1), companyname=f"Co {i}", searchstage=stages[i % 4])
        contacts.append(contact)
    return contacts


def suiteql_callback(contacts: list[dict], seen_queries: list[str]):
    def callback(request: requests.PreparedRequest):
        query = json.loads(request.body)["q"]
        seen_queries.append(query)
        since = SINCE.search(query).group(1)
        matching = [c for c in contacts if c["lastmodifieddate"] >= since]
        limit = int(parse_qs(urlparse(request.url).query)["limit"][0])
        if query.startswith("SELECT MIN"):
            ids = [int(c["id"]) for c in matching]
            item = {"n": str(len(ids))}
            if ids:
                item.update(min_id=str(min(ids)), max_id=str(max(ids)))
            return 200, {}, json.dumps({"items": [item], "hasMore": False})
        after, upper = (int(v) for v in PAGE.search(query).groups())
        hits = [c for c in matching if after < int(c["id"]) <= upper]
        page = [{**c, "links": []} for c in hits[:limit]]
        return 200, {}, json.dumps({"items": page, "hasMore": len(hits) > limit, "totalResults": len(hits)})

    return callback


def test_extract_contacts_reads_each_contact_once_in_bounded_chunks(fake: responses.RequestsMock) -> None:
    contacts = fake_account(7_500)
    queries: list[str] = []
    fake.add_callback(responses.POST, SUITEQL, callback=suiteql_callback(contacts, queries))
    frames = list(NetSuiteContacts(make_hook()).extract(chunk_rows=2_000))
    assert all(len(frame) <= 2_000 for frame in frames)
    everything = pd.concat(frames, ignore_index=True)
    assert len(everything) == 7_500
    assert everything["id"].is_unique
    assert set(everything["id"]) == {c["id"] for c in contacts}
    assert str(everything["lastmodifieddate"].dtype) == "datetime64[ns, UTC]"
    assert set(everything["stage"].dropna()) == {"CUSTOMER", "PROSPECT", "LEAD"}
    assert everything["isinactive"].sum() == 750
    assert all("offset=0" in call.request.url for call in fake.calls)
    assert "1900-01-01 00:00:00" in queries[0]


def test_extract_contacts_incremental_filters_in_account_time(fake: responses.RequestsMock) -> None:
    contacts = fake_account(1_200)
    queries: list[str] = []
    fake.add_callback(responses.POST, SUITEQL, callback=suiteql_callback(contacts, queries))
    since = datetime(2026, 11, 15, 20, 0, tzinfo=UTC)  # 12:00 PST: only November and December rows
    everything = pd.concat(NetSuiteContacts(make_hook()).extract(modified_since=since), ignore_index=True)
    months = {c["lastmodifieddate"][:7] for c in contacts if c["id"] in set(everything["id"])}
    assert months == {"2026-11", "2026-12"}
    assert (everything["lastmodifieddate"] >= pd.Timestamp(since)).all()
    assert "TO_TIMESTAMP('2026-11-15 11:00:00'" in queries[0]  # 12:00 PST minus the DST margin


def test_incremental_keeps_rows_saved_in_the_same_second(fake: responses.RequestsMock) -> None:
    contacts = [{"id": "3", "isinactive": "F", "lastmodifieddate": "2026-01-15 04:00:00"}]
    fake.add_callback(responses.POST, SUITEQL, callback=suiteql_callback(contacts, []))
    since = datetime(2026, 1, 15, 12, 0, 0, 700_000, tzinfo=UTC)  # NetSuite shows 04:00:00 PST for 12:00:00.9
    frames = list(NetSuiteContacts(make_hook()).extract(modified_since=since))
    assert [frame["id"].tolist() for frame in frames] == [["3"]]


def test_extract_contacts_with_nothing_to_read(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, json={"items": [{"n": "0"}], "hasMore": False})
    assert list(NetSuiteContacts(make_hook()).extract(modified_since=datetime.now(UTC))) == []


def test_extract_contacts_fails_loudly_when_a_page_fails(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, json={"items": [{"n": "5000", "min_id": "1", "max_id": "5000"}], "hasMore": False})
    fake.post(SUITEQL, status=400, json=nserror(400, "INVALID_SEARCH", "Unknown column c.title"))
    with pytest.raises(NetSuiteError, match="INVALID_SEARCH"):
        list(NetSuiteContacts(make_hook()).extract())


def test_keyset_must_advance(fake: responses.RequestsMock) -> None:
    fake.post(SUITEQL, json={"items": [{"n": "2", "min_id": "1", "max_id": "2000"}], "hasMore": False})
    fake.post(SUITEQL, json={"items": [{"id": "0"}], "hasMore": True})
    with pytest.raises(KeysetError, match="ORDER BY"):
        list(NetSuiteContacts(make_hook()).extract())
