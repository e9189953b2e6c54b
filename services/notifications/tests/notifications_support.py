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

import asyncpg
import httpx
from nats.aio.client import Client as NATS

from arctic.contracts.envelope import build_message
from arctic.contracts.events import PrototypeRequested
from arctic.contracts.examples import example_of
from arctic.contracts.vocabulary import ContactPerson
from arctic.runtime.mailsink import MailSink
from arctic.runtime.testing import SecuredNats, persons_for_tests, stream_messages

COORDINATORS = "coordinators@lapinamk.example"


@dataclass
class Notifications:
    """The running service, a client for it, its SMTP sink, its database, and NATS as
    prototyping (`nc`, which publishes what notifications reads) and as the read-only `ops`;
    `nats` connects as any other user of permissions.conf."""

    http: httpx.AsyncClient
    sink: MailSink
    nc: NATS
    db: asyncpg.Pool
    ops: NATS
    nats: SecuredNats
    producers: dict[str, NATS]
    """NATS as each producing service, by name."""

    async def deliveries(self) -> list[dict[str, Any]]:
        """Every delivery row, oldest first (an empty list while the database is away)."""
        try:
            rows = await self.db.fetch("SELECT * FROM deliveries ORDER BY created_at, recipient")
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return []
        return [dict(row) for row in rows]

    async def all_settled(self, count: int, status: str = "delivered") -> bool:
        """Whether there are `count` deliveries, all in `status`."""
        found = await self.deliveries()
        return len(found) == count and all(d["status"] == status for d in found)


ServiceRunner = Callable[..., AbstractAsyncContextManager[Notifications]]


CONTACT = ContactPerson(
    name="Aino Testaaja", email="aino@example.com", phone="+358 40 765 4321", language="fi"
)
"""The company's contact person of the tests, in clear."""
PERSONAL_VALUES = [CONTACT.name, CONTACT.email, str(CONTACT.phone)]


async def prototype_requested(
    nc: NATS, language: str = "fi", *, contact: ContactPerson = CONTACT, **changes: Any
) -> PrototypeRequested:
    """A PrototypeRequested with a fresh id whose contact, addressed in `language`, is sealed
    as prototyping would seal them."""
    person = await persons_for_tests(nc).seal(contact.model_copy(update={"language": language}))
    company = {"name": "Revontuli Robotics Oy", "business_id": "2617416-4", "contact": person}
    return example_of(
        PrototypeRequested,
        request_id=uuid.uuid4(),
        company=company,
        requested_at=datetime.now(UTC),
        **changes,
    )


async def publish(
    nc: NATS,
    event: PrototypeRequested,
    *,
    copies: int = 1,
    correlation_id: str = "corr-notify",
    event_id: str | None = None,
) -> str:
    """Publish as prototyping's relay would; with copies > 1 the stream keeps each copy of the
    same event (as after a redelivery past the duplicate window), as it does for an `event_id`
    published before."""
    headers, body = build_message(
        event, correlation_id=correlation_id, event_id=uuid.UUID(event_id) if event_id else None
    )
    if copies > 1 or event_id:
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


async def deliveries_for(service: Notifications, event_id: str) -> list[dict[str, Any]]:
    """The deliveries made for one event, as GET /deliveries lists them."""
    response = await service.http.get("/deliveries", params={"event_id": event_id})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
