"""Read many keyset ranges at once and stream their pages through a bounded queue.

Each worker takes tasks until the source says there are none (a source may hand out work that appears
while others run, such as the split tail of a range).

Workers block when the consumer is slow, so memory stays flat whatever the row count. The first error
stops everything and is raised in the consumer; closing the iterator early stops the workers too.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class _Done:
    pass


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class _StoppedError(Exception):
    """The consumer went away: a worker drops what it was doing."""


class _Channel(Generic[R]):
    def __init__(self, size: int) -> None:
        self.queue: queue.Queue[R | _Done | _Failed] = queue.Queue(maxsize=size)
        self.stop = threading.Event()

    def put(self, item: R | _Done | _Failed) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _StoppedError

    def drain(self) -> None:
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                return


def read_in_parallel(
    take: Callable[[], T | None],
    read: Callable[[T], Iterable[R]],
    workers: int,
    queue_size: int | None = None,
    thread_name_prefix: str = "netsuite-read",
) -> Iterator[R]:
    """Yield every item of ``read(task)`` for every task ``take()`` hands out, ``workers`` at a time."""
    workers = max(1, workers)
    channel: _Channel[R] = _Channel(queue_size or 2 * workers)

    def work() -> None:
        try:
            while (task := take()) is not None:
                for item in read(task):
                    channel.put(item)
            channel.put(_Done())
        except _StoppedError:
            return
        except BaseException as exc:
            try:
                channel.put(_Failed(exc))
            except _StoppedError:
                return

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=thread_name_prefix)
    try:
        for _ in range(workers):
            pool.submit(work)
        remaining = workers
        while remaining:
            item = channel.queue.get()
            if isinstance(item, _Done):
                remaining -= 1
            elif isinstance(item, _Failed):
                raise item.error
            else:
                yield item
    finally:
        channel.stop.set()
        channel.drain()
        pool.shutdown(wait=True, cancel_futures=True)
