"""Every service honours an erasure request: the runtime's tables and the service's own, once,
with a confirmation on the service's stream."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from nats.aio.client import Client as NATS
from runtime_support import running

from arctic.contracts.envelope import build_message
from arctic.contracts.events import (
    NotificationFailed,
    PersonalDataErasureRequested,
    PrototypeRequested,
    PrototypingPersonalDataErased,
)
from arctic.contracts.examples import example_of
from arctic.contracts.examples.parties import AINO, ERIK, REVONTULI
from arctic.contracts.registry import stream_for_subject
from arctic.runtime.consumer import Consumer
from arctic.runtime.deadletters import list_dead_letters, record_dead_letter
from arctic.runtime.erasure import ERASED_ERROR, erasure_durable
from arctic.runtime.provisioning import ensure_consumer, ensure_stream
from arctic.runtime.service import ServiceDefinition
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import Context, Subscription, on
from arctic.runtime.testing import wait_until
from arctic.runtime.unit_of_work import transaction

REQUEST = PersonalDataErasureRequested.subject


def request(person_id: uuid.UUID = AINO.person_id) -> PersonalDataErasureRequested:
    now = datetime.now(UTC)
    return PersonalDataErasureRequested(
        erasure_id=uuid.uuid4(), person_id=person_id, requested_at=now, keys_erased_at=now
    )


async def erase_effects(
    ctx: Context[ServiceSettings], erasure: PersonalDataErasureRequested
) -> int:
    """The sample service's own erasure: its rows naming the person go."""
    status = await ctx.tx.conn.execute(
        "DELETE FROM effects WHERE title = $1", str(erasure.person_id)
    )
    return int(status.split()[1])


def sample_service(
    subscriptions: Sequence[Subscription[ServiceSettings]] = (),
) -> ServiceDefinition[ServiceSettings]:
    return ServiceDefinition(
        name="prototyping",
        migrations=Path("."),
        settings_class=ServiceSettings,
        subscriptions=subscriptions,
        erase_person=erase_effects,
    )


def test_every_service_of_the_contracts_reads_erasure_requests_on_a_durable_of_its_own() -> None:
    [subscription] = sample_service().subscriptions

    assert subscription.durable == "prototyping-notifications"
    assert subscription.stream == "NOTIFICATIONS"
    assert subscription.subjects == [REQUEST]
    assert subscription.scaled is False


def test_a_service_reading_the_requests_stream_gets_the_request_on_that_durable() -> None:
    async def on_failed(ctx: Context[ServiceSettings], event: NotificationFailed) -> None:
        return None

    durable = erasure_durable("prototyping")
    own = Subscription(durable, "NOTIFICATIONS", [on(NotificationFailed, on_failed)])
    definition = sample_service([own])

    [subscription] = definition.subscriptions

    assert subscription.subjects == sorted([NotificationFailed.subject, REQUEST])
    assert subscription.handlers[0].one is on_failed
    assert subscription.scaled is True
    assert dataclasses.replace(definition).subscriptions == definition.subscriptions


async def test_a_request_erases_runtime_and_service_rows_once_and_confirms(
    pool: asyncpg.Pool, nc: NATS
) -> None:
    js = nc.jetstream()
    for subject in (REQUEST, PrototypeRequested.subject):
        await ensure_stream(js, stream_for_subject(subject), 1)
    [subscription] = sample_service().subscriptions
    await ensure_consumer(js, subscription)
    about_aino = example_of(PrototypeRequested, request_id=uuid.uuid4())
    erik_asks = REVONTULI.model_copy(update={"contact": ERIK})
    other = example_of(PrototypeRequested, request_id=uuid.uuid4(), company=erik_asks)
    async with transaction(pool) as tx:
        await tx.emit(about_aino)
        await tx.emit(other)
        await tx.conn.execute(
            "INSERT INTO effects (event_id, title) VALUES ($1, $2), ($1, 'kept')",
            uuid.uuid4(),
            str(AINO.person_id),
        )
    await pool.execute("UPDATE outbox SET published_at = now()")
    headers, body = build_message(about_aino, correlation_id="c")
    await record_dead_letter(
        pool,
        consumer="x",
        subject=about_aino.subject,
        headers=headers,
        payload=body,
        reason="exhausted",
        error="SMTP 550 <aino.korhonen@example.fi>: no such user",
        deliveries=10,
    )
    await pool.execute(
        """INSERT INTO idempotency_keys (key, fingerprint, created_at, status, headers, body)
           VALUES ('k-1', 'f', now(), 201, '{}', $1), ('k-2', 'f', now(), 201, '{}', '{}')""",
        json.dumps({"contact": {"person_id": str(AINO.person_id)}}).encode(),
    )
    erasure = request()
    headers, body = build_message(erasure, correlation_id="erasure")
    del headers["Nats-Msg-Id"]  # the same request delivered twice
    for _ in range(2):
        await js.publish(REQUEST, body, headers=headers)

    bound = subscription.bind(ServiceSettings(service="prototyping"))
    async with running(Consumer(pool, js, bound)):
        await wait_until(lambda: _confirmations(pool, 1))
        info = await js.consumer_info("NOTIFICATIONS", subscription.durable)
        await wait_until(lambda: _all_acked(nc, subscription.durable))

    assert await pool.fetchval("SELECT array_agg(title) FROM effects") == ["kept"]
    published = await pool.fetch("SELECT subject, payload FROM outbox ORDER BY position")
    assert [PrototypeRequested.model_validate_json(row["payload"]) for row in published[:-1]] == [
        other
    ]
    [confirmation] = await _confirmation_rows(pool)
    assert confirmation["subject"] == PrototypingPersonalDataErased.subject
    confirmed = json.loads(confirmation["payload"])
    assert confirmed["erasure_id"] == str(erasure.erasure_id)
    assert confirmed["records"] == 4  # an outbox row, a dead letter, a stored answer, an effect
    [letter] = await list_dead_letters(pool)
    assert letter.error == ERASED_ERROR
    assert letter.payload == build_message(about_aino, correlation_id="c")[1]
    assert info.num_redelivered == 0
    answers = await pool.fetch("SELECT key, status, body FROM idempotency_keys ORDER BY key")
    assert [(a["key"], a["status"]) for a in answers] == [("k-1", 410), ("k-2", 201)]
    assert str(AINO.person_id).encode() not in answers[0]["body"]


async def _confirmation_rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return list(
        await pool.fetch(
            "SELECT subject, payload FROM outbox WHERE subject = $1",
            PrototypingPersonalDataErased.subject,
        )
    )


async def _confirmations(pool: asyncpg.Pool, count: int) -> bool:
    return len(await _confirmation_rows(pool)) >= count


async def _all_acked(nc: NATS, durable: str) -> bool:
    info = await nc.jetstream().consumer_info("NOTIFICATIONS", durable)
    return info.num_ack_pending == 0 and info.num_pending == 0
