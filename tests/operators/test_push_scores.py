from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from netsuite_acton.hooks.netsuite.records import RecordUpdateResult, jsonable
from netsuite_acton.operators.push_scores import (
    RESULTS,
    CommitScoresOperator,
    PushScoresOperator,
)
from netsuite_acton.operators.resolve_scores import TO_PUSH
from netsuite_acton.sync.scores import empty_updates
from tests.operators.conftest import REVERSE_DAG
from tests.support.task_context import execute_rendered


class FakeNetSuiteHook:
    """``update_records`` answers in input order; records in ``locked`` fail as NetSuite would.

    It records the bodies as the real hook would send them (through ``jsonable``), so the tests see the wire.
    """

    instances: list[FakeNetSuiteHook] = []
    locked: set[str] = set()

    def __init__(self, netsuite_conn_id: str = "netsuite_default", **_: Any) -> None:
        self.calls: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = []
        FakeNetSuiteHook.instances.append(self)

    @property
    def calls_made(self) -> int:
        return sum(len(updates) for _, updates in self.calls)

    def update_records(self, record_type: str, updates: Any) -> list[RecordUpdateResult]:
        updates = [(rid, {k: jsonable(v) for k, v in fields.items()}) for rid, fields in updates]
        self.calls.append((record_type, updates))
        return [
            RecordUpdateResult(record_type, rid, False, 400, "RCRD_LOCKED_BY_WF", "locked")
            if rid in FakeNetSuiteHook.locked
            else RecordUpdateResult(record_type, rid, True, 204)
            for rid, _ in updates
        ]


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> type[FakeNetSuiteHook]:
    import netsuite_acton.hooks.netsuite as module

    monkeypatch.setattr(module, "NetSuiteHook", FakeNetSuiteHook)
    FakeNetSuiteHook.instances, FakeNetSuiteHook.locked = [], set()
    return FakeNetSuiteHook


def _to_push() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_type": ["contact", "contact", "contact", "customer"],
            "record_id": ["1", "2", "3", "1"],
            "field_id": ["custentity_acton_score"] * 3 + ["custentity_acton_lead_score"],
            "value": [87.0, 12.5, 40.0, 90.0],
        }
    )


@pytest.fixture
def seeded(make_context, staging_for):
    def seed(frame: pd.DataFrame | None = None, **params: Any):
        context = make_context(params=params, dag_id=REVERSE_DAG)
        staging = staging_for(context)
        staging.reset_step(TO_PUSH)
        staging.write_chunk(TO_PUSH, 0, _to_push() if frame is None else frame)
        return context, staging

    return seed


def _push(staging_root: str) -> PushScoresOperator:
    return PushScoresOperator(task_id="push", staging_root=staging_root)


def _commit(staging_root: str) -> CommitScoresOperator:
    """The commit task as the DAG wires it: push's and extract_scores' results as XComArgs."""
    with DAG(REVERSE_DAG, schedule=None):
        push, extract = EmptyOperator(task_id="push"), EmptyOperator(task_id="extract_scores")
        return CommitScoresOperator(
            task_id="commit",
            staging_root=staging_root,
            push_result=push.output,
            extract_result=extract.output,
        )


def test_push_sends_whole_scores_as_ints_per_record_type_and_field(hook, seeded, staging_root) -> None:
    context, staging = seeded()
    out = _push(staging_root).execute(context)
    (fake,) = hook.instances
    assert [rt for rt, _ in fake.calls] == ["contact", "customer"]
    contact = dict(fake.calls[0][1])
    assert contact == {
        "1": {"custentity_acton_score": 87},
        "2": {"custentity_acton_score": 12.5},
        "3": {"custentity_acton_score": 40},
    }
    assert type(contact["1"]["custentity_acton_score"]) is int
    assert dict(fake.calls[1][1]) == {"1": {"custentity_acton_lead_score": 90}}
    assert out["attempted"] == 4
    assert out["failed"] == 0
    assert out["report"]["loaded_updated"] == {
        "contact.custentity_acton_score": 3,
        "customer.custentity_acton_lead_score": 1,
    }
    assert out["report"]["calls"] == {"netsuite": 4}
    assert len(pd.concat(staging.iter_chunks(RESULTS))) == 4


