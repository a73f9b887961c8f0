"""Run the docker-compose Airflow stack as local processes: settings from the compose file, process groups.

The production stack (``docker-compose.yaml``) is CeleryExecutor + PostgreSQL + Redis. Without a Docker
engine the same settings are proven with real local processes: ``compose_airflow_env`` reads
``x-airflow-common.environment`` from the compose file itself and ``localize`` swaps only the compose
host names, ports, database names and container paths for local ones, so a test run checks the
compose settings rather than a copy of them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import SplitResult, quote, urlsplit

import psutil
import requests
import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
AIRFLOW_BIN = Path(sys.executable).with_name("airflow")
#: Container paths the compose file mounts; a localized environment must not point at any of them.
CONTAINER_ROOT = "/opt/airflow"

T = TypeVar("T")
_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


# -- the compose file -------------------------------------------------------------------------------------


def load_compose(path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The compose file as a dict; YAML anchors and ``<<`` merge keys are resolved by PyYAML."""
    return yaml.safe_load(path.read_text())


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose variable substitution (``${X}``, ``${X:-default}``, ``${X-default}``, ``$$``).

    Values come from ``variables``, deliberately not ``os.environ``: the test decides every input,
    the developer's shell does not.
    """

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg") or ""
        current = variables.get(name)
        if op == ":-":
            return current or arg
        if op == "-":
            return arg if current is None else current
        if op in (":?", "?") and not current:
            raise KeyError(f"compose variable {name} is required: {arg}")
        return current or ""

    return _VAR.sub(replace, value)


def compose_airflow_env(
    compose: Mapping[str, Any] | None = None, variables: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``x-airflow-common.environment`` of the compose file, interpolated, as strings."""
    compose = compose if compose is not None else load_compose()
    environment = compose["x-airflow-common"]["environment"]
    return {str(key): interpolate(str(value), variables or {}) for key, value in environment.items()}


def compose_services(compose: Mapping[str, Any] | None = None) -> set[str]:
    """Service names, i.e. the host names containers reach each other by."""
    compose = compose if compose is not None else load_compose()
    return set(compose["services"])


def compose_healthcheck_url(service: str, compose: Mapping[str, Any] | None = None) -> str:
    """The URL a service's compose health check fetches (``curl --fail <url>``)."""
    compose = compose if compose is not None else load_compose()
    test = compose["services"][service]["healthcheck"]["test"]
    urls = [part for part in (test if isinstance(test, list) else test.split()) if "://" in part]
    if not urls:
        raise ValueError(f"the health check of {service} fetches no URL: {test}")
    return str(urls[0])


def env_option(name: str) -> tuple[str, str] | None:
    """``("section", "key")`` for ``AIRFLOW__SECTION__KEY``; None for any other variable."""
    match = re.fullmatch(r"AIRFLOW__([A-Z0-9_]+?)__([A-Z0-9_]+)", name)
    return (match.group(1).lower(), match.group(2).lower()) if match else None


# -- localizing the settings ------------------------------------------------------------------------------


def relocate(url: str, netloc: str, path: str | None = None) -> str:
    """``url`` with another host part (and database path); the scheme (the driver) stays the compose one."""
    parts: SplitResult = urlsplit(url)
    return parts._replace(netloc=netloc, path=parts.path if path is None else path).geturl()


def postgres_netloc(admin_url: str) -> str:
    """``user[:password]@host:port`` of the local PostgreSQL, from a SQLAlchemy URL."""
    url = sa.engine.make_url(admin_url)
    auth = quote(url.username or "", safe="")
    if url.password:
        auth += ":" + quote(str(url.password), safe="")
    return f"{auth}@{url.host or '127.0.0.1'}:{url.port or 5432}"


