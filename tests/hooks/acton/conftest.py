"""The Act-On sandbox in its own process for the hook's tests, reset before each test that asks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from netsuite_acton.state import StateStore
from tests.support.sandboxes import connection_env, env, running


class Sandbox:
    """The running sandbox plus admin helpers."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.base_url}/_sandbox/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        return self.admin("GET", "stats")

    def records(self, list_id: str) -> list[dict[str, str]]:
        return self.admin("GET", f"lists/{list_id}/records")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running("sandbox.acton", "--job-seconds", "0.3") as process:
        box = Sandbox(process.base_url)
        with env(connection_env("acton_default", box.base_url)):
            yield box


@pytest.fixture
def fresh(sandbox: Sandbox) -> Sandbox:
    """Wipe lists, tokens, stats, recent logins and faults before a test."""
    sandbox.admin("POST", "reset", {"data": True})
    return sandbox


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(f"sqlite:///{tmp_path / 'state.db'}")
