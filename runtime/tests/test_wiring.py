"""Typed wiring: handlers registered by event class get the event and a typed context."""

from __future__ import annotations

import asyncpg
import orjson
import pytest
from nats.aio.client import Client as NATS
from runtime_support import DURABLE, REQUESTED, prototype_requested, running

from arctic.contracts.envelope import build_message
from arctic.contracts.events import PrototypeAccepted, PrototypeRequested
from arctic.runtime.clock import SettableClock
from arctic.runtime.consumer import Consumer
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import Context, Subscription, on
from arctic.runtime.testing import wait_until


class WiredSettings(ServiceSettings):
    greeting: str = "hei"


async def test_a_handler_gets_its_event_and_the_transaction_envelope_settings_and_clock(
    pool: asyncpg.Pool, nc: NATS, stream: str, clock: SettableClock
) -> None:
    seen: list[tuple[object, ...]] = []

    async def remember(ctx: Context[WiredSettings], event: PrototypeRequested) -> None:
        seen.append((event.title, ctx.settings.greeting, ctx.clock(), ctx.envelope.type))
        await ctx.tx.emit(prototype_requested("what it caused"))

    settings = WiredSettings(service="wired", greeting="moi")
    subscription = Subscription(DURABLE, stream, [on(PrototypeRequested, remember)])
    headers, body = build_message(prototype_requested("typed"), correlation_id="c-9")
    await nc.jetstream().publish(REQUESTED, body, headers=headers)
    async with running(Consumer(pool, nc.jetstream(), subscription.bind(settings, clock))):
        await wait_until(lambda: _outbox_has(pool, 1))

    assert seen == [("typed", "moi", clock(), REQUESTED)]
    caused = orjson.loads(await pool.fetchval("SELECT headers FROM outbox"))
    assert caused["ce-causationid"] == headers["ce-id"]
    assert caused["ce-correlationid"] == "c-9"


def test_a_subscription_consumes_exactly_the_event_classes_it_handles() -> None:
    async def handle(ctx: Context[ServiceSettings], event: PrototypeRequested) -> None: ...

    async def accepted(ctx: Context[ServiceSettings], event: PrototypeAccepted) -> None: ...

    subscription = Subscription(
        "d", "PROTOTYPING", [on(PrototypeRequested, handle), on(PrototypeAccepted, accepted)]
    )
    assert subscription.subjects == sorted([PrototypeRequested.subject, PrototypeAccepted.subject])


def test_two_handlers_for_one_event_class_are_refused_when_declared() -> None:
    async def handle(ctx: Context[ServiceSettings], event: PrototypeRequested) -> None: ...

    with pytest.raises(ValueError, match="two handlers for PrototypeRequested"):
        Subscription("d", "PROTOTYPING", [on(PrototypeRequested, handle)] * 2)


async def _outbox_has(pool: asyncpg.Pool, count: int) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM outbox") >= count)
