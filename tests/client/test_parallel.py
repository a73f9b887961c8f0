"""The bounded parallel reader: every task's output once, the first error raised, backpressure."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TypeVar

import pytest

from netsuite_acton.client.parallel import read_in_parallel

T = TypeVar("T")


def tasks_from(tasks: Iterable[T]) -> Callable[[], T | None]:
    """A thread-safe ``take`` over a fixed list of tasks (production takes from the range splitter)."""
    pending = deque(tasks)
    lock = threading.Lock()

    def take() -> T | None:
        with lock:
            return pending.popleft() if pending else None

    return take


def test_read_in_parallel_yields_everything_once() -> None:
    tasks = [(i * 10, i * 10 + 10) for i in range(20)]
    out = list(read_in_parallel(tasks_from(tasks), lambda r: range(r[0] + 1, r[1] + 1), workers=4))
    assert sorted(out) == list(range(1, 201))


def test_read_in_parallel_raises_the_first_error() -> None:
    def read(task: int) -> list[int]:
        if task == 3:
            raise RuntimeError("boom")
        return [task]

    with pytest.raises(RuntimeError, match="boom"):
        list(read_in_parallel(tasks_from(range(10)), read, workers=2))


def test_read_in_parallel_is_bounded_and_stops_when_closed() -> None:
    produced = []

    def read(task: int):
        for i in range(1000):
            produced.append(i)
            yield i

    stream = read_in_parallel(tasks_from([1, 2, 3]), read, workers=3, queue_size=2)
    next(stream)
    time.sleep(0.2)
    assert len(produced) <= 3 + 2 + 3  # one in hand per worker, the queue, the one consumed
    stream.close()
    settled = len(produced)
    time.sleep(0.3)
    assert len(produced) == settled
