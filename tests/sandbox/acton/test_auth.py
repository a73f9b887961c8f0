"""OAuth as Act-On runs it: grants, exact error bodies, the hourly login limit, single-use refresh tokens."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sandbox.acton.auth import TokenRegistry
from sandbox.acton.errors import OAuthError
from sandbox.acton.settings import Settings
from sandbox.acton.stats import Stats
from tests.sandbox.acton.conftest import CREDENTIALS, login, set_config

LISTS = "/api/1/list?listingtype=CONTACT_LIST"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_password_grant_answers_a_bearer_pair(client: TestClient) -> None:
    body = login(client)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"]
    assert body["refresh_token"]
    assert client.get(LISTS, headers=bearer(body["access_token"])).status_code == 200


def test_bad_client_is_401_access_denied(client: TestClient) -> None:
    response = client.post("/token", data={"grant_type": "password", **CREDENTIALS, "client_secret": "nope"})
    assert response.status_code == 401
    assert response.json() == {"error": "access_denied", "error_description": "Unauthorized"}


def test_bad_password_is_403_invalid_grant(client: TestClient) -> None:
    response = client.post("/token", data={"grant_type": "password", **CREDENTIALS, "password": "nope"})
    assert response.status_code == 403
    assert response.json() == {"error": "invalid_grant", "error_description": "Wrong email or password."}


def test_sixth_login_within_an_hour_is_refused(client: TestClient) -> None:
    for _ in range(5):
        login(client)
    response = client.post("/token", data={"grant_type": "password", **CREDENTIALS})
    assert response.status_code == 403
    assert response.json()["error"] == "invalid_grant"
    assert "limit" in response.json()["error_description"].lower()
    stats = client.get("/_sandbox/stats").json()
    assert stats["password_logins"] == 5
    assert stats["password_logins_refused"] == 1


def test_refresh_tokens_work_once_and_do_not_count_as_logins(client: TestClient) -> None:
    first = login(client)
    tokens = first
    for _ in range(8):  # more than the hourly login limit
        response = client.post(
            "/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], **_client_only()},
        )
        assert response.status_code == 200
        tokens = response.json()
    spent = client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **_client_only()},
    )
    assert spent.status_code == 403
    assert spent.json() == {
        "error": "invalid_grant",
        "error_description": "Unknown or invalid refresh token.",
    }
    assert client.get("/_sandbox/stats").json()["refresh_grants"] == 8


def test_new_token_invalidates_older_access_and_refresh_tokens(client: TestClient) -> None:
    old = login(client)
    new = login(client)
    refused = client.get(LISTS, headers=bearer(old["access_token"]))
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
    assert client.get(LISTS, headers=bearer(new["access_token"])).status_code == 200
    stale = client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": old["refresh_token"], **_client_only()},
    )
    assert stale.status_code == 403


def test_missing_or_unknown_bearer_is_401(client: TestClient) -> None:
    assert client.get(LISTS).status_code == 401
    assert client.get(LISTS, headers=bearer("made-up")).status_code == 401


def test_lowering_the_ttl_expires_live_tokens(client: TestClient) -> None:
    token = login(client)["access_token"]
    set_config(client, token_ttl=0)
    response = client.get(LISTS, headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["error_description"]


def test_unsupported_grant_type(client: TestClient) -> None:
    response = client.post("/token", data={"grant_type": "client_credentials", **_client_only()})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_login_limit_window_slides_and_tokens_expire_on_the_clock() -> None:
    now = [1_000_000.0]
    registry = TokenRegistry(Settings(token_ttl=60), Stats(), clock=lambda: now[0])
    args = (
        CREDENTIALS["client_id"],
        CREDENTIALS["client_secret"],
        CREDENTIALS["username"],
        CREDENTIALS["password"],
    )
    for _ in range(5):
        token = registry.password_grant(*args)
        now[0] += 60
    with pytest.raises(OAuthError) as refused:
        registry.password_grant(*args)
    assert refused.value.status == 403
    now[0] += 3600 - 5 * 60 + 1  # the first login is now more than an hour old
    token = registry.password_grant(*args)
    registry.check_access(token["access_token"])
    now[0] += 61
    with pytest.raises(OAuthError) as expired:
        registry.check_access(token["access_token"])
    assert expired.value.status == 401


def _client_only() -> dict[str, str]:
    return {"client_id": CREDENTIALS["client_id"], "client_secret": CREDENTIALS["client_secret"]}
