"""Durable pull consumers with an idempotent inbox; the runtime decides every acknowledgement.

- success → ack (after the transaction holding the effect and the inbox mark committed);
- an id already in the inbox (a redelivery) → ack, nothing applied again;
- a handler error → nak with a delay that doubles with the delivery count;
- an invalid message, or a failure on the last allowed delivery → a dead letter, then term.

A fetched batch is applied in one transaction (one commit per batch while catching up a
backlog). When any handler in it fails, the batch is rolled back and applied again one
message per transaction, so that only the failing message is retried.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from arctic.contracts.envelope import Envelope, parse_message
from arctic.contracts.errors import InvalidMessage
from arctic.runtime import metrics
from arctic.runtime.context import bound
from arctic.runtime.deadletters import record_dead_letter
from arctic.runtime.logs import get_logger
from arctic.runtime.subscriptions import Subscription
from arctic.runtime.unit_of_work import Transaction

log = get_logger(__name__)


@dataclass(frozen=True)
class Delivery:
    """A fetched message parsed into its contract type."""

    msg: Msg
    envelope: Envelope
    event: Any

    @property
    def event_id(self) -> UUID:
        """The CloudEvents id."""
        return self.envelope.id


class _RollBack(Exception):
    """Raised inside a batch transaction to undo it after a handler failed."""


class Consumer:
    """Runs one subscription's pull loop against its durable consumer."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        subscription: Subscription,
        *,
        batch_size: int = 200,
        fetch_timeout: float = 1.0,
    ) -> None:
        self.pool, self.js, self.subscription = pool, js, subscription
        self.batch_size, self.fetch_timeout = batch_size, fetch_timeout
        self.last_poll = 0.0
        self._stopping = asyncio.Event()
        self._pending_checked = 0.0

    @property
    def name(self) -> str:
        """The durable consumer's name."""
        return self.subscription.durable

    def alive(self, within: float = 10.0) -> bool:
        """Whether the pull loop polled recently."""
        return time.monotonic() - self.last_poll < within

    def stop(self) -> None:
        """Stop fetching; the batch in hand is finished first."""
        self._stopping.set()

    async def run(self) -> None:
        """Fetch and apply batches until stopped."""
        sub = await self.js.pull_subscribe_bind(self.name, stream=self.subscription.stream)
        try:
            while not self._stopping.is_set():
                self.last_poll = time.monotonic()
                try:
                    msgs = await sub.fetch(self.batch_size, timeout=self.fetch_timeout)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                except nats.errors.Error as error:
                    log.warning("fetch failed", consumer=self.name, error=repr(error))
                    await asyncio.sleep(0.5)
                    continue
                await self.process(msgs)
                await self._refresh_pending(sub)
        finally:
            await sub.unsubscribe()

    async def process(self, msgs: Sequence[Msg]) -> None:
        """Apply a fetched batch and acknowledge each message as the outcome says."""
        deliveries = []
        for msg in msgs:
            delivery = await self._parse_or_dead_letter(msg)
            if delivery is not None:
                deliveries.append(delivery)
        try:
            await self._apply(deliveries)
        except asyncio.CancelledError:
            await self._nak_all(deliveries)
            raise

    async def _apply(self, deliveries: list[Delivery]) -> None:
        """Apply in one transaction; a failing handler rolls it back and the rest go again."""
        while deliveries:
            try:
                failure = await self._apply_in_one_transaction(deliveries)
            except (asyncpg.PostgresError, OSError) as error:
                # The database, not a handler, failed: every delivery waits and comes back.
                for delivery in deliveries:
                    await self._retry_or_dead_letter(delivery, error)
                return
            if failure is None:
                for delivery in deliveries:
                    await delivery.msg.ack()
                metrics.MESSAGES.labels(self.name, "ok").inc(len(deliveries))
                return
            failed, cause = failure
            await self._retry_or_dead_letter(failed, cause)
            deliveries = [d for d in deliveries if d is not failed]

    async def _parse_or_dead_letter(self, msg: Msg) -> Delivery | None:
        try:
            envelope, event = parse_message(msg.subject, msg.headers, msg.data)
        except InvalidMessage as error:
            await self._dead_letter(msg, "invalid", str(error))
            return None
        if envelope.type not in self.subscription.handlers:
            await self._dead_letter(msg, "unhandled", f"no handler for {envelope.type}")
            return None
        return Delivery(msg, envelope, event)

    async def _apply_in_one_transaction(
        self, deliveries: list[Delivery]
    ) -> tuple[Delivery, Exception] | None:
        """Commit every fresh delivery's effect with its inbox mark, or the failing one."""
        failure: tuple[Delivery, Exception] | None = None
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                fresh = await self._mark_in_inbox(conn, deliveries)
                for delivery in deliveries:
                    if delivery.event_id not in fresh:
                        continue
                    fresh.discard(delivery.event_id)
                    try:
                        await self._handle(conn, delivery)
                    except Exception as error:
                        failure = (delivery, error)
                        raise _RollBack from error
        except _RollBack:
            return failure
        return None

    async def _mark_in_inbox(
        self, conn: asyncpg.Connection, deliveries: list[Delivery]
    ) -> set[UUID]:
        rows = await conn.fetch(
            """INSERT INTO inbox (consumer, event_id, event_type)
               SELECT $1, * FROM unnest($2::uuid[], $3::text[])
               ON CONFLICT DO NOTHING RETURNING event_id""",
            self.name,
            [d.event_id for d in deliveries],
            [d.envelope.type for d in deliveries],
        )
        return {row["event_id"] for row in rows}

    async def _handle(self, conn: asyncpg.Connection, delivery: Delivery) -> None:
        envelope = delivery.envelope
        handler = self.subscription.handlers[envelope.type]
        tx = Transaction(
            conn, envelope.correlation_id, str(envelope.id), traceparent=envelope.traceparent
        )
        with bound(
            traceparent=envelope.traceparent,
            correlation_id=envelope.correlation_id,
            event_id=str(envelope.id),
            event_type=envelope.type,
            consumer=self.name,
        ):
            started = time.perf_counter()
            await handler(tx, envelope, delivery.event)
            metrics.HANDLER_DURATION.labels(self.name, envelope.type).observe(
                time.perf_counter() - started
            )

    async def _retry_or_dead_letter(self, delivery: Delivery, error: Exception) -> None:
        delivered = delivery.msg.metadata.num_delivered
        envelope = delivery.envelope
        if delivered >= self.subscription.max_deliver:
            await self._dead_letter(delivery.msg, "exhausted", repr(error))
            return
        delay = self.subscription.retry_delay(delivered)
        log.warning(
            "handler failed, will retry",
            consumer=self.name,
            event_id=str(envelope.id),
            event_type=envelope.type,
            correlation_id=envelope.correlation_id,
            error=repr(error),
            delivered=delivered,
            retry_in=delay,
        )
        metrics.MESSAGES.labels(self.name, "retry").inc()
        await delivery.msg.nak(delay=delay)

    async def _dead_letter(self, msg: Msg, reason: str, error: str) -> None:
        await record_dead_letter(
            self.pool,
            consumer=self.name,
            subject=msg.subject,
            headers=dict(msg.headers or {}),
            payload=msg.data,
            reason=reason,
            error=error,
            deliveries=msg.metadata.num_delivered,
        )
        metrics.MESSAGES.labels(self.name, "dead_letter").inc()
        await msg.term()

    async def _nak_all(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            try:
                await delivery.msg.nak()
            except nats.errors.Error:
                log.warning("nak failed during shutdown", event_id=str(delivery.envelope.id))

    async def _refresh_pending(self, sub: JetStreamContext.PullSubscription) -> None:
        now = time.monotonic()
        if now - self._pending_checked < 5:
            return
        self._pending_checked = now
        try:
            info = await sub.consumer_info()
        except (nats.errors.Error, TimeoutError):
            return
        metrics.CONSUMER_PENDING.labels(self.name).set(info.num_pending or 0)


async def replay_dead_letter(
    pool: asyncpg.Pool, subscription: Subscription, dead_letter_id: int
) -> bool:
    """Apply a dead-lettered message again, through the same inbox and handler.

    Returns False when it was applied before (its id already in the inbox). Raises when it is
    still invalid or its handler still fails; the dead letter then stays open.
    """
    row = await pool.fetchrow(
        "SELECT subject, headers, payload FROM dead_letters WHERE id = $1 AND replayed_at IS NULL",
        dead_letter_id,
    )
    if row is None:
        raise LookupError(f"no open dead letter {dead_letter_id} in this schema")
    import orjson

    envelope, event = parse_message(row["subject"], orjson.loads(row["headers"]), row["payload"])
    handler = subscription.handlers[envelope.type]
    async with pool.acquire() as conn, conn.transaction():
        applied = await conn.fetchval(
            """INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING RETURNING true""",
            subscription.durable,
            envelope.id,
            envelope.type,
        )
        if applied:
            tx = Transaction(conn, envelope.correlation_id, causation_id=str(envelope.id))
            with bound(correlation_id=envelope.correlation_id, event_id=str(envelope.id)):
                await handler(tx, envelope, event)
        await conn.execute(
            "UPDATE dead_letters SET replayed_at = now() WHERE id = $1", dead_letter_id
        )
    return bool(applied)
