"""Contact lists in memory, shaped for million-row merges.

A list keeps its rows as lists of strings in heading order, plus parallel arrays of record numbers and
modification times, and a dict from merge key (trimmed, lower-case email) to the position of the first
row with that email. Record ids are ``<listId>:<n>`` with ``n`` stable for the life of the record and never
reused: ``next_number`` only grows, so a record deleted and later merged again comes back under a new id.
Record numbers ascend with position (rows are only appended, and deletions keep the order), so a record id
is found by binary search.
"""

from __future__ import annotations

import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sandbox.acton.emails import email_key
from sandbox.acton.errors import INVALID_LIST, MERGE_COLUMN_MISSING, UNDEFINED_COLUMN, ActOnError

EMAIL_HEADINGS = ("e-mail address", "email address", "email", "e-mail")


def now_ms() -> int:
    return int(time.time() * 1000)


def find_email_heading(headings: list[str], declared: str | None = None) -> str:
    """The heading holding emails: the declared one, else the first conventional email heading."""
    if declared:
        if declared not in headings:
            raise ActOnError(MERGE_COLUMN_MISSING, f"Email column {declared!r} is not among the headings")
        return declared
    lowered = {h.lower(): h for h in headings}
    for name in EMAIL_HEADINGS:
        if name in lowered:
            return lowered[name]
    raise ActOnError(MERGE_COLUMN_MISSING, "No email column: name one 'E-mail Address' or declare it EMAIL")


def check_headings(headings: list[str]) -> None:
    if not headings or any(not h for h in headings):
        raise ActOnError(UNDEFINED_COLUMN, "Every column needs a non-empty heading")
    if len(set(headings)) != len(headings):
        raise ActOnError(UNDEFINED_COLUMN, "Duplicate column headings")


