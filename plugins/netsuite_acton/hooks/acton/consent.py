"""Act-On's account-wide consent lists: read opt-outs, hard bounces and spam complaints; add opt-outs.

The three lists page by ``offset``/``count`` (at most 1,000) and always answer ``totalCount: -1``, so a
read ends at the first short page (``client.paging``). ``createdafter`` filters on creation time in a unit
the docs disagree on: the hook sends epoch *seconds*, the unit whose misreading is harmless (read as
milliseconds it means 1970, so the read is merely complete; milliseconds read as seconds would mean the
year 50,000 and return nothing, silently). Entries before the asked time are dropped client-side by their
millisecond ``timestamp``, and callers overlap their window and de-duplicate (see docs/api-notes.md).

Opt-outs are added with one CSV upload of addresses per batch, no heading row (a heading would be counted
as a rejected record). Re-opt-in is a restricted feature: there is deliberately no method for it. Mixed
into :class:`~netsuite_acton.hooks.acton.hook.ActOnHook`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from netsuite_acton.client.paging import offset_pages

ConsentKind = Literal["optout", "hardbounce", "spamcomplaint"]
CONSENT_PAGE: Final = 1000
#: Addresses per opt-out upload (Act-On documents only the 400 MB file limit).
OPTOUT_BATCH: Final = 50_000


@dataclass
class OptOutUpload:
    """What Act-On said about opt-out uploads: addresses processed and records rejected (bad or empty)."""

    processed: int = 0
    rejected: int = 0
    calls: int = 0


class ConsentLists:
    """Consent list reads and opt-out uploads; the host provides ``_call`` and ``_multipart``."""

    _call: Any  # ActOnHook._call: authenticated, rate-limited, retried
    _multipart: Any  # ActOnHook._multipart: a fresh multipart body per attempt

    def consent_entries(
        self, kind: ConsentKind, created_after: datetime | None = None, page_size: int = CONSENT_PAGE
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of ``{"email", "timestamp" (epoch ms), "origin"}``, oldest first, created after a time."""
        params: dict[str, Any] = {}
        floor_ms = 0
        if created_after is not None:
            when = created_after if created_after.tzinfo else created_after.replace(tzinfo=UTC)
            params["createdafter"] = int(when.timestamp())  # seconds: see the module docstring
            floor_ms = int(when.timestamp()) * 1000

        def fetch(offset: int, count: int) -> tuple[list[dict[str, Any]], int | None]:
            page = self._call(
                "GET",
                f"/api/1/list/{kind}",
                what=f"GET /api/1/list/{kind}",
                params={**params, "count": count, "offset": offset},
            ).json()
            return list(page.get("result") or []), None  # totalCount is always -1: never trust it

        for page in offset_pages(fetch, max(1, min(page_size, CONSENT_PAGE))):
            kept = [entry for entry in page if not _timestamp(entry) or _timestamp(entry) >= floor_ms]
            if kept:
                yield kept

    def add_optouts(self, emails: Sequence[str]) -> OptOutUpload:
        """Put these addresses on the account's opt-out list (idempotent: listed ones stay as they were)."""
        outcome = OptOutUpload()
        for start in range(0, len(emails), OPTOUT_BATCH):
            text = io.StringIO()
            csv.writer(text, lineterminator="\r\n").writerows(
                [e] for e in emails[start : start + OPTOUT_BATCH]
            )
            body = self._call(
                "PUT",
                "/api/1/list/optout",
                what="PUT /api/1/list/optout",
                body=self._multipart({}, io.BytesIO(text.getvalue().encode("utf-8"))),
            ).json()
            refused = int(body.get("rejectedRecords") or 0) + int(body.get("emptyRecords") or 0)
            outcome.calls += 1
            outcome.rejected += refused
            outcome.processed += min(len(emails) - start, OPTOUT_BATCH) - refused
        return outcome


def _timestamp(entry: dict[str, Any]) -> int:
    """An entry's creation time in epoch ms (0 when missing: kept, the caller de-duplicates)."""
    try:
        return int(entry.get("timestamp") or 0)
    except (TypeError, ValueError):
        return 0
