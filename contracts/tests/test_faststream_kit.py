"""The FastStream subscriber kit against a real NATS JetStream server, with real events.

Not FastStream's `TestNatsBroker`: it has no acknowledgements and no redelivery, which is
what these tests are about. Each test gets its own server (`nats_server`), makes the
product's stream as the producing service would, and publishes events the way the runtime
does (`build_message`, `Nats-Msg-Id`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import nats
import pytest
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerInfo

from arctic.contracts.asyncapi import asyncapi_document
from arctic.contracts.envelope import Envelope, build_message
from arctic.contracts.events import AgreementSigned, EvaluationDue, Event
from arctic.contracts.examples import example_of
from arctic.contracts.faststream import Subscribers, consumer_config, retry_delay
from arctic.contracts.registry import EVENTS, stream_of_service
from arctic.runtime.provisioning import ensure_stream
from arctic.runtime.servers import LocalNats

pytestmark = pytest.mark.slow


@pytest.fixture
async def js_client(nats_server: LocalNats) -> AsyncIterator[NATS]:
    """A client with the PARTNERSHIPS stream as the partnerships service declares it."""
    nc = await nats.connect(nats_server.url)
    await ensure_stream(nc.jetstream(), stream_of_service("partnerships"), replicas=1)
    yield nc
    await nc.close()


async def publish(nc: NATS, event: AgreementSigned | EvaluationDue, **extra: object) -> UUID:
    headers, body = build_message(event, correlation_id=f"test-{uuid4().hex[:8]}")
    await nc.jetstream().publish(event.subject, body, headers=headers)
    return UUID(headers["ce-id"])


ONE_AGREEMENT = uuid4()
"""Events about one aggregate are handled in stream order, so tests can compare lists."""


def signed(agreement_id: UUID = ONE_AGREEMENT) -> AgreementSigned:
    return example_of(AgreementSigned, agreement_id=agreement_id)


@dataclass
class Seen:
    """What the handlers received, with a way to wait for a count."""

    items: list[tuple[object, Envelope, float]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, event: object, envelope: Envelope) -> None:
        self.items.append((event, envelope, time.monotonic()))
        self.changed.set()

    async def until(self, count: int) -> None:
        async with asyncio.timeout(30):
            while len(self.items) < count:
                self.changed.clear()
                await self.changed.wait()

    @property
    def ids(self) -> list[UUID]:
        return [envelope.id for _, envelope, _ in self.items]


async def settled(nc: NATS, durable: str) -> ConsumerInfo:
    """The durable's state once nothing is pending or waiting for an acknowledgement."""
    async with asyncio.timeout(30):
        while True:
            info = await nc.jetstream().consumer_info("PARTNERSHIPS", durable)
            if info.num_ack_pending == info.num_pending == 0:
                return info
            await asyncio.sleep(0.05)


@pytest.fixture
async def running(nats_server: LocalNats) -> AsyncIterator[Callable[..., Awaitable[Subscribers]]]:
    """Start brokers with kit subscribers; all stopped after the test."""
    brokers: list[NatsBroker] = []

    async def start(setup: Callable[[Subscribers], None], **options: float) -> Subscribers:
        broker = NatsBroker(nats_server.url)
        subscribers = Subscribers(broker, **options)
        setup(subscribers)
        await broker.start()
        brokers.append(broker)
        return subscribers

    yield start
    for broker in brokers:
        await broker.stop()


