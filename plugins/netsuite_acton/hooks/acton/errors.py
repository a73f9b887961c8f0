"""Exceptions of the Act-On hook: they carry Act-On's status, code and message, never a secret."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from netsuite_acton.client.retries import ApiError, RetriableHTTPError
from netsuite_acton.errors import PermanentSyncError


class ActOnError(ApiError):
    """Act-On refused a call: HTTP status, Act-On's ``errorCode`` (or OAuth ``error``) and message."""

    def __init__(self, status: int | None, code: str | None, detail: str, service: str = "Act-On") -> None:
        super().__init__(status, code, detail, service)


class ActOnRetriableError(RetriableHTTPError, ActOnError):
    """A 429 or 5xx from Act-On: retried with backoff; raised as is once the attempts run out."""


class ActOnAmbiguousError(ActOnError):
    """A non-idempotent call failed in a way that leaves unknown whether Act-On applied it."""


class ActOnHeadingsMismatchError(ActOnError, PermanentSyncError):
    """A list's headings do not match the mapping: a person must change the list or the YAML."""

    def __init__(self, detail: str) -> None:
        super().__init__(None, "HEADINGS_MISMATCH", detail)


class ActOnQuotaExhaustedError(ActOnError, PermanentSyncError):
    """Act-On's daily call quota is spent: nothing succeeds before it resets at the next UTC midnight."""

    def __init__(self, detail: str, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        self.resets_at = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        hours, rest = divmod(int((self.resets_at - now).total_seconds()), 3600)
        super().__init__(
            429,
            "DAILY_QUOTA",
            f"{detail}; the quota resets at {self.resets_at:%Y-%m-%d %H:%M} UTC "
            f"(in {hours}h{rest // 60:02d}m): retrying before then only fails again",
        )
