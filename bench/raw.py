"""Pipeline (a): the baseline, written directly with asyncpg and nats-py.

It does the same work as the runtime, competently and without its generality: the producer
writes its business row and an outbox row in one transaction; the relay, woken by NOTIFY,
claims rows `FOR UPDATE SKIP LOCKED`, keeps the whole batch of publishes in flight with
`publish_async`, awaits the acknowledgements and marks the rows; the consumer fetches
batches, prefetching the next batch while it commits the current one with a single statement
(inbox insert, then the effect rows of the ids that were fresh), and acks after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from uuid import UUID

import asyncpg
import nats.errors
import orjson
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from bench.events import request_data
from bench.infra import RAW_SUBJECT

MSG_ID = "Nats-Msg-Id"
APPLY_BATCH = """
WITH batch AS (
    SELECT * FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::text[])
        AS b(event_id, event_type, request_id, title)
), fresh AS (
    INSERT INTO raw_inbox (consumer, event_id, event_type)
    SELECT $1, event_id, event_type FROM batch
    ON CONFLICT DO NOTHING RETURNING event_id
)
INSERT INTO effects (request_id, title)
SELECT batch.request_id, batch.title FROM batch JOIN fresh USING (event_id)"""


async def produce(pool: asyncpg.Pool, number: int) -> None:
    """One unit of work: the business row and its outbox row in one transaction."""
    data = request_data(number)
    event_id = data["request_id"]  # one event per request: its id is as unique as a UUIDv7
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO business (request_id, title) VALUES ($1, $2)",
            data["request_id"],
            data["title"],
        )
        await conn.execute(
            "INSERT INTO raw_outbox (event_id, subject, payload) VALUES ($1, $2, $3)",
            event_id,
            RAW_SUBJECT,
            orjson.dumps(data),
        )


class RawRelay:
    """Publishes the raw outbox to JetStream, many publishes in flight per round."""

    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, batch_size: int = 500) -> None:
        self.pool, self.js, self.batch_size = pool, js, batch_size
        self._wake = asyncio.Event()
        self._stopping = False

    async def publish_pending(self) -> int:
        """Claim, publish and mark up to one batch of rows; return how many."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT position, event_id, subject, payload FROM raw_outbox
                   WHERE published_at IS NULL ORDER BY position LIMIT $1
                   FOR UPDATE SKIP LOCKED""",
                self.batch_size,
            )
            if not rows:
                return 0
            futures = [
                await self.js.publish_async(
                    row["subject"], row["payload"], headers={MSG_ID: str(row["event_id"])}
                )
                for row in rows
            ]
            await asyncio.wait_for(asyncio.gather(*futures), 5.0)
            await conn.execute(
                "UPDATE raw_outbox SET published_at = now() WHERE position = ANY($1::bigint[])",
                [row["position"] for row in rows],
            )
        return len(rows)

    async def run(self) -> None:
        """Publish until stopped: woken by NOTIFY, sweeping every second."""
        listener = await self.pool.acquire()
        await listener.add_listener("raw_outbox", self._notified)
        try:
            while not self._stopping:
                if await self.publish_pending() < self.batch_size:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), 1.0)
                    self._wake.clear()
        finally:
            await listener.remove_listener("raw_outbox", self._notified)
            await self.pool.release(listener)

    def stop(self) -> None:
        """End the loop after the current round."""
        self._stopping = True
        self._wake.set()

    def _notified(self, *_: object) -> None:
        self._wake.set()


class RawConsumer:
    """A pull consumer that applies each fetched batch in one statement and then acks it."""

    def __init__(
        self, pool: asyncpg.Pool, js: JetStreamContext, stream: str, durable: str, batch: int
    ) -> None:
        self.pool, self.js, self.stream, self.durable = pool, js, stream, durable
        self.batch = batch
        self._stopping = False

    async def run(self) -> None:
        """Fetch, apply and ack until stopped; the next fetch overlaps the current commit."""
        sub = await self.js.pull_subscribe_bind(self.durable, stream=self.stream)
        pending = asyncio.ensure_future(self._fetch(sub))
        try:
            while not self._stopping:
                msgs = await pending
                pending = asyncio.ensure_future(self._fetch(sub))
                if msgs:
                    await self.apply(msgs)
        finally:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, nats.errors.Error):
                await pending
            await sub.unsubscribe()

    async def _fetch(self, sub: JetStreamContext.PullSubscription) -> list[Msg]:
        try:
            return list(await sub.fetch(self.batch, timeout=1.0))
        except (nats.errors.TimeoutError, TimeoutError):
            return []

    async def apply(self, msgs: list[Msg]) -> None:
        """Record the batch's ids and effects in one transaction, then ack every message."""
        columns: list[list[Any]] = [[], [], [], []]
        for msg in msgs:
            data = orjson.loads(msg.data)
            columns[0].append(UUID((msg.headers or {})[MSG_ID]))
            columns[1].append(msg.subject)
            columns[2].append(UUID(data["request_id"]))
            columns[3].append(data["title"])
        await self.pool.execute(APPLY_BATCH, self.durable, *columns)
        for msg in msgs:
            await msg.ack()

    def stop(self) -> None:
        """End the loop after the batch in hand."""
        self._stopping = True
