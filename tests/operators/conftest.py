"""Operator fixtures: a temp SQLite state store, a temp staging root and a minimal task context.

No Airflow database, no connection, no network: ``StateStore.from_airflow`` is patched to return the
temp store, and each test swaps the hook class the operator imports for a small fake.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from netsuite_acton.operators.staging import RunStaging
from netsuite_acton.state import StateStore
from netsuite_acton.sync.config import SyncConfig, load_config
from tests.support.task_context import FakeOutletEvents, FakeTI

ROOT = Path(__file__).resolve().parents[2]
SYNC_YAML = ROOT / "include" / "sync.yaml"
RUN_ID = "manual__2026-03-01T10:00:00+00:00"
FORWARD_DAG, REVERSE_DAG = "netsuite_contacts_to_acton", "acton_scores_to_netsuite"


@pytest.fixture(scope="session")
def config() -> SyncConfig:
    return load_config(SYNC_YAML)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StateStore:
    state = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setattr(StateStore, "from_airflow", classmethod(lambda cls, conn_id="x": state))
    return state


@pytest.fixture
def staging_root(tmp_path: Path) -> str:
    return f"file://{tmp_path / 'staging'}"


@pytest.fixture
def make_context() -> Callable[..., dict[str, Any]]:
    def make(
        params: dict[str, Any] | None = None,
        xcoms: dict[str, Any] | None = None,
        dag_id: str = FORWARD_DAG,
        run_id: str = RUN_ID,
        start_date: datetime | None = None,
    ) -> dict[str, Any]:
        return {
            "dag": SimpleNamespace(dag_id=dag_id),
            "run_id": run_id,
            "params": dict(params or {}),
            "ti": FakeTI(xcoms),
            "outlet_events": FakeOutletEvents(),
            "dag_run": SimpleNamespace(start_date=start_date or datetime(2026, 3, 1, 10, 0, tzinfo=UTC)),
        }

    return make


@pytest.fixture
def staging_for(staging_root: str) -> Callable[[dict[str, Any]], RunStaging]:
    """The RunStaging an operator sees for a context (to seed inputs and read outputs)."""

    def make(context: dict[str, Any]) -> RunStaging:
        return RunStaging(staging_root, context["dag"].dag_id, context["run_id"])

    return make
