"""The adaptive in-flight cap: never above its maximum, shrinks on 429s, grows back on successes."""

from __future__ import annotations

import threading
import time

from netsuite_acton.client.concurrency import AdaptiveLimiter


def test_limiter_caps_in_flight_and_adapts() -> None:
    limiter = AdaptiveLimiter(4, successes_to_grow=2)

    def hold() -> None:
        with limiter.slot():
            time.sleep(0.02)

    threads = [threading.Thread(target=hold) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert limiter.peak_in_flight <= 4
    assert limiter.requests_sent == 20
    for _ in range(2):
        with limiter.slot() as slot:
            slot.throttled = True
    assert limiter.limit == 2
    assert limiter.throttled_count == 2
    for _ in range(4):
        with limiter.slot():
            pass
    assert limiter.limit == 3
