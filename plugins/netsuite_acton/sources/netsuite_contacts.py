"""NetSuite people as the sync's contact frames: contacts, and individuals (customer records that are
people), each read by keyset through its own templates, typed, chunked.

SuiteQL rows come as strings, "T"/"F" and account-local TO_CHAR datetimes; NetSuite omits null columns
from an item, so every column is read with ``.get`` and missing text is None. Individuals get the person
key ``customer:<id>`` (``sync.contract.individual_key``) so they never collide with a contact's id.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
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
from netsuite_acton.sync.contract import CONTACT_COLUMNS, INDIVIDUAL_PREFIX, STAGES, TEXT_COLUMNS

log = logging.getLogger(__name__)

#: The datetime columns of the contact contract (TO_CHAR text in the account time zone).
DATETIME_COLUMNS = ("datecreated", "lastmodifieddate", "companymodified")
#: Ids per ``contacts_by_id`` query: one page (NetSuite returns up to 1000 rows) and a short query text.
IDS_PER_QUERY = 500
#: customer.searchstage ('Customer', 'Prospect', 'Lead', any case) → the contract's stage.
SEARCH_STAGES = {stage.lower(): stage for stage in STAGES}


@dataclass(frozen=True)
class PeopleKind:
    """One kind of NetSuite record synced as a person: its templates and its person-key prefix."""

    name: str
    keyset_template: str
    bounds_template: str
    by_id_template: str
    key_prefix: str = ""

    @property
    def templates(self) -> tuple[str, str]:
        """The templates that return rows (they must select the same columns)."""
        return self.keyset_template, self.by_id_template

    def record_id(self, key: str) -> int | None:
        """The record id behind a person key of this kind, else None."""
        if self.key_prefix:
            own = key.startswith(self.key_prefix)
            key = key[len(self.key_prefix) :]
        else:
            own = ":" not in key
        return int(sql_int(key).text) if own else None


CONTACTS = PeopleKind("contacts", "contacts", "contacts_bounds", "contacts_by_id")
INDIVIDUALS = PeopleKind(
    "individuals", "individuals", "individuals_bounds", "individuals_by_id", INDIVIDUAL_PREFIX
)


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
    """People of one kind (contacts by default) modified since a watermark, each exactly once, as typed
    frames of bounded size.

    :param hook: the NetSuite hook to read through (default: one on ``netsuite_conn_id``).
    :param suiteql_dir: folder of the kind's templates (default ``include/suiteql``, or
        ``$NETSUITE_ACTON_SUITEQL_DIR``).
    :param extra_columns: columns beyond the contract to keep (the mapping's custom fields), as text.
    :param kind: :data:`CONTACTS` or :data:`INDIVIDUALS`.
    """

    def __init__(
        self,
        hook: NetSuiteHook | None = None,
        *,
        netsuite_conn_id: str = "netsuite_default",
        suiteql_dir: str | Path | None = None,
        extra_columns: Sequence[str] = (),
        kind: PeopleKind = CONTACTS,
    ) -> None:
        self.hook = hook or NetSuiteHook(netsuite_conn_id=netsuite_conn_id)
        self.suiteql_dir = suiteql_dir
        self.extra_columns = tuple(extra_columns)
        self.kind = kind

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
        template = load_template(self.kind.keyset_template, self.suiteql_dir)
        started = time.monotonic()
        bounds = self._bounds(since)
        if bounds is None:
            log.info("No %s modified since %s", self.kind.name, modified_since or "the beginning")
            return
        pages = self.hook.read_keyset_pages(template, *bounds, modified_since=since)
        rows = 0
        for frame in self._frames(pages, chunk_rows, modified_since):
            rows += len(frame)
            yield frame
        elapsed = max(time.monotonic() - started, 1e-9)
        log.info(
            "Extracted %d %s in %.1fs (%.0f rows/s; this hook so far: %d requests, %d throttled)",
            rows,
            self.kind.name,
            elapsed,
            rows / elapsed,
            self.hook.limiter.requests_sent,
            self.hook.limiter.throttled_count,
        )

    def by_ids(self, keys: Iterable[str | int], chunk_rows: int = 10_000) -> Iterator[pd.DataFrame]:
        """The people of this kind among these person keys, as they are now (records NetSuite no longer
        has are simply absent), same columns as :meth:`extract`: people to look at again although they did
        not change. Keys of another kind are ignored. One query per 500 ids."""
        template = load_template(self.kind.by_id_template, self.suiteql_dir)
        wanted = sorted({i for i in (self.kind.record_id(str(key)) for key in keys) if i is not None})
        pages = (
            self.hook.suiteql(render(template, ids=sql_int_list(batch)), limit=PAGE_LIMIT).get("items") or []
            for batch in (wanted[i : i + IDS_PER_QUERY] for i in range(0, len(wanted), IDS_PER_QUERY))
        )
        yield from self._frames(pages, chunk_rows, None)

    def _bounds(self, since: SqlLiteral) -> tuple[int, int, int] | None:
        """(min id, max id, count) of the contacts to read, from the planning template."""
        query = render(load_template(self.kind.bounds_template, self.suiteql_dir), modified_since=since)
        bounds = (self.hook.suiteql(query, limit=1).get("items") or [{}])[0]
        count = int(bounds.get("n") or 0)
        if count == 0 or bounds.get("min_id") is None:
            return None
        min_id, max_id = int(bounds["min_id"]), int(bounds["max_id"])
        log.info(
            "Extracting about %d %s (ids %d..%d) with %d workers",
            count,
            self.kind.name,
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
        if self.kind.key_prefix:
            frame["id"] = self.kind.key_prefix + frame["id"]
        if modified_since is not None:
            # NetSuite shows whole seconds (12:00:00.7 reads 12:00:00): compare to the second.
            threshold = pd.Timestamp(modified_since).floor("s")
            recent = (frame["lastmodifieddate"] >= threshold) | (frame["companymodified"] >= threshold)
            frame = frame[recent].reset_index(drop=True)
        if len(frame):
            yield frame


class NetSuitePeople:
    """Everyone the forward sync puts in lists: contacts, and individuals when ``include_individuals``,
    read through one hook (one concurrency budget, one call count), kinds one after the other."""

    def __init__(
        self,
        hook: NetSuiteHook | None = None,
        *,
        netsuite_conn_id: str = "netsuite_default",
        suiteql_dir: str | Path | None = None,
        extra_columns: Sequence[str] = (),
        include_individuals: bool = True,
    ) -> None:
        self.hook = hook or NetSuiteHook(netsuite_conn_id=netsuite_conn_id)
        kinds = (CONTACTS, INDIVIDUALS) if include_individuals else (CONTACTS,)
        self.sources = [
            NetSuiteContacts(self.hook, suiteql_dir=suiteql_dir, extra_columns=extra_columns, kind=kind)
            for kind in kinds
        ]

    @property
    def templates(self) -> tuple[str, ...]:
        """Every template that returns rows: they must all select the same columns."""
        return tuple(name for source in self.sources for name in source.kind.templates)

    @property
    def calls_made(self) -> int:
        """NetSuite requests sent through the shared hook, for the run report."""
        return self.hook.calls_made

    def extract(
        self, modified_since: datetime | None = None, chunk_rows: int = 10_000
    ) -> Iterator[pd.DataFrame]:
        """Every person modified at or after ``modified_since``: see :meth:`NetSuiteContacts.extract`."""
        for source in self.sources:
            yield from source.extract(modified_since=modified_since, chunk_rows=chunk_rows)

    def by_ids(self, keys: Iterable[str], chunk_rows: int = 10_000) -> Iterator[pd.DataFrame]:
        """These people (person keys of any kind) as they are now."""
        keys = list(keys)
        for source in self.sources:
            yield from source.by_ids(keys, chunk_rows=chunk_rows)
