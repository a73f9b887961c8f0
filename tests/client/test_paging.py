"""Offset paging: one stop rule (a short page, or a stated total reached), for every caller."""

from __future__ import annotations

import pytest

from netsuite_acton.client.paging import offset_pages


def _server(rows: int, total: int | None, calls: list[tuple[int, int]]):
    def fetch(offset: int, count: int) -> tuple[list[int], int | None]:
        calls.append((offset, count))
        return list(range(offset, min(offset + count, rows))), total

    return fetch


@pytest.mark.parametrize(
    ("rows", "total", "expected_calls"),
    [
        (25, 25, 3),  # the total is reached on the short last page
        (30, 30, 3),  # total reached on a full page: no extra call
        (30, None, 4),  # no total: the empty fourth page ends it
        (30, -1, 4),  # Act-On's "unknown" total (-1) behaves as no total
        (0, 0, 1),
    ],
)
def test_every_row_once_and_no_needless_call(rows: int, total: int | None, expected_calls: int) -> None:
    calls: list[tuple[int, int]] = []
    pages = list(offset_pages(_server(rows, total, calls), 10))
    assert [row for page in pages for row in page] == list(range(rows))
    assert all(pages), "empty pages are not yielded"
    assert len(calls) == expected_calls
    assert [offset for offset, _ in calls] == [10 * i for i in range(expected_calls)]


def test_a_short_page_ends_the_walk_even_if_the_total_says_more() -> None:
    """A total that overstates (rows deleted meanwhile) must not make the walk spin on empty pages."""
    calls: list[tuple[int, int]] = []
    pages = list(offset_pages(_server(15, 1000, calls), 10))
    assert sum(len(p) for p in pages) == 15
    assert len(calls) == 2


def test_page_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="page_size"):
        list(offset_pages(lambda o, c: ([], None), 0))
