"""The FastStream subscriber kit for other systems: `pip install "arctic-contracts[faststream]"`.

    broker = NatsBroker("nats://...", user="council", password="...")
    arctic = Subscribers(broker)

    @arctic.subscriber(AgreementSigned, durable="council-agreements", deliver="all")
    async def on_signed(event: AgreementSigned, envelope: Envelope) -> None: ...

    app = FastStream(broker)

Each subscriber binds a durable pull consumer on the stream that holds the event's subject,
filtered to that subject, and never declares or updates a stream (`JStream(declare=False)`:
FastStream's `stream="NAME"` shortcut would overwrite the stream's retention with its own
defaults). Messages are read as the contracts define them (`parse_message`), and
acknowledged as a subscriber of ours must:

- ack only after the handler returned;
- on an exception, nak with a delay that grows with the delivery count (`retry_delay`);
  on the last allowed delivery (`max_deliver`), term instead, after logging it;
- a message that is not a valid event (headers, type, body) is logged and termed at once,
  and the next one is handled;
- one message at a time, in stream order: FastStream handles the messages of one fetch
  concurrently, so the kit fetches one at a time, and events about one aggregate
  (`ce-subject`) reach the handler in the order they were published, until a retry: a
  message that is nak'd comes back after later ones (compare `ce-aggregateversion`).

FastStream's own `message_id` and `correlation_id` are mapped from `ce-id` and
`ce-correlationid`, so its logs and context show ours.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from faststream.exceptions import IgnoredException
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.annotations import NatsMessage
from faststream.nats.message import NatsMessage as NatsMessageClass
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy

from arctic.contracts.envelope import Envelope, parse_headers, parse_message
from arctic.contracts.errors import InvalidMessage
from arctic.contracts.events import Event
from arctic.contracts.registry import stream_for_subject

E = TypeVar("E", bound=Event)
Handler = Callable[[E, Envelope], Awaitable[None]]
Deliver = Literal["new", "all"] | datetime
"""Where a new durable starts: only events published from now on, every event the stream
still holds, or the events from a point in time on. An existing durable goes on where it is."""

log = logging.getLogger("arctic.contracts.faststream")

MAX_DELIVER = 10
"""Deliveries of one message before it is termed (the first one included)."""
FIRST_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 300.0


def retry_delay(
    delivered: int, *, first: float = FIRST_RETRY_DELAY, cap: float = MAX_RETRY_DELAY
) -> float:
    """Seconds to wait before redelivering a message whose `delivered`-th delivery failed:
    `first`, doubling with each further delivery, never more than `cap`."""
    if delivered < 1:
        raise ValueError(f"a delivery count starts at 1, not {delivered}")
    return float(min(cap, first * 2 ** min(delivered - 1, 32)))


def consumer_config(
    model: type[Event],
    durable: str,
    *,
    deliver: Deliver = "new",
    max_deliver: int = MAX_DELIVER,
    ack_wait: float = 30.0,
    max_ack_pending: int = 100,
) -> ConsumerConfig:
    """The JetStream consumer a new durable gets: explicit acks, filtered to `model`'s subject,
    starting where `deliver` says."""
    if not durable or any(c in durable for c in ".*> \t"):
        raise ValueError(f"{durable!r} is not a durable name (no dots, wildcards or spaces)")
    if max_deliver < 1:
        raise ValueError("max_deliver must be at least 1")
    config = ConsumerConfig(
        durable_name=durable,
        name=durable,
        ack_policy=JsAckPolicy.EXPLICIT,
        ack_wait=ack_wait,
        max_deliver=max_deliver,
        max_ack_pending=max_ack_pending,
        filter_subject=model.subject,
    )
    if isinstance(deliver, datetime):
        if deliver.tzinfo is None:
            raise ValueError("deliver must be timezone-aware when it is a point in time")
        config.deliver_policy = DeliverPolicy.BY_START_TIME
        config.opt_start_time = deliver.astimezone(UTC)
    elif deliver == "all":
        config.deliver_policy = DeliverPolicy.ALL
    elif deliver == "new":
        config.deliver_policy = DeliverPolicy.NEW
    else:
        raise ValueError(f"deliver must be 'new', 'all' or a datetime, not {deliver!r}")
    return config


class MessageTermed(IgnoredException):
    """An invalid message was logged and termed; FastStream skips it without logging again."""


async def _parse(
    msg: Msg, original: Callable[[Msg], Awaitable[StreamMessage[Msg]]]
) -> StreamMessage[Msg]:
    """FastStream's message, with its ids taken from our CloudEvents headers."""
    message = await original(msg)
    message.message_id = message.headers.get("ce-id") or message.message_id
    message.correlation_id = message.headers.get("ce-correlationid") or message.correlation_id
    return message


