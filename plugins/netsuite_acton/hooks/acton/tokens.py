"""Act-On OAuth tokens shared by every task, worker and process through the state store.

Why: Act-On allows 5 password logins per hour, a refresh token works once, and any new token for the same
app and user invalidates the older ones. Logging in per task dies on a busy day; two workers rotating at
once burn the refresh token and force a login. So:

1. fast path: the access token cached in memory, else in the state store (``peek_token``, no lock), used
   while it stays valid for more than ``min_validity`` seconds;
2. otherwise take the token row's write lock (``locked_token``: a PostgreSQL row lock or the SQLite write
   lock), re-check (another worker may have rotated meanwhile), rotate with the refresh token and store
   the new pair in the same transaction;
3. log in with the password only when there is no refresh token or Act-On rejects it (403 invalid_grant).

Tokens are encrypted at rest with Fernet under a key derived (HKDF-SHA256) from the connection's client
secret and password: whoever can read the state database cannot use them without the connection.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from netsuite_acton.state import StateStore

log = logging.getLogger(__name__)

MIN_VALIDITY_SECONDS = 60.0
_HKDF_INFO = b"netsuite-acton/acton-token-cache/v1"


@dataclass(frozen=True)
class Grant:
    """What the token endpoint answered."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime


class RefreshRejectedError(Exception):
    """The refresh token is spent or unknown (403 invalid_grant): only a password login can help now."""


def token_key(base_url: str, client_id: str, username: str) -> str:
    """The token row name: one per (API, app, user), hashed so the row name reveals no account."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{client_id}\n{username}".encode()).hexdigest()
    return f"acton:{digest[:40]}"


class TokenCipher:
    """Fernet encryption with a key derived from the connection's secrets (and salted by the row name)."""

    def __init__(self, client_secret: str, password: str, salt: str) -> None:
        material = f"{client_secret}\0{password}".encode()
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt.encode(), info=_HKDF_INFO)
        self._fernet = Fernet(base64.urlsafe_b64encode(hkdf.derive(material)))

    def encrypt(self, value: str | None) -> str | None:
        return None if value is None else self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str | None) -> str | None:
        """None when absent or not readable with this key (e.g. the password changed): treat as no token."""
        if not value:
            return None
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except (InvalidToken, ValueError):
            return None


class TokenManager:
    """Hands out a valid access token, rotating and logging in as rarely as Act-On's limits demand.

    ``password_grant()`` and ``refresh_grant(refresh_token)`` call the token endpoint (the hook owns the
    transport, the rate limiter and the retries); ``refresh_grant`` raises :class:`RefreshRejectedError` when
    Act-On refuses the refresh token.
    """

    def __init__(
        self,
        state: Callable[[], StateStore],
        name: str,
        cipher: TokenCipher,
        password_grant: Callable[[], Grant],
        refresh_grant: Callable[[str], Grant],
        min_validity: float = MIN_VALIDITY_SECONDS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._state = state
        self.name = name
        self._cipher = cipher
        self._password_grant = password_grant
        self._refresh_grant = refresh_grant
        self._min_validity = timedelta(seconds=min_validity)
        self._now = now
        self._lock = threading.Lock()
        self._access: str | None = None
        self._expires_at: datetime | None = None
        self.password_logins = 0
        self.refreshes = 0

    def access_token(self) -> str:
        """A token valid for more than ``min_validity`` seconds: memory, then the store, then rotate."""
        if self._fresh(self._access, self._expires_at):
            return self._access  # type: ignore[return-value]
        with self._lock:
            if self._fresh(self._access, self._expires_at):
                return self._access  # type: ignore[return-value]
            encrypted, expires_at = self._state().peek_token(self.name)
            access = self._cipher.decrypt(encrypted)
            if self._fresh(access, expires_at):
                return self._remember(access, expires_at)  # type: ignore[arg-type]
            return self._rotate(rejected=None)

    def invalidate(self, rejected: str) -> str:
        """Act-On answered 401 to ``rejected``: get a different token (unless another worker already did)."""
        with self._lock:
            if self._access == rejected:
                self._access, self._expires_at = None, None
            return self._rotate(rejected=rejected)

    def _fresh(self, access: str | None, expires_at: datetime | None) -> bool:
        return bool(access) and expires_at is not None and expires_at - self._now() > self._min_validity

    def _remember(self, access: str, expires_at: datetime | None) -> str:
        self._access, self._expires_at = access, expires_at
        return access

    def _rotate(self, rejected: str | None) -> str:
        """Under the row lock: reuse what another worker stored, else refresh, else log in."""
        with self._state().locked_token(self.name) as slot:
            access = self._cipher.decrypt(slot.access_token)
            if access != rejected and self._fresh(access, slot.expires_at):
                return self._remember(access, slot.expires_at)  # type: ignore[arg-type]
            grant = self._new_grant(self._cipher.decrypt(slot.refresh_token))
            slot.store(
                self._cipher.encrypt(grant.access_token),
                self._cipher.encrypt(grant.refresh_token),
                grant.expires_at,
            )
            return self._remember(grant.access_token, grant.expires_at)

    def _new_grant(self, refresh_token: str | None) -> Grant:
        if refresh_token:
            try:
                grant = self._refresh_grant(refresh_token)
                self.refreshes += 1
                log.info("Act-On access token rotated with the refresh token")
                return grant
            except RefreshRejectedError:
                log.warning("Act-On refused the cached refresh token; falling back to a password login")
        grant = self._password_grant()
        self.password_logins += 1
        log.info("Act-On password login (limited to 5 per hour by Act-On)")
        return grant
