"""Run history: one row per finished run (summary counts, never an address) and the UI's state reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from netsuite_acton.state import StateStore, schema
from netsuite_acton.state.run_history import MEASURES, RunHistory, summarize

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _report(run_id: str, ended: datetime, dag_id: str = "netsuite_contacts_to_acton", **extra: Any) -> dict:
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "direction": "forward",
        "started_at": (ended - timedelta(minutes=2)).isoformat(),
        "finished_at": ended.isoformat(),
        "extracted": 100,
        "quarantined_rows": 4,
        "to_load": {"Leads": 60, "Customers": 30},
        "loaded_appended": {"Leads": 50},
        "loaded_updated": {"Customers": 30},
        "rejected": {"INVALID": 2, "DUPLICATE": 1},
        "calls": {"netsuite": 5, "acton": 7},
        "counters": {"removed:Leads:stage_changed": 3, "removed:Leads:deleted": 2, "phones": 9},
        "duration_seconds": 120.0,
        "steps": {"push": {"attempted": 40, "failed": 2}},
        "problems": [],
        "path": f"file:///staging/{run_id}/report.json",
        **extra,
    }


def test_summarize_totals_every_measure() -> None:
    counts = summarize(_report("r1", T0), failure_rate_step="push")
    assert {k: counts[k] for k in MEASURES} == {
        "extracted": 100,
        "quarantined": 4,
        "loaded": 80,
        "removed": 5,
        "rejected": 3,
        "api_calls": 12,
        "duration_seconds": 120.0,
    }
    assert counts["calls"] == {"netsuite": 5, "acton": 7}
    assert (counts["attempted"], counts["failed"]) == (40, 2)
    assert counts["to_load"] == 90
    assert summarize({})["extracted"] == 0


def test_record_upserts_one_row_per_run(store: StateStore) -> None:
    history = RunHistory(store.engine)
    history.record(_report("r1", T0), "failed")
    history.record(_report("r1", T0, extracted=250), "success")  # the report task rerun
    assert history.count("netsuite_contacts_to_acton") == 1
    row = history.run("netsuite_contacts_to_acton", "r1")
    assert row is not None
    assert (row.state, row.counts["extracted"], row.ended_at) == ("success", 250, T0)
    assert row.started_at == T0 - timedelta(minutes=2)
    assert row.report_path == "file:///staging/r1/report.json"
    assert history.run("netsuite_contacts_to_acton", "nope") is None


def test_runs_are_newest_first_and_page(store: StateStore) -> None:
    history = RunHistory(store.engine)
    for i in range(7):
        history.record(_report(f"r{i}", T0 + timedelta(hours=i)), "success")
    history.record(_report("other", T0, dag_id="acton_scores_to_netsuite"), "success")
    ids = [r.run_id for r in history.runs("netsuite_contacts_to_acton", limit=3)]
    assert ids == ["r6", "r5", "r4"]
    assert [r.run_id for r in history.runs("netsuite_contacts_to_acton", limit=3, offset=5)] == ["r1", "r0"]
    assert history.count("netsuite_contacts_to_acton") == 7


def test_last_clean_skips_failed_runs_and_dry_runs(store: StateStore) -> None:
    history = RunHistory(store.engine)
    history.record(_report("clean", T0), "success")
    history.record(_report("dry", T0 + timedelta(hours=1), dry_run=True), "success")
    history.record(_report("failed", T0 + timedelta(hours=2)), "failed")
    found = history.last_clean("netsuite_contacts_to_acton")
    assert found is not None
    assert found.run_id == "clean"
    assert history.last_clean("acton_scores_to_netsuite") is None


def test_calls_since_adds_up_the_runs_that_ended_since(store: StateStore) -> None:
    history = RunHistory(store.engine)
    history.record(_report("yesterday", T0 - timedelta(days=1)), "success")
    history.record(_report("a", T0 + timedelta(hours=1)), "success")
    history.record(_report("b", T0 + timedelta(hours=2), dag_id="netsuite_acton_optouts"), "failed")
    assert history.calls_since(T0, "acton") == (14, 2)
    assert history.calls_since(T0, "netsuite") == (10, 2)


def test_token_ages_never_read_the_token(store: StateStore) -> None:
    with store.locked_token("acton:abc") as slot:
        slot.store("the-access-token", "the-refresh-token", T0 + timedelta(hours=1))
    ages = RunHistory(store.engine).token_ages()
    assert [set(t) for t in ages] == [{"name", "updated_at", "expires_at"}]
    assert "token" not in json.dumps(ages, default=str).replace('"name"', "").replace("acton:abc", "")
    assert ages[0]["expires_at"] == T0 + timedelta(hours=1)


def test_watermarks(store: StateStore) -> None:
    store.set_watermark("netsuite_contacts", T0, run_id="r1")
    (mark,) = RunHistory(store.engine).watermarks()
    assert (mark["name"], mark["value"], mark["run_id"]) == ("netsuite_contacts", T0, "r1")


def test_removals_owed_and_consent_changes_of_a_run(store: StateStore) -> None:
    store.record_members(
        [{"list_name": "Leads", "email": f"p{i}@example.com", "netsuite_id": str(i)} for i in range(3)], "r0"
    )
    owed = {"list_name": "Leads", "email": "p1@example.com", "reason": "deleted", "last_error": "timeout"}
    store.owe_removals([owed], "r1")
    store.record_consent_changes(
        [
            {
                "direction": "to_acton",
                "email": "p2@example.com",
                "target": "Act-On opt-out list",
                "change": "added",
                "source": "netsuite",
            }
        ],
        "r1",
    )
    history = RunHistory(store.engine)
    rows, total = history.pending_removals("r1")
    assert total == 1
    assert rows[0]["pending_reason"] == "deleted"
    assert rows[0]["attempts"] == 1
    assert history.pending_removals("r0") == ([], 0)
    changes, total = history.consent_changes("r1")
    assert total == 1
    assert changes[0]["target"] == "Act-On opt-out list"


def test_a_hand_edited_row_does_not_break_the_reads(store: StateStore) -> None:
    history = RunHistory(store.engine)
    history.record(_report("r1", T0), "success")
    with store.engine.begin() as conn:
        conn.execute(sa.update(schema.run_history).values(counts="{not json"))
    (row,) = history.runs("netsuite_contacts_to_acton")
    assert row.counts == {}
    assert history.calls_since(T0 - timedelta(days=1), "acton") == (0, 0)


def test_points_read_the_measures_without_the_json(store: StateStore) -> None:
    history = RunHistory(store.engine)
    history.record(_report("r1", T0, dry_run=True), "success", failure_rate_step="push")
    history.record(_report("r2", T0 + timedelta(hours=1)), "failed", failure_rate_step="push")
    newest, oldest = history.points("netsuite_contacts_to_acton", limit=10)
    assert (newest.run_id, newest.state, newest.counts["dry_run"]) == ("r2", "failed", False)
    assert oldest.counts == {
        "dry_run": True,
        "extracted": 100,
        "quarantined": 4,
        "loaded": 80,
        "removed": 5,
        "rejected": 3,
        "api_calls": 12,
        "duration_seconds": 120.0,
        "attempted": 40,
    }
    assert oldest.counts.items() <= {**history.run("netsuite_contacts_to_acton", "r1").counts}.items()
