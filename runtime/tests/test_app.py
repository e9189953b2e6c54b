"""The service app factory: errors as problem+json, correlation ids, health and metrics."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends
from nats.aio.client import Client as NATS
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel, Field
from runtime_support import REQUESTED, effects_subscription, prototype_requested

from arctic.contracts.envelope import build_message
from arctic.runtime.endpoints import unit_of_work
from arctic.runtime.problems import Conflict
from arctic.runtime.resources import Resources
from arctic.runtime.servers import LocalNats, LocalPostgres
from arctic.runtime.service import ServiceDefinition, Worker
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.testing import (
    create_database,
    prepare_service_database,
    provision,
    serving,
    stream_messages,
    wait_until,
)
from arctic.runtime.unit_of_work import UnitOfWork

router = APIRouter()


class Booking(BaseModel):
    hours: int = Field(ge=1, le=24)


@router.post("/bookings")
async def book(booking: Booking) -> dict[str, int]:
    if booking.hours == 13:
        raise Conflict("the slot overlaps another booking", slot=13)
    return {"hours": booking.hours}


@router.post("/requests", status_code=201)
async def request(work: UnitOfWork = Depends(unit_of_work)) -> dict[str, str]:
    async with work.transaction() as tx:
        event_id = await tx.emit(prototype_requested())
    return {"event_id": str(event_id)}


def sample_service(workers: Sequence[Worker] = ()) -> ServiceDefinition[ServiceSettings]:
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
        workers=workers,
    )


Serve = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def serve(fresh_database: str, nats_server: LocalNats) -> Serve:
    """Run the sample service (with the given workers and settings) behind real HTTP."""

    @asynccontextmanager
    async def run(
        workers: Sequence[Worker] = (), database: str | None = None, **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        definition = sample_service(workers)
        dsn = await prepare_service_database(database or fresh_database, definition)
        await provision(nats_server.url, definition)
        settings = ServiceSettings(
            service="prototyping", database_dsn=dsn, nats_url=nats_server.url, **overrides
        )
        async with serving(definition, settings) as url, httpx.AsyncClient(base_url=url) as http:
            yield http

    return run


@pytest.fixture
async def service(serve: Serve) -> AsyncIterator[httpx.AsyncClient]:
    async with serve() as http:
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
        "scheduler": True,
        "consumer:tests-prototyping": True,
        "housekeeping": True,
    }
    assert (await service.get("/healthz")).json() == {"status": "alive"}


def crashing(times: int | None) -> Worker:
    """A worker that crashes `times` times (None: every time) and then runs until stopped."""
    crashes = 0

    async def flaky_worker(resources: Resources) -> None:
        nonlocal crashes
        if times is None or crashes < times:
            crashes += 1
            raise RuntimeError(f"the worker broke ({crashes})")
        await asyncio.Event().wait()

    return flaky_worker


async def test_a_crashed_worker_is_restarted_and_readiness_covers_it(serve: Serve) -> None:
    async with serve([crashing(2)], loop_restart_seconds=0.05, loop_crash_limit=3) as service:

        async def ready() -> bool:
            return bool((await service.get("/readyz")).status_code == 200)

        await wait_until(ready)
        checks = (await service.get("/readyz")).json()["checks"]
        assert checks["worker:flaky_worker"] is True
        assert (await service.get("/healthz")).status_code == 200
        crashes = _metric(
            (await service.get("/metrics")).text,
            "arctic_loop_crashes_total",
            loop="worker:flaky_worker",
        )
    assert crashes >= 2


async def test_a_loop_that_keeps_crashing_fails_the_liveness_probe(serve: Serve) -> None:
    async with serve([crashing(None)], loop_restart_seconds=0.05, loop_crash_limit=3) as service:

        async def failing() -> bool:
            return bool((await service.get("/healthz")).status_code == 503)

        await wait_until(failing)
        health = (await service.get("/healthz")).json()
        readiness = await service.get("/readyz")
    assert health["status"] == "failing"
    assert "the worker broke" in health["loops"]["worker:flaky_worker"]
    assert readiness.status_code == 503
    assert readiness.json()["checks"]["worker:flaky_worker"] is False


async def test_not_ready_while_nats_is_down(
    service: httpx.AsyncClient, nats_server: LocalNats
) -> None:
    nats_server.stop()

    async def not_ready() -> bool:
        return bool((await service.get("/readyz")).status_code == 503)

    await wait_until(not_ready)
    assert (await service.get("/readyz")).json()["checks"]["nats"] is False
    assert (await service.get("/healthz")).status_code == 200


async def test_a_database_outage_crashes_no_loop_and_the_process_stays_alive(
    serve: Serve, restartable_postgres: LocalPostgres
) -> None:
    database = await create_database(restartable_postgres.admin_dsn)
    settings = {"housekeeping_interval_seconds": 0.2, "loop_crash_limit": 2}
    async with serve(database=database, loop_restart_seconds=0.05, **settings) as service:

        async def ready() -> bool:
            return bool((await service.get("/readyz")).status_code == 200)

        await wait_until(ready)
        crashes_before = _metric((await service.get("/metrics")).text, "arctic_loop_crashes_total")
        failed_before = _relay_errors()
        await asyncio.to_thread(restartable_postgres.stop)
        # Every loop meets the outage again and again: the relay fails round after round.
        await wait_until(lambda: _true(_relay_errors() >= failed_before + 5), within=30)
        assert (await service.get("/healthz")).status_code == 200
        assert (await service.get("/readyz")).json()["checks"]["database"] is False
        await asyncio.to_thread(restartable_postgres.start, durable=False)
        await wait_until(ready, within=30)
        text = (await service.get("/metrics")).text
    assert _metric(text, "arctic_loop_crashes_total") == crashes_before


async def test_metrics_show_outbox_lag_and_handled_events(
    service: httpx.AsyncClient, nats_server: LocalNats, nc: NATS
) -> None:
    async def metric(name: str, **labels: str) -> float:
        return _metric((await service.get("/metrics")).text, name, **labels)

    ours = {"consumer": "tests-prototyping"}
    handled = await metric("arctic_handler_duration_seconds_count", **ours, event_type=REQUESTED)
    ok = await metric("arctic_consumer_messages_total", **ours, outcome="ok")
    headers, body = build_message(prototype_requested(), correlation_id="m")
    await nc.jetstream().publish(REQUESTED, body, headers=headers)

    async def handled_once() -> bool:
        count = await metric("arctic_handler_duration_seconds_count", **ours, event_type=REQUESTED)
        return count == handled + 1

    await wait_until(handled_once)
    assert await metric("arctic_consumer_messages_total", **ours, outcome="ok") == ok + 1

    nats_server.stop()  # the relay cannot publish: what the service emits now waits
    for _ in range(3):
        assert (await service.post("/requests")).status_code == 201
    assert await metric("arctic_outbox_lag_events") == 3
    assert await metric("arctic_outbox_oldest_age_seconds") > 0
    nats_server.start()

    async def published() -> bool:
        return await metric("arctic_outbox_lag_events") == 0

    await wait_until(published, within=20)
    assert len(await stream_messages(nc, "PROTOTYPING")) == 4


def _relay_errors() -> float:
    return REGISTRY.get_sample_value("arctic_relay_errors_total") or 0.0


async def _true(value: bool) -> bool:
    return value


def _metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples `name{labels}` in a Prometheus text exposition (0 when absent)."""
    return sum(
        float(sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )
