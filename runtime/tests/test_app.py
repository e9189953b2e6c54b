"""The service app factory: errors as problem+json, correlation ids, health and metrics."""

from __future__ import annotations

import asyncio
import json
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
from pydantic import BaseModel, ConfigDict, Field
from runtime_support import REQUESTED, effects_subscription, prototype_requested

from arctic.contracts.envelope import build_message
from arctic.contracts.vocabulary import ContactPerson
from arctic.runtime.endpoints import PersonsDep, UnitOfWorkDep, unit_of_work
from arctic.runtime.openapi import problem_responses
from arctic.runtime.problems import Conflict, NotFound
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


class Room(BaseModel):
    """Tolerant of unknown fields, as the contracts' models are."""

    model_config = ConfigDict(extra="ignore")
    name: str


class Booking(BaseModel):
    hours: int = Field(ge=1, le=24)
    room: Room | None = None
    confirmed: bool = False
    note: str = ""


@router.post("/bookings", responses=problem_responses(409))
async def book(booking: Booking) -> dict[str, int]:
    if booking.hours == 13:
        raise Conflict("the slot overlaps another booking", slot=13)
    return {"hours": booking.hours}


@router.post("/requests", status_code=201)
async def request(work: UnitOfWork = Depends(unit_of_work)) -> dict[str, str]:
    async with work.transaction() as tx:
        event_id = await tx.emit(prototype_requested())
    return {"event_id": str(event_id)}


@router.get("/bookings/{booking_id}")
async def read_booking(booking_id: int) -> dict[str, int]:
    raise NotFound(f"no booking {booking_id}")


@router.get("/effects")
async def count_effects(uow: UnitOfWorkDep) -> dict[str, int]:
    return {"effects": int(await uow.pool.fetchval("SELECT count(*) FROM effects"))}


@router.get("/effects/titled")
async def find_effects(uow: UnitOfWorkDep, title: str) -> dict[str, int]:
    found = await uow.pool.fetchval("SELECT count(*) FROM effects WHERE title = $1", title)
    return {"effects": int(found)}


@router.get("/effects/titled/{title}")
async def find_effects_by_path(uow: UnitOfWorkDep, title: str) -> dict[str, int]:
    return await find_effects(uow, title)


@router.get("/explode")
async def explode() -> None:
    raise RuntimeError("a bug")


@router.post("/contacts", status_code=201)
async def add_contact(contact: ContactPerson, persons: PersonsDep) -> dict[str, str]:
    person = await persons.seal(contact)
    return {"person_id": str(person.person_id)}


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


class ServiceClient:
    """Clients of the sample service's two ports: `api`, and `ops` for /healthz, /readyz and
    /metrics, where `get` sends those paths."""

    OPERATIONS = ("/healthz", "/readyz", "/metrics")

    def __init__(self, api: httpx.AsyncClient, ops: httpx.AsyncClient) -> None:
        self.api, self.ops = api, ops

    async def get(self, path: str, **options: Any) -> httpx.Response:
        client = self.ops if path in self.OPERATIONS else self.api
        return await client.get(path, **options)

    async def post(self, path: str, **options: Any) -> httpx.Response:
        return await self.api.post(path, **options)

    async def delete(self, path: str, **options: Any) -> httpx.Response:
        return await self.api.delete(path, **options)


Serve = Callable[..., AbstractAsyncContextManager[ServiceClient]]


@pytest.fixture
def serve(fresh_database: str, nats_server: LocalNats) -> Serve:
    """Run the sample service (with the given workers and settings) behind real HTTP."""

    @asynccontextmanager
    async def run(
        workers: Sequence[Worker] = (), database: str | None = None, **overrides: Any
    ) -> AsyncIterator[ServiceClient]:
        definition = sample_service(workers)
        dsn = await prepare_service_database(database or fresh_database, definition)
        await provision(nats_server.url, definition)
        settings = ServiceSettings(
            service="prototyping",
            database_dsn=dsn,
            nats_url=nats_server.url,
            personal_data_pepper="the pepper of the runtime's tests",
            **overrides,
        )
        async with (
            serving(definition, settings) as url,
            httpx.AsyncClient(base_url=url) as api,
            httpx.AsyncClient(base_url=url.ops) as ops,
        ):
            yield ServiceClient(api, ops)

    return run


