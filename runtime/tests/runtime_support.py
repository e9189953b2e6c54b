"""Builders for the runtime's tests: events, an effects table, a handler that records effects."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import asyncpg

from arctic.contracts.events import PrototypeRequested
from arctic.contracts.examples import example_of
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import (
    BoundSubscription,
    Context,
    EventHandler,
    Subscription,
    on,
)

EFFECTS_SQL = """CREATE TABLE effects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL,
    title text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"""
DURABLE = "tests-prototyping"
REQUESTED = PrototypeRequested.subject
SETTINGS = ServiceSettings(service="tests")


def prototype_requested(title: str = "Snow-load sensor") -> PrototypeRequested:
    """A valid PrototypeRequested with a fresh request id."""
    return example_of(
        PrototypeRequested, request_id=uuid.uuid4(), title=title, requested_at=datetime.now(UTC)
    )


async def record_effect(ctx: Context[ServiceSettings], event: PrototypeRequested) -> None:
    """The handler of the tests: one effects row per application."""
    await ctx.tx.conn.execute(
        "INSERT INTO effects (event_id, title) VALUES ($1, $2)", ctx.envelope.id, event.title
    )


def effects_subscription(
    handler: EventHandler[ServiceSettings, PrototypeRequested] = record_effect,
    *,
    max_deliver: int = 10,
    retry_base_seconds: float = 0.2,
) -> BoundSubscription[ServiceSettings]:
    """The tests' subscription on PROTOTYPING (recording an effect per event by default),
    bound to the tests' settings."""
    return Subscription(
        DURABLE,
        "PROTOTYPING",
        [on(PrototypeRequested, handler)],
        max_deliver=max_deliver,
        retry_base_seconds=retry_base_seconds,
        retry_max_seconds=2.0,
        ack_wait_seconds=5.0,
    ).bind(SETTINGS)


async def effect_counts(pool: asyncpg.Pool) -> dict[uuid.UUID, int]:
    """How many times each event's effect was applied."""
    rows = await pool.fetch("SELECT event_id, count(*) AS n FROM effects GROUP BY event_id")
    return {row["event_id"]: row["n"] for row in rows}


class Loop(Protocol):
    """A runtime loop: the relay, a consumer, the scheduler."""

    async def run(self) -> None: ...

    def stop(self) -> None: ...


L = TypeVar("L", bound=Loop)


@contextlib.asynccontextmanager
async def running(loop: L) -> AsyncIterator[L]:
    """Run a loop for the duration of a block, then stop it and wait for its end."""
    task = asyncio.create_task(loop.run())
    try:
        yield loop
    finally:
        loop.stop()
        await asyncio.wait_for(task, 10)