@dataclass
class ContactList:
    """One Act-On contact list. Hold ``lock`` while reading or changing rows."""

    id: str
    name: str
    folder: str
    headings: list[str]
    email_heading: str
    score_field: str
    rows: list[list[str]] = field(default_factory=list)
    numbers: array = field(default_factory=lambda: array("q"))
    modified: array = field(default_factory=lambda: array("q"))
    keys: dict[str, int] = field(default_factory=dict)
    next_number: int = 1
    last_modified: int = field(default_factory=now_ms)
    version: int = 0
    _keys_stale: bool = field(default=False, repr=False)
    _modified_cache: tuple[tuple[int, int] | None, list[int]] = field(default=(None, []), repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def email_index(self) -> int:
        return self.headings.index(self.email_heading)

    def __len__(self) -> int:
        return len(self.rows)

    def record_id(self, position: int) -> str:
        return f"{self.id}:{self.numbers[position]}"

    def column(self, heading: str) -> int:
        try:
            return self.headings.index(heading)
        except ValueError:
            raise ActOnError(UNDEFINED_COLUMN, f"Undefined column: {heading}") from None

    def values_from(self, mapping: dict[str, object]) -> list[tuple[int, str]]:
        """``(column, text)`` pairs of a record ``{heading: value}``; 10010 for an unknown heading."""
        return [
            (self.column(heading), "" if value is None else str(value)) for heading, value in mapping.items()
        ]

    def position_of(self, number: int) -> int | None:
        """The position of the live record numbered ``number``, or ``None`` (never was, or deleted)."""
        position = bisect_left(self.numbers, number)
        return position if position < len(self.numbers) and self.numbers[position] == number else None

    def find(self, email: str) -> int | None:
        return self._index().get(email_key(email))

    def _index(self) -> dict[str, int]:
        """The email index, rebuilt first if deletions shifted positions since it was built."""
        if self._keys_stale:
            self.reindex()
        return self.keys

    def append(self, row: list[str], stamp: int) -> int:
        """Add a row (in heading order); the first row of an email stays the one the key points to."""
        position = len(self.rows)
        self.rows.append(row)
        self.numbers.append(self.next_number)
        self.modified.append(stamp)
        self.next_number += 1
        self._index().setdefault(email_key(row[self.email_index]), position)
        self.last_modified = stamp
        self.version += 1
        return position

    def insert(self, values: Iterable[tuple[int, str]]) -> int:
        """Append a record given as ``(column, text)`` pairs; missing columns are empty."""
        row = [""] * len(self.headings)
        for column, value in values:
            row[column] = value
        return self.append(row, now_ms())

    def update(self, position: int, values: Iterable[tuple[int, str]], put_empty: bool, stamp: int) -> bool:
        """Overwrite columns of one row; empty values only with ``put_empty``. True if anything changed."""
        row = self.rows[position]
        changed = False
        for index, value in values:
            if (value or put_empty) and row[index] != value:
                row[index] = value
                changed = True
        if changed:
            self.modified[position] = stamp
            self.last_modified = stamp
            self.version += 1
        return changed

    def modified_after(self, stamp: int) -> list[int]:
        """Positions of rows changed after ``stamp`` (ms); cached per list version, since clients page
        through the same filter a thousand rows at a time."""
        key = (stamp, self.version)
        if self._modified_cache[0] != key:
            self._modified_cache = (key, [p for p, m in enumerate(self.modified) if m > stamp])
        return self._modified_cache[1]

    def keep_only(self, keep: Iterable[int]) -> int:
        """Drop every row whose position is not in ``keep`` (REPLACE); return how many were dropped."""
        kept = sorted(set(keep))
        dropped = len(self.rows) - len(kept)
        if dropped:
            self.rows = [self.rows[p] for p in kept]
            self.numbers = array("q", (self.numbers[p] for p in kept))
            self.modified = array("q", (self.modified[p] for p in kept))
            self._reshaped()
        return dropped

    def remove(self, positions: Iterable[int]) -> int:
        """Delete the rows at ``positions`` (API record deletes, at most 100 a call); return how many.

        Deleting in place costs a memmove per row, cheaper than rebuilding a million-row list for a handful.
        """
        gone = sorted(set(positions), reverse=True)
        for position in gone:
            del self.rows[position]
            del self.numbers[position]
            del self.modified[position]
        if gone:
            self._reshaped()
        return len(gone)

    def _reshaped(self) -> None:
        """Rows were removed: positions moved. The email index is rebuilt lazily (at the next find or
        append), so a run of bulk deletes pays for one rebuild, not one per call."""
        self._keys_stale = True
        self.last_modified = now_ms()
        self.version += 1

    def reindex(self) -> None:
        email = self.email_index
        self.keys = {}
        for position, row in enumerate(self.rows):
            self.keys.setdefault(email_key(row[email]), position)
        self._keys_stale = False

    def add_column(self, heading: str) -> int:
        self.headings.append(heading)
        for row in self.rows:
            row.append("")
        self.version += 1
        return len(self.headings) - 1

    def summary(self) -> dict[str, object]:
        """The entry of ``GET /api/1/list``."""
        return {
            "id": self.id,
            "name": self.name,
            "folderName": self.folder,
            "listingType": "CONTACT_LIST",
            "size": len(self.rows),
            "tsLastModified": self.last_modified,
        }


class ListStore:
    """All lists of the account, with Act-On style ids ``l-0001``, ``l-0002``..."""

    def __init__(self, default_score_field: Callable[[], str]) -> None:
        self.default_score_field = default_score_field
        self._lists: dict[str, ContactList] = {}
        self._next = 1
        self._lock = threading.Lock()

    def create(
        self,
        name: str,
        headings: list[str],
        folder: str = "",
        email_heading: str | None = None,
        score_field: str | None = None,
    ) -> ContactList:
        check_headings(headings)
        email = find_email_heading(headings, email_heading)
        with self._lock:
            list_id = f"l-{self._next:04d}"
            self._next += 1
            contact_list = ContactList(
                list_id,
                name,
                folder or "Uploaded Lists",
                list(headings),
                email,
                score_field or self.default_score_field(),
            )
            self._lists[list_id] = contact_list
        return contact_list

    def get(self, list_id: str) -> ContactList:
        try:
            return self._lists[list_id]
        except KeyError:
            raise ActOnError(INVALID_LIST, f"Invalid list: {list_id}") from None

    def all(self) -> list[ContactList]:
        return list(self._lists.values())

    def clear(self) -> None:
        with self._lock:
            self._lists.clear()
            self._next = 1
