"""The production-shaped run: docker-compose's settings, CeleryExecutor, PostgreSQL, Redis, real processes.

No Docker engine is needed: the environment comes from ``docker-compose.yaml``'s ``x-airflow-common``
(only host names, ports, database names and container paths made local), and the compose services run
as local processes: ``airflow db migrate`` and ``pools import`` (airflow-init), then ``api-server``,
``scheduler``, ``dag-processor`` and ``celery worker``. The forward DAG is triggered through the REST
API and must succeed on the worker; its Asset events must then start the reverse DAG, which must
succeed too.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from netsuite_acton.operators.extract_contacts import WATERMARK
from netsuite_acton.sync.config import load_config
from tests.support.airflow_stack import (
    AirflowStack,
    compose_airflow_env,
    compose_healthcheck_url,
    free_port,
    localize,
    redis_database,
    relocate,
    unique_name,
    wait_until,
)
from tests.support.databases import postgres_databases
from tests.support.sandboxes import connection_env, running

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(600)]

FORWARD = "netsuite_contacts_to_acton"
REVERSE = "acton_scores_to_netsuite"
CONTACTS = 500
#: Everything after start-up (API up, DAGs parsed, both runs) must fit in this, well inside the pytest
#: timeout so that a hang still ends in our diagnostics, not in a killed test. A healthy run takes ~1 min.
BUDGET = 420.0
#: A cron tick on 29 February only: none between the DAGs' start_date (2026-01-01) and 2028.
NEVER = "0 0 29 2 *"
ROOT = Path(__file__).resolve().parents[2]
#: Lists the forward DAG routes to: what the Act-On sandbox must hold afterwards.
ROUTED_LISTS = set(load_config(ROOT / "include" / "sync.yaml").forward.routed_lists)


def base_environment() -> dict[str, str]:
    """This process's environment without any Airflow setting: only the compose file and the test decide."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "NETSUITE_ACTON", "_AIRFLOW")) and key != "PYTHONPATH"
    }


