"""Record API helpers: the per-record PATCH outcome, id validation (and a create's new id from its
``Location``), and frames turned into JSON updates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from netsuite_acton.hooks.netsuite.suiteql import sql_identifier, sql_int


@dataclass(frozen=True)
class RecordUpdateResult:
    """The outcome of one PATCH: ``ok``, or NetSuite's status, error code and (redacted) detail."""

    record_type: str
    record_id: str
    ok: bool
    status: int | None
    error_code: str | None = None
    detail: str | None = None


def validate_record_type(record_type: str) -> str:
    """Record types go into URLs: identifiers only (``contact``, ``customer``, ``customrecord_x``)."""
    return sql_identifier(record_type).text


def validate_record_id(record_id: object) -> str:
    """Internal ids are positive integers (``12`` or ``"12"``); anything else never reaches a URL."""
    text = sql_int(record_id).text
    if int(text) <= 0:
        raise ValueError("record id must be a positive integer")
    return text


def id_from_location(location: str | None, record_type: str) -> str:
    """The new record's id from a create's ``Location`` (``.../record/v1/customer/647``)."""
    path = urlsplit(location or "").path.rstrip("/")
    kind, _, last = path.rpartition("/")
    if not kind.endswith(f"/{record_type}"):
        raise ValueError(f"the create answered without a {record_type} Location header")
    return validate_record_id(last)


def jsonable(value: Any) -> Any:
    """NaN/None → null (clears the field); numpy scalars → Python; timestamps → ISO-8601; whole floats → int.

    NetSuite refuses ``87.0`` for an integer field and accepts ``87`` for a decimal one, so a whole number
    always goes out as an integer, whichever path (pairs or a frame) the caller used.
    """
    if isinstance(value, dict | list):
        return value
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    return value


def updates_from_frame(frame: pd.DataFrame) -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, fields) pairs from a frame with an ``id`` column; every other column is a field to set."""
    if "id" not in frame.columns:
        raise ValueError("the updates frame needs an 'id' column")
    fields = [column for column in frame.columns if column != "id"]
    for row in frame.itertuples(index=False, name=None):
        record = dict(zip(frame.columns, row, strict=True))
        yield str(record["id"]), {name: jsonable(record[name]) for name in fields}
