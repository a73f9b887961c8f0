"""The call budget: 429 over the rate or the daily quota (no Retry-After), injected 5xx, latency."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from sandbox.acton.limits import CallLimiter
from sandbox.acton.settings import Settings
from sandbox.acton.stats import Stats
from tests.sandbox.acton.conftest import set_config

LISTS = "/api/1/list?listingtype=CONTACT_LIST"


def test_more_than_the_rate_in_one_second_is_429_without_retry_after(client: TestClient, auth) -> None:
    set_config(client, rate_per_second=5)
    statuses = [client.get(LISTS, headers=auth) for _ in range(8)]
    refused = [r for r in statuses if r.status_code == 429]
    assert refused, [r.status_code for r in statuses]
    assert "Retry-After" not in refused[0].headers
    assert refused[0].json()["errorCode"] == 429
    assert "Rate limit" in refused[0].json()["message"]
    stats = client.get("/_sandbox/stats").json()
    assert stats["max_calls_in_1s"] == 5
    assert stats["rejected_429_rate"] == len(refused)
    assert stats["calls"]["GET /api/1/list"]["429"] == len(refused)


def test_daily_quota_counts_every_call_including_token(client: TestClient, auth) -> None:
    used = client.get("/_sandbox/stats").json()["quota_used"]
    assert used == 1  # the login behind ``auth``
    set_config(client, daily_quota=3)
    assert client.get(LISTS, headers=auth).status_code == 200
    assert client.get(LISTS, headers=auth).status_code == 200
    refused = client.get(LISTS, headers=auth)
    assert refused.status_code == 429
    assert "00:00 UTC" in refused.json()["message"]
    assert client.get("/_sandbox/health").status_code == 200  # the admin API is outside the budget


def test_sliding_window_and_utc_day_rollover() -> None:
    now, wall = [100.0], [1_700_000_000.0]
    limiter = CallLimiter(
        Settings(rate_per_second=2, daily_quota=4), Stats(), clock=lambda: now[0], wall=lambda: wall[0]
    )
    assert [limiter.admit() is None for _ in range(3)] == [True, True, False]
    now[0] += 0.5
    assert limiter.admit() is not None  # the window still holds two calls
    now[0] += 0.6
    assert limiter.admit() is not None  # quota: four calls counted (the refused ones too)
    wall[0] += 86_400
    assert limiter.admit() is None


def test_injected_5xx_and_latency(client: TestClient, auth) -> None:
    set_config(client, fail_next_calls=1, error_status=500)
    assert client.get(LISTS, headers=auth).status_code == 500
    assert client.get(LISTS, headers=auth).status_code == 200
    set_config(client, latency_ms=150)
    started = time.monotonic()
    client.get(LISTS, headers=auth)
    assert time.monotonic() - started >= 0.15