def localize(
    compose_env: Mapping[str, str],
    *,
    postgres_admin_url: str,
    metadata_db: str,
    state_db: str,
    redis_netloc: str,
    redis_db: int,
    api_port: int,
    staging_root: str,
) -> dict[str, str]:
    """Swap compose host names, ports, database names and container paths for local ones; keep the rest.

    Raises if a value still points at a compose service or a container path afterwards, so a setting
    added to the compose file later cannot silently reach the local run unlocalized.
    """
    pg = postgres_netloc(postgres_admin_url)
    overrides: dict[str, Callable[[str], str]] = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": lambda v: relocate(v, pg, f"/{metadata_db}"),
        "AIRFLOW__CELERY__RESULT_BACKEND": lambda v: relocate(v, pg, f"/{metadata_db}"),
        "AIRFLOW__CELERY__BROKER_URL": lambda v: relocate(v, redis_netloc, f"/{redis_db}"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": lambda v: relocate(v, f"127.0.0.1:{api_port}"),
        "AIRFLOW_CONN_NETSUITE_ACTON_STATE": lambda v: relocate(v, pg, f"/{state_db}"),
        "AIRFLOW_VAR_NETSUITE_ACTON_STAGING_ROOT": lambda _v: staging_root,
        "NETSUITE_ACTON_CONFIG": lambda v: str(ROOT / "include" / Path(v).name),
    }
    env = {key: overrides[key](value) if key in overrides else value for key, value in compose_env.items()}
    services = compose_services()
    for key, value in env.items():
        host = urlsplit(value).hostname if "://" in value else None
        if host in services or CONTAINER_ROOT in value:
            raise ValueError(f"{key} still points into the compose network ({value!r}): localize it")
    return env


# -- local resources --------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unique_name(prefix: str) -> str:
    """A PostgreSQL-safe unique database name."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@contextmanager
def redis_database(redis_url: str) -> Iterator[int]:
    """An empty Redis database number, claimed with a marker key and flushed afterwards."""
    import redis

    token = uuid.uuid4().hex
    parts = urlsplit(redis_url)
    for number in secrets.SystemRandom().sample(range(1, 16), 15):
        # The database goes into the URL: from_url's own path wins over a db= keyword.
        client = redis.Redis.from_url(parts._replace(path=f"/{number}").geturl())
        try:
            claimed = bool(client.set("nas-e2e-claim", token, nx=True, ex=3600))
            if claimed and client.dbsize() == 1:
                try:
                    yield number
                finally:
                    client.flushdb()
                return
            if claimed:
                client.delete("nas-e2e-claim")
        finally:
            client.close()
    raise RuntimeError("no empty Redis database (1-15) to use as the Celery broker")


def wait_until(check: Callable[[], T | None], timeout: float, what: str, interval: float = 1.0) -> T:
    """Poll ``check`` until it returns something truthy; raise TimeoutError naming ``what``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (requests.RequestException, ValueError) as exc:
            last_error = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what} (last error: {last_error})")


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a text file ('' if it does not exist)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


# -- the processes ----------------------------------------------------------------------------------------


class ComponentDiedError(RuntimeError):
    """An Airflow component exited while the test still needed it."""


