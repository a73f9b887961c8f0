"""Paging parameters and the collection envelope shared by SuiteQL and the record-API listing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from sandbox.netsuite.errors import NetSuiteError

MAX_PAGE = 1000


def parse_paging(limit: str | None, offset: str | None, default_limit: int = MAX_PAGE) -> tuple[int, int]:
    """``limit`` in 1..1000 and ``offset`` >= 0, or NetSuite's 400 naming the parameter."""
    try:
        limit_value = default_limit if limit in (None, "") else int(str(limit))
        if not 1 <= limit_value <= MAX_PAGE:
            raise ValueError
    except ValueError as exc:
        raise NetSuiteError(
            400,
            "INVALID_PARAMETER",
            f"Invalid 'limit' parameter value: {limit}. The value must be an integer between "
            f"1 and {MAX_PAGE}.",
            query_param="limit",
        ) from exc
    try:
        offset_value = 0 if offset in (None, "") else int(str(offset))
        if offset_value < 0:
            raise ValueError
    except ValueError as exc:
        raise NetSuiteError(
            400,
            "INVALID_PARAMETER",
            f"Invalid 'offset' parameter value: {offset}. The value must be a non-negative integer.",
            query_param="offset",
        ) from exc
    return limit_value, offset_value


def check_offset_in_range(offset: int, total: int) -> None:
    """An offset at or past the end of a non-empty result is refused (conservative model, see README)."""
    if total and offset >= total:
        raise NetSuiteError(
            400,
            "INVALID_PARAMETER",
            f"Invalid 'offset' parameter value: {offset}. The offset must be lower than the "
            f"total number of results ({total}).",
            query_param="offset",
        )


def envelope(
    url: str,
    items: list[dict[str, Any]],
    limit: int,
    offset: int,
    total: int,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``{"links", "count", "hasMore", "items", "offset", "totalResults"}`` with NetSuite's link relations."""

    def link(rel: str, at: int) -> dict[str, str]:
        return {"rel": rel, "href": f"{url}?{urlencode({**(extra or {}), 'limit': limit, 'offset': at})}"}

    has_more = offset + len(items) < total
    last = max(0, (total - 1) // limit * limit)
    links = []
    if offset > 0:
        links.append(link("previous", max(0, offset - limit)))
    links.append(link("first", 0))
    if has_more:
        links.append(link("next", offset + limit))
    links.append(link("last", last))
    links.append(link("self", offset))
    return {
        "links": links,
        "count": len(items),
        "hasMore": has_more,
        "items": items,
        "offset": offset,
        "totalResults": total,
    }


def envelope_json(url: str, items_json: list[str], limit: int, offset: int, total: int) -> str:
    """:func:`envelope` as compact JSON text, with items given as JSON texts already."""
    body = envelope(url, items_json, limit, offset, total)
    body["items"] = []
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    # '"items":[]' cannot occur inside a JSON string (its quotes would be escaped): the first one is ours
    return text.replace('"items":[]', '"items":[' + ",".join(items_json) + "]", 1)