async def test_a_new_durable_replays_every_event_from_the_start(
    js_client: NATS, running: Callable[..., Awaitable[Subscribers]]
) -> None:
    published = [await publish(js_client, signed()) for _ in range(3)]
    await publish(js_client, example_of(EvaluationDue))
    stream_before = (await js_client.jetstream().stream_info("PARTNERSHIPS")).config
    seen = Seen()

    def setup(arctic: Subscribers) -> None:
        @arctic.subscriber(AgreementSigned, durable="test-agreements", deliver="all")
        async def on_signed(event: AgreementSigned, envelope: Envelope) -> None:
            assert isinstance(event, AgreementSigned)
            seen.add(event, envelope)

    await running(setup)
    await seen.until(3)
    later = await publish(js_client, signed())
    await seen.until(4)

    assert seen.ids == [*published, later]
    _, envelope, _ = seen.items[0]
    assert envelope.type == AgreementSigned.subject
    assert envelope.correlation_id.startswith("test-")
    info = await settled(js_client, "test-agreements")
    assert info.config.filter_subject == AgreementSigned.subject
    assert info.delivered is not None
    assert info.delivered.stream_seq == 5  # the EvaluationDue between was not delivered
    # Nothing declared or updated the stream (a server without permissions would have let it).
    assert (await js_client.jetstream().stream_info("PARTNERSHIPS")).config == stream_before


async def test_a_new_durable_replays_from_a_point_in_time(
    js_client: NATS, running: Callable[..., Awaitable[Subscribers]]
) -> None:
    for _ in range(2):
        await publish(js_client, signed())
    stored = await js_client.jetstream().get_last_msg("PARTNERSHIPS", AgreementSigned.subject)
    assert stored.time is not None
    since = datetime.fromtimestamp(stored.time.timestamp() + 0.001, UTC)
    await asyncio.sleep(max(0.0, (since - datetime.now(UTC)).total_seconds()) + 0.01)
    after = [await publish(js_client, signed()) for _ in range(2)]
    seen = Seen()

    def setup(arctic: Subscribers) -> None:
        @arctic.subscriber(AgreementSigned, durable="test-since", deliver=since)
        async def on_signed(event: AgreementSigned, envelope: Envelope) -> None:
            seen.add(event, envelope)

    await running(setup)
    await seen.until(2)
    marker = await publish(js_client, signed())
    await seen.until(3)

    assert seen.ids == [*after, marker]


async def test_a_failing_handler_is_retried_with_growing_delays_then_succeeds(
    js_client: NATS, running: Callable[..., Awaitable[Subscribers]]
) -> None:
    attempts: list[float] = []
    seen = Seen()

    def setup(arctic: Subscribers) -> None:
        @arctic.subscriber(AgreementSigned, durable="test-retries", deliver="all")
        async def on_signed(event: AgreementSigned, envelope: Envelope) -> None:
            attempts.append(time.monotonic())
            if len(attempts) <= 2:
                raise RuntimeError("the reporting database is away")
            seen.add(event, envelope)

    await running(setup, first_retry_delay=0.5)
    event_id = await publish(js_client, signed())
    await seen.until(1)

    assert seen.ids == [event_id]
    assert len(attempts) == 3
    # The server redelivers no earlier than the nak's delay: 0.5 s, then 1 s.
    assert attempts[1] - attempts[0] >= 0.5
    assert attempts[2] - attempts[1] >= 1.0
    info = await settled(js_client, "test-retries")
    assert info.num_redelivered == 0


async def test_a_handler_failing_on_every_delivery_is_termed_after_the_last(
    js_client: NATS, running: Callable[..., Awaitable[Subscribers]]
) -> None:
    attempts: list[UUID] = []
    seen = Seen()

    def setup(arctic: Subscribers) -> None:
        @arctic.subscriber(AgreementSigned, durable="test-poison", deliver="all", max_deliver=2)
        async def on_signed(event: AgreementSigned, envelope: Envelope) -> None:
            if event.agreement_id == poison.agreement_id:
                attempts.append(envelope.id)
                raise RuntimeError("cannot handle this one")
            seen.add(event, envelope)

    poison = signed(uuid4())
    await running(setup, first_retry_delay=0.1)
    poison_id = await publish(js_client, poison)
    after = await publish(js_client, signed(uuid4()))
    await seen.until(1)
    await settled(js_client, "test-poison")

    assert attempts == [poison_id, poison_id]
    assert seen.ids == [after]


