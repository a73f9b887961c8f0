"""NetSuite contacts as the sync's contact frames: the contacts templates read by keyset, typed, chunked.

SuiteQL rows come as strings, "T"/"F" and account-local TO_CHAR datetimes; NetSuite omits null columns
from an item, so every column is read with ``.get`` and missing text is None.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from netsuite_acton.hooks.netsuite import NetSuiteHook
from netsuite_acton.hooks.netsuite.hook import PAGE_LIMIT
from netsuite_acton.hooks.netsuite.suiteql import (
    SqlLiteral,
    account_local_to_utc,
    render,
    sql_int,
    sql_int_list,
    watermark_literal,
)
from netsuite_acton.sources.suiteql_templates import load_template
from netsuite_acton.sync.contract import CONTACT_COLUMNS, STAGES, TEXT_COLUMNS

log = logging.getLogger(__name__)

#: The datetime columns of the contact contract (TO_CHAR text in the account time zone).
DATETIME_COLUMNS = ("datecreated", "lastmodifieddate", "companymodified")
#: Ids per ``contacts_by_id`` query: one page (NetSuite returns up to 1000 rows) and a short query text.
IDS_PER_QUERY = 500
#: customer.searchstage ('Customer', 'Prospect', 'Lead', any case) → the contract's stage.
SEARCH_STAGES = {stage.lower(): stage for stage in STAGES}


def _strings(values: list[Any]) -> pd.Series:
    """Object column of str/None; the per-value conversion runs only if a non-string slipped in."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        values = [value if value is None or isinstance(value, str) else str(value) for value in values]
    return pd.Series(values, dtype=object)


def _stages(values: list[Any]) -> pd.Series:
    """'Customer'/'Prospect'/'Lead' (any case, padded) → CUSTOMER/PROSPECT/LEAD; anything else → None.

    Decided once per distinct value (a page holds a handful), not per row.
    """
    stage_of = {v: SEARCH_STAGES.get(str(v).strip().lower()) if v is not None else None for v in set(values)}
    return pd.Series([stage_of[v] for v in values], dtype=object)