class AirflowStack:
    """Airflow CLI commands and long-running components as subprocesses of one environment.

    Every component starts in its own session (process group); ``stop`` signals the group and every
    descendant (task processes put themselves in their own group), then kills what is left.
    """

    def __init__(
        self, env: Mapping[str, str], log_dir: Path, api_port: int, health_path: str = "/api/v2/version"
    ) -> None:
        self.env = dict(env)
        self.health_path = health_path
        self.log_dir = log_dir
        self.api_port = api_port
        self.base_url = f"http://127.0.0.1:{api_port}"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        #: More output for ``diagnostics`` (e.g. the sandboxes'), by title.
        self.extra_logs: dict[str, Callable[[], str]] = {}
        self.session = requests.Session()
        log_dir.mkdir(parents=True, exist_ok=True)

    # CLI ------------------------------------------------------------------------------------------------
    def run(self, name: str, *args: str, timeout: float = 180) -> None:
        """Run ``airflow <args>`` to completion, output in ``<name>.log``; raise with its tail on failure."""
        log = self.log_dir / f"{name}.log"
        with log.open("ab") as out:
            result = subprocess.run(
                [str(AIRFLOW_BIN), *args],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if result.returncode:
            raise RuntimeError(f"airflow {' '.join(args)} exited {result.returncode}:\n{tail(log)}")

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """Start ``airflow <args>`` in the background in its own process group, output in ``<name>.log``."""
        with (self.log_dir / f"{name}.log").open("ab") as out:
            proc = subprocess.Popen(
                [str(AIRFLOW_BIN), *args],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.procs[name] = proc
        return proc

    def check_alive(self) -> None:
        """Raise ``ComponentDiedError`` (with the log tail) if a component has exited."""
        for name, proc in self.procs.items():
            code = proc.poll()
            if code is not None:
                raise ComponentDiedError(f"{name} exited with {code}:\n{tail(self.log_dir / f'{name}.log')}")

    def stop(self, order: list[list[str]] | None = None, grace: float = 15.0) -> None:
        """Stop the components in ``order`` (groups of names; the rest last), each group like ``_stop``.

        Producers first (scheduler, DAG processor), then the workers, then the API server, which running
        tasks still talk to while the workers shut down.
        """
        order = order or [["scheduler", "dag-processor"], ["celery-worker"]]
        named = {name for group in order for name in group}
        for group in [*order, [name for name in self.procs if name not in named]]:
            self._stop([self.procs[name] for name in group if name in self.procs], grace)

    def _stop(self, procs: list[subprocess.Popen[bytes]], grace: float) -> None:
        """SIGTERM the process groups and every descendant, wait ``grace`` s, SIGKILL whatever is left.

        Descendants are listed twice (before SIGTERM and before SIGKILL) because task processes put
        themselves in their own process group and may have been forked in between.
        """
        victims = self._family(procs)
        self._signal(procs, victims, signal.SIGTERM)
        _gone, alive = psutil.wait_procs(victims, timeout=grace)
        leftovers = {p.pid: p for p in [*alive, *self._family(procs)] if p.is_running()}
        self._signal(procs, list(leftovers.values()), signal.SIGKILL)
        psutil.wait_procs(list(leftovers.values()), timeout=5)
        for proc in procs:
            with suppress(subprocess.TimeoutExpired):
                proc.wait(5)

    @staticmethod
    def _family(procs: list[subprocess.Popen[bytes]]) -> list[psutil.Process]:
        family: list[psutil.Process] = []
        for proc in procs:
            with suppress(psutil.NoSuchProcess):
                parent = psutil.Process(proc.pid)
                family += [parent, *parent.children(recursive=True)]
        return family

    @staticmethod
    def _signal(
        procs: list[subprocess.Popen[bytes]], victims: list[psutil.Process], sig: signal.Signals
    ) -> None:
        """``sig`` to each process group, then to every listed process (task groups included)."""
        for proc in procs:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
        for victim in victims:
            with suppress(psutil.NoSuchProcess):
                victim.send_signal(sig)

    # REST -----------------------------------------------------------------------------------------------
    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the public REST API (``/api/v2``); SimpleAuthManager with all-admins needs no token."""
        response = self.session.request(method, f"{self.base_url}/api/v2{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def api_ready(self) -> bool:
        """True once the API server answers ``health_path`` (what the compose health check fetches)."""
        self.check_alive()
        try:
            return self.session.get(f"{self.base_url}{self.health_path}", timeout=5).ok
        except requests.RequestException:
            return False

    def dag_parsed(self, dag_id: str) -> bool:
        """True once the DAG processor has serialized ``dag_id`` (the API knows it)."""
        self.check_alive()
        response = self.session.get(f"{self.base_url}/api/v2/dags/{dag_id}", timeout=10)
        return response.ok

    def unpause(self, dag_id: str) -> None:
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Trigger a manual run now; return its run id."""
        run = self.api("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        return str(run["dag_run_id"])

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.api("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"])

    def run_state(self, dag_id: str, run_id: str) -> str:
        return str(self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"])

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        """Wait until the run is finished (success or failed); return its state."""

        def finished() -> str | None:
            self.check_alive()
            state = self.run_state(dag_id, run_id)
            return state if state in ("success", "failed") else None

        return wait_until(finished, timeout, f"{dag_id} run {run_id} to finish", interval=2.0)

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        tis = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]
        return {ti["task_id"]: ti["state"] for ti in tis}

    def xcom(self, dag_id: str, run_id: str, task_id: str) -> Any:
        entry = self.api(
            "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
        )
        value = entry["value"]
        return json.loads(value) if isinstance(value, str) and value[:1] in "{[" else value

    # diagnostics ----------------------------------------------------------------------------------------
    def diagnostics(self, lines: int = 40, task_logs: int = 12) -> str:
        """Tails of every component log and of the newest task logs, for a failing test's output."""
        parts = []
        for log in sorted(self.log_dir.glob("*.log")):
            parts.append(f"===== {log.name} (last {lines} lines) =====\n{tail(log, lines)}")
        home = Path(self.env["AIRFLOW_HOME"])
        newest = sorted((home / "logs").glob("dag_id=*/**/*.log"), key=lambda p: p.stat().st_mtime)
        for log in newest[-task_logs:]:
            parts.append(f"===== task log {log.relative_to(home)} =====\n{tail(log, lines)}")
        for title, output in self.extra_logs.items():
            parts.append(f"===== {title} =====\n{output()}")
        return "\n".join(parts)

    @contextmanager
    def diagnosed(self) -> Iterator[None]:
        """Print ``diagnostics`` when the block fails, so CI output explains the failure."""
        try:
            yield
        except BaseException:
            print(self.diagnostics())
            raise
