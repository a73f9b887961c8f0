"""Fixtures' helpers: start sandboxes on free ports and build Airflow connections for them."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.launcher import SandboxProcess, sandbox_connection


@contextmanager
def running(module: str, *args: str) -> Iterator[SandboxProcess]:
    with SandboxProcess(module, list(args)) as sandbox:
        yield sandbox


def connection_env(conn_id: str, base_url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_<ID>`` for the ready-made connection the sandbox serves at ``/_sandbox/connection``."""
    conn = sandbox_connection(base_url)
    return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn)}


@contextmanager
def env(values: dict[str, str]) -> Iterator[None]:
    old = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