def contacts_frame(
    items: Sequence[Mapping[str, Any]], tz: ZoneInfo, extra_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Build the typed frame: ids as str, stage normalised, isinactive bool, datetimes in UTC; then the
    ``extra_columns`` the mapping names beyond the contract (custom fields), as text (missing: None).

    Runs for every row extracted, so each column is one list comprehension plus vectorised pandas.
    """

    def column(name: str) -> list[Any]:
        return [item.get(name) for item in items]

    data = {
        name: _strings(column(name)) for name in ("id", *TEXT_COLUMNS, "company", "globalsubscriptionstatus")
    }
    data["stage"] = _stages(column("searchstage"))
    data["isinactive"] = pd.Series(
        [item.get("isinactive") in ("T", True, "true") for item in items], dtype=bool
    )
    # one conversion for the three datetime columns: its fixed cost (about 1 ms) is paid once a page
    stamps = account_local_to_utc([v for name in DATETIME_COLUMNS for v in column(name)], tz).array
    for index, name in enumerate(DATETIME_COLUMNS):
        data[name] = pd.Series(stamps[index * len(items) : (index + 1) * len(items)])
    for name in extra_columns:
        data[name] = _strings(column(name))
    return pd.DataFrame(data, columns=[*CONTACT_COLUMNS, *extra_columns])


class NetSuiteContacts:
    """Contacts modified since a watermark, each exactly once, as typed frames of bounded size.

    :param hook: the NetSuite hook to read through (default: one on ``netsuite_conn_id``).
    :param suiteql_dir: folder of the ``contacts`` and ``contacts_bounds`` templates (default
        ``include/suiteql``, or ``$NETSUITE_ACTON_SUITEQL_DIR``).
    :param extra_columns: columns beyond the contract to keep (the mapping's custom fields), as text.
    """

    def __init__(
        self,
        hook: NetSuiteHook | None = None,
        *,
        netsuite_conn_id: str = "netsuite_default",
        suiteql_dir: str | Path | None = None,
        extra_columns: Sequence[str] = (),
    ) -> None:
        self.hook = hook or NetSuiteHook(netsuite_conn_id=netsuite_conn_id)
        self.suiteql_dir = suiteql_dir
        self.extra_columns = tuple(extra_columns)

    @property
    def calls_made(self) -> int:
        """NetSuite requests sent through this source's hook, for the run report."""
        return self.hook.calls_made

    def extract(
        self, modified_since: datetime | None = None, chunk_rows: int = 10_000
    ) -> Iterator[pd.DataFrame]:
        """Every contact modified at or after ``modified_since`` (UTC-aware; None = all), each exactly once.

        Yields frames of at most ``chunk_rows`` rows (columns: :data:`CONTACT_COLUMNS`; ids as str, stage
        CUSTOMER/PROSPECT/LEAD or None, datetimes UTC), in no particular order, and nothing when no contact
        matches. Id ranges are read in parallel by keyset (``c.id > :last ORDER BY c.id``), so NetSuite's
        100,000-result cap never truncates, and pages stream through a bounded queue, so memory stays flat.

        Watermark contract: a contact modified *during* the extraction may or may not be in this output.
        The caller records the time *before* calling this, and passes that time minus a lookback as the next
        ``modified_since``; then every such contact comes out next run (de-duplicate by id downstream).
        """
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be at least 1")
        since = watermark_literal(modified_since, self.hook.settings.timezone)
        template = load_template("contacts", self.suiteql_dir)
        started = time.monotonic()
        bounds = self._bounds(since)
        if bounds is None:
            log.info("No contacts modified since %s", modified_since or "the beginning")
            return
        pages = self.hook.read_keyset_pages(template, *bounds, modified_since=since)
        rows = 0
        for frame in self._frames(pages, chunk_rows, modified_since):
            rows += len(frame)
            yield frame
        elapsed = max(time.monotonic() - started, 1e-9)
        log.info(
            "Extracted %d contacts in %.1fs (%.0f rows/s; this hook so far: %d requests, %d throttled)",
            rows,
            elapsed,
            rows / elapsed,
            self.hook.limiter.requests_sent,
            self.hook.limiter.throttled_count,
        )

    def by_ids(self, ids: Iterable[str | int], chunk_rows: int = 10_000) -> Iterator[pd.DataFrame]:
        """These contacts as they are now (ids NetSuite no longer has are simply absent), same columns as
        :meth:`extract`: contacts to look at again although they did not change. One query per 500 ids."""
        template = load_template("contacts_by_id", self.suiteql_dir)
        wanted = sorted({int(sql_int(i).text) for i in ids})
        pages = (
            self.hook.suiteql(render(template, ids=sql_int_list(batch)), limit=PAGE_LIMIT).get("items") or []
            for batch in (wanted[i : i + IDS_PER_QUERY] for i in range(0, len(wanted), IDS_PER_QUERY))
        )
        yield from self._frames(pages, chunk_rows, None)

    def _bounds(self, since: SqlLiteral) -> tuple[int, int, int] | None:
        """(min id, max id, count) of the contacts to read, from the planning template."""
        query = render(load_template("contacts_bounds", self.suiteql_dir), modified_since=since)
        bounds = (self.hook.suiteql(query, limit=1).get("items") or [{}])[0]
        count = int(bounds.get("n") or 0)
        if count == 0 or bounds.get("min_id") is None:
            return None
        min_id, max_id = int(bounds["min_id"]), int(bounds["max_id"])
        log.info(
            "Extracting about %d contacts (ids %d..%d) with %d workers",
            count,
            min_id,
            max_id,
            self.hook.settings.max_concurrency,
        )
        return min_id, max_id, count

    def _frames(
        self, pages: Iterable[list], chunk_rows: int, modified_since: datetime | None
    ) -> Iterator[pd.DataFrame]:
        buffer: list[dict[str, Any]] = []
        for items in pages:
            buffer.extend(items)
            while len(buffer) >= chunk_rows:
                chunk, buffer = buffer[:chunk_rows], buffer[chunk_rows:]
                yield from self._frame(chunk, modified_since)
        if buffer:
            yield from self._frame(buffer, modified_since)

    def _frame(self, items: list[dict[str, Any]], modified_since: datetime | None) -> Iterator[pd.DataFrame]:
        """Typed frame of one chunk, minus rows the DST margin let in (contact and company both older)."""
        frame = contacts_frame(items, self.hook.settings.timezone, self.extra_columns)
        if modified_since is not None:
            # NetSuite shows whole seconds (12:00:00.7 reads 12:00:00): compare to the second.
            threshold = pd.Timestamp(modified_since).floor("s")
            recent = (frame["lastmodifieddate"] >= threshold) | (frame["companymodified"] >= threshold)
            frame = frame[recent].reset_index(drop=True)
        if len(frame):
            yield frame
