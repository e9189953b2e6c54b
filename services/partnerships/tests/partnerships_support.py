"""Builders for partnerships' tests against the running service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from nats.aio.client import Client as NATS

from arctic.contracts.envelope import Envelope, build_message, parse_message
from arctic.contracts.events import Event
from arctic.runtime.access.testing import Tokens
from arctic.runtime.clock import SettableClock
from arctic.runtime.testing import stream_messages, wait_until

PARTNER_CONTACT = {
    "name": "Kaisa Kumppani",
    "email": "kaisa.kumppani@example.com",
    "phone": "+358 40 111 2233",
    "language": "fi",
}
UAS_CONTACT = {"name": "Olli Opettaja", "email": "olli.opettaja@example.fi", "language": "en"}
OWNER = {"name": "Riitta Ryhmänvetäjä", "email": "riitta.vetaja@example.fi", "language": "fi"}
PERSONAL_VALUES = [
    str(p[k]) for p in (PARTNER_CONTACT, UAS_CONTACT, OWNER) for k in ("name", "email")
] + [str(PARTNER_CONTACT["phone"])]
"""What must never show in clear in events or logs."""
BUSINESS_ID = "2617416-4"


@dataclass
class Partnerships:
    """The running service, a coordinator's client for it, its database, NATS as `ops`
    (read-only) and as the services whose events it consumes, its clock, the tokens."""

    http: httpx.AsyncClient
    db: asyncpg.Pool
    nc: NATS
    prototyping: NATS
    catalogue: NATS
    notifications: NATS
    clock: SettableClock
    tokens: Tokens
    url: str


async def created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST a command that creates something; its answer."""
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def ok(response: httpx.Response) -> dict[str, Any]:
    """A 200 answer's body."""
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def partner(
    p: Partnerships, business_id: str = BUSINESS_ID, **changes: Any
) -> dict[str, Any]:
    """A registered partner with its contact person."""
    body = {
        "name": "Tunturi Testworks Oy",
        "business_id": business_id,
        "sector": "industry",
        "focus_areas": ["arctic testing"],
        "contacts": [PARTNER_CONTACT],
        **changes,
    }
    return await created(p.http, "/partners", body)


async def draft_agreement(p: Partnerships, partner_id: str) -> dict[str, Any]:
    """A need raised, negotiated and concluded: the agreement draft."""
    group = await created(
        p.http, "/competence-groups", {"name": f"Arctic engineering {partner_id}", "owner": OWNER}
    )
    need = await created(
        p.http,
        "/needs",
        {
            "partner_id": partner_id,
            "competence_group_id": group["id"],
            "description": "Winter testing of sensors, with theses",
        },
    )
    negotiation = await created(
        p.http,
        "/negotiations",
        {
            "need_id": need["id"],
            "focus_areas": ["arctic testing"],
            "goals": ["two theses a year"],
            "uas_contact": UAS_CONTACT,
            "partner_contact": PARTNER_CONTACT,
        },
    )
    return await created(p.http, f"/negotiations/{negotiation['id']}/conclude", {})


async def signed_agreement(
    p: Partnerships, business_id: str = BUSINESS_ID, starts_on: str = "2027-01-01"
) -> dict[str, Any]:
    """A partner with an agreement signed from `starts_on`."""
    the_partner = await partner(p, business_id)
    draft = await draft_agreement(p, the_partner["id"])
    return await ok(
        await p.http.post(
            f"/agreements/{draft['id']}/sign", json={"starts_on": starts_on, "owner": OWNER}
        )
    )


async def published(p: Partnerships) -> list[tuple[Envelope, Event]]:
    """Every event on the PARTNERSHIPS stream so far, parsed."""
    return [
        parse_message(m.subject, m.headers or {}, m.data or b"")
        for m in await stream_messages(p.nc, "PARTNERSHIPS")
    ]


async def events_of(p: Partnerships, kind: type[Event]) -> list[Any]:
    """The events of one class on the stream so far."""
    return [e for _, e in await published(p) if isinstance(e, kind)]


async def wait_for(p: Partnerships, kind: type[Event], count: int = 1) -> list[Any]:
    """Wait until the stream has `count` events of a class; those events."""

    async def there() -> bool:
        return len(await events_of(p, kind)) >= count

    await wait_until(there, within=15)
    return await events_of(p, kind)


async def publish(nc: NATS, event: Event, *, copies: int = 1) -> None:
    """Publish as the event's producer would; every copy is kept by the stream (as after a
    redelivery past the duplicate window), with the same event id."""
    headers, body = build_message(event, correlation_id="corr-partnerships-test")
    del headers["Nats-Msg-Id"]
    for _ in range(copies):
        await nc.jetstream().publish(event.subject, body, headers=headers)