@pytest.fixture
async def service(serve: Serve) -> AsyncIterator[ServiceClient]:
    async with serve() as http:
        yield http


async def test_invalid_input_is_422_problem_json_naming_the_field(
    service: ServiceClient,
) -> None:
    response = await service.post("/bookings", json={"hours": 30})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert [e["field"] for e in problem["errors"]] == ["hours"]


async def test_a_broken_rule_is_409_problem_json(service: ServiceClient) -> None:
    response = await service.post("/bookings", json={"hours": 13})
    assert response.status_code == 409
    assert response.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "the slot overlaps another booking",
        "slot": 13,
    }


async def test_an_unknown_path_is_404_problem_json(service: ServiceClient) -> None:
    response = await service.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_correlation_id_is_taken_or_created_and_echoed(
    service: ServiceClient,
) -> None:
    given = await service.post("/bookings", json={"hours": 2}, headers={"X-Correlation-ID": "abc"})
    assert given.headers["X-Correlation-ID"] == "abc"
    made = await service.post("/bookings", json={"hours": 2})
    assert len(made.headers["X-Correlation-ID"]) == 36


async def test_ready_when_database_nats_and_consumers_are(service: ServiceClient) -> None:
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
        "consumer:prototyping-notifications": True,  # erasure requests
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


async def test_not_ready_while_nats_is_down(service: ServiceClient, nats_server: LocalNats) -> None:
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
    service: ServiceClient, nats_server: LocalNats, nc: NATS
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


# --- the HTTP edges every endpoint shares ------------------------------------------------


def _fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


async def test_malformed_json_is_422_pointing_at_the_body_and_saying_what_is_wrong(
    service: ServiceClient,
) -> None:
    response = await service.post(
        "/bookings", content=b'{"hours": 2,', headers={"Content-Type": "application/json"}
    )
    assert _fields(response) == ["body"]
    message = response.json()["errors"][0]["message"]
    assert message.startswith("the body is not valid JSON")
    latin1 = await service.post(
        "/bookings", content=b'{"note": "\xe4"}', headers={"Content-Type": "application/json"}
    )
    assert latin1.status_code in (400, 422)
    assert latin1.headers["content-type"] == "application/problem+json"


