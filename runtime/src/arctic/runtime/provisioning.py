"""Streams and durable consumers, created idempotently from the definitions in code.

Run as an explicit step (`arctic provision SERVICE`): the owning service creates or updates
its own stream; each consuming service creates its own durable consumers on the streams it
reads, waiting for those streams to exist. The service that owns the PERSONAL_KEYS bucket
creates it; the others wait for it. At run time services only bind.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from arctic.contracts.registry import StreamDefinition
from arctic.runtime.logs import get_logger
from arctic.runtime.personal_keys import ensure_bucket, wait_for_bucket
from arctic.runtime.settings import STREAM_MAX_AGE_DAYS
from arctic.runtime.subscriptions import Subscription

log = get_logger(__name__)
DUPLICATE_WINDOW_SECONDS = 120.0
MAX_AGE_SECONDS = STREAM_MAX_AGE_DAYS * 24 * 3600.0


def stream_config(definition: StreamDefinition, replicas: int) -> StreamConfig:
    """The JetStream configuration of one of the product's streams."""
    return StreamConfig(
        name=definition.name,
        subjects=list(definition.subjects),
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        max_age=MAX_AGE_SECONDS,
        num_replicas=replicas,
    )


def consumer_config(subscription: Subscription[Any]) -> ConsumerConfig:
    """The durable pull consumer behind a subscription.

    Redeliveries are unlimited (`max_deliver` -1): the runtime counts a handler's failures
    itself and dead-letters at `Subscription.max_failures`, and a message sent back during
    an outage must never run out of deliveries (the broker would stop delivering it
    without a trace).
    """
    return ConsumerConfig(
        durable_name=subscription.durable,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=subscription.ack_wait_seconds,
        max_deliver=-1,
        max_ack_pending=10_000,
        filter_subjects=subscription.subjects,
    )


async def ensure_stream(js: JetStreamContext, definition: StreamDefinition, replicas: int) -> None:
    """Create the stream, or bring an existing one to the configuration in code."""
    config = stream_config(definition, replicas)
    try:
        await js.stream_info(definition.name)
    except NotFoundError:
        await js.add_stream(config)
        log.info("stream created", stream=definition.name)
        return
    await js.update_stream(config)
    log.info("stream up to date", stream=definition.name)


async def ensure_consumer(
    js: JetStreamContext, subscription: Subscription[Any], *, wait_for_stream: float = 60.0
) -> None:
    """Create or update the durable consumer, once its stream exists."""
    deadline = asyncio.get_running_loop().time() + wait_for_stream
    while True:
        try:
            await js.stream_info(subscription.stream)
            break
        except NotFoundError:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(
                    f"stream {subscription.stream} does not exist: provision its service first"
                ) from None
            await asyncio.sleep(1)
    await js.add_consumer(subscription.stream, consumer_config(subscription))
    log.info("consumer up to date", stream=subscription.stream, consumer=subscription.durable)


async def ensure_personal_keys(
    js: JetStreamContext, *, owner: bool, replicas: int, wait: float = 60.0
) -> None:
    """The PERSONAL_KEYS bucket: created by its owner, waited for by everyone else."""
    if owner:
        await ensure_bucket(js, replicas)
    else:
        await wait_for_bucket(js, within=wait)
