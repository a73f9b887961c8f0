"""What the sandbox saw: requests by route and status, peak concurrency, 429s, PATCHes, creates, auth
failures.

Tests and benchmarks read these through ``GET /_sandbox/stats`` to prove a client stayed within budget.
Only the event loop writes them (the store thread never does), so plain counters are safe.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

_ID_SEGMENT = re.compile(r"/(?:\d+|eid:[^/]+)(?=/|$)")


def route_key(method: str, path: str) -> str:
    """``PATCH /services/rest/record/v1/contact/{id}``: one bucket per route, not per record."""
    return f"{method} {_ID_SEGMENT.sub('/{id}', path)}"


class Stats:
    """Counters since start or the last ``POST /_sandbox/reset``."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.in_flight = 0
        self.max_in_flight = 0
        self.attempting = 0  # admitted + rejected, while they are being handled
        self.max_attempting = 0
        self.throttled = 0  # 429 answers
        self.unauthorized_under_load = 0
        self.faults: Counter[str] = Counter()
        self.auth_failures: Counter[str] = Counter()
        self.patches = 0
        self.patch_failures = 0
        self.creates = 0  # POST /services/rest/record/v1/customer answered 204
        self.create_failures = 0
        self.tokens_issued = 0
        self.mutated = 0
        self.deleted_records = 0  # through the admin API (arranged, not a client's request)
        self.suiteql_rows = 0

    def record(self, method: str, path: str, status: int | str) -> None:
        self.requests[route_key(method, path)][str(status)] += 1

    def auth_failure(self, reason: str) -> None:
        self.auth_failures[reason.split(" (")[0]] += 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": {route: dict(counts) for route, counts in sorted(self.requests.items())},
            "total_requests": sum(sum(c.values()) for c in self.requests.values()),
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "max_concurrent_attempts": self.max_attempting,
            "throttled_429": self.throttled,
            "unauthorized_under_load": self.unauthorized_under_load,
            "faults": dict(self.faults),
            "auth_failures": dict(self.auth_failures),
            "patches": self.patches,
            "patch_failures": self.patch_failures,
            "creates": self.creates,
            "create_failures": self.create_failures,
            "tokens_issued": self.tokens_issued,
            "mutated_contacts": self.mutated,
            "deleted_records": self.deleted_records,
            "suiteql_rows": self.suiteql_rows,
        }
