"""Contacts and companies deleted in NetSuite since a watermark (SuiteQL ``DeletedRecord``).

Deleted contacts leave the Act-On lists; contacts of deleted companies are read again (NetSuite empties
their company without touching their ``lastmodifieddate``). What ``type``/``recordtypeid`` hold for these
record types is not documented, so rows are matched on either (see ``docs/api-notes.md``). A role that may
not read the table is not a reason to stop the sync: the reader says so and a ``full_refresh`` reconciles.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd

from netsuite_acton.client.paging import offset_pages
from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.hooks.netsuite.errors import NetSuiteError
from netsuite_acton.hooks.netsuite.hook import PAGE_LIMIT, RESULT_CAP
from netsuite_acton.hooks.netsuite.suiteql import account_local_to_utc, render, watermark_literal
from netsuite_acton.sources.suiteql_templates import load_template
from netsuite_acton.sync.contract import COMPANY_RECORD, CONTACT_RECORD

log = logging.getLogger(__name__)

#: recordtypeid of NetSuite's standard entity types (-6 contact, -2 customer), for rows whose type is blank.
RECORD_TYPE_IDS: Final = {"-6": CONTACT_RECORD, "-2": COMPANY_RECORD}
DELETION_COLUMNS: Final = ("recordid", "record_type", "deleteddate")


class DeletionsUnreadableError(RuntimeError):
    """NetSuite refused the DeletedRecord query (permission, or the table is not exposed to this role)."""


class NetSuiteDeletions:
    """Reads deletions of contacts and customers, oldest first."""

    def __init__(self, hook: NetSuiteHook | None = None, *, suiteql_dir: str | Path | None = None) -> None:
        self.hook = hook or NetSuiteHook()
        self.suiteql_dir = suiteql_dir

    def since(self, modified_since: datetime | None) -> pd.DataFrame:
        """Deleted contacts and customers (``DELETION_COLUMNS``; ids as str, dates UTC) since a time.

        Raises :class:`DeletionsUnreadableError` when NetSuite refuses the query itself.
        """
        tz = self.hook.settings.timezone
        query = render(
            load_template("deleted_records", self.suiteql_dir),
            modified_since=watermark_literal(modified_since, tz),
        )

        def fetch(offset: int, count: int) -> tuple[list[dict[str, Any]], int | None]:
            if offset + count > RESULT_CAP:
                raise RuntimeError(
                    f"more than {RESULT_CAP:,} deletions since the watermark: run once with full_refresh"
                )
            page = self.hook.suiteql(query, limit=count, offset=offset)
            return page.get("items") or [], page.get("totalResults")

        items: list[dict[str, Any]] = []
        try:
            for page in offset_pages(fetch, PAGE_LIMIT):
                items.extend(page)
        except NetSuiteError as exc:
            if exc.status not in (400, 403):
                raise
            raise DeletionsUnreadableError(f"NetSuite refused the DeletedRecord query: {exc}") from exc
        frame = deletions_frame(items, tz)
        if modified_since is not None:
            frame = frame.loc[frame["deleteddate"] >= pd.Timestamp(modified_since).floor("s")]
        return frame.reset_index(drop=True)


def deletions_frame(items: list[dict[str, Any]], tz: Any) -> pd.DataFrame:
    """Contact and customer rows only, typed; other record types (transactions, custom records) dropped."""
    types = [_record_type(item) for item in items]
    frame = pd.DataFrame(
        {
            "recordid": pd.Series([str(item.get("recordid") or "") for item in items], dtype=object),
            "record_type": pd.Series(types, dtype=object),
            "deleteddate": account_local_to_utc([item.get("deleteddate") for item in items], tz),
        },
        columns=list(DELETION_COLUMNS),
    )
    return frame.loc[frame["record_type"].notna() & frame["recordid"].ne("")].reset_index(drop=True)


def _record_type(item: dict[str, Any]) -> str | None:
    kind = str(item.get("type") or "").strip().lower()
    if kind in (CONTACT_RECORD, COMPANY_RECORD):
        return kind
    return RECORD_TYPE_IDS.get(str(item.get("recordtypeid") or "").strip())
