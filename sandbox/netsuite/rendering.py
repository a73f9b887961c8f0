"""How SuiteQL values appear in an item: every value a string, NULL columns left out.

Shared by the Python renderer (:func:`sandbox.netsuite.suiteql.render_items`) and the SQL one, which builds
each item's JSON text inside SQLite and calls :func:`item_member` only for values it cannot render itself.
"""

from __future__ import annotations

import json
from typing import Any

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def render_value(value: Any) -> str:
    """A non-NULL value as NetSuite sends it: a string (whole floats without ``.0``)."""
    if type(value) is str:
        return value
    if type(value) is float:
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def item_member(name: str, value: Any) -> str:
    """``,"name":"value"`` as the JSON encoder writes it, or ``''`` for NULL (SQL function)."""
    if value is None:
        return ""
    return f",{_encode(name)}:{_encode(render_value(value))}"
