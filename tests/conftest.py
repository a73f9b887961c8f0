"""Suite-wide settings: a repo-local AIRFLOW_HOME, no examples, and guards for the external services."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".airflow"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(ROOT / "dags"))
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
Path(os.environ["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip when a service is down, with the reason and the start command; in CI, fail instead."""
    if _port_open(host, port):
        return
    message = f"{name} is not reachable on {host}:{port} (see README: 'Services for the full suite')"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI is set, so this test must run")
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> str:
    """A SQLAlchemy URL for the local PostgreSQL (trust auth), or a skip/fail as ``require_service`` says."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    return os.environ.get("NAS_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", "127.0.0.1", 6379)
    return "redis://127.0.0.1:6379/0"


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test (dropped afterwards), as a SQLAlchemy URL."""
    from netsuite_acton.state import store as store_module
    from tests.support.databases import postgres_databases

    name = f"nas_test_{uuid.uuid4().hex[:10]}"
    with postgres_databases(postgres_url, name):
        url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
        yield url
        engine = store_module._ENGINES.pop(url, None)  # close the store's pool before the drop
        if engine is not None:
            engine.dispose()
