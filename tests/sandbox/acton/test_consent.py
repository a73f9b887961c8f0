"""The consent lists' storage: idempotent adds, creation order, strict time bounds in ms or seconds."""

from __future__ import annotations

import pytest

from sandbox.acton.consent import ConsentList, ConsentLists, instant_ms
from sandbox.acton.errors import BadParameterError

T = 1_567_639_147_559  # epoch ms, as in Act-On's docs


def test_instant_ms_takes_milliseconds_and_seconds() -> None:
    assert instant_ms(T, "createdafter") == T
    assert instant_ms(T // 1000, "createdafter") == (T // 1000) * 1000
    assert instant_ms(99_999_999_999, "x") == 99_999_999_999_000  # below 10^11: seconds
    assert instant_ms(100_000_000_000, "x") == 100_000_000_000  # from 10^11 (March 1973): milliseconds
    assert instant_ms(None, "x") is None
    with pytest.raises(BadParameterError):
        instant_ms(-1, "createdbefore")


def test_adding_again_keeps_the_first_entry() -> None:
    optouts = ConsentList("optout")
    assert optouts.add(" Ada@Example.com ", T, "first")
    assert not optouts.add("ada@example.com", T + 5, "second")
    (entry,) = optouts.all()
    assert entry.as_dict() == {"email": "Ada@Example.com", "timestamp": T, "origin": "first"}
    assert "ADA@example.com" in optouts


def test_entries_come_in_creation_order_even_when_back_dated() -> None:
    optouts = ConsentList("optout")
    optouts.add("b@x.co", T + 2, "o")
    optouts.add("c@x.co", T + 2, "o")
    optouts.add("a@x.co", T + 1, "o")
    assert [e.email for e in optouts.all()] == ["a@x.co", "b@x.co", "c@x.co"]


def test_pages_and_strict_bounds() -> None:
    optouts = ConsentList("optout")
    for n in range(5):
        optouts.add(f"p{n}@x.co", T + n, "o")
    assert [e.email for e in optouts.page(1, 2)] == ["p1@x.co", "p2@x.co"]
    assert [e.email for e in optouts.page(4, 2)] == ["p4@x.co"]
    assert optouts.page(9, 2) == []
    assert [e.email for e in optouts.page(0, 10, after_ms=T + 1)] == ["p2@x.co", "p3@x.co", "p4@x.co"]
    assert [e.email for e in optouts.page(0, 10, before_ms=T + 1)] == ["p0@x.co"]
    assert [e.email for e in optouts.page(1, 10, after_ms=T, before_ms=T + 4)] == ["p2@x.co", "p3@x.co"]
    assert optouts.page(0, 10, after_ms=T + 3, before_ms=T + 2) == []


def test_the_three_lists_are_separate_and_clear_together() -> None:
    lists = ConsentLists()
    lists["optout"].add("a@x.co", T, "o")
    lists["hardbounce"].add("b@x.co", T, "o")
    assert "a@x.co" not in lists["hardbounce"]
    assert lists["spamcomplaint"].all() == []
    assert (lists.next_file_number(), lists.next_file_number()) == (1, 2)
    lists.clear()
    assert all(not lists[kind].all() for kind in ("optout", "hardbounce", "spamcomplaint"))
