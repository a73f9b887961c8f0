from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from netsuite_acton.operators.commit_contacts import CommitContactsOperator
from netsuite_acton.operators.diff_contacts import CHANGED
from netsuite_acton.operators.extract_contacts import MANIFEST, WATERMARK
from netsuite_acton.operators.load_contacts import REJECTED
from netsuite_acton.operators.transform_contacts import LINKS
from tests.operators.conftest import FORWARD_DAG
from tests.operators.data import act_on_rows
from tests.support.task_context import execute_rendered

ROUTED = ["NetSuite Customers", "NetSuite Prospects", "NetSuite Leads", "NetSuite Unaffiliated"]
STARTED = datetime(2026, 3, 1, 10, 0, 5, tzinfo=UTC)
OLD_MARK = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def seeded(store, make_context, staging_for, config):
    """A run whose load merged a, b (Leads) and c (Customers); Act-On rejected b."""

    def seed(loaded_lists: list[str] | None = ROUTED, **params: Any):
        xcoms = {"load": {"loaded_lists": loaded_lists}} if loaded_lists is not None else {}
        context = make_context(params=params, xcoms=xcoms)
        staging = staging_for(context)
        staging.write_json(MANIFEST, {"started_at": STARTED.isoformat(), "modified_since": None})
        for step in (CHANGED, LINKS, REJECTED):
            staging.reset_step(step)
        rows = act_on_rows(
            config.forward,
            [
                {"id": 1, "email": "a@example.com", "list": "NetSuite Leads"},
                {"id": 2, "email": "b@example.com", "list": "NetSuite Leads"},
                {"id": 3, "email": "c@example.com", "list": "NetSuite Customers"},
            ],
        )
        staging.write_chunk(CHANGED, 0, rows.assign(row_hash=["h1", "h2", "h3"]))
        links = pd.DataFrame(
            {
                "netsuite_id": ["1", "2", "3", "4"],
                "email": ["a@example.com", "b@example.com", "c@example.com", "a@example.com"],
                "company_id": ["10", None, "12", "10"],
                "company_stage": ["LEAD", None, "CUSTOMER", "LEAD"],
            }
        )
        staging.write_chunk(LINKS, 0, links)
        rejected = pd.DataFrame(
            {"email": [" B@Example.com"], "reason": ["bad"], "list_name": ["NetSuite Leads"]}
        )
        staging.write_chunk(REJECTED, 0, rejected)
        store.set_watermark(WATERMARK, OLD_MARK)
        return context

    return seed


def _op(staging_root: str) -> CommitContactsOperator:
    """The commit task as the DAG wires it: ``load_result=load.output``."""
    with DAG(FORWARD_DAG, schedule=None):
        load = EmptyOperator(task_id="load")
        return CommitContactsOperator(task_id="commit", staging_root=staging_root, load_result=load.output)


def test_full_run_commits_hashes_links_and_moves_the_watermark(seeded, store, staging_root) -> None:
    out = execute_rendered(_op(staging_root), seeded())
    assert store.get_watermark(WATERMARK) == STARTED
    assert out["watermark"] == STARTED.isoformat()
    assert out["committed"] is True
    hashes = store.loaded_hashes(["a@example.com", "b@example.com", "c@example.com"])
    assert hashes == {"a@example.com": "h1", "c@example.com": "h3"}, "rejected b must not be committed"
    assert out["report"]["counters"] == {
        "committed_hashes": 2,
        "committed_links": 4,
        "committed_removals": 0,
        "removals_owed": 0,
        "links_dropped": 0,
    }
    linked = {row["netsuite_id"] for row in store.links_for_emails(["a@example.com"])}
    assert linked == {"1", "4"}


def test_partial_lists_run_keeps_the_watermark(seeded, store, staging_root) -> None:
    out = execute_rendered(
        _op(staging_root), seeded(loaded_lists=["NetSuite Customers"], lists=["NetSuite Customers"])
    )
    assert store.get_watermark(WATERMARK) == OLD_MARK
    assert out["watermark"] is None
    assert out["committed"] is True
    hashes = store.loaded_hashes(["a@example.com", "c@example.com"])
    assert hashes == {"c@example.com": "h3"}, "only rows of the loaded lists are remembered"


def test_dry_run_commits_nothing(seeded, store, staging_root) -> None:
    context = seeded(dry_run=True)  # load's result names every list: a dry run must still ignore it
    out = execute_rendered(_op(staging_root), context)
    assert out == {"report": out["report"], "watermark": None, "committed": False}
    assert out["report"]["dry_run"] is True
    assert store.get_watermark(WATERMARK) == OLD_MARK
    assert store.loaded_hashes(["a@example.com", "c@example.com"]) == {}
    assert store.links_for_emails(["a@example.com"]) == []


def test_no_load_result_commits_no_hash_and_keeps_the_watermark(seeded, store, staging_root) -> None:
    out = execute_rendered(_op(staging_root), seeded(loaded_lists=None))
    assert store.get_watermark(WATERMARK) == OLD_MARK
    assert out["report"]["counters"]["committed_hashes"] == 0


def test_rerun_of_an_old_run_cannot_rewind_the_watermark(seeded, store, staging_root) -> None:
    context = seeded()
    later = STARTED + timedelta(hours=2)
    store.set_watermark(WATERMARK, later)
    execute_rendered(_op(staging_root), context)
    assert store.get_watermark(WATERMARK) == later
