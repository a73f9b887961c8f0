"""``create_app(settings)``: the NetSuite sandbox as one FastAPI app (routes, governance, admin API)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from sandbox.netsuite import admin, query_api, records, token_api
from sandbox.netsuite.auth import Authenticator, M2MKeys, load_or_generate_keys
from sandbox.netsuite.context import Sandbox
from sandbox.netsuite.errors import NetSuiteError, handle_netsuite_error
from sandbox.netsuite.governance import Governor
from sandbox.netsuite.mutator import Mutator
from sandbox.netsuite.schema import Schema
from sandbox.netsuite.seed import SeedData, generate
from sandbox.netsuite.settings import Settings
from sandbox.netsuite.stats import Stats
from sandbox.netsuite.store import Store
from sandbox.netsuite.suiteql import SuiteQLRunner, SuiteQLTranslator
from sandbox.netsuite.timefmt import AccountClock


class NetSuiteApp(FastAPI):
    """FastAPI, with governance around NetSuite routes outermost (it needs uvicorn's ``send``)."""

    sandbox: Sandbox

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.sandbox.governor.governs(scope["path"]):
            await self.sandbox.governor(scope, receive, send, super().__call__)
        else:
            await super().__call__(scope, receive, send)


def build_sandbox(settings: Settings, data: SeedData | None = None, keys: M2MKeys | None = None) -> Sandbox:
    """Assemble the parts and load the seed data (generated from ``settings`` unless ``data`` is given)."""
    runtime = settings.runtime
    runtime.validate()
    schema = Schema()
    clock = AccountClock(settings.timezone, settings.date_format)
    store = Store(schema, clock)
    store.load(data if data is not None else generate(settings.contacts, settings.seed))
    stats = Stats()
    keys = keys or load_or_generate_keys(settings.public_key_path, settings.m2m_key_type)
    return Sandbox(
        settings=settings,
        runtime=runtime,
        schema=schema,
        clock=clock,
        store=store,
        stats=stats,
        auth=Authenticator(settings, runtime, stats, keys),
        governor=Governor(settings, runtime, stats),
        mutator=Mutator(store, runtime, stats, settings.seed),
        translator=SuiteQLTranslator(schema, clock),
        runner=SuiteQLRunner(store),
    )


def create_app(
    settings: Settings | None = None, *, data: SeedData | None = None, keys: M2MKeys | None = None
) -> NetSuiteApp:
    """The app for ``settings`` (defaults if None). Data loads here, before the server announces itself."""
    settings = settings or Settings()
    started = time.perf_counter()
    sandbox = build_sandbox(settings, data, keys)
    load_seconds = time.perf_counter() - started

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sandbox.mutator.start()
        try:
            yield
        finally:
            await sandbox.mutator.stop()
            sandbox.store.close()

    app = NetSuiteApp(
        title="NetSuite sandbox",
        lifespan=lifespan,
        docs_url="/_sandbox/docs",
        redoc_url=None,
        openapi_url="/_sandbox/openapi.json",
    )
    app.sandbox = sandbox
    app.state.sandbox = sandbox
    app.state.load_seconds = load_seconds
    app.add_exception_handler(NetSuiteError, handle_netsuite_error)
    for module in (token_api, query_api, records, admin):
        app.include_router(module.router)
    return app
