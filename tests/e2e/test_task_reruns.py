"""Clearing and rerunning any task converges to what one clean run leaves (Act-On and state store).

Airflow reruns a cleared task by calling ``execute`` again with the same run id; these tests do exactly
that, operator by operator, against both sandboxes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from netsuite_acton.state import StateStore
from scripts.run_dag import load_dag
from tests.e2e.conftest import CONTACTS, SyncEnv
from tests.support.sandboxes import env
from tests.support.task_context import FakeOutletEvents, FakeTI, execute_rendered

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def forward_tasks() -> list[str]:
    """Every task of the forward DAG in run order (the report task knows it from the DAG)."""
    return [*load_dag("netsuite_contacts_to_acton").get_task("report").step_ids, "report"]


def run_operators(sync: SyncEnv, run_id: str, twice: set[str], **params: Any) -> dict[str, Any]:
    """Execute the forward DAG's operators in order; those in ``twice`` run a second time at once."""
    dag = load_dag("netsuite_contacts_to_acton")
    xcoms: dict[str, Any] = {}
    values = {name: dag.params[name] for name in dag.params} | params
    context = {
        "dag": SimpleNamespace(dag_id=dag.dag_id),
        "run_id": run_id,
        "params": values,
        "ti": FakeTI(xcoms),
        "outlet_events": FakeOutletEvents(),
        "dag_run": SimpleNamespace(start_date=datetime.now(UTC)),
    }
    for task_id in forward_tasks():
        operator = dag.get_task(task_id)
        operator.staging_root = f"file://{sync.staging_root}"
        for _ in range(2 if task_id in twice else 1):
            xcoms[task_id] = execute_rendered(operator, context)
    return xcoms


def snapshot(sync: SyncEnv, state: StateStore) -> dict[str, Any]:
    acton = {
        (name, tuple(sorted((k, v) for k, v in rec.items() if k != "_contact_id_")))
        for name, records in sync.all_acton_records().items()
        for rec in records
    }
    with state.engine.connect() as conn:
        loaded = set(
            conn.exec_driver_sql("SELECT email, list_name, row_hash, netsuite_id FROM nas_loaded_rows")
        )
        links = set(
            conn.exec_driver_sql(
                "SELECT netsuite_id, email, company_id, company_stage FROM nas_contact_links"
            )
        )
        marks = {name for (name,) in conn.exec_driver_sql("SELECT name FROM nas_watermarks")}
        members = set(
            conn.exec_driver_sql("SELECT list_name, email, netsuite_id, pending_reason FROM nas_list_members")
        )
    return {"acton": acton, "loaded": loaded, "links": links, "watermarks": marks, "members": members}


def fresh_world(sync: SyncEnv, tmp: Path, name: str) -> tuple[StateStore, dict[str, str]]:
    """Both sandboxes back to the seed, a new state store and staging root."""
    requests.post(
        f"{sync.netsuite}/_sandbox/reset", json={"reseed": True, "contacts": CONTACTS, "seed": 7}, timeout=120
    ).raise_for_status()
    requests.post(f"{sync.acton}/_sandbox/reset", json={"data": True}, timeout=30).raise_for_status()
    path = tmp / f"{name}.db"
    sync.staging_root = tmp / f"staging-{name}"
    return StateStore(f"sqlite:///{path}"), {
        "AIRFLOW_CONN_NETSUITE_ACTON_STATE": json.dumps({"conn_type": "sqlite", "host": str(path)})
    }


def test_rerunning_every_task_and_the_whole_run_converges(sync_env: SyncEnv, tmp_path: Path) -> None:
    clean_state, variables = fresh_world(sync_env, tmp_path, "clean")
    with env(variables):
        run_operators(sync_env, "manual__clean", twice=set())
    clean = snapshot(sync_env, clean_state)
    assert clean["acton"]
    assert clean["loaded"]
    assert clean["watermarks"] == {"netsuite_contacts"}

    doubled_state, variables = fresh_world(sync_env, tmp_path, "doubled")
    with env(variables):
        xcoms = run_operators(sync_env, "manual__doubled", twice=set(forward_tasks()))
        assert snapshot(sync_env, doubled_state) == clean
        # the second load found every row already there: it updated, it appended nothing
        assert sum(xcoms["load"]["report"]["loaded_appended"].values()) == 0
        # and the whole run once more, same run id (e.g. "clear" on the DAG run)
        run_operators(sync_env, "manual__doubled", twice=set())
    assert snapshot(sync_env, doubled_state) == clean


def test_rerun_after_a_failed_load_converges(sync_env: SyncEnv, tmp_path: Path) -> None:
    clean_state, variables = fresh_world(sync_env, tmp_path, "clean")
    with env(variables):
        run_operators(sync_env, "manual__clean", twice=set())
    clean = snapshot(sync_env, clean_state)

    state, variables = fresh_world(sync_env, tmp_path, "failing")
    sync_env.post(sync_env.acton, "config", {"fail_next_jobs": 1})
    with env(variables), pytest.raises(Exception, match=r"(?i)job|fail"):
        run_operators(sync_env, "manual__failing", twice=set())
    assert state.get_watermark("netsuite_contacts") is None
    with env(variables):
        run_operators(sync_env, "manual__failing", twice=set())  # the retry of the cleared run
    assert snapshot(sync_env, state) == clean
