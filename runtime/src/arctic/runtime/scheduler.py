"""The scheduler: moves due events from `scheduled_events` into the outbox, once each.

A round claims due rows `FOR UPDATE SKIP LOCKED`, emits each event through the outbox and
deletes the row in the same transaction; two replicas never fire the same row, and a crash
before commit leaves the row for the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

import asyncpg

from arctic.contracts.registry import model_for
from arctic.runtime import metrics
from arctic.runtime.clock import Clock, system_clock
from arctic.runtime.context import bound
from arctic.runtime.logs import get_logger
from arctic.runtime.unit_of_work import Transaction

log = get_logger(__name__)


class Scheduler:
    """Fires one schema's due events."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        clock: Clock = system_clock,
        interval: float = 1.0,
        batch_size: int = 100,
    ) -> None:
        self.pool, self.clock, self.interval, self.batch_size = pool, clock, interval, batch_size
        self._stopping = asyncio.Event()

    async def fire_due(self, now: datetime | None = None) -> int:
        """One round: emit the events due at `now` (the clock's time); return how many."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT key, subject, payload, correlation_id FROM scheduled_events
                   WHERE due_at <= $2 ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self.batch_size,
                now or self.clock(),
            )
            for row in rows:
                event = model_for(row["subject"]).model_validate_json(row["payload"])
                with bound(correlation_id=row["correlation_id"]):
                    event_id = await Transaction(conn, row["correlation_id"]).emit(event)
                    log.info("scheduled event fired", key=row["key"], event_id=str(event_id))
            if rows:
                await conn.execute(
                    "DELETE FROM scheduled_events WHERE key = ANY($1::text[])",
                    [row["key"] for row in rows],
                )
        metrics.SCHEDULED_FIRED.inc(len(rows))
        return len(rows)

    async def run(self) -> None:
        """Fire due events until stopped."""
        while not self._stopping.is_set():
            try:
                fired = await self.fire_due()
            except (asyncpg.PostgresError, OSError) as error:
                log.warning("scheduler round failed", error=repr(error))
                fired = 0
            if fired < self.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.interval)

    def stop(self) -> None:
        """End the loop after its current round."""
        self._stopping.set()
