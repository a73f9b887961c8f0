"""Governance: the account's concurrency limit, latency and injected faults, before every NetSuite route.

It wraps the ASGI app (see :class:`sandbox.netsuite.app.NetSuiteApp`) rather than sitting in a Starlette
middleware so that it sees uvicorn's own ``send`` and can drop a connection for real. The in-flight count
is checked and incremented with no ``await`` in between, on the event loop's single thread, so the limit
is exact: with C requests admitted, request C+1 gets the 429 (or, when told to, NetSuite's other answer
under load, 401 "Invalid login attempt"). Latency is NetSuite's response time, its own work included:
the request holds its slot and its answer is sent once the latency has passed since admission (or when
the sandbox's work is done, if that takes longer), as a slow NetSuite holds your concurrency. So the
sandbox's own CPU, an artefact of simulating the service on the client's machine, is not added on top
of the latency the tests and benchmarks ask for. The admin API (``/_sandbox/``) is not governed.

Faults come from rates (drawn per admitted request) or from the config's ``fail_next`` list: each
request under the limit takes the next one, in order, before any rate is drawn, so a test that needs a
fault schedules it instead of hoping for it. Both go through the same code and counters; a scheduled 429
or 401 is byte for byte the over-limit answer. ``lose_next_creates`` is the one fault *after* the work:
the next successful creates commit their record, then the answer is lost (a 502, or a dropped connection).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sandbox.netsuite.errors import concurrency_body, error_body, unauthorized
from sandbox.netsuite.settings import RuntimeConfig, Settings
from sandbox.netsuite.stats import Stats

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

GOVERNED_PREFIX = "/services/"
_REJECTIONS = frozenset({"429", "401"})  # scheduled faults answered as over-limit requests are
CREATE_PATH = "/services/rest/record/v1/customer"
_HTML_502 = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    b"<h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p>"
    b"</body></html>"
)
_HTML_503 = (
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>"
    b"<h1>Service Unavailable</h1><p>The server is temporarily unable to service your request. "
    b"Please try again later.</p></body></html>"
)


class ConnectionDroppedError(ConnectionResetError):
    """Raised instead of dropping when no socket is reachable (in-process TestClient)."""


async def send_response(
    send: Send,
    status: int,
    body: bytes,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Governor:
    """Admission (exact concurrency limit), latency with jitter, and faults, counted in :class:`Stats`."""

    def __init__(
        self, settings: Settings, runtime: RuntimeConfig, stats: Stats, rng: random.Random | None = None
    ) -> None:
        self.settings = settings
        self.runtime = runtime
        self.stats = stats
        self.rng = rng or random.Random()

    @staticmethod
    def governs(path: str) -> bool:
        return path.startswith(GOVERNED_PREFIX)

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: ASGIApp) -> None:
        stats = self.stats
        status: list[int | str] = ["dropped"]

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        stats.attempting += 1
        stats.max_attempting = max(stats.max_attempting, stats.attempting)
        try:
            if stats.in_flight >= self.runtime.concurrency_limit:  # no await before the increment below
                await self._reject(recording_send, self._over_limit_answer())
                return
            fault = self._take_scheduled()
            if fault in _REJECTIONS:  # as an over-limit request is answered: at once, holding no slot
                await self._reject(recording_send, fault)
                return
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            loop = asyncio.get_running_loop()
            answer_at = loop.time() + self._delay() / 1000.0

            async def on_time_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await asyncio.sleep(max(0.0, answer_at - loop.time()))
                await recording_send(message)

            try:
                fault = fault or self._draw_fault()
                if fault:
                    await self._fail(fault, on_time_send, send, answer_at)
                    return
                if scope["method"] == "POST" and scope["path"].rstrip("/") == CREATE_PATH:
                    await app(scope, receive, self._losing_send(on_time_send, send))
                else:
                    await app(scope, receive, on_time_send)
            finally:
                stats.in_flight -= 1
        finally:
            stats.attempting -= 1
            stats.record(scope["method"], scope["path"], status[0])

    def _losing_send(self, send: Send, raw_send: Send) -> Send:
        """A create's ``send`` that, while ``lose_next_creates`` lasts, loses a success after the commit."""
        lost: list[str] = []

        async def losing_send(message: Message) -> None:
            if lost:
                return  # the rest of a lost answer goes nowhere
            scheduled = self.runtime.lose_next_creates
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300 and scheduled:
                lost.append(scheduled.pop(0))
                self.stats.faults[f"lost_create_{lost[0]}"] += 1
                if lost[0] == "502":
                    await send_response(send, 502, _HTML_502, content_type="text/html; charset=utf-8")
                else:
                    await self._drop(raw_send)
                return
            await send(message)

        return losing_send

    def _over_limit_answer(self) -> str:
        """NetSuite's answer to a request over the limit: usually the 429, a share of the time a 401."""
        rate = self.runtime.unauthorized_under_load_rate
        return "401" if rate and self.rng.random() < rate else "429"

    async def _reject(self, send: Send, kind: str) -> None:
        """Refuse a request without admitting it, with the 429 or the 401 ``kind`` names."""
        if kind == "401":
            self.stats.unauthorized_under_load += 1
            exc = unauthorized("rejected under load", self.settings.realm)
            body = json.dumps(error_body(401, exc.code, exc.detail)).encode()
            await send_response(
                send, 401, body, headers={**exc.headers, "X-Sandbox-Reason": exc.reason or ""}
            )
            return
        self.stats.throttled += 1
        retry_after = self.runtime.retry_after
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        await send_response(send, 429, json.dumps(concurrency_body()).encode(), headers=headers)

    def _delay(self) -> float:
        """This request's response time in ms: latency, jitter and, sometimes, a slow response."""
        runtime = self.runtime
        delay = runtime.latency_ms
        if runtime.jitter_ms:
            delay += self.rng.uniform(-runtime.jitter_ms, runtime.jitter_ms)
        if runtime.slow_rate and self.rng.random() < runtime.slow_rate:
            self.stats.faults["slow"] += 1
            delay += runtime.slow_ms
        return max(0.0, delay)

    def _take_scheduled(self) -> str | None:
        """The next ``fail_next`` fault, consumed; it comes before the rates so a test can count on it."""
        scheduled = self.runtime.fail_next
        return scheduled.pop(0) if scheduled else None

    def _draw_fault(self) -> str | None:
        """A fault drawn from the rates with one roll (so they split it, never stack), or None."""
        runtime = self.runtime
        roll = self.rng.random()
        for kind, rate in (
            ("500", runtime.error_500_rate),
            ("503", runtime.error_503_rate),
            ("dropped", runtime.drop_rate),
        ):
            if roll < rate:
                return kind
            roll -= rate
        return None

    async def _fail(self, kind: str, send: Send, raw_send: Send, answer_at: float) -> None:
        """Answer an admitted request with fault ``kind`` ("500", "503" or "dropped") at its response time."""
        self.stats.faults[kind] += 1
        if kind == "500":
            body = error_body(
                500,
                "UNEXPECTED_ERROR",
                f"An unexpected error occurred. Error ID: sandbox{self.rng.randrange(10**8):08d}",
            )
            await send_response(send, 500, json.dumps(body).encode())
        elif kind == "503":  # the load balancer's HTML page, not JSON
            await send_response(send, 503, _HTML_503, content_type="text/html; charset=utf-8")
        else:
            loop = asyncio.get_running_loop()
            await asyncio.sleep(max(0.0, answer_at - loop.time()))
            await self._drop(raw_send)

    @staticmethod
    async def _drop(send: Send) -> None:
        """Close the socket with no response at all (uvicorn's ``send`` is bound to the request cycle)."""
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is None:
            raise ConnectionDroppedError("sandbox dropped the connection")
        transport.abort()
        for _ in range(3):  # let uvicorn see connection_lost, so it does not try to answer
            await asyncio.sleep(0)
