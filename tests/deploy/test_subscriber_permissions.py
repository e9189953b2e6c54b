"""The `subscriber` user of deploy/nats/permissions.conf, the template of an outside system's
user (docs/subscribing.md), on a real nats-server configured by that file.

Allowed: the kit's subscribers on its own durables (create, pull, acknowledge), reading its
stream's information, deleting its own durable to replay. Denied: publishing, creating,
changing, purging or deleting any stream, a durable of another name, pulling from a
service's durable, anything of the personal keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from uuid import UUID

import nats
import pytest
from faststream.nats import NatsBroker, NatsUserPassword
from nats.aio.client import Client as NATS
from nats.js.api import ConsumerConfig, StreamConfig

from arctic.contracts.envelope import Envelope, build_message
from arctic.contracts.events import AgreementSigned
from arctic.contracts.examples import example_of
from arctic.contracts.faststream import Subscribers
from arctic.contracts.registry import stream_of_service
from arctic.runtime.testing import SecuredNats

pytestmark = pytest.mark.slow


class Session:
    """A connection as one user, keeping the permission errors the server sends it."""

    def __init__(self, nc: NATS, errors: asyncio.Queue[Exception]) -> None:
        self.nc, self.errors = nc, errors
        self.js = nc.jetstream(timeout=0.5)

    async def denied(self, subject: str, operation: str = "publish") -> None:
        expected = f'permissions violation for {operation} to "{subject}"'.lower()
        while True:
            error = await asyncio.wait_for(self.errors.get(), timeout=3)
            if expected in str(error).lower():
                return


@pytest.fixture
async def connect(secured_nats: SecuredNats) -> AsyncIterator[Callable[[str], Awaitable[Session]]]:
    opened: list[NATS] = []

    async def as_user(user: str) -> Session:
        errors: asyncio.Queue[Exception] = asyncio.Queue()

        async def on_error(error: Exception) -> None:
            errors.put_nowait(error)

        nc = await nats.connect(
            secured_nats.url,
            user=user,
            password=secured_nats.accounts.password(user),
            error_cb=on_error,
            allow_reconnect=False,
        )
        opened.append(nc)
        return Session(nc, errors)

    yield as_user
    for nc in opened:
        await nc.close()


@pytest.fixture
async def partnerships(connect: Callable[[str], Awaitable[Session]]) -> Session:
    """The partnerships service with its stream, as its provisioning makes it."""
    session = await connect("partnerships")
    stream = stream_of_service("partnerships")
    await session.js.add_stream(
        StreamConfig(
            name=stream.name,
            subjects=list(stream.subjects),
            max_age=stream.max_age.total_seconds(),
            duplicate_window=stream.duplicate_window.total_seconds(),
        )
    )
    return session


async def test_the_subscriber_reads_events_through_its_own_durable_with_the_kit(
    secured_nats: SecuredNats, partnerships: Session
) -> None:
    event = example_of(AgreementSigned)
    headers, body = build_message(event, correlation_id="permissions")
    await partnerships.js.publish(event.subject, body, headers=headers)
    received: asyncio.Queue[Envelope] = asyncio.Queue()
    broker = NatsBroker(
        secured_nats.url,
        security=NatsUserPassword("subscriber", secured_nats.accounts.password("subscriber")),
    )

    @Subscribers(broker).subscriber(
        AgreementSigned, durable="subscriber-agreement-signed", deliver="all"
    )
    async def on_signed(event: AgreementSigned, envelope: Envelope) -> None:
        await received.put(envelope)

    await broker.start()
    try:
        envelope = await asyncio.wait_for(received.get(), timeout=30)
    finally:
        await broker.stop()

    assert envelope.id == UUID(headers["ce-id"])
    ops = await secured_nats.connect("ops")
    js = ops.jetstream()
    async with asyncio.timeout(30):
        info = await js.consumer_info("PARTNERSHIPS", "subscriber-agreement-signed")
        while info.num_ack_pending:
            await asyncio.sleep(0.05)
            info = await js.consumer_info("PARTNERSHIPS", "subscriber-agreement-signed")
    stream = await js.stream_info("PARTNERSHIPS")
    await ops.close()
    assert info.delivered is not None
    assert info.delivered.stream_seq == 1
    # The kit declared nothing: the stream keeps the retention its service gave it.
    assert stream.config.max_age == stream_of_service("partnerships").max_age.total_seconds()


async def test_the_subscriber_may_delete_its_own_durable_to_replay(
    connect: Callable[[str], Awaitable[Session]], partnerships: Session
) -> None:
    subscriber = await connect("subscriber")
    await subscriber.js.add_consumer("PARTNERSHIPS", ConsumerConfig(durable_name="subscriber-node"))

    assert await subscriber.js.delete_consumer("PARTNERSHIPS", "subscriber-node")
    assert subscriber.errors.empty()


async def test_the_subscriber_changes_no_stream(
    connect: Callable[[str], Awaitable[Session]], partnerships: Session
) -> None:
    subscriber = await connect("subscriber")
    stream = StreamConfig(name="PARTNERSHIPS", subjects=["arctic.partnerships.>"], max_age=0)

    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.update_stream(stream)
    await subscriber.denied("$JS.API.STREAM.UPDATE.PARTNERSHIPS")
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.add_stream(StreamConfig(name="MINE", subjects=["mine.>"]))
    await subscriber.denied("$JS.API.STREAM.CREATE.MINE")
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.purge_stream("PARTNERSHIPS")
    await subscriber.denied("$JS.API.STREAM.PURGE.PARTNERSHIPS")
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.delete_stream("PARTNERSHIPS")
    await subscriber.denied("$JS.API.STREAM.DELETE.PARTNERSHIPS")
    info = await partnerships.js.stream_info("PARTNERSHIPS")
    assert info.config.max_age == stream_of_service("partnerships").max_age.total_seconds()


async def test_the_subscriber_publishes_nothing_and_takes_no_durable_but_its_own(
    connect: Callable[[str], Awaitable[Session]], partnerships: Session
) -> None:
    subscriber = await connect("subscriber")

    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.publish(AgreementSigned.subject, b"{}")
    await subscriber.denied(AgreementSigned.subject)
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.add_consumer(
            "PARTNERSHIPS", ConsumerConfig(durable_name="notifications-partnerships")
        )
    await subscriber.denied(
        "$JS.API.CONSUMER.DURABLE.CREATE.PARTNERSHIPS.notifications-partnerships"
    )
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.add_consumer("PARTNERSHIPS", ConsumerConfig())
    await subscriber.denied("$JS.API.CONSUMER.CREATE.PARTNERSHIPS")
    await subscriber.nc.subscribe("arctic.partnerships.>")
    await subscriber.denied("arctic.partnerships.>", operation="subscription")


async def test_the_subscriber_cannot_pull_from_a_services_durable_or_read_other_streams(
    connect: Callable[[str], Awaitable[Session]], partnerships: Session
) -> None:
    notifications = await connect("notifications")
    await notifications.js.add_consumer(
        "PARTNERSHIPS", ConsumerConfig(durable_name="notifications-partnerships")
    )
    subscriber = await connect("subscriber")
    sub = await subscriber.js.pull_subscribe_bind(
        "notifications-partnerships", stream="PARTNERSHIPS"
    )

    with pytest.raises(nats.errors.TimeoutError):
        await sub.fetch(1, timeout=1)
    await subscriber.denied("$JS.API.CONSUMER.MSG.NEXT.PARTNERSHIPS.notifications-partnerships")
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.stream_info("PROTOTYPING")
    await subscriber.denied("$JS.API.STREAM.INFO.PROTOTYPING")
    with pytest.raises(nats.errors.TimeoutError):
        await subscriber.js.stream_info("KV_PERSONAL_KEYS")
    await subscriber.denied("$JS.API.STREAM.INFO.KV_PERSONAL_KEYS")
