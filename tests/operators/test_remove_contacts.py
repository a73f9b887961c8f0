"""remove: per list, one id lookup and bulk deletes; refused records are owed by commit and retried."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from netsuite_acton.hooks.acton import DeleteResult
from netsuite_acton.operators.folders import MANIFEST, REMOVALS, REMOVED
from netsuite_acton.operators.remove_contacts import ActOnRemoveOperator
from netsuite_acton.sync.removals import STAGE_CHANGE

LEADS = "NetSuite Leads"


class FakeActOnHook:
    """Act-On with a Leads list holding a@, b@ (and a hand-added z@); ``refuse`` ids fail to delete."""

    records = {"a@example.com": ["l-1:1"], "b@example.com": ["l-1:2"], "z@example.com": ["l-1:9"]}
    refuse: set[str] = set()
    deleted: list[list[str]] = []

    def __init__(self, **_: Any) -> None:
        self.calls_made = 0

    def find_list(self, name: str) -> dict[str, str] | None:
        return {"id": "l-1"} if name == LEADS else None

    def record_ids(self, list_id: str, heading: str, emails: Any) -> dict[str, list[str]]:
        self.calls_made += 1
        return {e: self.records[e] for e in emails if e in self.records}

    def delete_list_records(self, list_id: str, ids: list[str]) -> DeleteResult:
        self.calls_made += 1
        FakeActOnHook.deleted.append(list(ids))
        refused = {i: "Invalid contact id" for i in ids if i in self.refuse}
        return DeleteResult([i for i in ids if i not in refused], refused, 1)


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> type[FakeActOnHook]:
    import netsuite_acton.hooks.acton as module

    monkeypatch.setattr(module, "ActOnHook", FakeActOnHook)
    FakeActOnHook.refuse, FakeActOnHook.deleted = set(), []
    return FakeActOnHook


def _plan(staging: Any, emails: list[str]) -> None:
    staging.reset_step(REMOVALS)
    plan = pd.DataFrame(
        {
            "email": emails,
            "list_name": LEADS,
            "netsuite_id": [str(i) for i in range(len(emails))],
            "reason": STAGE_CHANGE,
        }
    )
    staging.write_chunk(REMOVALS, 0, plan)
    staging.write_json(MANIFEST, {"started_at": "2026-03-01T10:00:00+00:00", "modified_since": None})


def test_refused_and_absent_records(hook, store, make_context, staging_for, staging_root) -> None:
    hook.refuse = {"l-1:2"}
    context = make_context()
    staging = staging_for(context)
    store.record_members(
        [
            {"list_name": LEADS, "email": e, "netsuite_id": "0"}
            for e in ("a@example.com", "b@example.com", "c@example.com")
        ]
    )
    _plan(staging, ["a@example.com", "b@example.com", "c@example.com"])
    out = ActOnRemoveOperator(task_id="remove", staging_root=staging_root).execute(context)
    assert hook.deleted == [["l-1:1", "l-1:2"]], (
        "one bulk call; c@ is not in the list; z@ (by hand) never asked"
    )
    assert (out["removed"], out["failed"]) == (2, 1)
    assert out["report"]["counters"] == {f"removed:{LEADS}:stage_change": 2, f"removal_failed:{LEADS}": 1}
    done = next(staging.iter_chunks(REMOVED)).set_index("email")
    assert done.loc["b@example.com", "error"] == "Invalid contact id"

    from netsuite_acton.operators.commit_contacts import CommitContactsOperator

    CommitContactsOperator(task_id="commit", staging_root=staging_root)._commit_removals(
        staging, store, "run-1"
    )
    assert [m["email"] for m in store.members_by_email(["a@example.com", "c@example.com"])] == []
    (owed,) = store.pending_removals()
    assert (owed["email"], owed["pending_reason"]) == ("b@example.com", STAGE_CHANGE)


def test_a_dry_run_and_an_empty_plan_call_nothing(hook, make_context, staging_for, staging_root) -> None:
    context = make_context(params={"dry_run": True})
    _plan(staging_for(context), ["a@example.com"])
    out = ActOnRemoveOperator(task_id="remove", staging_root=staging_root).execute(context)
    assert (out["removed"], hook.deleted) == (0, [])
    context = make_context(run_id="manual__2")
    _plan(staging_for(context), [])
    assert ActOnRemoveOperator(task_id="remove", staging_root=staging_root).execute(context)["removed"] == 0
    assert hook.deleted == []
