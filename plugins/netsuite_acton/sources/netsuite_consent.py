"""NetSuite's side of consent: who is opted out, which records hold an address, and the opt-out write.

``globalsubscriptionstatus`` lives on contacts and customers alike (1 Soft Opt-In, 2 Soft Opt-Out,
3 Confirmed Opt-In, 4 Confirmed Opt-Out). Only the recipient sets the confirmed ones, and nobody changes a
Confirmed Opt-Out: the sync therefore only ever writes Soft Opt-Out (2), and only on records at 1 or 3.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import pandas as pd

from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.hooks.netsuite.hook import PAGE_LIMIT
from netsuite_acton.hooks.netsuite.records import RecordUpdateResult
from netsuite_acton.hooks.netsuite.suiteql import (
    account_local_to_utc,
    render,
    sql_extra_columns,
    sql_identifier,
    sql_int,
    sql_string_list,
    watermark_literal,
)
from netsuite_acton.sources.suiteql_templates import load_template
from netsuite_acton.sync.contract import (
    COMPANY_RECORD,
    CONTACT_RECORD,
    OPT_OUT_STATUSES,
    SOFT_OPT_OUT,
    SUBSCRIPTION_STATUSES,
)

#: Record types that carry a subscription status, in the order they are read.
CONSENT_RECORDS: Final = (CONTACT_RECORD, COMPANY_RECORD)
#: Addresses per lookup query (the IN list stays far below SuiteQL's statement size).
LOOKUP_BATCH: Final = 200
OPTED_OUT_COLUMNS: Final = ("record_type", "id", "email", "status", "lastmodifieddate")
RECORD_COLUMNS: Final = ("record_type", "id", "email", "status", "hard_bounce")


class NetSuiteConsent:
    """Reads opted-out records and records by address; writes Soft Opt-Out and the hard-bounce flag."""

    def __init__(self, hook: NetSuiteHook | None = None, *, suiteql_dir: str | Path | None = None) -> None:
        self.hook = hook or NetSuiteHook()
        self.suiteql_dir = suiteql_dir

    def opted_out_since(
        self, modified_since: datetime | None, *, any_status: bool = False
    ) -> Iterator[pd.DataFrame]:
        """Frames (``OPTED_OUT_COLUMNS``) of contacts and customers at status 2 or 4 changed since a time;
        with ``any_status`` every changed record (a new record may hold an address opted out elsewhere).

        Read by id, a page at a time, so NetSuite's 100,000-result cap never applies to a full resync.
        """
        tz = self.hook.settings.timezone
        template = load_template("opted_out_records", self.suiteql_dir)
        since = watermark_literal(modified_since, tz)
        statuses = sql_string_list(sorted(SUBSCRIPTION_STATUSES if any_status else OPT_OUT_STATUSES))
        for record_type in CONSENT_RECORDS:
            after = 0
            while True:
                query = render(
                    template,
                    record_type=sql_identifier(record_type),
                    statuses=statuses,
                    modified_since=since,
                    after_id=sql_int(after),
                )
                page = self.hook.suiteql(query, limit=PAGE_LIMIT, offset=0)
                items = page.get("items") or []
                if items:
                    frame = _opted_out_frame(record_type, items, tz)
                    if modified_since is not None:  # the literal was widened for DST: trim back
                        frame = frame.loc[
                            frame["lastmodifieddate"] >= pd.Timestamp(modified_since).floor("s")
                        ]
                    yield frame.reset_index(drop=True)
                    after = int(items[-1]["id"])
                if not items or not page.get("hasMore"):
                    break

    def records_by_email(self, emails: Sequence[str], hard_bounce_field: str | None = None) -> pd.DataFrame:
        """Every contact and customer holding one of these (lower-case) addresses (``RECORD_COLUMNS``).

        One query per 200 addresses and record type, up to ``max_concurrency`` of them in flight.
        """
        template = load_template("records_by_email", self.suiteql_dir)
        extra = sql_extra_columns([hard_bounce_field] if hard_bounce_field else [])
        unique = sorted(set(emails))
        batches = [
            (record_type, unique[start : start + LOOKUP_BATCH])
            for record_type in CONSENT_RECORDS
            for start in range(0, len(unique), LOOKUP_BATCH)
        ]

        def lookup(batch: tuple[str, list[str]]) -> list[dict[str, Any]]:
            record_type, addresses = batch
            query = render(
                template,
                record_type=sql_identifier(record_type),
                emails=sql_string_list(addresses),
                extra_columns=extra,
            )
            found: list[dict[str, Any]] = []
            for offset in range(0, 100_000, PAGE_LIMIT):
                page = self.hook.suiteql(query, limit=PAGE_LIMIT, offset=offset)
                found.extend(
                    _record_row(record_type, item, hard_bounce_field) for item in page.get("items") or []
                )
                if not page.get("hasMore"):
                    break
            return found

        workers = max(1, min(self.hook.settings.max_concurrency, len(batches)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="netsuite-lookup") as pool:
            rows = [row for found in pool.map(lookup, batches) for row in found]
        return pd.DataFrame(rows, columns=list(RECORD_COLUMNS), dtype=object)

    def set_soft_opt_out(self, record_type: str, record_ids: Sequence[str]) -> list[RecordUpdateResult]:
        """PATCH ``globalSubscriptionStatus`` to Soft Opt-Out; one outcome per record, failures included."""
        body = {"globalSubscriptionStatus": {"id": SOFT_OPT_OUT}}
        return self.hook.update_records(record_type, [(rid, body) for rid in record_ids])

    def set_checkbox(
        self, record_type: str, record_ids: Sequence[str], field_id: str
    ) -> list[RecordUpdateResult]:
        """PATCH a checkbox custom field to true (the hard-bounce flag); one outcome per record."""
        name = sql_identifier(field_id).text
        return self.hook.update_records(record_type, [(rid, {name: True}) for rid in record_ids])


def _opted_out_frame(record_type: str, items: list[dict[str, Any]], tz: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_type": record_type,
            "id": pd.Series([str(item["id"]) for item in items], dtype=object),
            "email": pd.Series([str(item.get("email") or "") for item in items], dtype=object),
            "status": pd.Series(
                [str(item.get("globalsubscriptionstatus") or "") for item in items], dtype=object
            ),
            "lastmodifieddate": account_local_to_utc([item.get("lastmodifieddate") for item in items], tz),
        },
        columns=list(OPTED_OUT_COLUMNS),
    )


def _record_row(record_type: str, item: dict[str, Any], hard_bounce_field: str | None) -> dict[str, Any]:
    flag = item.get(hard_bounce_field.lower()) if hard_bounce_field else None
    return {
        "record_type": record_type,
        "id": str(item["id"]),
        "email": str(item.get("email") or ""),
        "status": str(item.get("globalsubscriptionstatus") or ""),
        "hard_bounce": str(flag).upper() in ("T", "TRUE") if flag is not None else False,
    }
