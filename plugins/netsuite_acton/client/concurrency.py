"""An in-flight cap that backs off when NetSuite says the account is busy.

NetSuite's concurrency limit is shared by every integration of the account, so the hook's
``max_concurrency`` is an upper bound, not a promise. On a 429 the cap drops by one (down to 1); after
a run of successes it climbs back by one. Without this, retries starve: the worker that just finished
a page takes the free slot again before a backing-off worker can.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Slot:
    """Set ``throttled`` when the request got a 429, so the limiter can shrink."""

    throttled: bool = False


class AdaptiveLimiter:
    """Additive-increase, additive-decrease cap on requests in flight (thread-safe)."""

    def __init__(self, maximum: int, successes_to_grow: int = 20) -> None:
        if maximum < 1:
            raise ValueError("maximum must be at least 1")
        self.maximum = maximum
        self.limit = maximum
        self.in_flight = 0
        self.peak_in_flight = 0
        self.requests_sent = 0
        self.throttled_count = 0
        self._successes = 0
        self._successes_to_grow = successes_to_grow
        self._cond = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[Slot]:
        """Hold one in-flight slot for the duration of one request."""
        with self._cond:
            while self.in_flight >= self.limit:
                self._cond.wait()
            self.in_flight += 1
            self.requests_sent += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        slot = Slot()
        try:
            yield slot
        finally:
            self._release(slot.throttled)

    def _release(self, throttled: bool) -> None:
        with self._cond:
            self.in_flight -= 1
            if throttled:
                self.throttled_count += 1
                self.limit = max(1, self.limit - 1)
                self._successes = 0
            else:
                self._successes += 1
                if self.limit < self.maximum and self._successes >= self._successes_to_grow * self.limit:
                    self.limit += 1
                    self._successes = 0
            self._cond.notify_all()
