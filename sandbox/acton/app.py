"""``create_app(settings)``: the Act-On sandbox as a FastAPI app, usable in-process with TestClient."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.routing import Match

from sandbox.acton import admin, auth, consent_api, lists, records
from sandbox.acton.errors import ActOnError, error_response, install_handlers
from sandbox.acton.limits import check_upload_size
from sandbox.acton.settings import Settings
from sandbox.acton.state import Sandbox

ADMIN_PREFIX = "/_sandbox"


def create_app(settings: Settings | None = None) -> FastAPI:
    sandbox = Sandbox(settings or Settings())
    sandbox.seed()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        """Remove staged uploads and rejected-row files when the server stops."""
        yield
        sandbox.jobs.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Act-On sandbox",
        docs_url="/_sandbox/docs",
        openapi_url="/_sandbox/openapi.json",
        redoc_url=None,
    )
    app.state.sandbox = sandbox
    install_handlers(app)

    async def on_invalid(_: Request, exc: Exception) -> Response:
        """Act-On answers bad parameters with its own body, not FastAPI's 422."""
        return error_response(400, 400, f"Invalid request: {exc}")

    app.add_exception_handler(RequestValidationError, on_invalid)
    app.include_router(auth.router)
    # Before ``lists``: its ``/list/{listid}`` routes would otherwise take ``/list/optout`` and the like.
    app.include_router(records.router)
    app.include_router(consent_api.router)
    app.include_router(lists.router)
    app.include_router(admin.router)
    app.middleware("http")(gatekeeper)
    return app


def route_of(request: Request) -> str:
    """``METHOD /path/{template}`` for stats, so calls group by endpoint rather than by list id."""
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match == Match.FULL:
            return f"{request.method} {getattr(route, 'path', request.url.path)}"
    return f"{request.method} {request.url.path}"


async def gatekeeper(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Every API call: count it, enforce quota, rate and upload size, inject faults, add latency."""
    if request.url.path.startswith(ADMIN_PREFIX):
        return await call_next(request)
    sandbox: Sandbox = request.app.state.sandbox
    response = await _refusal(request, sandbox)
    if response is None:
        if sandbox.settings.latency_ms > 0:
            await asyncio.sleep(sandbox.settings.latency_ms / 1000)
        response = await call_next(request)
    sandbox.stats.call(route_of(request), response.status_code)
    return response


async def _refusal(request: Request, sandbox: Sandbox) -> Response | None:
    """The early answer for a call the sandbox will not serve, or ``None``."""
    refused = sandbox.limiter.admit()
    if refused:
        return error_response(429, 429, refused)
    length = request.headers.get("content-length", "")
    if length.isdigit():
        try:
            check_upload_size(int(length), sandbox.settings)
        except ActOnError as exc:
            return error_response(exc.status, exc.code, exc.message)
    if sandbox.faults.call_fails():
        status = sandbox.faults.error_status
        return error_response(status, status, "Service temporarily unavailable (injected fault)")
    return None
