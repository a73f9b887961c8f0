"""Apply the rows of an upload to a list, in one of Act-On's five merge modes.

UPSERT updates the row with the same email or appends; UPDATE_ONLY only updates; APPEND appends every row,
duplicates included; APPEND_NO_DUPLICATES appends only emails not yet in the list; REPLACE upserts and then
deletes every row whose email was not in the file. Rows with a bad email or the wrong number of fields are
handed to ``reject`` with the reason, never dropped silently.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass

from sandbox.acton.emails import email_problem
from sandbox.acton.errors import UNDEFINED_COLUMN, ActOnError
from sandbox.acton.store import ContactList, now_ms

MODES = ("UPSERT", "UPDATE_ONLY", "APPEND", "APPEND_NO_DUPLICATES", "REPLACE")
BATCH = 5000  # rows applied per hold of the list lock, so downloads and polls are not starved

Reject = Callable[[list[str], str], None]


@dataclass
class MergeResult:
    """The counts of a finished job; the first five are what Act-On reports in ``details``."""

    listId: str  # noqa: N815 - Act-On's key
    appendCount: int = 0  # noqa: N815
    updateCount: int = 0  # noqa: N815
    failedCount: int = 0  # noqa: N815
    rejectedCount: int = 0  # noqa: N815
    skippedCount: int = 0  # noqa: N815 - sandbox extra: rows the mode left alone
    deletedCount: int = 0  # noqa: N815 - sandbox extra: rows REPLACE removed

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def column_order(list_headings: list[str], file_headings: list[str]) -> list[int] | None:
    """Where each list heading sits in the file; ``None`` when the order is already the list's.

    No column mapping, as in Act-On: the file must have exactly the list's headings (in any order).
    """
    unknown = [h for h in file_headings if h not in list_headings]
    if unknown:
        raise ActOnError(UNDEFINED_COLUMN, f"Undefined column: {unknown[0]}")
    missing = [h for h in list_headings if h not in file_headings]
    if missing:
        raise ActOnError(
            UNDEFINED_COLUMN,
            f"Column missing from the file: {missing[0]}; the upload must have exactly the list's headings",
        )
    if len(set(file_headings)) != len(file_headings):
        raise ActOnError(UNDEFINED_COLUMN, "Duplicate column headings in the file")
    if file_headings == list_headings:
        return None
    return [file_headings.index(h) for h in list_headings]


def merge_rows(
    target: ContactList,
    rows: Iterable[list[str]],
    mode: str,
    put_empty: bool,
    reject: Reject,
    order: list[int] | None = None,
) -> MergeResult:
    """Apply ``rows`` (data rows in file order) to ``target`` and count what happened."""
    if mode not in MODES:
        raise ValueError(f"unknown merge mode {mode}")
    result = MergeResult(target.id)
    seen: set[int] = set()  # record numbers, not positions: API deletes between batches shift positions
    width = len(target.headings)
    stream: Iterator[list[str]] = iter(rows)
    while batch := list(itertools.islice(stream, BATCH)):
        stamp = now_ms()
        with target.lock:
            email_at = target.email_index
            for raw in batch:
                if len(raw) != width:
                    result.failedCount += 1
                    reject(raw, f"Expected {width} fields, found {len(raw)}")
                    continue
                row = raw if order is None else [raw[i] for i in order]
                email = row[email_at] = row[email_at].strip()
                problem = email_problem(email)
                if problem:
                    result.rejectedCount += 1
                    reject(raw, problem)
                    continue
                _apply(target, row, mode, put_empty, stamp, result, seen)
    if mode == "REPLACE":
        with target.lock:
            result.deletedCount = target.keep_only(p for p, n in enumerate(target.numbers) if n in seen)
    return result


def _apply(
    target: ContactList,
    row: list[str],
    mode: str,
    put_empty: bool,
    stamp: int,
    result: MergeResult,
    seen: set[int],
) -> None:
    position = None if mode == "APPEND" else target.find(row[target.email_index])
    if position is None:
        if mode == "UPDATE_ONLY":
            result.skippedCount += 1
            return
        seen.add(target.numbers[target.append(row, stamp)])
        result.appendCount += 1
    elif mode == "APPEND_NO_DUPLICATES":
        result.skippedCount += 1
    else:
        target.update(position, enumerate(row), put_empty, stamp)
        seen.add(target.numbers[position])
        result.updateCount += 1
