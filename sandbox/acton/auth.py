"""OAuth 2.0 as Act-On runs it: ``POST /token`` with password and refresh grants, bearer checks.

The unpleasant parts are the point: at most ``logins_per_hour`` password grants per app and user in any
hour (refresh grants are not counted), refresh tokens work once, and issuing any token invalidates every
older access and refresh token of that app and user. Access tokens expire ``token_ttl`` seconds after
issue, judged against the current setting so an admin can expire live tokens by lowering it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox.acton.errors import OAuthError
from sandbox.acton.settings import Settings
from sandbox.acton.stats import Stats

HOUR = 3600.0
Key = tuple[str, str]  # (client id, username)


@dataclass
class Grant:
    access_token: str
    refresh_token: str
    issued: float


class TokenRegistry:
    """Issued tokens and recent password logins, per app and user."""

    def __init__(self, settings: Settings, stats: Stats, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.stats = stats
        self.clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self, tokens: bool = False) -> None:
        """Forget recent logins; with ``tokens`` also every issued token."""
        with self._lock:
            self._logins: dict[Key, deque[float]] = {}
            if tokens or not hasattr(self, "_current"):
                self._current: dict[Key, Grant] = {}
                self._access: dict[str, Key] = {}
                self._refresh: dict[str, Key] = {}

    def password_grant(self, client_id: str, client_secret: str, username: str, password: str) -> dict:
        self._check_client(client_id, client_secret)
        if not (
            secrets.compare_digest(username, self.settings.username)
            and secrets.compare_digest(password, self.settings.password)
        ):
            self.stats.add("password_logins_refused")
            raise OAuthError(403, "invalid_grant", "Wrong email or password.")
        key = (client_id, username)
        with self._lock:
            now = self.clock()
            recent = self._logins.setdefault(key, deque())
            while recent and recent[0] <= now - HOUR:
                recent.popleft()
            if len(recent) >= self.settings.logins_per_hour:
                self.stats.add("password_logins_refused")
                raise OAuthError(
                    403,
                    "invalid_grant",
                    f"Login limit reached: at most {self.settings.logins_per_hour} password "
                    "logins per hour; use the refresh token",
                )
            recent.append(now)
            self.stats.add("password_logins")
            return self._issue(key, now)

    def refresh_grant(self, client_id: str, client_secret: str, refresh_token: str) -> dict:
        self._check_client(client_id, client_secret)
        with self._lock:
            key = self._refresh.get(refresh_token)
            if key is None or key[0] != client_id:
                self.stats.add("refresh_grants_refused")
                raise OAuthError(403, "invalid_grant", "Unknown or invalid refresh token.")
            self.stats.add("refresh_grants")
            return self._issue(key, self.clock())

    def check_access(self, token: str) -> None:
        """Raise a 401 unless ``token`` is the live access token of some app and user."""
        with self._lock:
            key = self._access.get(token)
            grant = self._current.get(key) if key else None
        if grant is None:
            raise OAuthError(401, "invalid_token", "The access token is invalid or has been replaced.")
        if self.clock() >= grant.issued + self.settings.token_ttl:
            raise OAuthError(401, "invalid_token", "The access token has expired.")

    def _check_client(self, client_id: str, client_secret: str) -> None:
        if not (
            secrets.compare_digest(client_id, self.settings.client_id)
            and secrets.compare_digest(client_secret, self.settings.client_secret)
        ):
            raise OAuthError(401, "access_denied", "Unauthorized")

    def _issue(self, key: Key, now: float) -> dict:
        """New token pair; the old pair of this app and user stops working (caller holds the lock)."""
        old = self._current.get(key)
        if old:
            self._access.pop(old.access_token, None)
            self._refresh.pop(old.refresh_token, None)
        grant = Grant(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now)
        self._current[key] = grant
        self._access[grant.access_token] = key
        self._refresh[grant.refresh_token] = key
        return {
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
            "token_type": "Bearer",
            "expires_in": int(self.settings.token_ttl),
            "scope": "PRODUCTION",
        }


router = APIRouter()


@router.post("/token")
async def token(request: Request) -> JSONResponse:
    """Form-urlencoded, as Act-On wants; unknown grant types get OAuth's ``unsupported_grant_type``."""
    form = await request.form()
    values = {k: str(v) for k, v in form.items()}
    registry: TokenRegistry = request.app.state.sandbox.tokens
    grant_type = values.get("grant_type", "")
    client = (values.get("client_id", ""), values.get("client_secret", ""))
    if grant_type == "password":
        body = registry.password_grant(*client, values.get("username", ""), values.get("password", ""))
    elif grant_type == "refresh_token":
        body = registry.refresh_grant(*client, values.get("refresh_token", ""))
    else:
        raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type or '(none)'}")
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def require_token(request: Request) -> None:
    """FastAPI dependency of every ``/api/1`` route: a live bearer token or a 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise OAuthError(401, "invalid_token", "Missing bearer token.")
    request.app.state.sandbox.tokens.check_access(token.strip())
