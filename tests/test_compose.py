"""Static checks of the production stack files (docker-compose.yaml, Dockerfile) against this Airflow.

No Docker engine is needed: these catch the mistakes that would only show once the containers start
(a misspelt or deprecated ``AIRFLOW__SECTION__KEY``, a removed CLI command, an image that does not match
the pinned Airflow, a pools file that is not where airflow-init looks). The live proof that the settings
work is tests/e2e/test_celery_stack.py.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.airflow_stack import (
    ROOT,
    compose_airflow_env,
    env_option,
    interpolate,
    load_compose,
    localize,
)

COMPOSE = load_compose()
COMMON = COMPOSE["x-airflow-common"]
AIRFLOW_SERVICES = sorted(name for name in COMPOSE["services"] if name.startswith("airflow-"))


def service(name: str) -> dict[str, Any]:
    return COMPOSE["services"][name]


def container_to_repo(path: str, svc: dict[str, Any]) -> Path:
    """The repository file a container path comes from, through the service's bind mounts."""
    for volume in svc.get("volumes", []):
        source, _, target = str(volume).partition(":")
        target = target.split(":")[0]
        if source.startswith("./") and (path == target or path.startswith(target + "/")):
            return ROOT / source[2:] / path[len(target) :].lstrip("/")
    raise AssertionError(f"{path} is not under any bind mount of the service")


def airflow_commands() -> dict[str, list[list[str]]]:
    """Every ``airflow ...`` command line each Airflow service runs (image entrypoint or a shell script)."""
    commands: dict[str, list[list[str]]] = {}
    for name in AIRFLOW_SERVICES:
        svc = service(name)
        command = svc.get("command")
        if svc.get("entrypoint") == "/bin/bash":
            script = command[-1] if isinstance(command, list) else str(command)
            lines = [shlex.split(line) for line in script.splitlines() if line.strip().startswith("airflow ")]
            commands[name] = [line[1:] for line in lines]
        elif command:
            commands[name] = [command if isinstance(command, list) else shlex.split(command)]
    return commands


def test_compose_parses_with_the_expected_services() -> None:
    assert {"postgres", "redis", "airflow-init"} <= set(COMPOSE["services"])
    assert {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker"} <= set(
        AIRFLOW_SERVICES
    )


@pytest.mark.parametrize("name", AIRFLOW_SERVICES)
def test_airflow_service_uses_the_common_image_and_env(name: str) -> None:
    """Every component must run the same image with the same settings, or they disagree at run time."""
    svc = service(name)
    assert svc["image"] == COMMON["image"]
    assert svc["build"] == COMMON["build"]
    env = {str(k): str(v) for k, v in svc["environment"].items()}
    common = {str(k): str(v) for k, v in COMMON["environment"].items()}
    assert {key: env.get(key) for key in common} == common, "overrides a common setting"


def test_common_env_is_the_celery_postgres_redis_stack() -> None:
    env = compose_airflow_env()
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["AIRFLOW__API_AUTH__JWT_SECRET"], "every component must share one JWT secret"
    assert env["AIRFLOW_CONN_NETSUITE_ACTON_STATE"].startswith("postgres://")


def compose_option_names() -> list[str]:
    names = set(COMMON["environment"])
    for name in AIRFLOW_SERVICES:
        names |= set(service(name).get("environment", {}))
    return sorted(name for name in names if env_option(name))


@pytest.mark.parametrize("name", compose_option_names())
def test_compose_env_names_are_airflow_options(name: str) -> None:
    """``AIRFLOW__SECTION__KEY`` must name a current option: Airflow ignores unknown ones silently."""
    from airflow.configuration import conf

    option = env_option(name)
    assert option is not None
    section, key = option
    described = conf.configuration_description.get(section, {}).get("options", {})
    # has_option is False for options without a default (e.g. execution_api_server_url): the description
    # (Airflow's config.yml plus every installed provider's) knows those.
    assert conf.has_option(section, key) or key in described, f"[{section}] {key} is not an Airflow option"
    replaced_by = [
        new for new, (old_s, old_k, _v) in conf.deprecated_options.items() if (old_s, old_k) == option
    ]
    assert not replaced_by, f"[{section}] {key} is deprecated: use {replaced_by[0]}"


