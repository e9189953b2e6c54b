"""Builders for prototyping's tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from nats.aio.client import Client as NATS

from arctic.contracts.envelope import Envelope, parse_message
from arctic.contracts.events import Event
from arctic.runtime.testing import stream_messages


@dataclass
class Prototyping:
    """The running service, a client for it, its database and its NATS (as `ops`, read-only;
    `notifications` to open persons and ask for erasures, as that service would)."""

    http: httpx.AsyncClient
    db: asyncpg.Pool
    nc: NATS
    notifications: NATS


CONTACT = {
    "name": "Aino Testaaja",
    "email": "aino@example.com",
    "phone": "+358 40 765 4321",
    "language": "fi",
}
"""The company's contact person of the tests, in clear."""
PERSONAL_VALUES = [str(CONTACT["name"]), str(CONTACT["email"]), str(CONTACT["phone"])]
"""What must never show in clear in events, logs or after erasure."""


def valid_request() -> dict[str, object]:
    """The request of the README's first flow."""
    return {
        "company": {
            "name": "Revontuli Robotics Oy",
            "business_id": "2617416-4",
            "contact": CONTACT,
        },
        "title": "Snow-load sensor for roof trusses",
        "problem": "We need a cheap wireless sensor that warns before snow load gets dangerous.",
        "disciplines": ["ict", "construction"],
        "stage": "concept",
        "showcase_consent": True,
    }


async def submitted(prototyping: Prototyping, **changes: Any) -> str:
    """The id of a newly submitted request."""
    response = await prototyping.http.post(
        "/prototype-requests", json={**valid_request(), **changes}
    )
    assert response.status_code == 201, response.text
    request_id: str = response.json()["id"]
    return request_id


async def published(prototyping: Prototyping) -> list[tuple[Envelope, Event]]:
    """Every event on the PROTOTYPING stream so far, parsed."""
    return [
        parse_message(m.subject, m.headers or {}, m.data or b"")
        for m in await stream_messages(prototyping.nc, "PROTOTYPING")
    ]
