"""Builders for notifications' tests."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx
from nats.aio.client import Client as NATS

from arctic.contracts.envelope import build_message
from arctic.contracts.events import PrototypeRequested
from arctic.contracts.examples import example_of
from arctic.runtime.mailsink import MailSink
from arctic.runtime.testing import stream_messages

COORDINATORS = "coordinators@lapinamk.example"


@dataclass
class Notifications:
    """The running service, a client for it, its SMTP sink and its NATS."""

    http: httpx.AsyncClient
    sink: MailSink
    nc: NATS


ServiceRunner = Callable[..., AbstractAsyncContextManager[Notifications]]


def prototype_requested(language: str = "fi", **changes: Any) -> PrototypeRequested:
    """A PrototypeRequested with a fresh id whose contact reads `language`."""
    contact = {"name": "Aino Testaaja", "email": "aino@example.com", "language": language}
    company = {"name": "Revontuli Robotics Oy", "business_id": "2617416-4", "contact": contact}
    return example_of(
        PrototypeRequested,
        request_id=uuid.uuid4(),
        company=company,
        requested_at=datetime.now(UTC),
        **changes,
    )


async def publish(nc: NATS, event: PrototypeRequested, *, copies: int = 1) -> str:
    """Publish as prototyping's relay would; with copies > 1 the stream keeps each copy of the
    same event (as after a redelivery past the duplicate window)."""
    headers, body = build_message(event, correlation_id="corr-notify")
    if copies > 1:
        del headers["Nats-Msg-Id"]
    for _ in range(copies):
        await nc.jetstream().publish(event.subject, body, headers=headers)
    return headers["ce-id"]


def read_mails(sink: MailSink) -> list[EmailMessage]:
    """The mails the sink received, parsed."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in sink.mails()
    ]


async def notification_events(nc: NATS) -> list[dict[str, Any]]:
    """The headers and data of every event on the NOTIFICATIONS stream."""
    import json

    return [
        {"type": m.headers["ce-type"], **json.loads(m.data)}
        for m in await stream_messages(nc, "NOTIFICATIONS")
    ]
