"""SuiteQL contact rows (strings, "T"/"F", account-local TO_CHAR datetimes) → the hook's contact DataFrame.

NetSuite omits null columns from an item, so every column is read with ``.get``; missing text is None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from netsuite_acton.hooks.suiteql import account_local_to_utc

TEXT_COLUMNS = (
    "entityid",
    "firstname",
    "middlename",
    "lastname",
    "email",
    "phone",
    "mobilephone",
    "officephone",
    "title",
)
CONTACT_COLUMNS = (
    "id",
    *TEXT_COLUMNS,
    "company",
    "companyname",
    "stage",
    "isinactive",
    "datecreated",
    "lastmodifieddate",
)
#: customer.searchstage → the stage the sync routes on.
STAGES = {"customer": "CUSTOMER", "prospect": "PROSPECT", "lead": "LEAD"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _column(items: Sequence[Mapping[str, Any]], name: str) -> list[str | None]:
    return [_text(item.get(name)) for item in items]


def _stage(value: Any) -> str | None:
    return STAGES.get(str(value).strip().lower()) if value is not None else None


def _text_series(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype=object)


def contacts_frame(items: Sequence[Mapping[str, Any]], tz: ZoneInfo) -> pd.DataFrame:
    """Build the typed frame: ids as str, stage normalised, isinactive bool, datetimes in UTC."""
    data: dict[str, pd.Series] = {"id": _text_series(_column(items, "id"))}
    for name in TEXT_COLUMNS:
        data[name] = _text_series(_column(items, name))
    data["company"] = _text_series(_column(items, "company"))
    data["companyname"] = _text_series(_column(items, "companyname"))
    data["stage"] = _text_series([_stage(item.get("searchstage")) for item in items])
    data["isinactive"] = pd.Series(
        [item.get("isinactive") in ("T", True, "true") for item in items], dtype=bool
    )
    data["datecreated"] = account_local_to_utc(_column(items, "datecreated"), tz)
    data["lastmodifieddate"] = account_local_to_utc(_column(items, "lastmodifieddate"), tz)
    return pd.DataFrame(data, columns=list(CONTACT_COLUMNS))


def empty_contacts_frame() -> pd.DataFrame:
    """A zero-row frame with the contact schema (for callers that must write a file even when idle)."""
    return contacts_frame([], ZoneInfo("UTC"))
