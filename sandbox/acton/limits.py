"""Act-On's call budget: a rate per sliding second and a quota per UTC day, plus the upload size cap.

Every API call counts, ``/token`` included (Act-On documents no exemption); the admin API does not.
The 1-second window counts the calls it admitted, so a client that waits gets through; the daily quota
counts every call it did not itself refuse, rate-limited ones included. Over either limit: 429 with an
Act-On style body and no ``Retry-After``, since Act-On documents none.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from sandbox.acton.errors import ActOnError
from sandbox.acton.settings import Settings
from sandbox.acton.stats import Stats


class CallLimiter:
    def __init__(
        self,
        settings: Settings,
        stats: Stats,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.stats = stats
        self.clock = clock
        self.wall = wall
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._window: deque[float] = deque()
            self._day = ""
            self.used_today = 0
            self.max_in_window = 0

    def admit(self) -> str | None:
        """``None`` when the call may proceed, else why it gets a 429."""
        with self._lock:
            day = datetime.fromtimestamp(self.wall(), UTC).date().isoformat()
            if day != self._day:
                self._day, self.used_today = day, 0
            if self.used_today >= self.settings.daily_quota:
                self.stats.add("rejected_429_quota")
                return (
                    f"Daily limit of {self.settings.daily_quota} API calls reached; "
                    "calls are refused until 00:00 UTC"
                )
            self.used_today += 1
            now = self.clock()
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            if len(self._window) >= self.settings.rate_per_second:
                self.stats.add("rejected_429_rate")
                return f"Rate limit exceeded: at most {self.settings.rate_per_second} API calls per second"
            self._window.append(now)
            self.max_in_window = max(self.max_in_window, len(self._window))
            return None


def check_upload_size(size: int, settings: Settings) -> None:
    """413 for an upload over ``--max-upload-mb``, before or after reading it."""
    if size > settings.max_upload_bytes:
        raise ActOnError(
            413, f"Upload of {size} bytes exceeds the limit of {settings.max_upload_mb:g} MB", status=413
        )
