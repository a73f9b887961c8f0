"""The account-wide consent lists: opt-outs, hard bounces and spam complaints.

Each is an append-only set of addresses with the instant (epoch ms) and origin of its entry, read in
creation order. Adding an address already there changes nothing (its first timestamp and origin stay), so
re-sending an opt-out is harmless. They suppress sending; they do not touch contact lists, so an opted-out
address stays in every list it is in, as in Act-On.
"""

from __future__ import annotations

import itertools
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from sandbox.acton.emails import email_key
from sandbox.acton.errors import BadParameterError

OPTOUT, HARDBOUNCE, SPAMCOMPLAINT = "optout", "hardbounce", "spamcomplaint"
KINDS = (OPTOUT, HARDBOUNCE, SPAMCOMPLAINT)

#: Below this an instant is taken as epoch seconds: 10^11 ms is March 1973, 10^11 s is the year 5138.
SECONDS_BELOW = 10**11


def instant_ms(value: int | None, name: str) -> int | None:
    """A ``createdafter``/``createdbefore`` value in epoch ms. Act-On's docs disagree on the unit, so the
    sandbox takes both: a value below 10^11 is seconds, anything else milliseconds."""
    if value is None:
        return None
    if value < 0:
        raise BadParameterError(f"{name} must be an epoch time in milliseconds (or seconds), not negative")
    return value * 1000 if value < SECONDS_BELOW else value


@dataclass(frozen=True)
class ConsentEntry:
    email: str
    timestamp: int  # epoch ms
    origin: str

    def as_dict(self) -> dict[str, object]:
        return {"email": self.email, "timestamp": self.timestamp, "origin": self.origin}


class ConsentList:
    """One consent list, kept sorted by timestamp (ties in arrival order) so pages are in creation order
    even when the admin API back-dates an entry."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._lock = threading.Lock()
        self._entries: list[ConsentEntry] = []
        self._by_key: dict[str, ConsentEntry] = {}

    def add(self, email: str, timestamp: int, origin: str) -> bool:
        """Add ``email`` unless it is there already (case-insensitive); True if it was new."""
        key = email_key(email)
        with self._lock:
            if key in self._by_key:
                return False
            entry = ConsentEntry(email.strip(), timestamp, origin)
            self._by_key[key] = entry
            at = bisect_right(self._entries, timestamp, key=_stamp)
            self._entries.insert(at, entry)
            return True

    def page(
        self, offset: int, count: int, after_ms: int | None = None, before_ms: int | None = None
    ) -> list[ConsentEntry]:
        """Entries created strictly after ``after_ms`` and strictly before ``before_ms``, paged."""
        with self._lock:
            entries = self._entries
            start = 0 if after_ms is None else bisect_right(entries, after_ms, key=_stamp)
            end = len(entries) if before_ms is None else bisect_left(entries, before_ms, key=_stamp)
            first = start + offset
            return entries[first : min(end, first + count)]

    def all(self) -> list[ConsentEntry]:
        with self._lock:
            return list(self._entries)

    def __contains__(self, email: str) -> bool:
        return email_key(email) in self._by_key

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_key.clear()


def _stamp(entry: ConsentEntry) -> int:
    return entry.timestamp


class ConsentLists:
    """The three lists of the account, plus numbers for the rejected-records files of opt-out uploads."""

    def __init__(self) -> None:
        self.lists = {kind: ConsentList(kind) for kind in KINDS}
        self._files = itertools.count(1)

    def __getitem__(self, kind: str) -> ConsentList:
        return self.lists[kind]

    def next_file_number(self) -> int:
        return next(self._files)

    def clear(self) -> None:
        for consent_list in self.lists.values():
            consent_list.clear()
