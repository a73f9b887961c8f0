"""Parsing of connection fields both hooks share (values typed in the Airflow UI arrive as text)."""

from __future__ import annotations

from typing import Any

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


def tls_verify(value: Any) -> bool | str:
    """The ``verify`` extra for requests: a bool, a "true"/"false" string, or a CA bundle path.

    Missing or blank means verify (TLS verification is on unless someone turns it off explicitly).
    """
    if isinstance(value, bool):
        return value
    if value is None or str(value).strip() == "":
        return True
    text = str(value).strip()
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    return text