async def test_an_invalid_message_is_termed_and_the_next_one_handled(
    js_client: NATS,
    running: Callable[..., Awaitable[Subscribers]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen = Seen()

    def setup(arctic: Subscribers) -> None:
        @arctic.subscriber(AgreementSigned, durable="test-invalid", deliver="all")
        async def on_signed(event: AgreementSigned, envelope: Envelope) -> None:
            seen.add(event, envelope)

    headers, _ = build_message(signed(), correlation_id="broken")
    await js_client.jetstream().publish(
        AgreementSigned.subject, b'{"not": "an agreement"}', headers=headers
    )
    await js_client.jetstream().publish(AgreementSigned.subject, b"{}")
    valid = await publish(js_client, signed())
    await running(setup)
    await seen.until(1)
    info = await settled(js_client, "test-invalid")

    assert seen.ids == [valid]
    assert info.num_redelivered == 0
    termed = [r.getMessage() for r in caplog.records if r.name == "arctic.contracts.faststream"]
    assert len(termed) == 2
    assert "invalid message termed: invalid body for " in termed[0]
    assert "missing required header" in termed[1]


async def test_a_subscriber_stopped_and_restarted_loses_nothing(
    js_client: NATS, nats_server: LocalNats
) -> None:
    seen = Seen()

    def make() -> NatsBroker:
        broker = NatsBroker(nats_server.url)

        @Subscribers(broker).subscriber(AgreementSigned, durable="test-restart", deliver="all")
        async def on_signed(event: AgreementSigned, envelope: Envelope) -> None:
            seen.add(event, envelope)

        return broker

    first = make()
    await first.start()
    before = await publish(js_client, signed())
    await seen.until(1)
    await first.stop()
    while_down = [await publish(js_client, signed()) for _ in range(3)]
    second = make()
    await second.start()
    try:
        await seen.until(4)
    finally:
        await second.stop()

    assert seen.ids == [before, *while_down]


async def test_an_event_whose_handler_was_cut_off_by_a_stop_is_handled_after_the_restart(
    js_client: NATS, nats_server: LocalNats
) -> None:
    """The app stops (a redeploy, a crash) while the handler runs: nothing was acknowledged,
    so the server delivers the event again once the durable's ack wait has passed."""
    started = asyncio.Event()
    seen = Seen()

    def make(*, stuck: bool) -> NatsBroker:
        # FastStream waits up to graceful_timeout (15 s by default) for a running handler.
        broker = NatsBroker(nats_server.url, graceful_timeout=0.5)

        @Subscribers(broker).subscriber(
            AgreementSigned, durable="test-cut-off", deliver="all", ack_wait=1.0
        )
        async def on_signed(event: AgreementSigned, envelope: Envelope) -> None:
            if stuck:
                started.set()
                await asyncio.Event().wait()  # until the app is stopped
            seen.add(event, envelope)

        return broker

    event_id = await publish(js_client, signed())
    first = make(stuck=True)
    await first.start()
    await asyncio.wait_for(started.wait(), timeout=30)
    await first.stop()
    second = make(stuck=False)
    await second.start()
    try:
        await seen.until(1)
    finally:
        await second.stop()

    assert seen.ids == [event_id]
    info = await settled(js_client, "test-cut-off")
    assert info.num_redelivered == 0


async def test_events_are_handled_one_at_a_time_in_stream_order(
    js_client: NATS, running: Callable[..., Awaitable[Subscribers]]
) -> None:
    """FastStream handles the messages of one fetch concurrently; the kit's may not overlap,
    or events about one aggregate could be applied out of order."""
    published = [await publish(js_client, signed(key)) for key in (uuid4(), ONE_AGREEMENT) * 3]
    inside: list[UUID] = []
    overlapped: list[UUID] = []
    seen = Seen()

    def setup(arctic: Subscribers) -> None:
        @arctic.subscriber(AgreementSigned, durable="test-order", deliver="all")
        async def on_signed(event: AgreementSigned, envelope: Envelope) -> None:
            if inside:
                overlapped.append(envelope.id)
            inside.append(envelope.id)
            await asyncio.sleep(0.02)
            inside.remove(envelope.id)
            seen.add(event, envelope)

    await running(setup)
    await seen.until(6)

    assert overlapped == []
    assert seen.ids == published


def test_retry_delays_grow_from_the_first_and_stop_at_the_cap() -> None:
    assert [retry_delay(n, first=1, cap=10) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    with pytest.raises(ValueError, match="starts at 1"):
        retry_delay(0)


def test_a_consumer_is_explicitly_acked_and_filtered_to_the_events_subject() -> None:
    config = consumer_config(AgreementSigned, "council-agreements", deliver="all", max_deliver=5)

    assert config.filter_subject == AgreementSigned.subject
    assert (config.durable_name, config.max_deliver) == ("council-agreements", 5)
    assert config.ack_policy == AckPolicy.EXPLICIT
    with pytest.raises(ValueError, match="durable name"):
        consumer_config(AgreementSigned, "council.agreements")
    with pytest.raises(ValueError, match="timezone-aware"):
        consumer_config(AgreementSigned, "council-agreements", deliver=datetime(2026, 1, 1))


def _resolved(document: dict[str, Any], node: Any) -> Any:
    """`node` with every local `$ref` replaced by what it points at (titles dropped: FastStream
    and the contracts word them differently)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return _resolved(document, target)
        return {k: _resolved(document, v) for k, v in node.items() if k not in ("title",)}
    if isinstance(node, list):
        return [_resolved(document, item) for item in node]
    return node


def test_the_kits_asyncapi_agrees_with_the_contracts_on_subjects_and_payloads() -> None:
    broker = NatsBroker("nats://localhost:4222")
    arctic = Subscribers(broker)
    for index, model in enumerate(EVENTS.values()):

        async def handler(event: Event, envelope: Envelope) -> None:
            """Every event, to compare every payload."""

        arctic.subscriber(model, durable=f"test-{index}")(handler)
    theirs = AsyncAPI(broker, title="kit").to_specification().to_jsonable()
    ours = json.loads(json.dumps(asyncapi_document()))
    our_payloads = {
        channel["address"]: _resolved(ours, ours["components"]["messages"][channel["title"]])[
            "payload"
        ]
        for channel in ours["channels"].values()
    }

    their_payloads = {}
    for channel in theirs["channels"].values():
        (message,) = channel["messages"].values()
        their_payloads[channel["address"]] = _resolved(theirs, message)["payload"]

    assert sorted(their_payloads) == sorted(EVENTS)
    for subject, payload in their_payloads.items():
        assert _differences(payload, our_payloads[subject]) == [], subject


def _differences(theirs: Any, ours: Any, at: str = "") -> list[str]:
    """Where the kit's payload schema differs from the contracts'. The one difference allowed:
    a decimal, which the contracts publish as a string (serialization mode) and the kit's
    models also accept as a number (validation mode)."""
    if isinstance(ours, dict) and ours.get("description") == "a decimal number":
        accepted = [{k: v for k, v in s.items() if k == "type"} for s in theirs.get("anyOf", [])]
        return [] if {"type": "string"} in accepted else [f"{at}: {theirs} != {ours}"]
    if isinstance(ours, dict) and isinstance(theirs, dict) and theirs.keys() == ours.keys():
        return [d for k in ours for d in _differences(theirs[k], ours[k], f"{at}/{k}")]
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [
            d
            for i, (t, o) in enumerate(zip(theirs, ours, strict=True))
            for d in _differences(t, o, f"{at}/{i}")
        ]
    return [] if theirs == ours else [f"{at}: {theirs} != {ours}"]
