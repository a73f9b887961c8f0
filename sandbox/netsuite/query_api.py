"""``POST /services/rest/query/v1/suiteql``: NetSuite's SuiteQL endpoint (Oracle §section_158394344595).

Checks, in NetSuite's order of visibility: auth, ``Prefer: transient`` (required; conservative model,
see README), ``limit``/``offset``, the 100,000-result cap (offset + limit beyond it is a 400: page by key),
the body ``{"q": ...}``, then the query itself.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from sandbox.netsuite.context import authenticated, base_url, get_sandbox
from sandbox.netsuite.errors import NetSuiteError, json_response, raw_json_response
from sandbox.netsuite.paging import check_offset_in_range, envelope, envelope_json, parse_paging
from sandbox.netsuite.suiteql import MAX_RESULTS, render_items

router = APIRouter()
PATH = "/services/rest/query/v1/suiteql"


@router.post(PATH, dependencies=[Depends(authenticated)])
async def suiteql(request: Request, limit: str | None = None, offset: str | None = None) -> Response:
    sandbox = get_sandbox(request)
    if sandbox.runtime.require_transient and "transient" not in request.headers.get("prefer", "").lower():
        raise NetSuiteError(
            400, "USER_ERROR", "SuiteQL queries must be sent with the header 'Prefer: transient'."
        )
    limit_value, offset_value = parse_paging(limit, offset)
    if offset_value + limit_value > MAX_RESULTS:
        raise NetSuiteError(
            400,
            "INVALID_PARAMETER",
            f"Invalid 'offset' parameter value: {offset_value}. "
            f"A SuiteQL query returns at most {MAX_RESULTS} "
            "results (offset + limit must not exceed it); narrow the query, e.g. page by id.",
            query_param="offset",
        )
    query = await _query_text(request)
    translation = sandbox.translator.translate(query)
    page = await sandbox.store.run(sandbox.runner.page, translation, limit_value, offset_value, True)
    check_offset_in_range(offset_value, page.total)
    url = base_url(request) + PATH
    if page.json:  # items rendered by SQLite, already JSON text: splice them into the envelope
        items_json = page.items_json()
        sandbox.stats.suiteql_rows += len(items_json)
        return raw_json_response(envelope_json(url, items_json, limit_value, offset_value, page.total))
    items = render_items(translation.columns, page.rows)
    sandbox.stats.suiteql_rows += len(items)
    return json_response(envelope(url, items, limit_value, offset_value, page.total))


async def _query_text(request: Request) -> str:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError as exc:
        raise NetSuiteError(400, "INVALID_CONTENT", "The request body is not valid JSON.") from exc
    if not isinstance(body, dict) or not isinstance(body.get("q"), str):
        raise NetSuiteError(
            400, "INVALID_CONTENT", 'The request body must be a JSON object {"q": "<SuiteQL>"}.'
        )
    return body["q"]
