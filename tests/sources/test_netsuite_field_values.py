"""NetSuite's side of reverse.fields: current values read in batches, typed PATCHes, one per record.

NetSuite is faked at the transport (``responses``), so the tests see the SuiteQL and the JSON on the wire.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import requests
import responses

from netsuite_acton.sources import netsuite_field_values as nfv
from tests.support.fake_netsuite import BASE, SUITEQL, make_hook, nserror

RECORD = f"{BASE}/services/rest/record/v1"
IN_LIST = re.compile(r"IN \(([^)]*)\)")


def _to_push(**overrides: list) -> pd.DataFrame:
    frame = {
        "record_type": ["contact", "contact", "contact", "customer"],
        "record_id": ["1", "1", "2", "9"],
        "field_id": ["custentity_rating", "custentity_source", "custentity_rating", "custentity_engaged"],
        "value": ["42", "Webinar", "7", "true"],
        "field_type": ["integer", "text", "integer", "checkbox"],
        "policy": ["always", "if_empty", "always", "always"],
    }
    return pd.DataFrame({**frame, **overrides})


def test_current_values_read_every_field_of_a_batch_in_one_query(
    fake: responses.RequestsMock, monkeypatch
) -> None:
    monkeypatch.setattr(nfv, "READ_BATCH", 2)
    queries: list[str] = []

    def answer(request: requests.PreparedRequest):
        query = json.loads(request.body)["q"]
        queries.append(" ".join(query.split()))
        ids = [i.strip() for i in IN_LIST.search(query).group(1).split(",")]
        items = [{"id": i, "custentity_a": "x" if i == "1" else None, "custentity_b": "F"} for i in ids]
        return 200, {}, json.dumps({"items": items, "hasMore": False, "count": len(items)})

    fake.add_callback(responses.POST, SUITEQL, callback=answer)
    got = nfv.current_values(
        make_hook(), "contact", ["1", "2", "3"], ["custentity_a", "custentity_b", "custentity_a"]
    )
    assert queries == [
        "SELECT id, custentity_a, custentity_b FROM contact WHERE id IN (1, 2) ORDER BY id",
        "SELECT id, custentity_a, custentity_b FROM contact WHERE id IN (3) ORDER BY id",
    ]
    assert got[("1", "custentity_a")] == "x"
    assert got[("2", "custentity_a")] is None
    assert got[("3", "custentity_b")] == "F"


def test_drop_filled_keeps_if_empty_values_only_where_netsuite_holds_nothing(
    fake: responses.RequestsMock,
) -> None:
    items = [{"id": "1", "custentity_source": "Trade show"}]
    fake.add(responses.POST, SUITEQL, json={"items": items, "hasMore": False, "count": 1})
    kept, filled = nfv.drop_filled(make_hook(), _to_push())
    assert filled == 1
    assert kept["field_id"].tolist() == ["custentity_rating", "custentity_rating", "custentity_engaged"]


def test_drop_filled_makes_no_call_without_if_empty_values(fake: responses.RequestsMock) -> None:
    to_push = _to_push(policy=["always"] * 4)
    kept, filled = nfv.drop_filled(make_hook(), to_push)
    assert (len(kept), filled, len(fake.calls)) == (4, 0, 0)


def test_an_unticked_checkbox_and_blanks_count_as_empty() -> None:
    assert nfv.is_empty(None)
    assert nfv.is_empty("  ")
    assert nfv.is_empty("F")
    assert not nfv.is_empty("T")
    assert not nfv.is_empty("0")


def test_one_typed_patch_per_record_and_a_refusal_reported_for_each_of_its_fields(
    fake: responses.RequestsMock,
) -> None:
    bodies: dict[str, dict] = {}

    def patch(request: requests.PreparedRequest):
        record = request.url.rsplit("/", 2)
        bodies[f"{record[-2]}/{record[-1]}"] = json.loads(request.body)
        if record[-1] == "1":
            return 400, {}, json.dumps(nserror(400, "USER_ERROR", "This record is locked by a workflow."))
        return 204, {}, ""

    fake.add_callback(responses.PATCH, re.compile(rf"{RECORD}/\w+/\d+"), callback=patch)
    results = nfv.push_field_values(make_hook(), _to_push())
    assert bodies == {
        "contact/1": {"custentity_rating": 42, "custentity_source": "Webinar"},
        "contact/2": {"custentity_rating": 7},
        "customer/9": {"custentity_engaged": True},
    }
    assert list(results.columns) == list(nfv.RESULT_COLUMNS)
    outcome = {
        (r.record_id, r.field_id): (bool(r.ok), None if pd.isna(r.error_code) else r.error_code)
        for r in results.itertuples()
    }
    assert outcome == {
        ("1", "custentity_rating"): (False, "USER_ERROR"),
        ("1", "custentity_source"): (False, "USER_ERROR"),
        ("2", "custentity_rating"): (True, None),
        ("9", "custentity_engaged"): (True, None),
    }
