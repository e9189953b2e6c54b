"""The producers' load: an open-loop fixed rate, or saturation within an in-flight window.

Saturation is closed-loop: `concurrency` producers commit as fast as they can while fewer
than `window` committed events wait for their effect, so the pipeline runs at the most it
sustains end to end instead of piling up an outbox that it never drains.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg

Produce = Callable[[asyncpg.Pool, int], Awaitable[None]]
GATE_POLL_SECONDS = 0.01


class Load:
    """Drives `produce` on `pool` until stopped."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        produce: Produce,
        concurrency: int,
        rate: float | None,
        window: int,
    ) -> None:
        self.pool, self.produce = pool, produce
        self.concurrency, self.rate, self.window = concurrency, rate, window
        self.committed = self.failed = self.applied = 0
        self._issued = 0
        self._stopping = False
        self._gate: asyncpg.Connection | None = None
        self._effects_table = ""

    async def connect_gate(self, admin_dsn: str, effects_table: str) -> None:
        """Watch the consumer's effects table (saturation only)."""
        if self.rate is None:
            self._gate = await asyncpg.connect(admin_dsn)
            self._effects_table = effects_table

    async def run(self) -> None:
        """Produce until `stop()`."""
        if self.rate is None:
            watcher = asyncio.create_task(self._watch_applied())
            try:
                await asyncio.gather(*(self._saturate() for _ in range(self.concurrency)))
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
        else:
            await self._offer(self.rate)

    def stop(self) -> None:
        """Stop producing; units of work in progress finish."""
        self._stopping = True

    async def close(self) -> None:
        """Close the gate's connection."""
        if self._gate is not None:
            await self._gate.close()

    async def _one(self) -> None:
        number = self._issued
        self._issued += 1
        try:
            await self.produce(self.pool, number)
        except (asyncpg.PostgresError, OSError):
            self.failed += 1
        else:
            self.committed += 1

    async def _saturate(self) -> None:
        while not self._stopping:
            if self._issued - self.applied >= self.window:
                await asyncio.sleep(GATE_POLL_SECONDS / 2)
                continue
            await self._one()

    async def _watch_applied(self) -> None:
        assert self._gate is not None
        query = f"SELECT coalesce(max(id), 0) FROM {self._effects_table}"
        while True:
            self.applied = int(await self._gate.fetchval(query))
            await asyncio.sleep(GATE_POLL_SECONDS)

    async def _offer(self, rate: float) -> None:
        """Start one unit of work every 1/rate seconds, whether the last one ended or not."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        running: set[asyncio.Task[None]] = set()
        sent = 0
        while not self._stopping:
            delay = started + sent / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self._one())
            running.add(task)
            task.add_done_callback(running.discard)
            sent += 1
        if running:
            await asyncio.gather(*running)
