"""Start a sandbox in a child process and learn its base URL (used by tests, the demo and benchmarks)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from sandbox.server import READY_MARKER

_READY = re.compile(rf"{READY_MARKER} (?P<url>https?://\S+)")
_ROOT = Path(__file__).resolve().parent.parent


def sandbox_connection(base_url: str, **params: str) -> dict[str, Any]:
    """The ready-made Airflow connection a sandbox serves (``auth="m2m"`` for NetSuite's M2M variant).

    ``extra`` comes back as a dict; ``json.dumps`` of the result is what ``AIRFLOW_CONN_*`` takes.
    """
    response = requests.get(f"{base_url}/_sandbox/connection", params=params or None, timeout=30)
    response.raise_for_status()
    conn = response.json()
    if isinstance(conn.get("extra"), str):
        conn["extra"] = json.loads(conn["extra"])
    return conn


class SandboxProcess:
    """``with SandboxProcess("sandbox.netsuite", ["--contacts", "100"]) as sb: sb.base_url``.

    Starts ``python -m <module> --port 0 ...``, waits for the ready line, and stops the process
    with SIGTERM on exit. The child's output is kept (last lines) for error messages.
    """

    def __init__(
        self,
        module: str,
        args: list[str] | None = None,
        timeout: float = 120.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.module = module
        self.args = list(args or [])
        self.timeout = timeout
        self.env = env
        self.base_url = ""
        self.proc: subprocess.Popen[str] | None = None
        self._tail: deque[str] = deque(maxlen=40)

    def start(self) -> SandboxProcess:
        cmd = [sys.executable, "-m", self.module, "--port", "0", *self.args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(self.env or {})}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=_ROOT
        )
        ready = threading.Event()

        def pump() -> None:
            assert self.proc is not None
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self._tail.append(line.rstrip())
                match = _READY.search(line)
                if match and not ready.is_set():
                    self.base_url = match.group("url")
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + self.timeout
        while not ready.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.module} did not start:\n" + "\n".join(self._tail))
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def output(self) -> str:
        return "\n".join(self._tail)

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
