"""One retry policy for both APIs: retry only what is retriable, back off with jitter.

Retriable: HTTP 429 and 5xx (raised by the hooks as :class:`RetriableHTTPError`), timeouts and dropped
connections. Everything else fails at once. A ``Retry-After`` header wins over the computed backoff.
Callers wrap the *whole* request (preparation included) so that every attempt is signed afresh.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import requests
import tenacity
import urllib3

T = TypeVar("T")

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class ApiError(Exception):
    """An API answered with an error. Carries the service's status, code and detail, never a secret."""

    def __init__(self, status: int | None, code: str | None, detail: str, service: str = "API") -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.service = service
        super().__init__(f"{service} error {status} {code or ''}: {detail}".replace("  ", " "))


class RetriableHTTPError(ApiError):
    """A 429 or 5xx answer: worth another attempt after ``retry_after`` seconds (if the server said)."""

    def __init__(
        self,
        status: int,
        code: str | None,
        detail: str,
        service: str = "API",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, code, detail, service)
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def is_retriable(exc: BaseException) -> bool:
    """429/5xx answers, timeouts and dropped connections; never 4xx auth or validation errors."""
    return isinstance(
        exc,
        RetriableHTTPError
        | requests.ConnectionError
        | requests.Timeout
        | requests.exceptions.ChunkedEncodingError,
    )


def request_never_sent(exc: BaseException) -> bool:
    """The request cannot have reached the server: no connection was ever made (refused, unresolvable,
    connect timeout). A timeout or a reset *after* connecting is not this: the server may have acted."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and exc.args:
        reason = getattr(exc.args[0], "reason", None)
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts in all, first backoff and the ceiling of one wait (seconds)."""

    max_attempts: int = 8
    initial_wait: float = 0.5
    max_wait: float = 30.0


class _WaitRetryAfterOrJitter(tenacity.wait.wait_base):
    """Full-jitter exponential backoff, unless the server named a delay (then that, plus a little jitter)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self._jitter = tenacity.wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return min(float(retry_after), self.policy.max_wait) + random.uniform(0, self.policy.initial_wait)
        return float(self._jitter(retry_state))


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    logger: logging.Logger,
    what: str,
    on_retry: Callable[[BaseException], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``fn`` until it succeeds, fails with a non-retriable error, or the attempts run out.

    ``what`` names the call in log lines (an endpoint, never a URL with query values or a body).
    """

    def _before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        if on_retry is not None and exc is not None:
            on_retry(exc)
        logger.warning(
            "%s failed (attempt %d/%d: %s); retrying in %.2fs",
            what,
            state.attempt_number,
            policy.max_attempts,
            type(exc).__name__ if exc else "?",
            state.upcoming_sleep,
        )

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_retriable),
        stop=tenacity.stop_after_attempt(policy.max_attempts),
        wait=_WaitRetryAfterOrJitter(policy),
        before_sleep=_before_sleep,
        sleep=sleep,
        reraise=True,
    )
    return retrying(fn)
