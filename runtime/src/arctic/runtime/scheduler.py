"""The scheduler: moves due events from `scheduled_events` into the outbox, once each.

A round claims due rows `FOR UPDATE SKIP LOCKED`, emits each event through the outbox and
deletes the row in the same transaction; two replicas never fire the same row, and a crash
before commit leaves the row for the next round. A row it cannot read becomes a dead letter
of the `scheduler` (in the same transaction) rather than a wall for the rows behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime

import asyncpg
from pydantic import ValidationError

from arctic.contracts.errors import UnknownEventType
from arctic.contracts.registry import model_for
from arctic.runtime import metrics
from arctic.runtime.clock import Clock, system_clock
from arctic.runtime.context import bound
from arctic.runtime.deadletters import record_dead_letter
from arctic.runtime.faults import is_infrastructure_fault
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
        self.last_round = 0.0
        self._stopping = asyncio.Event()

    def alive(self, within: float = 10.0) -> bool:
        """Whether the loop started a round recently."""
        return time.monotonic() - self.last_round < max(within, 3 * self.interval)

    async def fire_due(self, now: datetime | None = None) -> int:
        """One round: emit the events due at `now` (the clock's time); return how many rows
        it took.

        A row that cannot be read as an event (a type no longer known, a payload its model
        refuses) is dead-lettered with the reason instead, and the round goes on.
        """
        fired = 0
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT key, subject, payload, correlation_id FROM scheduled_events
                   WHERE due_at <= $2 ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self.batch_size,
                now or self.clock(),
            )
            for row in rows:
                try:
                    event = model_for(row["subject"]).model_validate_json(row["payload"])
                except (UnknownEventType, ValidationError) as error:
                    await _dead_letter(conn, row, _unreadable(error))
                    continue
                with bound(correlation_id=row["correlation_id"]):
                    event_id = await Transaction(conn, row["correlation_id"]).emit(event)
                    log.info("scheduled event fired", key=row["key"], event_id=str(event_id))
                fired += 1
            if rows:
                await conn.execute(
                    "DELETE FROM scheduled_events WHERE key = ANY($1::text[])",
                    [row["key"] for row in rows],
                )
        metrics.SCHEDULED_FIRED.inc(fired)
        return len(rows)

    async def run(self) -> None:
        """Fire due events until stopped."""
        while not self._stopping.is_set():
            self.last_round = time.monotonic()
            try:
                fired = await self.fire_due()
            except Exception as error:
                if not is_infrastructure_fault(error):
                    raise  # a defect: the supervisor restarts the loop
                log.warning("scheduler round failed, due rows kept", error=repr(error))
                fired = 0
            if fired < self.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.interval)

    def stop(self) -> None:
        """End the loop after its current round."""
        self._stopping.set()


def _unreadable(error: UnknownEventType | ValidationError) -> str:
    if isinstance(error, UnknownEventType):
        return str(error)
    # Locations and messages only: the values may be personal data.
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or '(payload)'}: {item['msg']}"
        for item in error.errors(include_url=False)
    ]
    return "invalid payload: " + "; ".join(problems)


async def _dead_letter(conn: asyncpg.Connection, row: asyncpg.Record, error: str) -> None:
    await record_dead_letter(
        conn,
        consumer="scheduler",
        subject=row["subject"],
        headers={"scheduled-key": row["key"], "ce-correlationid": row["correlation_id"]},
        payload=row["payload"],
        reason="invalid",
        error=f"scheduled event {row['key']!r} cannot be read: {error}",
        deliveries=0,
    )