async def _decode(message: StreamMessage[Msg], _original: Any) -> Event:
    """The typed event; an invalid message is logged, termed and skipped."""
    raw = message.raw_message
    try:
        _, event = parse_message(raw.subject, message.headers, raw.data)
    except InvalidMessage as error:
        log.error(
            "invalid message termed: %s (subject %s, stream sequence %s)",
            error,
            raw.subject,
            raw.metadata.sequence.stream,
        )
        await message.reject()
        raise MessageTermed(str(error)) from None
    return event


class Subscribers:
    """Subscribes a FastStream `NatsBroker` to Arctic RDI Hub events by their models."""

    def __init__(
        self,
        broker: NatsBroker,
        *,
        first_retry_delay: float = FIRST_RETRY_DELAY,
        max_retry_delay: float = MAX_RETRY_DELAY,
    ) -> None:
        """A failed delivery is retried after `retry_delay` seconds (`first_retry_delay`,
        doubling, at most `max_retry_delay`)."""
        self.broker = broker
        self.first_retry_delay = first_retry_delay
        self.max_retry_delay = max_retry_delay

    def subscriber(
        self,
        model: type[E],
        *,
        durable: str,
        deliver: Deliver = "new",
        max_deliver: int = MAX_DELIVER,
        ack_wait: float = 30.0,
    ) -> Callable[[Handler[E]], Handler[E]]:
        """Decorate `async def handler(event: Model, envelope: Envelope) -> None` to receive
        every event of `model` through the durable consumer `durable` (created with
        `deliver` and `max_deliver` when it does not exist yet; an existing one is used as
        it is). Name durables `<system>-<purpose>`, e.g. `council-agreements`: they outlive
        the app, and the server keeps their position until an operator deletes them."""
        config = consumer_config(
            model, durable, deliver=deliver, max_deliver=max_deliver, ack_wait=ack_wait
        )
        stream = JStream(stream_for_subject(model.subject).name, declare=False)

        def register(handler: Handler[E]) -> Handler[E]:
            async def handle(event: Any, message: NatsMessage) -> None:
                envelope = parse_headers(message.headers)
                try:
                    await handler(event, envelope)
                except Exception:
                    delivered = message.raw_message.metadata.num_delivered
                    await self._failed(message, envelope, delivered, max_deliver)
                    return
                # Confirmed by the server, so that a lost ack shows here, not as a duplicate.
                await message.ack_sync()

            # FastStream reads the payload type (validation and AsyncAPI) from the signature.
            parameters = list(inspect.signature(handle).parameters.values())
            handle.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
                [
                    parameters[0].replace(annotation=model),
                    parameters[1].replace(annotation=NatsMessage),
                ],
                return_annotation=None,
            )
            handle.__name__ = getattr(handler, "__name__", model.__name__)
            handle.__doc__ = handler.__doc__ or inspect.getdoc(model)
            self.broker.subscriber(
                model.subject,
                durable=durable,
                config=config,
                stream=stream,
                pull_sub=PullSub(batch_size=1, timeout=5.0),
                parser=_parse,
                decoder=_decode,
                ack_policy=AckPolicy.MANUAL,
                title=f"{model.subject}:{durable}",
            )(handle)
            return handler

        return register

    async def _failed(
        self, message: NatsMessageClass, envelope: Envelope, delivered: int, max_deliver: int
    ) -> None:
        if delivered >= max_deliver:
            log.exception(
                "handler failed on the last allowed delivery (%s of %s): event %s termed",
                delivered,
                max_deliver,
                envelope.id,
            )
            await message.reject()
            return
        delay = retry_delay(delivered, first=self.first_retry_delay, cap=self.max_retry_delay)
        log.warning(
            "handler failed on delivery %s of %s: event %s retried in %.1f s",
            delivered,
            max_deliver,
            envelope.id,
            delay,
            exc_info=True,
        )
        await message.nack(delay=delay)


__all__ = [
    "MAX_DELIVER",
    "Deliver",
    "Envelope",
    "Handler",
    "MessageTermed",
    "Subscribers",
    "consumer_config",
    "retry_delay",
]
