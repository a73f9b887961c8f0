"""Failures a retry cannot fix fail the task at once, with the reason; transient ones keep their retries.

Each test runs a DAG with the production retry count (2) and checks, in Airflow's metadata DB, that the
failing task ran exactly once and that its log carries the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.e2e.conftest import ROOT, SyncEnv
from tests.support.sandboxes import env

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

FORWARD, REVERSE = "netsuite_contacts_to_acton", "acton_scores_to_netsuite"


def tries(run_id: str) -> dict[str, tuple[str | None, int]]:
    """task id -> (state, try number) of one run, from Airflow's metadata DB."""
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(TaskInstance).filter(TaskInstance.run_id == run_id).all()
        return {ti.task_id: (str(ti.state) if ti.state else None, ti.try_number) for ti in rows}


def run_with_retries(sync: SyncEnv, dag_id: str, **params: Any) -> tuple[str, dict[str, Any]]:
    """Run with the DAGs' default retries (the e2e fixture turns them off for speed)."""
    with env({"NETSUITE_ACTON_TASK_RETRIES": "2"}):
        state, report = sync.run(dag_id, **params)
    assert report is not None, "the report task did not run"
    return state, report


def assert_failed_once(run_id: str, task_id: str) -> None:
    states = tries(run_id)
    assert states[task_id] == ("failed", 1), states


def test_reject_rate_above_threshold_fails_validate_once(
    sync_env: SyncEnv, capfd: pytest.CaptureFixture[str]
) -> None:
    state, report = run_with_retries(sync_env, FORWARD, reject_rate_threshold=0.0)
    assert state == "failed"
    assert_failed_once(report["run_id"], "validate")
    assert "validation reject rate" in "".join(capfd.readouterr())


def _config_with(tmp_path: Path, section: str, **changes: Any) -> str:
    """A copy of include/sync.yaml with ``changes`` in ``section`` (suite paths made absolute)."""
    config = yaml.safe_load((ROOT / "include" / "sync.yaml").read_text())
    config[section].update(changes)
    config["expectations"] = {
        name: str(ROOT / "include" / "expectations" / f"{name}.json") for name in ("contacts", "scores")
    }
    path = tmp_path / "sync.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def test_missing_custom_field_fails_preflight_once(
    sync_env: SyncEnv, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    sync_env.config_path = _config_with(tmp_path, "reverse", contact_field="custentity_not_created_yet")
    state, report = run_with_retries(sync_env, REVERSE)
    assert state == "failed"
    assert_failed_once(report["run_id"], "preflight")
    assert "custentity_not_created_yet" in "".join(capfd.readouterr())


def test_list_headings_that_do_not_match_fail_load_once(
    sync_env: SyncEnv, capfd: pytest.CaptureFixture[str]
) -> None:
    # a marketer made "NetSuite Leads" by hand, without the sync's columns
    sync_env.post(
        sync_env.acton, "lists", {"name": "NetSuite Leads", "headings": ["E-mail Address", "First Name"]}
    )
    state, report = run_with_retries(sync_env, FORWARD)
    assert state == "failed"
    assert_failed_once(report["run_id"], "load")
    logs = "".join(capfd.readouterr())
    assert "HEADINGS_MISMATCH" in logs
    assert "lacks the heading(s)" in logs


def test_spent_daily_quota_fails_at_once_saying_when_it_resets(
    sync_env: SyncEnv, capfd: pytest.CaptureFixture[str]
) -> None:
    used = requests.get(f"{sync_env.acton}/_sandbox/stats", timeout=30).json()["quota_used"]
    sync_env.post(sync_env.acton, "config", {"daily_quota": used + 1})
    try:
        state, report = run_with_retries(sync_env, FORWARD)
    finally:
        sync_env.post(sync_env.acton, "config", {"daily_quota": 30_000})
    assert state == "failed"
    assert_failed_once(report["run_id"], "load")
    logs = "".join(capfd.readouterr())
    assert "DAILY_QUOTA" in logs
    assert "the quota resets at" in logs
    assert "UTC" in logs


def test_too_many_refused_writes_fail_the_report_once(sync_env: SyncEnv) -> None:
    state, _ = sync_env.run(FORWARD)
    assert state == "success"
    records = [r for recs in sync_env.all_acton_records().values() for r in recs][:50]
    sync_env.post(sync_env.acton, "scores", {"scores": {r["E-mail Address"]: 42 for r in records}})
    with sync_env.state.engine.connect() as conn:
        links = [i for (i,) in conn.exec_driver_sql("SELECT netsuite_id FROM nas_contact_links")]
    ids = [int(i) for i in links if not i.startswith("customer:")]  # contacts; individuals are customers
    sync_env.post(sync_env.netsuite, "locks", {"record_type": "contact", "ids": ids, "locked": True})

    state, report = run_with_retries(sync_env, REVERSE, failure_rate_threshold=0.0)
    assert state == "failed"
    assert report["steps"]["push"]["failed"] > 0
    assert any("NetSuite writes failed" in problem for problem in report["problems"])
    assert_failed_once(report["run_id"], "report")


def test_an_invalid_sync_yaml_names_the_key_and_is_not_retried() -> None:
    """The DAG files read the YAML at parse time (an import error in the UI, no run); a task that reads it
    later raises the same ConfigError, which the retry policy fails at once."""
    from airflow.sdk import RetryAction

    from netsuite_acton.dag_settings import retry_policy
    from netsuite_acton.sync.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=r"forward\.routing\.by_stage\.LEED") as info:
        parse_config({"version": 1, "forward": {"routing": {"by_stage": {"LEED": "x"}}}})
    assert retry_policy().evaluate(info.value, 1, 3).action is RetryAction.FAIL
