"""The state store under test: SQLite always, PostgreSQL when reachable (required in CI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from netsuite_acton.state import StateStore


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[StateStore]:
    if request.param == "sqlite":
        yield StateStore(f"sqlite:///{tmp_path / 'state.db'}")
        return
    yield StateStore(request.getfixturevalue("fresh_postgres_url"))
