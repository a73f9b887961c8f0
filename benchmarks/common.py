"""Helpers for the benchmarks: CPU and peak-RSS sampling, updating one section of docs/benchmarks.md, the
sandbox admin API and the sandbox's ready-made Airflow connection."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil
import requests

from sandbox.launcher import sandbox_connection

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_DOC = ROOT / "docs" / "benchmarks.md"
_DOC_HEADER = (
    "# Benchmarks\n\nEach section is written by its script (`python -m benchmarks.<name>`); "
    "rerun the script to refresh it.\n"
)


def cpu_seconds(process: psutil.Process | None) -> float:
    """User + system CPU seconds a process has used so far (0 when there is no process)."""
    if process is None:
        return 0.0
    times = process.cpu_times()
    return times.user + times.system


class RssSampler:
    """Sample this process's RSS every ``interval`` seconds in a thread; ``peak_growth_mb`` above the start.

    ``mark(label)`` records the current RSS too, so a run can show whether memory grows with the rows read.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self._process = psutil.Process(os.getpid())
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.start_rss = self.peak_rss = self._rss()
        self.marks: dict[str, float] = {}

    def _rss(self) -> int:
        return self._process.memory_info().rss

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak_rss = max(self.peak_rss, self._rss())

    def mark(self, label: str) -> None:
        rss = self._rss()
        self.peak_rss = max(self.peak_rss, rss)
        self.marks[label] = (rss - self.start_rss) / 2**20

    @property
    def peak_growth_mb(self) -> float:
        return (self.peak_rss - self.start_rss) / 2**20

    def __enter__(self) -> RssSampler:
        self.start_rss = self.peak_rss = self._rss()
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()


def update_doc_section(key: str, markdown: str, path: Path = BENCHMARKS_DOC) -> Path:
    """Replace the ``<!-- key:start -->…<!-- key:end -->`` block of the doc (append it if absent)."""
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else _DOC_HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else f"{text.rstrip()}\n\n{block}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def admin(base_url: str, method: str, route: str, **kwargs: Any) -> Any:
    """One call to a sandbox's admin API (``/_sandbox/<route>``); its JSON, or None for an empty body."""
    response = requests.request(method, f"{base_url}/_sandbox/{route}", timeout=60, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def use_connection(base_url: str, conn_id: str = "netsuite_default") -> None:
    """``AIRFLOW_CONN_<conn_id>`` = the sandbox's ready-made connection (its whole budget)."""
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(sandbox_connection(base_url))
