"""Keyset ranges for parallel SuiteQL reads: plan equal-width id ranges, then split the unread tail of a
busy range whenever a worker runs out, so workers finish together whatever the id density.

A range is read page by page as ``id > after AND id <= upper ORDER BY id``. When a worker takes the upper
half of another worker's remaining range, the owner's ``upper`` shrinks; a page already in flight for the
old bound is trimmed to the new one (the rows past it belong to the taker). Every id is read exactly once.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


class KeysetError(RuntimeError):
    """A page's ids did not advance: the query is not ordered by id (it would loop or skip rows)."""


@dataclass(frozen=True)
class IdRange:
    """Ids in ``(after_id, upper_id]``."""

    after_id: int
    upper_id: int


def plan_id_ranges(
    min_id: int | None,
    max_id: int | None,
    count: int,
    workers: int,
    rows_per_range: int = 20_000,
    page_size: int = 1000,
) -> list[IdRange]:
    """Split ``[min_id, max_id]`` into equal-width ranges: one per worker, or one per ``rows_per_range``.

    Narrow ranges keep each query cheap for the server (it counts ``totalResults`` over the whole range
    on every page); each range costs about half a page extra at its end, so they are not made narrower.
    """
    if count <= 0 or min_id is None or max_id is None or max_id < min_id:
        return []
    span = max_id - min_id + 1
    wanted = max(workers, math.ceil(count / rows_per_range))
    n = max(1, min(wanted, math.ceil(count / page_size), span))
    bounds = [min_id - 1 + (span * i) // n for i in range(n + 1)]
    return [IdRange(bounds[i], bounds[i + 1]) for i in range(n)]


@dataclass
class KeysetCursor:
    """A worker's position: the next page reads ``(after, upper]``; ``upper`` may shrink (see module doc)."""

    after: int
    upper: int
    done: bool = False


class RangeSplitter:
    """Thread-safe source of cursors: planned ranges first, then halves of the largest unread tail.

    :param rows_per_id: estimated density (rows / id span) used to judge whether a tail is worth splitting.
    :param min_split_rows: split only tails estimated at this many rows or more (two pages by default), so
        both halves get whole pages.
    """

    def __init__(self, ranges: Sequence[IdRange], rows_per_id: float, min_split_rows: int = 2000) -> None:
        self._pending = deque(ranges)
        self._active: list[KeysetCursor] = []
        self._rows_per_id = rows_per_id
        self._min_split_rows = min_split_rows
        self._lock = threading.Lock()
        self.splits = 0

    def take(self) -> KeysetCursor | None:
        """A cursor to read, or None when nothing is left worth a worker."""
        with self._lock:
            if self._pending:
                planned = self._pending.popleft()
                return self._activate(KeysetCursor(planned.after_id, planned.upper_id))
            victim = max(self._active, key=lambda c: c.upper - c.after, default=None)
            if victim is None or (victim.upper - victim.after) * self._rows_per_id < self._min_split_rows:
                return None
            middle = victim.after + (victim.upper - victim.after) // 2
            tail = KeysetCursor(middle, victim.upper)
            victim.upper = middle
            self.splits += 1
            return self._activate(tail)

    def _activate(self, cursor: KeysetCursor) -> KeysetCursor:
        self._active.append(cursor)
        return cursor

    def bounds(self, cursor: KeysetCursor) -> tuple[int, int] | None:
        """``(after, upper)`` for the cursor's next page, or None when it is finished."""
        with self._lock:
            return None if cursor.done else (cursor.after, cursor.upper)

    def advance(self, cursor: KeysetCursor, after: int, last_id: int | None, has_more: bool) -> int:
        """Record a page read from ``after`` that ended at ``last_id``; return the bound to trim it to.

        Rows with ids above the returned bound belong to another cursor and must be dropped.
        """
        with self._lock:
            upper = cursor.upper
            if last_id is not None and last_id <= after:
                raise KeysetError("page ids did not advance: the SuiteQL must ORDER BY id")
            if last_id is None or not has_more or last_id >= upper:
                cursor.done = True
                self._active.remove(cursor)
            else:
                cursor.after = last_id
            return upper