@pytest.fixture
def stack(tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[tuple[AirflowStack, dict[str, str]]]:
    """Databases, broker, sandboxes and the four Airflow components; everything is torn down afterwards."""
    metadata_db, state_db = unique_name("nas_e2e_airflow"), unique_name("nas_e2e_state")
    with (
        postgres_databases(postgres_url, metadata_db, state_db),
        redis_database(redis_url) as redis_db,
        running("sandbox.netsuite", "--contacts", str(CONTACTS), "--seed", "7") as netsuite,
        running("sandbox.acton", "--job-seconds", "0.5") as acton,
    ):
        api_port, scheduler_health_port = free_port(), free_port()
        compose_env = compose_airflow_env(variables={"AIRFLOW_JWT_SECRET": secrets.token_urlsafe(32)})
        local = localize(
            compose_env,
            postgres_admin_url=postgres_url,
            metadata_db=metadata_db,
            state_db=state_db,
            redis_netloc=urlsplit(redis_url).netloc,
            redis_db=redis_db,
            api_port=api_port,
            staging_root=f"file://{tmp_path / 'staging'}",
        )
        env = {
            **base_environment(),
            **local,
            # What the image and the compose mounts provide in a container:
            "AIRFLOW_HOME": str(tmp_path / "airflow_home"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            # Local-only: REST calls without a login, free ports for the scheduler health check and the
            # worker's log server, no retries (a failure should fail the test now, not in 2 minutes),
            # and less re-parsing on 2 shared cores.
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(scheduler_health_port),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "300",
            "NETSUITE_ACTON_TASK_RETRIES": "0",
            # Unpausing a catchup=False DAG runs its latest missed tick at once (the hourly forward run,
            # yesterday's daily reverse run). A tick that never falls after start_date keeps the test to
            # one manual forward run and the reverse run its Asset events trigger.
            "NETSUITE_ACTON_FORWARD_SCHEDULE": NEVER,
            "NETSUITE_ACTON_REVERSE_CRON": NEVER,
            **connection_env("netsuite_default", netsuite.base_url),
            **connection_env("acton_default", acton.base_url),
            "PYTHONUNBUFFERED": "1",
        }
        Path(env["AIRFLOW_HOME"]).mkdir()
        api_health = urlsplit(compose_healthcheck_url("airflow-apiserver")).path
        airflow = AirflowStack(env, tmp_path / "logs", api_port, health_path=api_health)
        airflow.extra_logs = {"netsuite sandbox": netsuite.output, "acton sandbox": acton.output}
        try:
            # airflow-init
            airflow.run("db-migrate", "db", "migrate")
            airflow.run("pools-import", "pools", "import", "include/pools.json")
            # the long-running services
            airflow.start("api-server", "api-server", "--port", str(api_port), "--host", "127.0.0.1")
            airflow.start("scheduler", "scheduler")
            airflow.start("dag-processor", "dag-processor")
            airflow.start(
                "celery-worker",
                *("celery", "worker", "--concurrency", "2", "--without-gossip", "--without-mingle"),
                *("--celery-hostname", f"nas-e2e-{api_port}@%h"),
            )
            yield (
                airflow,
                {
                    "netsuite": netsuite.base_url,
                    "acton": acton.base_url,
                    "state_db": state_db,
                    "scheduler_health": relocate(
                        compose_healthcheck_url("airflow-scheduler"), f"127.0.0.1:{scheduler_health_port}"
                    ),
                },
            )
        except BaseException:  # start-up failed: say why
            print(airflow.diagnostics())
            raise
        finally:
            airflow.stop()


def state_url(postgres_url: str, database: str) -> str:
    return sa.engine.make_url(postgres_url).set(database=database).render_as_string(hide_password=False)


def test_forward_then_reverse_on_celery_postgres_redis(
    stack: tuple[AirflowStack, dict[str, str]], postgres_url: str
) -> None:
    """The compose settings run both DAGs on a Celery worker; the lists, the watermark and the Asset chain."""
    airflow, info = stack
    with airflow.diagnosed():
        check_both_runs(airflow, info, postgres_url)


def check_both_runs(airflow: AirflowStack, info: dict[str, str], postgres_url: str) -> None:
    """Trigger the forward DAG, check Act-On and the state store, then the Asset-triggered reverse run."""
    started = time.monotonic()

    def left(cap: float) -> float:
        """Seconds for the next wait: at most ``cap``, and never past the test's budget."""
        return max(1.0, min(cap, BUDGET - (time.monotonic() - started)))

    wait_until(airflow.api_ready, left(120), "the API server")
    wait_until(
        lambda: airflow.dag_parsed(FORWARD) and airflow.dag_parsed(REVERSE), left(180), "both DAGs parsed"
    )
    airflow.unpause(REVERSE)
    airflow.unpause(FORWARD)
    run_id = airflow.trigger(FORWARD)

    state = airflow.wait_for_run(FORWARD, run_id, left(360))
    assert state == "success", f"{FORWARD} {run_id}: {airflow.task_states(FORWARD, run_id)}"

    # Act-On got the contacts: every routed list exists and holds rows.
    lists = {
        item["name"]: item for item in requests.get(f"{info['acton']}/_sandbox/lists", timeout=10).json()
    }
    assert set(lists) >= ROUTED_LISTS, sorted(lists)
    in_acton = sum(int(lists[name]["count"]) for name in ROUTED_LISTS)
    assert 0 < in_acton <= CONTACTS

    # The state store on PostgreSQL: what was loaded, the links, and the watermark of this run.
    engine = sa.create_engine(state_url(postgres_url, info["state_db"]), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            loaded = conn.execute(sa.text("SELECT count(*) FROM nas_loaded_rows")).scalar_one()
            links = conn.execute(sa.text("SELECT count(*) FROM nas_contact_links")).scalar_one()
            watermark = conn.execute(
                sa.text("SELECT value, run_id FROM nas_watermarks WHERE name = :name"), {"name": WATERMARK}
            ).one_or_none()
    finally:
        engine.dispose()
    assert loaded == in_acton
    assert links >= loaded
    assert watermark is not None
    assert watermark.run_id == run_id
    assert watermark.value is not None

    # The load task's Asset events start the reverse DAG (its cron is daily, so this run is the Assets').
    def reverse_run() -> dict | None:
        airflow.check_alive()
        runs = [run for run in airflow.runs(REVERSE) if run["run_type"] == "asset_triggered"]
        return runs[0] if runs else None

    reverse = wait_until(reverse_run, left(60), f"an asset-triggered {REVERSE} run", interval=2.0)
    reverse_state = airflow.wait_for_run(REVERSE, reverse["dag_run_id"], left(360))
    assert reverse_state == "success", airflow.task_states(REVERSE, reverse["dag_run_id"])
    assert [run["run_type"] for run in airflow.runs(FORWARD)] == ["manual"]
    assert len(airflow.runs(REVERSE)) == 1
    # The compose health checks pass locally too (the API server's was the readiness check above).
    assert requests.get(info["scheduler_health"], timeout=10).status_code == 200
    # The provider's UI page is in the compose API server (entry point, no plugins folder) and reads the
    # state store the workers wrote, in PostgreSQL.
    page = airflow.session.get(f"{airflow.base_url}/netsuite-acton/api/overview", timeout=30)
    assert page.status_code == 200, page.text[:500]
    listed = {dag["dag_id"]: dag["runs"] for dag in page.json()["dags"]}
    assert [(run["run_id"], run["state"]) for run in listed[FORWARD]] == [(run_id, "success")]
    assert listed[FORWARD][0]["measures"]["loaded"] == loaded
    assert [run["run_id"] for run in listed[REVERSE]] == [reverse["dag_run_id"]]
    print(f"forward + reverse on CeleryExecutor in {time.monotonic() - started:.0f}s after start-up")
