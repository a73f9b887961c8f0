"""The page under test: a state store and staging root with a few runs, the app mounted as the API server
mounts it, and Airflow's own auth manager (simple, with an admin, a user and a viewer) issuing the tokens.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from netsuite_acton.operators import folders
from netsuite_acton.operators.staging import RunStaging
from netsuite_acton.state import StateStore
from netsuite_acton.state.run_history import RunHistory
from netsuite_acton.sync.report import RunReport

FORWARD = "netsuite_contacts_to_acton"
REVERSE = "acton_scores_to_netsuite"
OPTOUTS = "netsuite_acton_optouts"
#: Values no page, JSON answer or log line may ever show.
ACCESS_TOKEN = "tok-ACCESS-7f3a9c1e5b"
REFRESH_TOKEN = "tok-REFRESH-2d8e4f6a0c"
#: Addresses the test data holds (quarantined, rejected, removed, opted out): none may appear unmasked.
EMAILS = ("jane.doe@example.com", "bad@@example..com", "ops.lead@example.org", "optout.person@example.net")
ROLES = ("admin", "user", "viewer")


@dataclass
class World:
    """A state store and staging root holding runs, and how to add more."""

    store: StateStore
    root: str
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    @property
    def history(self) -> RunHistory:
        return RunHistory(self.store.engine)

    def record(
        self,
        dag_id: str,
        run_id: str,
        *,
        ended: datetime,
        state: str = "success",
        report: Mapping[str, Any] | None = None,
        steps: Mapping[str, Any] | None = None,
        files: Mapping[str, pd.DataFrame] | None = None,
        problems: list[str] | None = None,
        failure_rate_step: str | None = None,
        write_report: bool = True,
    ) -> dict[str, Any]:
        """A finished run as the report task leaves it: report.json, its row files and its history row."""
        direction = {FORWARD: "forward", REVERSE: "reverse", OPTOUTS: "consent"}[dag_id]
        staging = RunStaging(self.root, dag_id, run_id)
        merged = RunReport.from_dict({"direction": direction, **(report or {})})
        merged.started_at = (ended - timedelta(seconds=merged.duration_seconds or 60)).isoformat()
        merged.finished_at = ended.isoformat()
        full = {
            "dag_id": dag_id,
            "run_id": run_id,
            **merged.to_dict(),
            "steps": dict(steps or {}),
            "problems": problems or [],
        }
        for step, frame in (files or {}).items():
            staging.reset_step(step)
            staging.write_chunk(step, 0, frame)
        full["path"] = (
            staging.write_json("report.json", full) if write_report else str(staging.path / "report.json")
        )
        self.history.record(full, state, failure_rate_step)
        return full


def forward_report(extracted: int = 1500, quarantined: int = 12, loaded: int = 1400) -> dict[str, Any]:
    return {
        "extracted": extracted,
        "quarantined_rows": quarantined,
        "quarantined": {"email_missing": quarantined - 2, "email_invalid": 2},
        "duplicates": 5,
        "unchanged": 80,
        "to_load": {"Customers": loaded - 400, "Leads": 400},
        "loaded_appended": {"Customers": loaded - 400, "Leads": 397},
        "rejected": {"INVALID_EMAIL": 3},
        "calls": {"netsuite": 16, "acton": 9},
        "counters": {"removed:Leads:stage_changed": 7, "removed:Leads:deleted": 1, "phones_cleaned": 4},
        "duration_seconds": 42.5,
    }


def forward_files() -> dict[str, pd.DataFrame]:
    return {
        folders.QUARANTINE: pd.DataFrame(
            {
                "id": ["101", "102"],
                "email": [None, EMAILS[1]],
                "firstname": ["Zenobia", "Zebulon"],
                "phone": ["+1 555 0100", "+1 555 0101"],
                "reasons": ["email_missing", f"email_invalid: {EMAILS[1]}"],
            }
        ),
        folders.REJECTED: pd.DataFrame(
            {"E-mail Address": [EMAILS[0]], "reason": ["INVALID_EMAIL"], "list_name": ["Leads"]}
        ),
        folders.REMOVED: pd.DataFrame(
            {
                "email": [EMAILS[2]],
                "list_name": ["Leads"],
                "netsuite_id": ["7"],
                "reason": ["stage_changed"],
                "ok": [True],
                "error": [None],
            }
        ),
    }


@pytest.fixture
def world(tmp_path: Path) -> World:
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    with store.locked_token("acton:0123456789abcdef0123") as slot:
        slot.store(ACCESS_TOKEN, REFRESH_TOKEN, datetime.now(UTC) + timedelta(minutes=40))
    store.set_watermark(folders.WATERMARK, datetime(2026, 12, 1, 9, 30, tzinfo=UTC), run_id="seed")
    return World(store=store, root=f"file://{tmp_path / 'staging'}")


@pytest.fixture(scope="session")
def auth_manager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Airflow's simple auth manager, initialised as the API server does, with one user per role."""
    from airflow.api_fastapi.app import init_auth_manager

    mp = pytest.MonkeyPatch()
    passwords = tmp_path_factory.mktemp("auth") / "passwords.json"
    mp.setenv(
        "AIRFLOW__CORE__AUTH_MANAGER",
        "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
    )
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", ",".join(f"{r}1:{r}" for r in ROLES))
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(passwords))
    # a signing key of the length RFC 7518 asks for HS512 (Airflow's generated default is shorter)
    mp.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_urlsafe(64))
    yield init_auth_manager()
    mp.undo()


@pytest.fixture
def tokens(auth_manager: Any) -> dict[str, str]:
    """A valid JWT per role, as the auth manager issues them at login."""
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return {
        role: auth_manager.generate_jwt(SimpleAuthManagerUser(username=f"{role}1", role=role))
        for role in ROLES
    }


@pytest.fixture
def make_client(world: World, tokens: dict[str, str]) -> Any:
    """A TestClient of the app mounted at /netsuite-acton (as the API server does), logged in as ``role``."""
    from netsuite_acton.ui import URL_PREFIX
    from netsuite_acton.ui.app import create_app
    from netsuite_acton.ui.service import HistoryService

    def make(role: str | None = "admin") -> TestClient:
        root = FastAPI()
        root.mount(URL_PREFIX, create_app(HistoryService(store=lambda: world.store)))
        client = TestClient(root, follow_redirects=False)
        if role is not None:
            client.cookies.set("_token", tokens[role])
        return client

    return make


def report_json(world: World, dag_id: str, run_id: str) -> dict[str, Any]:
    return json.loads((RunStaging(world.root, dag_id, run_id).path / "report.json").read_text())
