"""Durable pull consumers; the runtime decides every acknowledgement.

- success → ack (after the transaction holding the effects and the inbox marks committed);
- an id already in the inbox (a redelivery) → ack, nothing applied again;
- a handler error → nak with a delay that doubles with the delivery count;
- an invalid message, or a failure on the last allowed delivery → a dead letter, then term.

A fetched batch is applied in one transaction (one commit per batch while catching up a
backlog), and the next batch is fetched while this one commits. When a handler fails, the
transaction is rolled back, the failing message is retried or dead-lettered, and the rest of
the batch is applied again without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from arctic.contracts.envelope import parse_message
from arctic.contracts.errors import InvalidMessage
from arctic.runtime import metrics
from arctic.runtime.deadletters import record_dead_letter
from arctic.runtime.inbox import Delivery, HandlerFailed, apply_once
from arctic.runtime.logs import get_logger
from arctic.runtime.subscriptions import BoundSubscription

log = get_logger(__name__)


class Consumer:
    """Runs one subscription's pull loop against its durable consumer."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        subscription: BoundSubscription[Any],
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
        """Fetch and apply batches until stopped, fetching the next while one is applied."""
        sub = await self.js.pull_subscribe_bind(self.name, stream=self.subscription.stream)
        ahead = asyncio.ensure_future(self._fetch(sub))
        try:
            while not self._stopping.is_set():
                msgs = await ahead
                ahead = asyncio.ensure_future(self._fetch(sub))
                await self.process(msgs)
                await self._refresh_pending(sub)
        finally:
            await self._release(ahead)
            await sub.unsubscribe()

    async def _fetch(self, sub: JetStreamContext.PullSubscription) -> list[Msg]:
        self.last_poll = time.monotonic()
        try:
            return list(await sub.fetch(self.batch_size, timeout=self.fetch_timeout))
        except (nats.errors.TimeoutError, TimeoutError):
            return []
        except nats.errors.Error as error:
            log.warning("fetch failed", consumer=self.name, error=repr(error))
            await asyncio.sleep(0.5)
            return []

    async def _release(self, ahead: asyncio.Future[list[Msg]]) -> None:
        """At shutdown: messages fetched ahead go back at once rather than after ack_wait."""
        with contextlib.suppress(asyncio.CancelledError, Exception):
            for msg in await asyncio.wait_for(ahead, self.fetch_timeout + 1):
                await msg.nak()

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
        batched = True
        while deliveries:
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    await apply_once(conn, self.subscription, deliveries, batched=batched)
            except HandlerFailed as failed:
                if failed.delivery is None:  # a batch handler failed: find the one, alone
                    batched = False
                    continue
                await self._retry_or_dead_letter(failed.delivery, failed.cause)
                deliveries = [d for d in deliveries if d is not failed.delivery]
                continue
            except (asyncpg.PostgresError, OSError) as error:
                # The database, not a handler, failed: every delivery waits and comes back.
                for delivery in deliveries:
                    await self._retry_or_dead_letter(delivery, error)
                return
            for delivery in deliveries:
                await _msg(delivery).ack()
            metrics.MESSAGES.labels(self.name, "ok").inc(len(deliveries))
            return

    async def _parse_or_dead_letter(self, msg: Msg) -> Delivery | None:
        try:
            envelope, event = parse_message(msg.subject, msg.headers, msg.data)
        except InvalidMessage as error:
            await self._dead_letter(msg, "invalid", str(error))
            return None
        if envelope.type not in self.subscription.subjects:
            await self._dead_letter(msg, "unhandled", f"no handler for {envelope.type}")
            return None
        return Delivery(msg, envelope, event)

    async def _retry_or_dead_letter(self, delivery: Delivery, error: Exception) -> None:
        msg = _msg(delivery)
        delivered = msg.metadata.num_delivered
        envelope = delivery.envelope
        if delivered >= self.subscription.max_deliver:
            await self._dead_letter(msg, "exhausted", repr(error))
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
        await msg.nak(delay=delay)

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
                await _msg(delivery).nak()
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


def _msg(delivery: Delivery) -> Msg:
    assert delivery.msg is not None, "a received delivery carries its message"
    return delivery.msg
