"""Pipeline (b): the same work through the runtime's unit of work, Relay and Consumer."""

from __future__ import annotations

from typing import Literal

import asyncpg
from nats.js import JetStreamContext

from arctic.contracts.events import PrototypeRequested
from arctic.runtime.consumer import Consumer
from arctic.runtime.relay import Relay
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import Context, Subscription, on, on_statement
from arctic.runtime.unit_of_work import transaction
from bench.events import requested_event
from bench.infra import RT_STREAM

Handler = Literal["batch", "event"]


async def record_effect(ctx: Context[ServiceSettings], event: PrototypeRequested) -> None:
    """The consuming handler: one effect row, in the inbox transaction."""
    await ctx.tx.conn.execute(
        "INSERT INTO effects (request_id, title) VALUES ($1, $2)", event.request_id, event.title
    )


RECORD_EFFECTS = on_statement(
    PrototypeRequested,
    "INSERT INTO effects (request_id, title) SELECT request_id, title FROM fresh",
    columns={"request_id": "uuid", "title": "text"},
    values=lambda envelope, event: (event.request_id, event.title),
)
"""The same handler for a batch: the effect rows of a batch's fresh events in one statement,
which the runtime sends together with the inbox marks."""


def subscription(durable: str, handler: Handler = "batch") -> Subscription[ServiceSettings]:
    """The benchmark's durable consumer on PROTOTYPING, with a batch or a per-event handler."""
    if handler == "batch":
        return Subscription(durable, RT_STREAM, [RECORD_EFFECTS])
    return Subscription(durable, RT_STREAM, [on(PrototypeRequested, record_effect)])


async def produce(pool: asyncpg.Pool, number: int) -> None:
    """One unit of work: the business row and its event in one transaction."""
    event = requested_event(number)
    async with transaction(pool, correlation_id=f"bench-{number}") as tx:
        await tx.conn.execute(
            "INSERT INTO business (request_id, title) VALUES ($1, $2)",
            event.request_id,
            event.title,
        )
        await tx.emit(event)


def relay(pool: asyncpg.Pool, js: JetStreamContext, schema: str) -> Relay:
    """The runtime's outbox relay with its defaults."""
    return Relay(pool, js, schema)


def consumer(
    pool: asyncpg.Pool, js: JetStreamContext, durable: str, batch_size: int, handler: Handler
) -> Consumer:
    """The runtime's pull consumer for `durable`."""
    bound = subscription(durable, handler).bind(ServiceSettings(service="bench"))
    return Consumer(pool, js, bound, batch_size=batch_size)
