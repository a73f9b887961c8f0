"""A client-side rate limiter: stay under an API's calls-per-second budget on purpose, not by 429s.

Act-On allows 5 calls per second per account and answers 429 beyond that. The limiter is a thread-safe
sliding window over the start times of the last calls: a call may start only when fewer than ``rate``
calls started within the last ``window`` seconds (one second plus a small safety margin, so that jitter
between the client's clock and the server's arrival times cannot squeeze ``rate + 1`` calls into one
of the server's one-second windows).

It holds within one process (every thread, every hook on the same account shares one limiter through
:func:`shared_limiter`). Across processes the budget is divided, not shared: run Act-On tasks in an
Airflow pool with one slot (``acton_api``) or give each of N concurrent workers ``calls_per_second / N``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

DEFAULT_SAFETY_MARGIN = 0.1

_SHARED: dict[str, RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


class RateLimiter:
    """At most ``rate`` call starts in any ``1 + safety_margin`` seconds, across threads."""

    def __init__(
        self,
        rate: int,
        safety_margin: float = DEFAULT_SAFETY_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1 call per second")
        self.rate = int(rate)
        self.window = 1.0 + safety_margin
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until a call may start; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.window:
                    self._starts.popleft()
                if len(self._starts) < self.rate:
                    self._starts.append(now)
                    return waited
                delay = self.window - (now - self._starts[0])
            # Sleep outside the lock so other threads can check their turn; re-check after waking.
            self._sleep(delay)
            waited += delay

    def __enter__(self) -> RateLimiter:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def shared_limiter(key: str, rate: int, safety_margin: float = DEFAULT_SAFETY_MARGIN) -> RateLimiter:
    """The process-wide limiter for ``key`` (one per API account), so separate hook instances share it.

    If the rate asked for changes (a connection edited), the lower of the two wins: never exceed either.
    """
    with _SHARED_LOCK:
        limiter = _SHARED.get(key)
        if limiter is None or limiter.rate > rate:
            limiter = RateLimiter(rate, safety_margin)
            _SHARED[key] = limiter
        return limiter
