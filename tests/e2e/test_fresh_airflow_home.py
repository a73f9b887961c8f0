"""A new user's first run: a fresh AIRFLOW_HOME, the two API connections and nothing else, the real CLI.

No state connection, no Variable, no pool, no test fixture in the process that runs the DAG: what the
README's "Pointing it at real NetSuite and Act-On" promises must hold as written (state in
``$AIRFLOW_HOME/netsuite_acton_state.db``, staging under ``$AIRFLOW_HOME/staging``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sandbox.launcher import sandbox_connection
from tests.e2e.conftest import ROOT, SyncEnv

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def _fresh_env(home: Path) -> dict[str, str]:
    """Only what a shell on a new machine has, plus the two settings the README names."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }


def _cli(env: dict[str, str], *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AIRFLOW, *args], env=env, cwd=env["HOME"], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def fresh_home(sync_env: SyncEnv, tmp_path: Path) -> dict[str, str]:
    """A migrated, empty Airflow home with `netsuite_default` and `acton_default` added by the CLI."""
    env = _fresh_env(tmp_path)
    migrated = _cli(env, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    for conn_id, base in (("netsuite_default", sync_env.netsuite), ("acton_default", sync_env.acton)):
        added = _cli(env, "connections", "add", conn_id, "--conn-json", json.dumps(sandbox_connection(base)))
        assert added.returncode == 0, added.stderr[-2000:]
    return env


def test_every_dag_runs_from_the_cli_with_only_the_api_connections(
    fresh_home: dict[str, str], sync_env: SyncEnv
) -> None:
    forward = _cli(fresh_home, "dags", "test", "netsuite_contacts_to_acton")
    output = forward.stdout + forward.stderr
    assert forward.returncode == 0, output[-4000:]
    assert "isn't defined" not in output, "an optional connection was required"
    assert "state=success" in output.replace("state=DagRunState.SUCCESS", "state=success"), output[-3000:]

    state_db = Path(fresh_home["AIRFLOW_HOME"]) / "netsuite_acton_state.db"
    assert state_db.exists(), "the SQLite state default was not used"
    with sqlite3.connect(state_db) as db:
        marks = dict(db.execute("SELECT name, value FROM nas_watermarks"))
        loaded = db.execute("SELECT COUNT(*) FROM nas_loaded_rows").fetchone()[0]
    assert "netsuite_contacts" in marks
    in_acton = sum(len(sync_env.acton_records(name)) for name in sync_env.acton_lists())
    assert loaded == in_acton > 0
    assert any((Path(fresh_home["AIRFLOW_HOME"]) / "staging").rglob("report.json"))

    reverse = _cli(fresh_home, "dags", "test", "acton_scores_to_netsuite")
    assert reverse.returncode == 0, (reverse.stdout + reverse.stderr)[-4000:]
    with sqlite3.connect(state_db) as db:
        assert "acton_scores" in dict(db.execute("SELECT name, value FROM nas_watermarks"))

    optouts = _cli(fresh_home, "dags", "test", "netsuite_acton_optouts")
    assert optouts.returncode == 0, (optouts.stdout + optouts.stderr)[-4000:]
    with sqlite3.connect(state_db) as db:
        marks = dict(db.execute("SELECT name, value FROM nas_watermarks"))
        added = [
            row[0] for row in db.execute("SELECT email FROM nas_consent_changes WHERE direction = 'to_acton'")
        ]
    assert {"consent_netsuite", "consent_acton"} <= set(marks)
    on_acton = {
        row["email"].lower() for row in requests.get(f"{sync_env.acton}/_sandbox/optouts", timeout=30).json()
    }
    assert added, "the seed's NetSuite opt-outs did not reach Act-On"
    assert set(added) <= on_acton
    # the runbook's one command, in the same fresh environment
    why = subprocess.run(
        [sys.executable, "-m", "scripts.consent_history", added[0]],
        env=fresh_home,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert why.returncode == 0, why.stderr[-3000:]
    assert "Act-On opt-out list: added (because: opted out in NetSuite" in why.stdout


HOOK_SCRIPT = """
from netsuite_acton.hooks.acton import ActOnHook
hook = ActOnHook()
print("lists", len(hook.list_lists()))
"""


def test_acton_hook_in_two_plain_processes_shares_one_token(sync_env: SyncEnv, tmp_path: Path) -> None:
    """A script using the hook (no Airflow task) gets the SQLite default and logs in once for both runs."""
    env = {
        **_fresh_env(tmp_path),
        "AIRFLOW_CONN_ACTON_DEFAULT": json.dumps(sandbox_connection(sync_env.acton)),
    }
    Path(env["AIRFLOW_HOME"]).mkdir()
    before = requests.get(f"{sync_env.acton}/_sandbox/stats", timeout=30).json()
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", HOOK_SCRIPT], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
    after = requests.get(f"{sync_env.acton}/_sandbox/stats", timeout=30).json()
    assert (Path(env["AIRFLOW_HOME"]) / "netsuite_acton_state.db").exists()
    logins = after.get("password_logins", 0) - before.get("password_logins", 0)
    assert logins == 1, "the second process logged in again instead of using the shared token"
