"""Act-On's two error shapes: ``{"errorCode", "message"}`` for the API, OAuth's for ``/token``.

Codes from API_FACTS.md: 10003 file missing, 10004 invalid list, 10008 invalid contact (record id), 10010
undefined column, 10017 bad job id, 10025 invalid merge destination, 10088 merge column missing, 10162 contact
not found (lookup; Act-On's HTTP status for it is unconfirmed, the sandbox answers 400). Where Act-On
documents no code (bad parameters, 429, 413, 5xx, the refused opt-in) the sandbox uses the HTTP status as
the code, so clients must key on the HTTP status.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

FILE_MISSING = 10003
INVALID_LIST = 10004
INVALID_CONTACT = 10008
UNDEFINED_COLUMN = 10010
BAD_JOB_ID = 10017
INVALID_MERGE_DESTINATION = 10025
MERGE_COLUMN_MISSING = 10088
CONTACT_NOT_FOUND = 10162


class ActOnError(Exception):
    """An API failure answered as ``{"errorCode": code, "message": message}`` with ``status``."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class BadParameterError(ActOnError):
    """A malformed request parameter; Act-On documents no code for it."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class OAuthError(Exception):
    """A token-endpoint or bearer failure answered as ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


def error_response(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"errorCode": code, "message": message}, status_code=status)


def oauth_response(status: int, error: str, description: str) -> JSONResponse:
    headers = {"WWW-Authenticate": f'Bearer error="{error}"'} if status == 401 else None
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def install_handlers(app: FastAPI) -> None:
    """Answer our exceptions in Act-On's shapes instead of FastAPI's ``{"detail": ...}``."""

    async def on_acton(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ActOnError)
        return error_response(exc.status, exc.code, exc.message)

    async def on_oauth(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OAuthError)
        return oauth_response(exc.status, exc.error, exc.description)

    app.add_exception_handler(ActOnError, on_acton)
    app.add_exception_handler(OAuthError, on_oauth)