def test_per_record_failures_are_kept_not_raised(hook, seeded, staging_root) -> None:
    hook.locked = {"2"}
    context, staging = seeded()
    out = _push(staging_root).execute(context)
    assert out["attempted"] == 4
    assert out["failed"] == 1
    assert out["report"]["rejected"] == {"RCRD_LOCKED_BY_WF": 1}
    results = pd.concat(staging.iter_chunks(RESULTS))
    failed = results.loc[~results["ok"]]
    assert failed[["record_type", "record_id", "error_code", "value"]].values.tolist() == [
        ["contact", "2", "RCRD_LOCKED_BY_WF", 12.5]
    ]
    ok = results.loc[results["ok"]].set_index(["record_type", "record_id"])
    assert ok.loc[("customer", "1"), "value"] == 90.0
    assert ok.loc[("customer", "1"), "field_id"] == "custentity_acton_lead_score"


def test_nothing_to_push_makes_no_hook_call(hook, seeded, staging_root) -> None:
    context, staging = seeded(empty_updates())
    out = _push(staging_root).execute(context)
    assert hook.instances == [], "not even a hook (no connection lookup, no session)"
    assert out["attempted"] == out["failed"] == 0
    assert staging.chunk_paths(RESULTS) == []


def test_dry_run_writes_nothing(hook, seeded, staging_root) -> None:
    context, _ = seeded(dry_run=True)
    out = _push(staging_root).execute(context)
    assert hook.instances == []
    assert out["report"]["dry_run"] is True
    assert out["report"]["counters"] == {
        "would_write:contact.custentity_acton_score": 3,
        "would_write:customer.custentity_acton_lead_score": 1,
    }


def test_rerun_replaces_results(hook, seeded, staging_root) -> None:
    hook.locked = {"2"}
    context, staging = seeded()
    _push(staging_root).execute(context)
    hook.locked = set()
    _push(staging_root).execute(context)
    results = pd.concat(staging.iter_chunks(RESULTS))
    assert len(results) == 4
    assert results["ok"].all()


def _as_after_push(context: dict[str, Any], push_out: dict[str, Any]) -> None:
    """The XComs commit may read: push's result and extract_scores' (run start, lists read)."""
    context["ti"].xcoms.update(
        push=push_out,
        extract_scores={"started_at": "2026-03-01T10:00:00+00:00", "missing_lists": [], "rows_per_list": {}},
    )


def test_commit_remembers_only_accepted_values(hook, store, seeded, staging_root) -> None:
    hook.locked = {"2"}
    context, _ = seeded()
    _as_after_push(context, _push(staging_root).execute(context))
    out = execute_rendered(_commit(staging_root), context)
    assert out["committed"] == 3
    assert store.pushed("contact", "custentity_acton_score", ["1", "2", "3"]) == {"1": 87.0, "3": 40.0}
    assert store.pushed("customer", "custentity_acton_lead_score", ["1"]) == {"1": 90.0}


def test_commit_in_a_dry_run_commits_nothing(hook, store, seeded, staging_root) -> None:
    context, _ = seeded()
    _as_after_push(context, _push(staging_root).execute(context))  # results of an earlier real attempt
    context["params"]["dry_run"] = True
    out = execute_rendered(_commit(staging_root), context)
    assert out["committed"] == 0
    assert store.pushed("contact", "custentity_acton_score", ["1"]) == {}


def test_download_watermark_moves_only_after_a_clean_push(hook, store, seeded, staging_root) -> None:
    """A refused write keeps the watermark, so the next run downloads (and retries) the same records."""
    from netsuite_acton.operators.extract_scores import SCORES_WATERMARK

    hook.locked = {"2"}
    context, _ = seeded()
    _as_after_push(context, _push(staging_root).execute(context))
    assert execute_rendered(_commit(staging_root), context)["watermark"] is None
    assert store.get_watermark(SCORES_WATERMARK) is None

    hook.locked = set()
    _as_after_push(context, _push(staging_root).execute(context))
    assert execute_rendered(_commit(staging_root), context)["watermark"] == "2026-03-01T10:00:00+00:00"
    assert store.get_watermark(SCORES_WATERMARK).isoformat() == "2026-03-01T10:00:00+00:00"


def test_download_watermark_kept_for_a_partial_list_set(hook, store, seeded, staging_root) -> None:
    from netsuite_acton.operators.extract_scores import SCORES_WATERMARK

    context, _ = seeded()
    context["params"]["lists"] = ["NetSuite Leads"]
    _as_after_push(context, _push(staging_root).execute(context))
    assert execute_rendered(_commit(staging_root), context)["watermark"] is None
    assert store.get_watermark(SCORES_WATERMARK) is None
