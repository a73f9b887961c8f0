"""What clients did to the sandbox, so tests and benchmarks can prove they stayed within Act-On's budget."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict


class Stats:
    """Calls by route and status plus named counters (logins, refreshes, 429s, uploads...)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.counters: Counter[str] = Counter()

    def call(self, route: str, status: int) -> None:
        with self._lock:
            self.calls[route][str(status)] += 1
            self.counters["api_calls"] += 1

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self.counters[name] += amount

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "calls": {route: dict(by_status) for route, by_status in sorted(self.calls.items())},
                **dict(self.counters),
            }

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.counters.clear()
