"""What clients did to the sandbox, so tests and benchmarks can prove they stayed within Act-On's budget."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict


class Stats:
    """Calls by route and status plus named counters (logins, refreshes, 429s, uploads, deletes...).

    Counters about one list's records (deletes, lookups) are also kept per list id, so a test can tell
    which list a sync touched; the snapshot shows them under ``by_list`` once there are any.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.counters: Counter[str] = Counter()
        self.by_list: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def call(self, route: str, status: int) -> None:
        with self._lock:
            self.calls[route][str(status)] += 1
            self.counters["api_calls"] += 1

    def add(self, name: str, amount: int = 1, list_id: str | None = None) -> None:
        """Count ``amount`` under ``name``; with ``list_id`` also under that list. Zero amounts are not
        recorded, so a snapshot omits counters that never moved."""
        if not amount:
            return
        with self._lock:
            self.counters[name] += amount
            if list_id is not None:
                self.by_list[list_id][name] += amount

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            by_list = {list_id: dict(counts) for list_id, counts in sorted(self.by_list.items())}
            return {
                "calls": {route: dict(by_status) for route, by_status in sorted(self.calls.items())},
                **dict(self.counters),
                **({"by_list": by_list} if by_list else {}),
            }

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.counters.clear()
            self.by_list.clear()
