"""The plugin as Airflow loads it: the entry point, the API server's app, the UI's nav entry."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from netsuite_acton.state import StateStore
from netsuite_acton.state.run_history import RunHistory
from netsuite_acton.ui import NAV_TITLE, URL_PREFIX
from netsuite_acton.ui.plugin import NetSuiteActOnPlugin
from tests.ui.conftest import FORWARD


def test_the_provider_package_registers_the_plugin_by_entry_point() -> None:
    (found,) = [ep for ep in entry_points(group="airflow.plugins") if ep.name == "netsuite_acton"]
    assert found.load() is NetSuiteActOnPlugin


def test_airflow_loads_the_app_and_the_nav_entry() -> None:
    from airflow import plugins_manager

    plugins, errors = plugins_manager._get_plugins()
    assert "netsuite_acton" in [p.name for p in plugins]
    # "already registered" only when a stale netsuite_acton_sync.egg-info sits on sys.path beside the
    # installed package (`make install` deletes the one setuptools leaves in the checkout)
    assert not [e for e, why in errors.items() if "netsuite" in e and "already registered" not in why]
    apps, _ = plugins_manager.get_fastapi_plugins()
    assert [a["url_prefix"] for a in apps if a["name"] == NAV_TITLE] == [URL_PREFIX]
    views, _ = plugins_manager._get_ui_plugins()
    nav = next(v for v in views if v["name"] == NAV_TITLE)
    assert (nav["destination"], nav["url_route"], nav["nav_top_level"]) == ("nav", "netsuite-acton", True)
    assert not nav["href"].startswith("/"), "relative to the UI's <base href>, so a base_url path works"


def test_loading_the_plugin_in_a_task_process_builds_no_app() -> None:
    """Every task loads the plugins (macros): the app, Jinja and the API server's auth stay unimported."""
    code = (
        "import sys; from netsuite_acton.ui.plugin import NetSuiteActOnPlugin as P; P();"
        "print(sorted(m for m in sys.modules if m.startswith('netsuite_acton.ui.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['netsuite_acton.ui.plugin']"


@pytest.fixture
def api_server(auth_manager: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """Airflow's own API server app (what ``airflow api-server`` serves), state in a temp SQLite file."""
    from airflow.api_fastapi.app import create_app

    monkeypatch.setenv(
        "AIRFLOW_CONN_NETSUITE_ACTON_STATE",
        json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "s.db")}),
    )
    return TestClient(create_app(), follow_redirects=False)


def test_the_api_server_mounts_the_page_behind_its_login(
    api_server: TestClient, tokens, tmp_path: Path
) -> None:
    store = StateStore(f"sqlite:///{tmp_path / 's.db'}")
    now = datetime.now(UTC).isoformat()
    RunHistory(store.engine).record(
        {"dag_id": FORWARD, "run_id": "r1", "finished_at": now, "extracted": 7, "problems": []}, "success"
    )
    assert api_server.get(f"{URL_PREFIX}/icon.svg").status_code == 200
    anonymous = api_server.get(f"{URL_PREFIX}/")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/auth/login")
    assert api_server.get(f"{URL_PREFIX}/api/overview").status_code == 401
    api_server.cookies.set("_token", tokens["viewer"])
    overview = api_server.get(f"{URL_PREFIX}/api/overview").json()
    assert overview["dags"][0]["runs"][0]["measures"]["extracted"] == 7  # the state connection was used
    plugins = api_server.get("/api/v2/plugins", headers={"Authorization": f"Bearer {tokens['admin']}"}).json()
    ours = next(p for p in plugins["plugins"] if p["name"] == "netsuite_acton")
    assert {v["url_route"] for v in ours["external_views"]} == {"netsuite-acton", "netsuite-acton-run"}
