"""NetSuite's error shapes, in one place, so every route fails the way the real REST services do.

REST errors are RFC 9457-like problem documents with NetSuite's ``o:errorDetails`` list
(Oracle §section_156570709583); the 429 body is the one reported for REST in API_FACTS.md.
"""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import Response

_TYPES = {
    400: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
    401: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2",
    403: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4",
    404: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.5",
    405: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.6",
    429: "https://www.rfc-editor.org/rfc/rfc6585.html#section-4",
    500: "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.6.1",
}
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
}

INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)
SEARCH_ERROR_PREFIX = (
    "Invalid search query. Detailed unprocessed description follows. Search error occurred: "
)


class NetSuiteError(Exception):
    """Raised anywhere in a NetSuite route; turned into NetSuite's JSON error body by :func:`error_response`.

    ``reason`` is sandbox-only: sent as ``X-Sandbox-Reason`` to help debugging (NetSuite itself only
    says more in its Login Audit Trail); clients must never depend on it.
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        path: str | None = None,
        query_param: str | None = None,
        headers: dict[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.path = path
        self.query_param = query_param
        self.headers = dict(headers or {})
        self.reason = reason


def error_body(
    status: int, code: str, detail: str, *, path: str | None = None, query_param: str | None = None
) -> dict[str, object]:
    item: dict[str, object] = {"detail": detail}
    if query_param:
        item["o:errorQueryParam"] = query_param
    if path:
        item["o:errorPath"] = path
    item["o:errorCode"] = code
    return {
        "type": _TYPES.get(status, _TYPES[400]),
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "o:errorDetails": [item],
    }


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON without FastAPI's jsonable_encoder: the 1000-row pages are on the hot path."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def raw_json_response(text: str, status: int = 200) -> Response:
    """A body that is already JSON text."""
    return Response(text, status_code=status, media_type="application/json")


def error_response(exc: NetSuiteError) -> Response:
    headers = dict(exc.headers)
    if exc.reason:
        headers["X-Sandbox-Reason"] = exc.reason
    body = error_body(exc.status, exc.code, exc.detail, path=exc.path, query_param=exc.query_param)
    return json_response(body, exc.status, headers)


async def handle_netsuite_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NetSuiteError)
    return error_response(exc)


def search_error(message: str) -> NetSuiteError:
    """A SuiteQL 400 worded as NetSuite words it, naming what is wrong."""
    return NetSuiteError(400, "INVALID_PARAMETER", SEARCH_ERROR_PREFIX + message, query_param="q")


def concurrency_body() -> dict[str, object]:
    """The 429 body reported for REST (API_FACTS.md, Governance), verbatim in shape."""
    return {
        "type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1",
        "title": "Bad Request",
        "status": 429,
        "o:errorCode": "USER_ERROR",
        "o:errorDetails": [
            {
                "detail": "Concurrent request limit exceeded. Request blocked.",
                "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED",
            }
        ],
    }


def unauthorized(reason: str, realm: str, scheme: str = "OAuth") -> NetSuiteError:
    """401 INVALID_LOGIN_ATTEMPT with a ``WWW-Authenticate`` challenge, whatever the actual cause."""
    challenge = f'{scheme} realm="{realm}", error="invalid_token", error_description="Invalid login attempt."'
    return NetSuiteError(
        401,
        "INVALID_LOGIN_ATTEMPT",
        INVALID_LOGIN_DETAIL,
        headers={"WWW-Authenticate": challenge},
        reason=reason,
    )
