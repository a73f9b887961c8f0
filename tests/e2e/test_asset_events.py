"""Asset events start the reverse DAG (which writes to NetSuite): only real writes may emit them."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.e2e.conftest import SyncEnv

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

FORWARD, REVERSE = "netsuite_contacts_to_acton", "acton_scores_to_netsuite"


def events(run_id: str) -> list[str]:
    """List names (from the Asset URIs) of the Asset events a run emitted, from the metadata DB."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = (
            session.query(AssetModel.uri)
            .join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
            .filter(AssetEvent.source_run_id == run_id)
            .all()
        )
    return sorted(unquote(uri.rsplit("/", 1)[1]) for (uri,) in rows)


def test_events_only_for_lists_written(sync_env: SyncEnv) -> None:
    state, report = sync_env.run(FORWARD, dry_run=True)
    assert state == "success"
    assert sum(report["to_load"].values()) > 0, "the dry run had something it would have written"
    assert events(report["run_id"]) == [], "a dry run started a real reverse run"

    state, report = sync_env.run(FORWARD, lists=["NetSuite Leads"])
    assert state == "success"
    assert events(report["run_id"]) == ["NetSuite Leads"]

    state, report = sync_env.run(FORWARD)
    assert state == "success"
    written = sorted(name for name, rows in report["loaded_appended"].items() if rows)
    assert "NetSuite Leads" not in written, "Leads was loaded already, nothing changed there"
    assert events(report["run_id"]) == written

    state, report = sync_env.run(FORWARD)  # unchanged: nothing written, nothing announced
    assert state == "success"
    assert events(report["run_id"]) == []


def test_reverse_emits_no_event(sync_env: SyncEnv) -> None:
    assert sync_env.run(FORWARD)[0] == "success"
    state, report = sync_env.run(REVERSE)
    assert state == "success"
    assert events(report["run_id"]) == []
