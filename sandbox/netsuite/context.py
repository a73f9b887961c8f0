"""The parts of one running sandbox, shared by the routes through ``app.state.sandbox``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from sandbox.netsuite.auth import Authenticator
from sandbox.netsuite.governance import Governor
from sandbox.netsuite.mutator import Mutator
from sandbox.netsuite.schema import Schema
from sandbox.netsuite.settings import RuntimeConfig, Settings
from sandbox.netsuite.stats import Stats
from sandbox.netsuite.store import Store
from sandbox.netsuite.suiteql import SuiteQLRunner, SuiteQLTranslator
from sandbox.netsuite.timefmt import AccountClock


@dataclass
class Sandbox:
    settings: Settings
    runtime: RuntimeConfig
    schema: Schema
    clock: AccountClock
    store: Store
    stats: Stats
    auth: Authenticator
    governor: Governor
    mutator: Mutator
    translator: SuiteQLTranslator
    runner: SuiteQLRunner


def get_sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox


async def authenticated(request: Request) -> None:
    """Dependency of every NetSuite route except the token endpoint: TBA or bearer, else the 401."""
    await get_sandbox(request).auth(request)


def base_url(request: Request) -> str:
    """The base URL as the client called it (host and port from the Host header)."""
    return str(request.base_url).rstrip("/")
