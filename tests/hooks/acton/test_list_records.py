"""Record ids from one download and bulk deletes by 100, against the Act-On sandbox."""

from __future__ import annotations

import pandas as pd
import pytest

from netsuite_acton.hooks.acton import ActOnHook
from netsuite_acton.state import StateStore
from tests.hooks.acton.conftest import Sandbox

pytestmark = pytest.mark.integration

EMAIL = "E-mail Address"


def _list_with(hook: ActOnHook, count: int) -> str:
    list_id = hook.ensure_list("Removals", [EMAIL, "First Name"])
    frame = pd.DataFrame({EMAIL: [f"p{i}@example.com" for i in range(count)], "First Name": ["x"] * count})
    hook.merge_contacts(list_id, frame, email_heading=EMAIL)
    return list_id


def test_removing_250_of_1200_costs_two_downloads_and_three_deletes(
    fresh: Sandbox, store: StateStore
) -> None:
    hook = ActOnHook(state=store, poll_initial=0.2)
    list_id = _list_with(hook, 1200)
    before = fresh.stats()
    wanted = [f"P{i}@Example.com " for i in range(0, 1000, 4)]  # 250 addresses, in another case
    ids = hook.record_ids(list_id, EMAIL, wanted)
    assert len(ids) == 250
    result = hook.delete_list_records(list_id, [rid for found in ids.values() for rid in found])
    after = fresh.stats()
    assert (len(result.deleted), result.failed, result.calls) == (250, {}, 3)
    assert after["record_delete_calls"] - before.get("record_delete_calls", 0) == 3
    left = {r[EMAIL] for r in fresh.records(list_id)}
    assert len(left) == 950
    assert "p0@example.com" not in left
    assert "p1@example.com" in left


def test_refused_records_come_back_as_failures_not_errors(fresh: Sandbox, store: StateStore) -> None:
    hook = ActOnHook(state=store, poll_initial=0.2)
    list_id = _list_with(hook, 3)
    ids = hook.record_ids(list_id, EMAIL, ["p0@example.com"])
    (record_id,) = ids["p0@example.com"]
    result = hook.delete_list_records(list_id, [record_id, f"{list_id}:999999"])
    assert result.deleted == [record_id]
    assert list(result.failed) == [f"{list_id}:999999"]
    again = hook.delete_list_records(list_id, [record_id])  # already gone: a failure, and no exception
    assert again.deleted == []
    assert list(again.failed) == [record_id]
