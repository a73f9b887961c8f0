"""Tunable behaviour of the Act-On sandbox: CLI defaults, and what ``POST /_sandbox/config`` may change.

The credentials are fake and public on purpose: a newcomer runs the project without asking anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

DEFAULT_CLIENT_ID = "sandbox-client"
DEFAULT_CLIENT_SECRET = "sandbox-secret"
DEFAULT_USERNAME = "marketing@example.com"
DEFAULT_PASSWORD = "sandbox-password"
DEFAULT_SCORE_FIELD = "Act-On score"


@dataclass
class Settings:
    """Everything the sandbox can be told; the admin API updates the mutable part at run time."""

    host: str = "127.0.0.1"
    port: int = 0
    latency_ms: float = 0.0
    rate_per_second: int = 5
    daily_quota: int = 30_000
    logins_per_hour: int = 5
    token_ttl: float = 3600.0
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    max_upload_mb: float = 400.0
    job_seconds: float = 2.0
    score_field: str = DEFAULT_SCORE_FIELD
    seed_lists: tuple[str, ...] = ()
    seed_records: int = 0

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)


#: Settings the admin API may change while the sandbox runs (credentials and sockets may not).
RUNTIME_SETTINGS = frozenset(
    {
        "latency_ms",
        "rate_per_second",
        "daily_quota",
        "logins_per_hour",
        "token_ttl",
        "max_upload_mb",
        "job_seconds",
        "score_field",
    }
)


def update_settings(settings: Settings, changes: dict[str, object]) -> dict[str, object]:
    """Apply the runtime-changeable keys of ``changes``, coerced to each field's type; return them."""
    types = {f.name: type(getattr(settings, f.name)) for f in fields(settings)}
    applied: dict[str, object] = {}
    for key, value in changes.items():
        if key in RUNTIME_SETTINGS:
            applied[key] = types[key](value)
            setattr(settings, key, applied[key])
    return applied
