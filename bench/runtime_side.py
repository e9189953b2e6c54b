"""Pipeline (b): the same work through the runtime's unit of work, Relay and Consumer."""

from __future__ import annotations

import asyncpg
from nats.js import JetStreamContext

from arctic.contracts.envelope import Envelope
from arctic.contracts.events import PrototypeRequested
from arctic.runtime.consumer import Consumer
from arctic.runtime.relay import Relay
from arctic.runtime.subscriptions import Subscription
from arctic.runtime.unit_of_work import Transaction, transaction
from bench.events import REQUESTED, requested_event
from bench.infra import RT_STREAM


async def record_effect(tx: Transaction, envelope: Envelope, event: PrototypeRequested) -> None:
    """The consuming handler: one effect row, in the inbox transaction."""
    await tx.conn.execute(
        "INSERT INTO effects (request_id, title) VALUES ($1, $2)", event.request_id, event.title
    )


def subscription(durable: str) -> Subscription:
    """The benchmark's durable consumer on PROTOTYPING."""
    return Subscription(durable, RT_STREAM, {REQUESTED: record_effect})


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


def consumer(pool: asyncpg.Pool, js: JetStreamContext, durable: str, batch_size: int) -> Consumer:
    """The runtime's pull consumer for `durable`."""
    return Consumer(pool, js, subscription(durable), batch_size=batch_size)