def test_services_run_airflow_cli_commands_that_exist() -> None:
    """The compose commands parse with this Airflow's CLI (with the compose executor: ``celery worker``)."""
    commands = airflow_commands()
    assert commands["airflow-worker"] == [["celery", "worker"]]
    env = compose_airflow_env()
    script = (
        "import json, sys\n"
        "from airflow.cli.cli_parser import get_parser\n"
        "parser = get_parser()\n"
        "for args in json.loads(sys.argv[1]):\n"
        "    parser.parse_args(args)\n"
    )
    every = [args for lines in commands.values() for args in lines]
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(every)],
        env={**_clean_env(), "AIRFLOW__CORE__EXECUTOR": env["AIRFLOW__CORE__EXECUTOR"]},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def _clean_env() -> dict[str, str]:
    """This process's environment without Airflow settings: the compose executor alone decides the CLI."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}


def test_airflow_init_migrates_and_imports_the_project_pools() -> None:
    init = airflow_commands()["airflow-init"]
    assert ["db", "migrate"] in init
    pools_import = [args for args in init if args[:2] == ["pools", "import"]]
    assert pools_import, "airflow-init does not import the pools"
    pools_file = container_to_repo(pools_import[0][2], service("airflow-init"))
    assert pools_file == ROOT / "include" / "pools.json"
    pools = json.loads(pools_file.read_text())
    assert {"netsuite_api", "acton_api"} <= set(pools)
    assert init.index(["db", "migrate"]) < init.index(pools_import[0])


def test_airflow_init_creates_the_state_database_named_by_the_connection() -> None:
    state_db = compose_airflow_env()["AIRFLOW_CONN_NETSUITE_ACTON_STATE"].rsplit("/", 1)[-1]
    script = service("airflow-init")["command"][-1]
    assert f"CREATE DATABASE {state_db}" in script


def test_dockerfile_base_image_is_the_pinned_airflow() -> None:
    """The image's Airflow and the one the suite ran with must be the same release (and Python)."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    match = re.search(
        r"^FROM apache/airflow:(?P<version>[\d.]+)-python(?P<python>[\d.]+)\s*$", dockerfile, re.M
    )
    assert match, "Dockerfile does not start FROM apache/airflow:<version>-python<x.y>"
    pinned = re.search(
        r"^apache-airflow(?:\[[^\]]*\])?==(?P<version>\S+)", (ROOT / "requirements.txt").read_text(), re.M
    )
    assert pinned, "requirements.txt does not pin apache-airflow"
    assert match["version"] == pinned["version"]
    assert match["python"] == f"{sys.version_info.major}.{sys.version_info.minor}"


def test_health_checks_use_endpoints_of_this_airflow() -> None:
    """The API server's public version endpoint and the scheduler's health server (enabled by the env)."""
    api = " ".join(service("airflow-apiserver")["healthcheck"]["test"])
    assert "/api/v2/version" in api
    scheduler = " ".join(service("airflow-scheduler")["healthcheck"]["test"])
    assert ":8974/health" in scheduler
    assert compose_airflow_env()["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"


def test_interpolation_follows_compose_rules() -> None:
    assert interpolate("${A:-x}|${B-y}|${C}|$$D", {"A": "", "B": ""}) == "x|||$D"
    assert interpolate("${A:-x}", {"A": "set"}) == "set"


def test_localized_env_keeps_the_compose_drivers_and_leaves_no_compose_host() -> None:
    """What the Celery e2e test runs with: only hosts, ports, databases and paths differ from compose."""
    compose_env = compose_airflow_env(variables={"AIRFLOW_JWT_SECRET": "s"})
    local = localize(
        compose_env,
        postgres_admin_url="postgresql+psycopg2://postgres:p%40ss@127.0.0.1:5432/postgres",
        metadata_db="meta",
        state_db="state",
        redis_netloc="127.0.0.1:6379",
        redis_db=3,
        api_port=18080,
        staging_root="file:///tmp/staging",
    )
    assert set(local) == set(compose_env)
    assert (
        local["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        == "postgresql+psycopg2://postgres:p%40ss@127.0.0.1:5432/meta"
    )
    assert local["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql://postgres:p%40ss@127.0.0.1:5432/meta"
    assert local["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert local["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18080/execution/"
    assert local["AIRFLOW_CONN_NETSUITE_ACTON_STATE"] == "postgres://postgres:p%40ss@127.0.0.1:5432/state"
    assert local["NETSUITE_ACTON_CONFIG"] == str(ROOT / "include" / "sync.yaml")
    unchanged = {k for k in compose_env if local[k] == compose_env[k]}
    assert {
        "AIRFLOW__CORE__EXECUTOR",
        "AIRFLOW__CORE__LOAD_EXAMPLES",
        "AIRFLOW__API_AUTH__JWT_SECRET",
    } <= unchanged
