"""What both DAG files share: where the sync config is, the staging root template, DAG defaults.

Functions, not constants, so that the environment is read when a DAG file is parsed (tests and
deployments point ``NETSUITE_ACTON_CONFIG`` at another file).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pendulum

#: The staging root comes from an Airflow Variable; empty means the local default.
STAGING_ROOT_TEMPLATE = "{{ var.value.get('netsuite_acton_staging_root', '') }}"


def config_path() -> str:
    """``$NETSUITE_ACTON_CONFIG``, else ``include/sync.yaml`` of this checkout."""
    default = Path(__file__).resolve().parents[2] / "include" / "sync.yaml"
    return os.environ.get("NETSUITE_ACTON_CONFIG", str(default))


def step_kwargs() -> dict[str, Any]:
    """Arguments every sync step operator takes."""
    return {"config_path": config_path(), "staging_root": STAGING_ROOT_TEMPLATE}


def dag_kwargs() -> dict[str, Any]:
    """DAG arguments both DAGs use: one run at a time, no catchup, retries with backoff, native params."""
    return {
        "start_date": pendulum.datetime(2026, 1, 1, tz="UTC"),
        "catchup": False,
        "max_active_runs": 1,
        "render_template_as_native_obj": True,
        "default_args": {
            "owner": "data-platform",
            "retries": int(os.environ.get("NETSUITE_ACTON_TASK_RETRIES", "2")),
            "retry_delay": pendulum.duration(minutes=2),
            "retry_exponential_backoff": True,
        },
    }
