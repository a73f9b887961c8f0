"""The Airflow plugin: the page's FastAPI app, mounted in the API server, and its entry in the UI's nav.

Registered by the provider package's ``airflow.plugins`` entry point (pyproject.toml), so every Airflow
component that has the package installed finds it, with no file in ``$AIRFLOW_HOME/plugins``.

Every task process loads the plugins too (the Task SDK integrates plugin macros), so this module stays
light: the FastAPI app (FastAPI, Jinja, the API server's auth) is built the first time ``fastapi_apps`` is
read, which only the API server does.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from airflow.plugins_manager import AirflowPlugin

from netsuite_acton.ui import NAV_TITLE, URL_PREFIX


@cache
def _fastapi_apps() -> list[dict[str, Any]]:
    from netsuite_acton.ui.app import create_app

    return [{"app": create_app(), "url_prefix": URL_PREFIX, "name": NAV_TITLE}]


class _BuiltOnFirstRead:
    """A class attribute whose value is built on first read (``fastapi_apps`` without import cost)."""

    def __init__(self, build: Any) -> None:
        self._build = build

    def __get__(self, instance: Any, owner: Any) -> Any:
        return self._build()


class NetSuiteActOnPlugin(AirflowPlugin):
    """History charts, run pages and the sync state, in the Airflow UI (Airflow 3.3 plugin interfaces)."""

    name = "netsuite_acton"
    fastapi_apps = _BuiltOnFirstRead(_fastapi_apps)  # type: ignore[assignment]
    # href is relative to the API server's base URL (the UI sets <base href>), so a base_url with a path
    # works as well as the root; url_route makes the UI show the page in its own frame, under its nav.
    external_views = [
        {
            "name": NAV_TITLE,
            "href": URL_PREFIX.lstrip("/") + "/",
            "icon": URL_PREFIX.lstrip("/") + "/icon.svg",
            "url_route": "netsuite-acton",
            "destination": "nav",
            "nav_top_level": True,
        },
        {
            # a tab on every DAG run: this project's runs show their sync report, others say they have none
            "name": "Sync report",
            "href": URL_PREFIX.lstrip("/") + "/dags/{DAG_ID}/runs/{RUN_ID}",
            "icon": URL_PREFIX.lstrip("/") + "/icon.svg",
            "url_route": "netsuite-acton-run",
            "destination": "dag_run",
        },
    ]
