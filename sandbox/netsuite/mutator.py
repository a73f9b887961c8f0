"""The mutator: while enabled, K random contacts per second change (title and lastmodifieddate).

It models colleagues editing NetSuite while a sync runs, which is where incremental extractions lose
records (airbyte issue #79653). Changes are spread over ten ticks a second so they interleave with pages,
and each one is logged with a sequence number so a test can check that every change was picked up.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import Any

import numpy as np

from sandbox.netsuite.settings import RuntimeConfig
from sandbox.netsuite.stats import Stats
from sandbox.netsuite.store import Store

TICK_SECONDS = 0.1
LOG_SIZE = 100_000


class Mutator:
    """Background task; ``mutator_per_second`` in the runtime config switches it on (> 0) and off (0)."""

    def __init__(self, store: Store, runtime: RuntimeConfig, stats: Stats, seed: int) -> None:
        self.store = store
        self.runtime = runtime
        self.stats = stats
        self.rng = np.random.default_rng(seed + 1)
        self.log: deque[tuple[int, int, int]] = deque(maxlen=LOG_SIZE)  # (seq, contact id, epoch)
        self.seq = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="netsuite-mutator")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        carry = 0.0
        while True:
            await asyncio.sleep(TICK_SECONDS)
            rate = self.runtime.mutator_per_second
            if rate <= 0:
                carry = 0.0
                continue
            carry += rate * TICK_SECONDS
            k = int(carry)
            carry -= k
            if k:
                await self.mutate(k)

    async def mutate(self, k: int) -> list[int]:
        now = int(time.time())
        ids = await self.store.run(self.store.mutate_random, k, now, self.rng)
        for contact_id in ids:
            self.seq += 1
            self.log.append((self.seq, contact_id, now))
        self.stats.mutated += len(ids)
        return ids

    def since(self, seq: int = 0) -> dict[str, Any]:
        items = [
            {"seq": s, "id": i, "lastmodifieddate": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))}
            for s, i, t in self.log
            if s > seq
        ]
        return {"last_seq": self.seq, "count": len(items), "items": items}
