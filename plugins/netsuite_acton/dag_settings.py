"""What both DAG files share: where the sync config is, the staging root template, DAG defaults.

Functions, not constants, so that the environment is read when a DAG file is parsed (tests and
deployments point ``NETSUITE_ACTON_CONFIG`` at another file).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import ExceptionRetryPolicy, RetryAction, RetryRule

from netsuite_acton.errors import PermanentSyncError

#: The staging root comes from an Airflow Variable; empty means the local default.
STAGING_ROOT_TEMPLATE = "{{ var.value.get('netsuite_acton_staging_root', '') }}"


def config_path() -> str:
    """``$NETSUITE_ACTON_CONFIG``, else ``include/sync.yaml`` of this checkout."""
    default = Path(__file__).resolve().parents[2] / "include" / "sync.yaml"
    return os.environ.get("NETSUITE_ACTON_CONFIG", str(default))


def step_kwargs() -> dict[str, Any]:
    """Arguments every sync step operator takes."""
    return {"config_path": config_path(), "staging_root": STAGING_ROOT_TEMPLATE}


def _minutes(name: str, default: int) -> pendulum.Duration:
    """A duration in whole minutes from the environment, with a message naming the variable if it is bad."""
    raw = os.environ.get(name, str(default))
    if not raw.strip().isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a whole number of minutes >= 1, got {raw!r}")
    return pendulum.duration(minutes=int(raw))


def retry_policy() -> ExceptionRetryPolicy:
    """Fail at once on a :class:`PermanentSyncError`; anything else keeps the task's retries.

    Transient failures (429, 5xx, timeouts) are already retried inside the hooks; the task-level retries
    cover what outlasts those (an API down for minutes, a worker lost). A permanent failure is retried by
    neither.
    """
    return ExceptionRetryPolicy(
        rules=[
            RetryRule(
                exception=PermanentSyncError,
                action=RetryAction.FAIL,
                reason="a permanent failure: a retry cannot fix it (see the message)",
            )
        ]
    )


def dag_kwargs() -> dict[str, Any]:
    """DAG arguments every DAG uses: one run at a time, no catchup, timeouts, retries, native params.

    ``NETSUITE_ACTON_TASK_TIMEOUT_MINUTES`` (default 120) bounds each task, and
    ``NETSUITE_ACTON_RUN_TIMEOUT_MINUTES`` (default 240) the whole run, so a hung API call cannot hold
    the only active run slot for ever; ``NETSUITE_ACTON_TASK_RETRIES`` (default 2) counts the retries.
    """
    return {
        "start_date": pendulum.datetime(2026, 1, 1, tz="UTC"),
        "catchup": False,
        "max_active_runs": 1,
        "render_template_as_native_obj": True,
        "dagrun_timeout": _minutes("NETSUITE_ACTON_RUN_TIMEOUT_MINUTES", 240),
        "default_args": {
            "owner": "data-platform",
            "retries": int(os.environ.get("NETSUITE_ACTON_TASK_RETRIES", "2")),
            "retry_delay": pendulum.duration(minutes=2),
            "retry_exponential_backoff": True,
            "retry_policy": retry_policy(),
            "execution_timeout": _minutes("NETSUITE_ACTON_TASK_TIMEOUT_MINUTES", 120),
        },
    }
