"""Builders for prototyping's tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
from nats.aio.client import Client as NATS

from arctic.contracts.envelope import Envelope, build_message, parse_message
from arctic.contracts.events import Event
from arctic.runtime.clock import SettableClock, system_clock
from arctic.runtime.testing import SecuredNats, stream_messages, wait_until


class RealTimeUntilSet(SettableClock):
    """The service's clock in tests: the real time, until a test sets or advances it (from
    then on it stands still where the test put it)."""

    def __init__(self) -> None:
        super().__init__()
        self.held = False

    def __call__(self) -> datetime:
        return self.now if self.held else system_clock()

    def set(self, now: datetime) -> None:
        """Stand at `now`."""
        super().set(now)
        self.held = True

    def advance(self, by: timedelta) -> datetime:
        """Move forward by `by` from where it stands (the real time, if not set yet)."""
        self.now, self.held = self(), True
        return super().advance(by)


@dataclass
class Prototyping:
    """The running service, a client for it, its database and its NATS (as `ops`, read-only;
    `notifications` to open persons and ask for erasures, as that service would), the NATS
    server (to publish as another service) and the service's clock."""

    http: httpx.AsyncClient
    db: asyncpg.Pool
    nc: NATS
    notifications: NATS
    nats: SecuredNats | None = None
    clock: SettableClock | None = None


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


async def events_of(prototyping: Prototyping, event_class: type[Any], count: int) -> list[Any]:
    """The events of `event_class` on the stream, once there are `count` of them."""

    async def enough() -> bool:
        found = [e for _, e in await published(prototyping) if isinstance(e, event_class)]
        return len(found) >= count

    await wait_until(enough, within=20)
    return [e for _, e in await published(prototyping) if isinstance(e, event_class)]


async def publish_as(
    prototyping: Prototyping, service: str, event: Event, *, copies: int = 1
) -> str:
    """Publish `event` as `service`'s relay would (copies > 1: the stream keeps each copy of
    the same event, as after a redelivery past the duplicate window); its event id."""
    assert prototyping.nats is not None
    nc = await prototyping.nats.connect(service)
    try:
        headers, body = build_message(event, correlation_id=f"from-{service}")
        if copies > 1:
            del headers["Nats-Msg-Id"]
        for _ in range(copies):
            await nc.jetstream().publish(event.subject, body, headers=headers)
    finally:
        await nc.close()
    return headers["ce-id"]


def expert_body(name: str, *disciplines: str, capacity: int = 1, **more: Any) -> dict[str, Any]:
    """An expert as a coordinator posts them."""
    email = name.lower().replace(" ", ".") + "@tequ.example"
    return {
        "name": name,
        "email": email,
        "language": "fi",
        "disciplines": list(disciplines),
        "capacity": capacity,
        **more,
    }


async def expert_added(prototyping: Prototyping, name: str, *disciplines: str, **more: Any) -> str:
    """The id of a new expert of the pool."""
    response = await prototyping.http.post("/experts", json=expert_body(name, *disciplines, **more))
    assert response.status_code == 201, response.text
    expert_id: str = response.json()["id"]
    return expert_id


async def accepted(prototyping: Prototyping, *disciplines: str, **changes: Any) -> str:
    """The id of a submitted request that triage accepted with `disciplines`."""
    request_id = await submitted(prototyping, **changes)
    response = await prototyping.http.post(
        f"/prototype-requests/{request_id}/accept", json={"disciplines": list(disciplines)}
    )
    assert response.status_code == 200, response.text
    return request_id


async def team_taken(prototyping: Prototyping, request_id: str, **body: Any) -> Any:
    """Take the team for an accepted request; the answer."""
    return await prototyping.http.post(
        f"/prototype-requests/{request_id}/team", json={"confirm": True, **body}
    )
