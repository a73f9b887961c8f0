"""End-to-end fixtures: both sandboxes, a fresh state store and staging folder per test, DAG runs.

The sandboxes start once per module and are reset (data re-seeded) before each test, so every test
starts from the same NetSuite account and an empty Act-On account.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from netsuite_acton.state import StateStore
from sandbox.launcher import SandboxProcess
from scripts.run_dag import run_dag
from tests.support.sandboxes import connection_env, env

CONTACTS = 1500
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """The metadata DB migrated (idempotent; `make test` has usually done it already)."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True, cwd=ROOT
    )


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[tuple[SandboxProcess, SandboxProcess]]:
    with (
        SandboxProcess("sandbox.netsuite", ["--contacts", str(CONTACTS), "--seed", "7"]) as netsuite,
        SandboxProcess("sandbox.acton", ["--job-seconds", "0.2"]) as acton,
    ):
        yield netsuite, acton


@dataclass
class SyncEnv:
    """One test's world: sandbox URLs, its own state store and staging root, and a DAG runner."""

    netsuite: str
    acton: str
    state: StateStore
    staging_root: Path
    config_path: str | None = None

    def run(self, dag_id: str, **params: Any) -> tuple[str, dict[str, Any] | None]:
        extra = {"NETSUITE_ACTON_CONFIG": self.config_path} if self.config_path else {}
        with env(extra):
            return run_dag(dag_id, params)

    # -- sandbox helpers ---------------------------------------------------------------------------
    def acton_lists(self) -> dict[str, dict[str, Any]]:
        return {lst["name"]: lst for lst in requests.get(f"{self.acton}/_sandbox/lists", timeout=30).json()}

    def acton_records(self, list_name: str) -> list[dict[str, Any]]:
        list_id = self.acton_lists()[list_name]["id"]
        return requests.get(f"{self.acton}/_sandbox/lists/{list_id}/records", timeout=60).json()

    def all_acton_records(self) -> dict[str, list[dict[str, Any]]]:
        return {name: self.acton_records(name) for name in self.acton_lists()}

    def netsuite_contact(self, contact_id: str | int) -> dict[str, Any]:
        return requests.get(f"{self.netsuite}/_sandbox/contacts/{contact_id}", timeout=30).json()

    def netsuite_stats(self) -> dict[str, Any]:
        return requests.get(f"{self.netsuite}/_sandbox/stats", timeout=30).json()

    def post(self, base: str, path: str, body: Any) -> Any:
        response = requests.post(f"{base}/_sandbox/{path}", json=body, timeout=60)
        response.raise_for_status()
        return response.json()


@pytest.fixture
def sync_env(
    airflow_db: None, sandboxes: tuple[SandboxProcess, SandboxProcess], tmp_path: Path
) -> Iterator[SyncEnv]:
    netsuite, acton = sandboxes
    requests.post(
        f"{netsuite.base_url}/_sandbox/reset",
        json={"reseed": True, "contacts": CONTACTS, "seed": 7},
        timeout=120,
    ).raise_for_status()
    requests.post(f"{netsuite.base_url}/_sandbox/config", json={"mutator_per_second": 0}, timeout=30)
    requests.post(f"{acton.base_url}/_sandbox/reset", json={"data": True}, timeout=30).raise_for_status()
    connections = {
        **connection_env("netsuite_default", netsuite.base_url),
        **connection_env("acton_default", acton.base_url),
        "AIRFLOW_CONN_NETSUITE_ACTON_STATE": json.dumps(
            {"conn_type": "sqlite", "host": str(tmp_path / "state.db")}
        ),
        "AIRFLOW_VAR_NETSUITE_ACTON_STAGING_ROOT": f"file://{tmp_path / 'staging'}",
        "NETSUITE_ACTON_TASK_RETRIES": "0",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    }
    with env(connections):
        yield SyncEnv(
            netsuite=netsuite.base_url,
            acton=acton.base_url,
            state=StateStore(f"sqlite:///{tmp_path / 'state.db'}"),
            staging_root=tmp_path / "staging",
        )
    os.environ.pop("NETSUITE_ACTON_CONFIG", None)
