"""NetSuite's error answers turned into exceptions that carry its code and detail, never a secret or an email.

NetSuite answers errors as ``{"title", "status", "o:errorDetails": [{"detail", "o:errorCode"}]}`` (record and
SuiteQL APIs) or ``{"error", "error_description"}`` (OAuth 2.0 token endpoint). 429 and 5xx are retriable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests

from netsuite_acton.client.redaction import redact
from netsuite_acton.client.retries import RETRIABLE_STATUS, ApiError, RetriableHTTPError, parse_retry_after

_MAX_DETAIL = 500


class NetSuiteError(ApiError):
    """NetSuite answered with an error: ``status``, ``code`` (``o:errorCode``) and a redacted ``detail``."""

    def __init__(self, status: int | None, code: str | None, detail: str, service: str = "NetSuite") -> None:
        super().__init__(status, code, detail, service)


class NetSuiteRetriableError(RetriableHTTPError, NetSuiteError):
    """A 429/5xx (or a load-induced 401) from NetSuite: the retry policy tries again."""


class NetSuiteAmbiguousError(NetSuiteError):
    """A create (POST) failed after it may have reached NetSuite: a timeout, a dropped connection or a 5xx.

    The record may exist. Never re-send blindly: look the record up first (``sources.netsuite_leads``).
    """


class NetSuiteConfigError(ValueError):
    """The Airflow connection is incomplete or invalid (names the fields, never their values)."""


def parse_error_body(response: requests.Response) -> tuple[str | None, str]:
    """(code, detail) from a NetSuite error body; falls back to the reason phrase for non-JSON answers."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = (response.text or "").strip()[:200]
        return None, f"{response.reason or 'HTTP error'}{': ' + text if text else ''}"
    details = [d for d in body.get("o:errorDetails") or [] if isinstance(d, dict)]
    if details:
        code = details[0].get("o:errorCode") or body.get("o:errorCode")
        detail = "; ".join(str(d.get("detail", "")) for d in details if d.get("detail"))
        return code, detail or str(body.get("title", ""))
    if "error" in body:  # OAuth 2.0 token endpoint
        return str(body["error"]), str(body.get("error_description") or body["error"])
    return body.get("o:errorCode"), str(body.get("title") or body.get("detail") or response.reason)


def error_from_response(
    response: requests.Response, secrets: Iterable[str] = (), retriable: bool | None = None
) -> NetSuiteError:
    """The exception for an error answer: retriable (429/5xx, or as told) or a :class:`NetSuiteError`."""
    code, detail = parse_error_body(response)
    detail = redact(detail, secrets, limit=_MAX_DETAIL)
    status = response.status_code
    if retriable is None:
        retriable = status in RETRIABLE_STATUS
    if retriable:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return NetSuiteRetriableError(status, code, detail, "NetSuite", retry_after)
    return NetSuiteError(status, code, detail)
