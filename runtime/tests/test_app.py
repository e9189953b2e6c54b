"""The service app factory: errors as problem+json, correlation ids, health and metrics."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel, Field
from runtime_support import REQUESTED, effects_subscription, prototype_requested

from arctic.runtime.problems import Conflict
from arctic.runtime.servers import LocalNats
from arctic.runtime.service import ServiceDefinition
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.testing import (
    prepare_service_database,
    provision,
    serving,
    stream_messages,
    wait_until,
)

router = APIRouter()


class Booking(BaseModel):
    hours: int = Field(ge=1, le=24)


@router.post("/bookings")
async def book(booking: Booking) -> dict[str, int]:
    if booking.hours == 13:
        raise Conflict("the slot overlaps another booking", slot=13)
    return {"hours": booking.hours}


def sample_service() -> ServiceDefinition[ServiceSettings]:
    migrations = Path(tempfile.mkdtemp())
    (migrations / "0001_effects.sql").write_text(
        "CREATE TABLE effects (id bigint GENERATED ALWAYS AS IDENTITY, event_id uuid, title text)"
    )
    return ServiceDefinition(
        name="prototyping",  # it owns the PROTOTYPING stream, as the relay needs
        migrations=migrations,
        settings_class=ServiceSettings,
        routers=[router],
        subscriptions=[effects_subscription()],
    )


@pytest.fixture
async def service(fresh_database: str, nats_server: LocalNats) -> AsyncIterator[httpx.AsyncClient]:
    definition = sample_service()
    dsn = await prepare_service_database(fresh_database, definition)
    await provision(nats_server.url, definition)
    settings = ServiceSettings(service="prototyping", database_dsn=dsn, nats_url=nats_server.url)
    async with serving(definition, settings) as url, httpx.AsyncClient(base_url=url) as http:
        yield http


async def test_invalid_input_is_422_problem_json_naming_the_field(
    service: httpx.AsyncClient,
) -> None:
    response = await service.post("/bookings", json={"hours": 30})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert [e["field"] for e in problem["errors"]] == ["hours"]


async def test_a_broken_rule_is_409_problem_json(service: httpx.AsyncClient) -> None:
    response = await service.post("/bookings", json={"hours": 13})
    assert response.status_code == 409
    assert response.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "the slot overlaps another booking",
        "slot": 13,
    }


async def test_an_unknown_path_is_404_problem_json(service: httpx.AsyncClient) -> None:
    response = await service.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_correlation_id_is_taken_or_created_and_echoed(
    service: httpx.AsyncClient,
) -> None:
    given = await service.post("/bookings", json={"hours": 2}, headers={"X-Correlation-ID": "abc"})
    assert given.headers["X-Correlation-ID"] == "abc"
    made = await service.post("/bookings", json={"hours": 2})
    assert len(made.headers["X-Correlation-ID"]) == 36


async def test_ready_when_database_nats_and_consumers_are(service: httpx.AsyncClient) -> None:
    async def ready() -> bool:
        return bool((await service.get("/readyz")).status_code == 200)

    await wait_until(ready)
    checks = (await service.get("/readyz")).json()["checks"]
    assert checks == {
        "database": True,
        "nats": True,
        "relay": True,
        "consumer:tests-prototyping": True,
    }
    assert (await service.get("/healthz")).json() == {"status": "alive"}


async def test_not_ready_while_nats_is_down(
    service: httpx.AsyncClient, nats_server: LocalNats
) -> None:
    nats_server.stop()

    async def not_ready() -> bool:
        return bool((await service.get("/readyz")).status_code == 503)

    await wait_until(not_ready)
    assert (await service.get("/readyz")).json()["checks"]["nats"] is False
    assert (await service.get("/healthz")).status_code == 200


async def test_metrics_show_outbox_lag_and_handled_events(
    service: httpx.AsyncClient, nats_server: LocalNats, fresh_database: str
) -> None:
    import nats

    from arctic.contracts.envelope import build_message

    nc = await nats.connect(nats_server.url)
    headers, body = build_message(prototype_requested(), correlation_id="m")
    await nc.jetstream().publish(REQUESTED, body, headers=headers)

    async def handled() -> bool:
        text = (await service.get("/metrics")).text
        return 'arctic_handler_duration_seconds_count{consumer="tests-prototyping"' in text

    await wait_until(handled)
    text = (await service.get("/metrics")).text
    assert "arctic_outbox_lag_events 0.0" in text
    assert len(await stream_messages(nc, "PROTOTYPING")) == 1
    await nc.close()
