"""The outbox relay: publishes committed outbox rows to JetStream, in order, exactly once.

A round claims the oldest unpublished rows, publishes them with `Nats-Msg-Id` = event id,
awaits every publish acknowledgement, marks the rows and commits. A relay that dies between
publish and mark leaves the rows unpublished; the next round publishes them again and the
stream's duplicate window drops the copies. While NATS is down the round fails, the rows stay,
and the relay backs off.

Replicas take turns: each round holds a transaction-scoped advisory lock and claims rows
`FOR UPDATE SKIP LOCKED`, so no two relays publish the same row and the stream receives the
rows in commit order. A second replica is a hot standby that takes over within one sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from typing import Any

import asyncpg
import orjson
from nats.js import JetStreamContext

from arctic.runtime import metrics
from arctic.runtime.logs import get_logger

log = get_logger(__name__)


class Relay:
    """Publishes one schema's outbox to JetStream."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        schema: str,
        *,
        batch_size: int = 500,
        sweep_seconds: float = 1.0,
        publish_timeout: float = 5.0,
        max_backoff: float = 5.0,
    ) -> None:
        self.pool, self.js, self.schema = pool, js, schema
        self.batch_size, self.sweep_seconds = batch_size, sweep_seconds
        self.publish_timeout, self.max_backoff = publish_timeout, max_backoff
        self._lock_key = zlib.crc32(f"arctic-relay-{schema}".encode())
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.alive = False

    async def publish_pending(self) -> int:
        """One round: publish up to a batch of unpublished rows; return how many."""
        async with self.pool.acquire() as conn, conn.transaction():
            # The turn (advisory lock) and the claim in one round trip.
            rows = await conn.fetch(
                """WITH turn AS (SELECT pg_try_advisory_xact_lock($2) AS mine)
                   SELECT position, subject, headers, payload FROM outbox, turn
                   WHERE turn.mine AND published_at IS NULL ORDER BY position LIMIT $1
                   FOR UPDATE OF outbox SKIP LOCKED""",
                self.batch_size,
                self._lock_key,
            )
            if not rows:
                return 0
            await self._publish(rows)
            await conn.execute(
                "UPDATE outbox SET published_at = now() WHERE position = ANY($1::bigint[])",
                [row["position"] for row in rows],
            )
        metrics.OUTBOX_PUBLISHED.inc(len(rows))
        return len(rows)

    async def _publish(self, rows: list[asyncpg.Record]) -> None:
        futures: list[asyncio.Future[Any]] = []
        try:
            for row in rows:
                headers = orjson.loads(row["headers"])
                futures.append(
                    await self.js.publish_async(row["subject"], row["payload"], headers=headers)
                )
            await asyncio.wait_for(asyncio.gather(*futures), self.publish_timeout)
        finally:
            for future in futures:
                future.cancel()

    async def run(self) -> None:
        """Publish until stopped: woken by NOTIFY on commit, and sweeping periodically."""
        listener = await self.pool.acquire()
        channel = f"{self.schema}_outbox"
        backoff = 0.1
        try:
            await listener.add_listener(channel, self._on_notify)
            self.alive = True
            while not self._stopping.is_set():
                try:
                    published = await self.publish_pending()
                    backoff = 0.1
                except Exception as error:  # whatever failed, the rows stay for the next round
                    metrics.RELAY_ERRORS.inc()
                    log.warning(
                        "relay round failed, rows kept", error=repr(error), retry_in=backoff
                    )
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                if published < self.batch_size:
                    await self._sleep(self.sweep_seconds)
        finally:
            self.alive = False
            try:
                await listener.remove_listener(channel, self._on_notify)
            finally:
                await self.pool.release(listener)

    async def flush(self, within: float = 5.0) -> None:
        """Publish what is committed now (graceful shutdown), giving up after `within` s."""
        async with asyncio.timeout(within):
            while await self.publish_pending() == self.batch_size:
                pass

    def stop(self) -> None:
        """Ask the loop to end after its current round."""
        self._stopping.set()
        self._wake.set()

    async def refresh_lag(self) -> None:
        """Update the outbox lag gauges (called by /metrics scrapes)."""
        row = await self.pool.fetchrow(
            """SELECT count(*) AS lag, extract(epoch FROM now() - min(created_at)) AS age
               FROM outbox WHERE published_at IS NULL"""
        )
        metrics.OUTBOX_LAG.set(row["lag"])
        metrics.OUTBOX_OLDEST_AGE.set(float(row["age"] or 0))

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()
