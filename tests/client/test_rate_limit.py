"""The client-side rate limiter: never more than ``rate`` call starts in any one-second window."""

from __future__ import annotations

import threading
import time

import pytest

from netsuite_acton.client.rate_limit import RateLimiter, shared_limiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def max_in_window(starts: list[float], window: float = 1.0) -> int:
    starts = sorted(starts)
    best = 0
    left = 0
    for right, start in enumerate(starts):
        while start - starts[left] >= window:
            left += 1
        best = max(best, right - left + 1)
    return best


def test_burst_then_waits_for_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, safety_margin=0.1, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(12):
        limiter.acquire()
        starts.append(clock.now)
    assert starts[:5] == [0.0] * 5
    assert starts[5] == pytest.approx(1.1)
    assert max_in_window(starts) == 5


def test_threads_share_the_budget() -> None:
    limiter = RateLimiter(40, safety_margin=0.05)
    starts: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            limiter.acquire()
            with lock:
                starts.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(starts) == 100
    assert max_in_window(starts) <= 40


def test_shared_limiter_is_per_key_and_keeps_the_lower_rate() -> None:
    first = shared_limiter("unit-test-key", 5)
    assert shared_limiter("unit-test-key", 5) is first
    assert shared_limiter("unit-test-key", 3).rate == 3
    assert shared_limiter("unit-test-key", 5).rate == 3
    assert shared_limiter("unit-test-other", 5) is not first


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(0)