async def test_a_body_that_is_not_json_is_415(service: ServiceClient) -> None:
    response = await service.post(
        "/bookings",
        content=b"hours=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert "application/json" in response.json()["detail"]


async def test_a_wrong_method_is_405_naming_the_allowed_ones(service: ServiceClient) -> None:
    response = await service.delete("/bookings")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.headers["content-type"] == "application/problem+json"


async def test_unknown_fields_are_refused_at_every_level(service: ServiceClient) -> None:
    top = await service.post("/bookings", json={"hours": 2, "colour": "red"})
    nested = await service.post("/bookings", json={"hours": 2, "room": {"name": "A", "x": 1}})
    assert _fields(top) == ["colour"]
    assert _fields(nested) == ["room.x"]


async def test_booleans_are_strict(service: ServiceClient) -> None:
    assert _fields(await service.post("/bookings", json={"hours": 2, "confirmed": 0})) == [
        "confirmed"
    ]
    assert (await service.post("/bookings", json={"hours": 2, "confirmed": True})).is_success


@pytest.mark.parametrize("path", ["/effects/titled?title=a%00b", "/effects/titled/a%00b"])
async def test_a_parameter_postgresql_cannot_take_is_refused_naming_it(
    service: ServiceClient, path: str
) -> None:
    # Found by tests/http: PostgreSQL refuses a NUL even to compare it, a search was a 500.
    response = await service.get(path)
    assert response.status_code == 422, response.text
    assert _fields(response) == ["title"]
    assert "control character" in response.json()["errors"][0]["message"]
    assert (await service.get("/effects/titled?title=line%0Aend")).json() == {"effects": 0}


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "\ud800"])
async def test_text_postgresql_cannot_store_is_refused_naming_the_field(
    service: ServiceClient, text: str
) -> None:
    body = json.dumps({"hours": 2, "room": {"name": text}})  # escaped: valid JSON
    response = await service.post(
        "/bookings", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    assert _fields(response) == ["room.name"]
    fine = await service.post("/bookings", json={"hours": 2, "note": "line one\nline two\tend"})
    assert fine.is_success


@pytest.mark.parametrize("given", ["x" * 129, "has space", "ä-umlaut", "semi;colon"])
async def test_a_bad_correlation_id_is_replaced_by_a_fresh_one(
    service: ServiceClient, given: str
) -> None:
    response = await service.post(
        "/bookings",
        json={"hours": 2},
        headers=[(b"X-Correlation-ID", given.encode())],
    )
    assert response.is_success
    assert len(response.headers["X-Correlation-ID"]) == 36


async def test_an_unhandled_error_keeps_the_correlation_id_and_is_counted(
    service: ServiceClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await service.get("/explode", headers={"X-Correlation-ID": "corr-boom-1"})
    assert response.status_code == 500
    assert response.headers["X-Correlation-ID"] == "corr-boom-1"
    assert response.headers["content-type"] == "application/problem+json"
    logged = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    (line,) = [m for m in logged if m.get("event") == "unhandled error"]
    assert line["correlation_id"] == "corr-boom-1"
    assert isinstance(line["exc_info"], RuntimeError)
    metrics = (await service.ops.get("/metrics")).text
    assert 'arctic_http_unhandled_errors_total{method="GET",route="/explode"}' in metrics


async def test_operations_and_api_listen_on_separate_ports(service: ServiceClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        assert (await service.api.get(path)).status_code == 404
    assert (await service.ops.get("/bookings/1")).status_code == 404
    assert (await service.ops.get("/healthz")).status_code == 200


async def test_docs_work_offline_from_the_package(service: ServiceClient) -> None:
    page = await service.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert f"/docs/assets/{asset}" in page.text
        served = await service.get(f"/docs/assets/{asset}")
        assert served.status_code == 200
        assert len(served.content) > 10_000


async def test_openapi_describes_the_problem_answers(service: ServiceClient) -> None:
    document = (await service.get("/openapi.json")).json()
    post = document["paths"]["/bookings"]["post"]["responses"]
    for status in ("400", "409", "415", "422", "500", "503"):
        assert list(post[status]["content"]) == ["application/problem+json"], status
    assert "Retry-After" in post["503"]["headers"]
    assert "404" in document["paths"]["/bookings/{booking_id}"]["get"]["responses"]
    schemas = document["components"]["schemas"]
    assert schemas["Room"]["additionalProperties"] is False
    metrics = (await service.ops.get("/openapi.json")).json()["paths"]["/metrics"]["get"]
    assert list(metrics["responses"]["200"]["content"]) == ["text/plain"]


async def test_a_database_going_away_answers_503_with_retry_after(
    serve: Serve, restartable_postgres: LocalPostgres
) -> None:
    database = await create_database(restartable_postgres.admin_dsn)
    async with serve(database=database) as service:
        assert (await service.get("/effects")).json() == {"effects": 0}
        await asyncio.to_thread(restartable_postgres.stop)
        response = await service.get("/effects")
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert response.headers["content-type"] == "application/problem+json"


async def test_sealing_a_new_person_while_nats_is_down_is_503_with_retry_after(
    service: ServiceClient, nats_server: LocalNats
) -> None:
    aino = {"name": "Aino Testaaja", "email": "aino@example.com", "language": "fi"}
    assert (await service.post("/contacts", json=aino)).status_code == 201
    nats_server.stop()

    response = await service.post("/contacts", json={**aino, "email": "erik@example.com"})

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    assert "erik" not in response.text


async def test_a_body_over_the_limit_is_413_before_it_is_read(serve: Serve) -> None:
    async with serve(http_max_body_bytes=4096) as service:
        declared = await service.post(
            "/bookings", content=b'{"hours": 2, "note": "' + b"x" * 5_000_000 + b'"}'
        )

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            yield b'{"hours": 2, "note": "'
            for _ in range(10):
                yield b"x" * 1000
            yield b'"}'

        streamed = await service.post(
            "/bookings", content=chunks(), headers={"Content-Type": "application/json"}
        )
        within = await service.post("/bookings", json={"hours": 2, "note": "x" * 3000})
    for refused in (declared, streamed):
        assert refused.status_code == 413
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["detail"] == "the body may be at most 4096 bytes"
        assert refused.headers["X-Correlation-ID"]
    assert within.status_code == 200
