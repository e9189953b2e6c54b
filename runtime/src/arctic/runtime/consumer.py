"""Durable pull consumers; the runtime decides every acknowledgement.

- success → ack (after the transaction holding the effects and the inbox marks committed);
- an id already in the inbox (a redelivery) → ack, nothing applied again;
- a handler error → one more failure counted for that event (in the database, shared by the
  replicas), then nak with a delay that doubles with the count; at `max_failures` → a dead
  letter, then term;
- an invalid message, however malformed → a dead letter, then term;
- the database unavailable (also when a handler meets it) → nothing is counted: the messages
  not settled yet go back, fetching pauses and resumes once the database answers again.

Only a handler's own failures count, so an outage of any length loses nothing; the broker's
delivery count plays no part (the durable consumer has no `max_deliver`). A dead letter that
cannot be written leaves its message unsettled, to come back. While a batch is in hand its
messages are kept from redelivery by in-progress acknowledgements every third of `ack_wait`.

A fetched batch is applied in one transaction (one commit per batch while catching up a
backlog), and the next batch is fetched while this one commits. A batch of first deliveries
of one type handled by an `on_statement` handler is applied by one statement (inbox marks
and effects together, no BEGIN/COMMIT): one round trip. When a handler fails, the
transaction is rolled back, the failing message is retried or dead-lettered, and the rest of
the batch is applied again without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any, Literal, TypedDict

import asyncpg
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from arctic.contracts.envelope import parse_message
from arctic.contracts.errors import InvalidMessage
from arctic.runtime import metrics
from arctic.runtime.deadletters import (
    count_handler_failure,
    forget_handler_failures,
    record_dead_letter,
)
from arctic.runtime.faults import connection_lost, is_database_fault, is_infrastructure_fault
from arctic.runtime.inbox import (
    Delivery,
    HandlerFailed,
    apply_folded,
    apply_once,
    first_delivery,
    foldable,
)
from arctic.runtime.logs import get_logger
from arctic.runtime.subscriptions import BoundSubscription

log = get_logger(__name__)
Settlement = Literal["ack", "nak", "term"]


class _Letter(TypedDict):
    consumer: str
    subject: str
    headers: dict[str, str]
    payload: bytes
    deliveries: int
    stream_sequence: int


class Outage(Exception):
    """The database (or NATS) failed, not a handler: nothing is counted, the batch goes back."""


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
        outage_pause: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self.pool, self.js, self.subscription = pool, js, subscription
        self.batch_size, self.fetch_timeout = batch_size, fetch_timeout
        self.outage_pause = outage_pause
        self.last_poll = 0.0
        self.in_outage = False
        self._stopping = asyncio.Event()
        self._pending_checked = 0.0
        self._settled: set[int] = set()

    @property
    def name(self) -> str:
        """The durable consumer's name."""
        return self.subscription.durable

    def alive(self, within: float = 10.0) -> bool:
        """Whether the pull loop polled recently and is not paused by an outage."""
        return not self.in_outage and time.monotonic() - self.last_poll < within

    def stop(self) -> None:
        """Stop fetching; the batch in hand is finished first."""
        self._stopping.set()

    async def run(self) -> None:
        """Fetch and apply batches until stopped, fetching the next while one is applied;
        after an outage, wait for the database before fetching again."""
        sub = await self.js.pull_subscribe_bind(self.name, stream=self.subscription.stream)
        ahead = asyncio.ensure_future(self._fetch(sub))
        pause = self.outage_pause[0]
        try:
            while not self._stopping.is_set():
                msgs = await ahead
                ahead = asyncio.ensure_future(self._fetch(sub))
                if await self.process(msgs):
                    pause = self.outage_pause[0]
                else:
                    await self._release(ahead)
                    await self._wait_for_database(pause)
                    pause = min(pause * 2, self.outage_pause[1])
                    ahead = asyncio.ensure_future(self._fetch(sub))
                await self._refresh_pending(sub)
        finally:
            await self._release(ahead)
            with contextlib.suppress(nats.errors.Error):
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
        """Messages fetched ahead go back at once rather than after ack_wait."""
        with contextlib.suppress(asyncio.CancelledError, Exception):
            for msg in await asyncio.wait_for(ahead, self.fetch_timeout + 1):
                await msg.nak()

    async def _wait_for_database(self, pause: float) -> None:
        """Pause fetching until the database answers, probing it with growing pauses."""
        self.in_outage = True
        try:
            while not self._stopping.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), pause)
                try:
                    async with asyncio.timeout(5):
                        await self.pool.fetchval("SELECT 1")
                except Exception as error:
                    if not is_infrastructure_fault(error):
                        raise
                    log.warning(
                        "database still unavailable, fetching paused",
                        consumer=self.name,
                        error=repr(error),
                    )
                    pause = min(pause * 2, self.outage_pause[1])
                    continue
                log.info("database available again, fetching resumes", consumer=self.name)
                return
        finally:
            self.in_outage = False

    async def process(self, msgs: Sequence[Msg]) -> bool:
        """Apply a fetched batch and settle each message as the outcome says.

        Returns False when the database failed: nothing was counted against any message, and
        those not settled yet were sent back for redelivery.
        """
        if not msgs:
            return True
        self._settled = set()
        keeper = asyncio.create_task(self._keep_in_progress(msgs))
        try:
            deliveries = []
            for msg in msgs:
                delivery = await self._parse_or_dead_letter(msg)
                if delivery is not None:
                    deliveries.append(delivery)
            await self._apply(deliveries)
            return True
        except Outage as outage:
            returned = await self._return_unsettled(msgs)
            log.warning(
                "database unavailable: the batch goes back, nothing counted",
                consumer=self.name,
                error=repr(outage.__cause__),
                returned=returned,
            )
            return False
        except asyncio.CancelledError:
            await self._return_unsettled(msgs)
            raise
        finally:
            keeper.cancel()

    async def _apply(self, deliveries: list[Delivery]) -> None:
        batched = True
        while deliveries:
            try:
                async with self.pool.acquire() as conn:
                    try:
                        await self._apply_on(conn, deliveries, batched)
                    except HandlerFailed as failed:
                        if is_database_fault(failed.cause) or connection_lost(conn):
                            raise Outage from failed.cause
                        raise
            except HandlerFailed as failed:
                if failed.delivery is None:  # a batch handler failed: find the one, alone
                    batched = False
                    continue
                await self._handler_failed(failed.delivery, failed.cause)
                deliveries = [d for d in deliveries if d is not failed.delivery]
                continue
            except Outage:
                raise
            except Exception as error:
                if is_infrastructure_fault(error):
                    raise Outage from error
                raise
            for delivery in deliveries:
                await self._settle(_msg(delivery), "ack")
            metrics.MESSAGES.labels(self.name, "ok").inc(len(deliveries))
            return

    async def _apply_on(
        self, conn: asyncpg.Connection, deliveries: list[Delivery], batched: bool
    ) -> None:
        if batched and foldable(self.subscription, deliveries):
            # One statement, atomic on its own: inbox marks and effects in one round trip.
            await apply_folded(conn, self.subscription, deliveries)
            return
        async with conn.transaction():
            await apply_once(conn, self.subscription, deliveries, batched=batched)
            await self._forget_failures(conn, deliveries)

    async def _forget_failures(self, conn: asyncpg.Connection, deliveries: list[Delivery]) -> None:
        # Only a redelivered message can have failed before: the first delivery costs nothing.
        again = [d.event_id for d in deliveries if not first_delivery(_msg(d))]
        if again:
            await forget_handler_failures(conn, self.name, again)

    async def _parse_or_dead_letter(self, msg: Msg) -> Delivery | None:
        try:
            envelope, event = parse_message(msg.subject, msg.headers, msg.data)
        except InvalidMessage as error:
            await self._dead_letter(msg, "invalid", str(error))
            return None
        except Exception as error:  # whatever else a malformed message makes the parser raise
            await self._dead_letter(msg, "invalid", f"unreadable message: {error!r}")
            return None
        if envelope.type not in self.subscription.subjects:
            await self._dead_letter(msg, "unhandled", f"no handler for {envelope.type}")
            return None
        return Delivery(msg, envelope, event)

    async def _handler_failed(self, delivery: Delivery, error: Exception) -> None:
        """Count the failure; nak with a growing delay, or dead-letter at `max_failures`."""
        msg, envelope = _msg(delivery), delivery.envelope
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                failures = await count_handler_failure(
                    conn, self.name, delivery.event_id, repr(error)
                )
                exhausted = failures >= self.subscription.max_failures
                if exhausted:
                    await record_dead_letter(
                        conn,
                        **self._letter(msg),
                        reason="exhausted",
                        error=f"{error!r} (failed {failures} times)",
                    )
                    await forget_handler_failures(conn, self.name, [delivery.event_id])
        except Exception as failure:
            if is_infrastructure_fault(failure):
                raise Outage from failure
            raise
        if exhausted:
            metrics.MESSAGES.labels(self.name, "dead_letter").inc()
            await self._settle(msg, "term")
            return
        delay = self.subscription.retry_delay(failures)
        log.warning(
            "handler failed, will retry",
            consumer=self.name,
            event_id=str(envelope.id),
            event_type=envelope.type,
            correlation_id=envelope.correlation_id,
            error=repr(error),
            failures=failures,
            retry_in=delay,
        )
        metrics.MESSAGES.labels(self.name, "retry").inc()
        await self._settle(msg, "nak", delay)

    async def _dead_letter(self, msg: Msg, reason: str, error: str) -> None:
        try:
            await record_dead_letter(self.pool, **self._letter(msg), reason=reason, error=error)
        except Exception as failure:
            if is_infrastructure_fault(failure):
                raise Outage from failure  # not termed: the message stays for redelivery
            raise
        metrics.MESSAGES.labels(self.name, "dead_letter").inc()
        await self._settle(msg, "term")

    def _letter(self, msg: Msg) -> _Letter:
        """What a dead letter of `msg` records besides its reason and error."""
        return {
            "consumer": self.name,
            "subject": msg.subject,
            "headers": dict(msg.headers or {}),
            "payload": msg.data,
            "deliveries": msg.metadata.num_delivered,
            "stream_sequence": msg.metadata.sequence.stream,
        }

    async def _settle(self, msg: Msg, how: Settlement, delay: float | None = None) -> None:
        """Ack, nak or term; when NATS is away the message comes back and is settled then."""
        self._settled.add(id(msg))
        try:
            if how == "ack":
                await msg.ack()
            elif how == "term":
                await msg.term()
            else:
                await msg.nak(delay=delay)
        except nats.errors.Error as error:
            log.warning(
                "acknowledgement not sent; the message will come back",
                consumer=self.name,
                settlement=how,
                error=repr(error),
            )

    async def _return_unsettled(self, msgs: Sequence[Msg]) -> int:
        unsettled = [msg for msg in msgs if id(msg) not in self._settled]
        for msg in unsettled:
            await self._settle(msg, "nak")
        metrics.MESSAGES.labels(self.name, "returned").inc(len(unsettled))
        return len(unsettled)

    async def _keep_in_progress(self, msgs: Sequence[Msg]) -> None:
        """Tell NATS the batch is being worked on, so a long one is not redelivered meanwhile."""
        while True:
            await asyncio.sleep(self.subscription.ack_wait_seconds / 3)
            for msg in msgs:
                if id(msg) not in self._settled:
                    with contextlib.suppress(nats.errors.Error):
                        await msg.in_progress()

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
