"""Exceptions of the Act-On hook: they carry Act-On's status, code and message, never a secret."""

from __future__ import annotations

from netsuite_acton.hooks.retries import ApiError, RetriableHTTPError


class ActOnError(ApiError):
    """Act-On refused a call: HTTP status, Act-On's ``errorCode`` (or OAuth ``error``) and message."""

    def __init__(self, status: int | None, code: str | None, detail: str, service: str = "Act-On") -> None:
        super().__init__(status, code, detail, service)


class ActOnRetriableError(RetriableHTTPError, ActOnError):
    """A 429 or 5xx from Act-On: retried with backoff; raised as is once the attempts run out."""


class ActOnAmbiguousError(ActOnError):
    """A non-idempotent call failed in a way that leaves unknown whether Act-On applied it."""
