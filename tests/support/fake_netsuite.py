"""A NetSuite account faked at the transport (``responses``), for hook and source unit tests.

``fake`` is a fixture: the conftest of each test folder that needs it imports it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import requests
import responses

from netsuite_acton.client.retries import RetryPolicy
from netsuite_acton.hooks.netsuite import NetSuiteHook
from tests.support.sandboxes import env

BASE = "https://1234567-sb1.suitetalk.api.netsuite.com"
SUITEQL = f"{BASE}/services/rest/query/v1/suiteql"
TOKEN_URL = f"{BASE}/services/rest/auth/oauth2/v1/token"
CONSUMER_SECRET = "consumer-s3cret-value"
TOKEN_SECRET = "token-s3cret-value"
TBA_EXTRA = {
    "account_id": "1234567_SB1",
    "auth_method": "tba",
    "consumer_key": "ck-1",
    "consumer_secret": CONSUMER_SECRET,
    "token_id": "tid-1",
    "token_secret": TOKEN_SECRET,
    "timezone": "America/Los_Angeles",
    "max_concurrency": 3,
}


def nserror(status: int, code: str, detail: str) -> dict:
    return {
        "type": "x",
        "title": "Error",
        "status": status,
        "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
    }


def set_conn(extra: dict, host: str | None = None) -> dict[str, str]:
    conn = {"conn_type": "netsuite", "extra": extra}
    if host:
        conn["host"] = host
    return {"AIRFLOW_CONN_NETSUITE_UNIT": json.dumps(conn)}


@pytest.fixture
def fake() -> Iterator[responses.RequestsMock]:
    with env(set_conn(TBA_EXTRA)), responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def make_hook(sleeps: list[float] | None = None) -> NetSuiteHook:
    hook = NetSuiteHook(
        "netsuite_unit", retry_policy=RetryPolicy(max_attempts=6, initial_wait=0.01, max_wait=30)
    )
    hook._sleep = sleeps.append if sleeps is not None else (lambda _s: None)
    return hook


def header(request: requests.PreparedRequest, name: str) -> str:
    """requests-oauthlib turns signed requests' headers into bytes."""
    value = request.headers[name]
    return value.decode() if isinstance(value, bytes) else value


def oauth_params(request: requests.PreparedRequest) -> dict[str, str]:
    header_value = header(request, "Authorization")
    assert header_value.startswith("OAuth ")
    return dict(re.findall(r'(\w+)="([^"]*)"', header_value))
