"""Offset paging with one stop rule, for every API that pages by ``offset`` and ``count``.

Stop at the first short page (fewer items than asked, an empty one included); stop earlier when the
server states a total (``>= 0``) and the offset has reached it. Act-On's lists state a total; its opt-out
lists answer ``totalCount: -1`` (unknown), and then only the short page ends the walk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

#: fetch(offset, count) -> (items of that page, the total the server states or None)
PageFetcher = Callable[[int, int], tuple[list[T], int | None]]


def offset_pages(fetch: PageFetcher[T], page_size: int) -> Iterator[list[T]]:
    """Every non-empty page, in order, until the stop rule says the last one has come."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    offset = 0
    while True:
        items, total = fetch(offset, page_size)
        if items:
            yield items
        offset += len(items)
        if len(items) < page_size or (total is not None and 0 <= total <= offset):
            return
