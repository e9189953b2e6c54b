"""Applying events once: the inbox mark and the handlers' effects in one transaction."""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from nats.aio.msg import Msg
from prometheus_client import Histogram

from arctic.contracts.envelope import Envelope
from arctic.runtime import metrics
from arctic.runtime.context import bound
from arctic.runtime.subscriptions import BoundSubscription, Statement, fresh_relation

_V1_ACK_TOKENS = 9


@dataclass(frozen=True)
class Delivery:
    """A received message parsed into its contract type (`msg` is None for a replay)."""

    msg: Msg | None
    envelope: Envelope
    event: Any

    @property
    def event_id(self) -> UUID:
        """The CloudEvents id."""
        return self.envelope.id


class HandlerFailed(Exception):
    """A handler raised; `delivery` is the one at fault, or None when a batch handler failed
    for several at once (apply them one by one to find it)."""

    def __init__(self, delivery: Delivery | None, cause: Exception) -> None:
        super().__init__(repr(cause))
        self.delivery, self.cause = delivery, cause


async def apply_once(
    conn: asyncpg.Connection,
    subscription: BoundSubscription[Any],
    deliveries: Sequence[Delivery],
    *,
    batched: bool = True,
) -> int:
    """Record the ids in the inbox and run the handlers of the fresh ones; return how many
    were fresh. Runs inside the caller's transaction; raises HandlerFailed to roll it back."""
    fresh = await _mark_in_inbox(conn, subscription.durable, deliveries)
    todo: list[Delivery] = []
    for delivery in deliveries:
        if delivery.event_id in fresh:
            fresh.discard(delivery.event_id)  # the same id twice in one batch: apply once
            todo.append(delivery)
    groups: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in todo:
        if batched and subscription.batches(delivery.envelope.type):
            groups[delivery.envelope.type].append(delivery)
        else:
            await _handle_one(conn, subscription, delivery)
    for subject, group in groups.items():
        await _handle_group(conn, subscription, subject, group)
    return len(todo)


def foldable(subscription: BoundSubscription[Any], deliveries: Sequence[Delivery]) -> bool:
    """Whether `deliveries` can be applied by `apply_folded`: all of one type handled by a
    statement, none delivered before (a redelivery may have failures to forget)."""
    first = deliveries[0].envelope.type
    return subscription.statement(first) is not None and all(
        d.envelope.type == first and d.msg is not None and first_delivery(d.msg) for d in deliveries
    )


def first_delivery(msg: Msg) -> bool:
    """Whether JetStream delivers `msg` for the first time. Reads the count from the reply
    subject (`$JS.ACK.<stream>.<consumer>.<delivered>.…`) rather than building the whole
    `msg.metadata` (with its timestamp) per message; other reply forms go through it."""
    tokens = (msg.reply or "").split(".")
    if len(tokens) == _V1_ACK_TOKENS and tokens[:2] == ["$JS", "ACK"]:
        return tokens[4] == "1"
    return bool(msg.metadata.num_delivered == 1)


async def apply_folded(
    conn: asyncpg.Connection, subscription: BoundSubscription[Any], deliveries: Sequence[Delivery]
) -> None:
    """Record the ids in the inbox and run the statement handler on the fresh ones, in one
    statement (atomic on its own: no BEGIN, no COMMIT); raises HandlerFailed when it fails.
    The caller checked `foldable`."""
    subject = deliveries[0].envelope.type
    statement = subscription.statement(subject)
    assert statement is not None, f"{subject} is not handled by a statement"
    unique = list({d.event_id: d for d in deliveries}.values())  # an id twice: applied once
    started = time.perf_counter()
    with bound(event_type=subject, consumer=subscription.durable):
        try:
            await conn.execute(
                _folded_sql(statement),
                subscription.durable,
                subject,
                *statement.rows([(d.envelope, d.event) for d in unique]),
            )
        except Exception as error:
            raise HandlerFailed(unique[0] if len(unique) == 1 else None, error) from error
    _observe(subscription, subject, started, len(unique))


def _folded_sql(statement: Statement) -> str:
    # The inbox insert is a data-modifying CTE: it runs to completion whatever the handler's
    # statement reads, and `fresh` holds only the ids it inserted (not those seen before).
    return f"""WITH arrived AS (SELECT * FROM {fresh_relation(statement, first=3)}),
marked AS (
    INSERT INTO inbox (consumer, event_id, event_type)
    SELECT $1, event_id, $2 FROM arrived
    ON CONFLICT DO NOTHING RETURNING event_id
),
fresh AS (SELECT arrived.* FROM arrived JOIN marked USING (event_id))
{statement.sql}"""


async def _mark_in_inbox(
    conn: asyncpg.Connection, durable: str, deliveries: Sequence[Delivery]
) -> set[UUID]:
    rows = await conn.fetch(
        """INSERT INTO inbox (consumer, event_id, event_type)
           SELECT $1, * FROM unnest($2::uuid[], $3::text[])
           ON CONFLICT DO NOTHING RETURNING event_id""",
        durable,
        [d.event_id for d in deliveries],
        [d.envelope.type for d in deliveries],
    )
    return {row["event_id"] for row in rows}


async def _handle_one(
    conn: asyncpg.Connection, subscription: BoundSubscription[Any], delivery: Delivery
) -> None:
    envelope = delivery.envelope
    started = time.perf_counter()
    with bound(
        traceparent=envelope.traceparent,
        correlation_id=envelope.correlation_id,
        event_id=str(envelope.id),
        event_type=envelope.type,
        consumer=subscription.durable,
    ):
        try:
            await subscription.handle(conn, envelope, delivery.event)
        except Exception as error:
            raise HandlerFailed(delivery, error) from error
    _observe(subscription, envelope.type, started)


async def _handle_group(
    conn: asyncpg.Connection,
    subscription: BoundSubscription[Any],
    subject: str,
    group: list[Delivery],
) -> None:
    started = time.perf_counter()
    with bound(event_type=subject, consumer=subscription.durable):
        try:
            await subscription.handle_batch(conn, subject, [(d.envelope, d.event) for d in group])
        except Exception as error:
            raise HandlerFailed(group[0] if len(group) == 1 else None, error) from error
    _observe(subscription, subject, started, len(group))


def _observe(
    subscription: BoundSubscription[Any], subject: str, started: float, count: int = 1
) -> None:
    per_event = (time.perf_counter() - started) / count
    histogram = _handler_duration(subscription.durable, subject)
    for _ in range(count):
        histogram.observe(per_event)


@functools.cache
def _handler_duration(consumer: str, subject: str) -> Histogram:
    # `labels()` looks the child up under a lock each time; a consumer has few subjects.
    return metrics.HANDLER_DURATION.labels(consumer, subject)
