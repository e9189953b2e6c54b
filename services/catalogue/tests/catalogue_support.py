"""Builders for the catalogue's tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from nats.aio.client import Client as NATS

from arctic.contracts.envelope import Envelope, parse_message
from arctic.contracts.events import Event
from arctic.runtime.access.roles import Role
from arctic.runtime.clock import SettableClock
from arctic.runtime.testing import stream_messages, wait_until


@dataclass
class Catalogue:
    """The running service with the demo network: an anonymous client, a maker of clients
    with a role (`client(Role.staff, org="gtk")`), its database, NATS as `ops` (read-only)
    and as `notifications` (opens persons), the service's clock and database DSN."""

    http: httpx.AsyncClient
    client: Callable[..., httpx.AsyncClient]
    db: asyncpg.Pool
    nc: NATS
    notifications: NATS
    clock: SettableClock
    dsn: str

    def staff(self, org: str) -> httpx.AsyncClient:
        """A client of a staff member of `org`."""
        return self.client(Role.staff, org=org)


CONTACT = {
    "name": "Aino Testaaja",
    "email": "aino@example.com",
    "phone": "+358 40 765 4321",
    "language": "fi",
}
"""A company's contact person of the tests, in clear."""
PERSONAL_VALUES = [str(CONTACT["name"]), str(CONTACT["email"]), str(CONTACT["phone"])]
COMPANY = {"name": "Revontuli Robotics Oy", "business_id": "2617416-4", "contact": CONTACT}


def new_offering(**changes: Any) -> dict[str, Any]:
    """A valid new service offering of GTK."""
    body: dict[str, Any] = {
        "kind": "service",
        "organisation": "gtk",
        "title": {"fi": "Akkumineraalien rikastus", "en": "Battery mineral beneficiation"},
        "description": {
            "fi": "Litium- ja grafiittimalmien rikastuskokeet laboratoriossa.",
            "en": "Beneficiation tests of lithium and graphite ores in the laboratory.",
        },
        "keywords": ["lithium", "litium", "graphite"],
        "stages": ["concept", "prototype"],
        "trl_min": 3,
        "trl_max": 6,
        "pricing": "commercial",
        "prices": {"company": "1200.00"},
        "lead_time_days": 20,
        "contact_email": "mintec@example.org",
    }
    return {**body, **changes}


async def published(nc: NATS, count: int = 0) -> list[tuple[Envelope, Event]]:
    """Every event on the CATALOGUE stream, parsed, once there are at least `count`."""

    async def enough() -> bool:
        return len(await stream_messages(nc, "CATALOGUE")) >= count

    await wait_until(enough)
    return [
        parse_message(m.subject, m.headers or {}, m.data or b"")
        for m in await stream_messages(nc, "CATALOGUE")
    ]


async def outbox_subjects(db: asyncpg.Pool) -> list[str]:
    """The events committed so far, in order."""
    rows = await db.fetch("SELECT subject FROM outbox ORDER BY position")
    return [row["subject"] for row in rows]


async def about(nc: NATS, subject: str, count: int) -> list[tuple[Envelope, Event]]:
    """The events on the CATALOGUE stream about one aggregate (`ce-subject`), once there are
    at least `count`."""

    async def of_subject() -> list[tuple[Envelope, Event]]:
        return [(e, ev) for e, ev in await published(nc) if e.subject == subject]

    async def enough() -> bool:
        return len(await of_subject()) >= count

    await wait_until(enough)
    return await of_subject()
