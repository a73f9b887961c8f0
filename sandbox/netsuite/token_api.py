"""``POST /services/rest/auth/oauth2/v1/token``: OAuth 2.0 client credentials with a JWT client assertion.

Errors are OAuth's ``{"error": "..."}`` with no description, as NetSuite answers (famously terse); the
reason is in the sandbox-only ``X-Sandbox-Reason`` header.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response

from sandbox.netsuite.auth import TOKEN_PATH, TokenError
from sandbox.netsuite.context import base_url, get_sandbox
from sandbox.netsuite.errors import json_response

router = APIRouter()


@router.post(TOKEN_PATH)
async def token(request: Request) -> Response:
    sandbox = get_sandbox(request)
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
    try:
        issued = sandbox.auth.issue_token(form, base_url(request) + TOKEN_PATH)
    except TokenError as exc:
        sandbox.stats.auth_failure(f"token: {exc.reason}")
        return json_response({"error": exc.error}, exc.status, {"X-Sandbox-Reason": exc.reason})
    return json_response(issued, headers={"Cache-Control": "no-store"})
