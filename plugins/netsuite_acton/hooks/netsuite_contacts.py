"""SuiteQL contact rows (strings, "T"/"F", account-local TO_CHAR datetimes) → the hook's contact DataFrame.

NetSuite omits null columns from an item, so every column is read with ``.get``; missing text is None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from netsuite_acton.hooks.suiteql import account_local_to_utc
from netsuite_acton.sync.contract import CONTACT_COLUMNS, TEXT_COLUMNS

#: customer.searchstage → the stage the sync routes on.
STAGES = {"customer": "CUSTOMER", "prospect": "PROSPECT", "lead": "LEAD"}


def _strings(values: list[Any]) -> pd.Series:
    """Object column of str/None; the per-value conversion runs only if a non-string slipped in."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        values = [value if value is None or isinstance(value, str) else str(value) for value in values]
    return pd.Series(values, dtype=object)


def _stages(values: list[Any]) -> pd.Series:
    """'Customer'/'Prospect'/'Lead' (any case, padded) → CUSTOMER/PROSPECT/LEAD; anything else → None."""
    mapped = _strings(values).str.strip().str.lower().map(STAGES)
    return mapped.astype(object).where(mapped.notna(), None)


def contacts_frame(items: Sequence[Mapping[str, Any]], tz: ZoneInfo) -> pd.DataFrame:
    """Build the typed frame: ids as str, stage normalised, isinactive bool, datetimes in UTC.

    Runs for every row extracted, so each column is one list comprehension plus vectorised pandas.
    """

    def column(name: str) -> list[Any]:
        return [item.get(name) for item in items]

    data = {name: _strings(column(name)) for name in ("id", *TEXT_COLUMNS, "company")}
    data["stage"] = _stages(column("searchstage"))
    data["isinactive"] = pd.Series(
        [item.get("isinactive") in ("T", True, "true") for item in items], dtype=bool
    )
    data["datecreated"] = account_local_to_utc(column("datecreated"), tz)
    data["lastmodifieddate"] = account_local_to_utc(column("lastmodifieddate"), tz)
    return pd.DataFrame(data, columns=list(CONTACT_COLUMNS))
