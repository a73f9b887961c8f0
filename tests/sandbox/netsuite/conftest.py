"""Fixtures for the NetSuite sandbox tests: an in-process app (fast) and a real child process (faithful)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests
from fastapi.testclient import TestClient
from oauthlib.oauth1 import Client as OAuth1Client
from requests_oauthlib import OAuth1

from sandbox.launcher import SandboxProcess
from sandbox.netsuite.app import create_app
from sandbox.netsuite.settings import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_CONSUMER_KEY,
    DEFAULT_CONSUMER_SECRET,
    DEFAULT_TOKEN_ID,
    DEFAULT_TOKEN_SECRET,
    RuntimeConfig,
    Settings,
)

SUITEQL = "/services/rest/query/v1/suiteql"
RECORD = "/services/rest/record/v1"
TRANSIENT = {"Prefer": "transient"}


def tba_headers(method: str, url: str, **overrides: Any) -> dict[str, str]:
    """A TBA ``Authorization`` header as the hook's signer makes it (for the in-process TestClient)."""
    options: dict[str, Any] = {
        "client_secret": DEFAULT_CONSUMER_SECRET,
        "resource_owner_key": DEFAULT_TOKEN_ID,
        "resource_owner_secret": DEFAULT_TOKEN_SECRET,
        "signature_method": "HMAC-SHA256",
        "realm": DEFAULT_ACCOUNT_ID,
        **overrides,
    }
    _, headers, _ = OAuth1Client(DEFAULT_CONSUMER_KEY, **options).sign(url, http_method=method)
    return dict(headers)


def tba_auth(**overrides: Any) -> OAuth1:
    """``requests_oauthlib.OAuth1`` exactly as the hook builds it."""
    options: dict[str, Any] = {"signature_method": "HMAC-SHA256", "realm": DEFAULT_ACCOUNT_ID, **overrides}
    return OAuth1(
        DEFAULT_CONSUMER_KEY, DEFAULT_CONSUMER_SECRET, DEFAULT_TOKEN_ID, DEFAULT_TOKEN_SECRET, **options
    )


class SignedClient:
    """TestClient wrapper that signs every NetSuite call with TBA."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        url = "http://testserver" + path
        if "params" in kwargs:
            url += "?" + urlencode(kwargs.pop("params"), quote_via=quote)
        headers = {**tba_headers(method, url), **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def suiteql(self, q: str, limit: int = 1000, offset: int = 0) -> Any:
        return self.request(
            "POST", f"{SUITEQL}?limit={limit}&offset={offset}", json={"q": q}, headers=TRANSIENT
        )


@pytest.fixture(scope="module")
def app_client() -> Iterator[TestClient]:
    """An in-process sandbox with 3,000 seeded contacts; the admin API sees a loopback client."""
    app = create_app(Settings(contacts=3000, seed=7))
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        yield client


@pytest.fixture
def ns(app_client: TestClient) -> SignedClient:
    return SignedClient(app_client)


@pytest.fixture(scope="module")
def sandbox_process() -> Iterator[SandboxProcess]:
    """The real thing: ``python -m sandbox.netsuite --port 0`` in a child process."""
    with SandboxProcess("sandbox.netsuite", ["--contacts", "3000", "--seed", "11"]) as process:
        yield process


@pytest.fixture
def base_url(sandbox_process: SandboxProcess) -> Iterator[str]:
    """The child's base URL, with stats and runtime knobs reset after each test."""
    url = sandbox_process.base_url
    yield url
    requests.post(f"{url}/_sandbox/config", json=RuntimeConfig().as_dict(), timeout=10)
    requests.post(f"{url}/_sandbox/reset", json={}, timeout=10)
