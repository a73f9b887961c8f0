"""Injected failures, so clients can prove they survive what the real service does on a bad day."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

FAULT_KEYS = ("fail_next_jobs", "job_failure_rate", "fail_next_calls", "error_rate", "error_status")


@dataclass
class Faults:
    """Counts and rates of failures still to inject; ``error_status`` is the 5xx answered to API calls."""

    fail_next_jobs: int = 0
    job_failure_rate: float = 0.0
    fail_next_calls: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    rng: random.Random = field(default_factory=random.Random, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def configure(self, changes: dict[str, object]) -> dict[str, object]:
        applied: dict[str, object] = {}
        with self.lock:
            for key in FAULT_KEYS:
                if key in changes:
                    kind = type(getattr(self, key))
                    applied[key] = kind(changes[key])  # type: ignore[call-arg]
                    setattr(self, key, applied[key])
        return applied

    def current(self) -> dict[str, object]:
        return {key: getattr(self, key) for key in FAULT_KEYS}

    def job_fails(self) -> bool:
        """Whether the job about to run should fail (consumes one of ``fail_next_jobs``)."""
        return self._take("fail_next_jobs", self.job_failure_rate)

    def call_fails(self) -> bool:
        """Whether this API call should get a 5xx (consumes one of ``fail_next_calls``)."""
        return self._take("fail_next_calls", self.error_rate)

    def _take(self, counter: str, rate: float) -> bool:
        with self.lock:
            if getattr(self, counter) > 0:
                setattr(self, counter, getattr(self, counter) - 1)
                return True
            return rate > 0 and self.rng.random() < rate

    def reset(self) -> None:
        self.configure(
            {
                "fail_next_jobs": 0,
                "job_failure_rate": 0.0,
                "fail_next_calls": 0,
                "error_rate": 0.0,
                "error_status": 503,
            }
        )
