"""Idempotency-Key: a retried command gets its first answer, never a second effect."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict
from runtime_support import EFFECTS_SQL, prototype_requested

from arctic.runtime.clock import SettableClock
from arctic.runtime.db import create_pool
from arctic.runtime.endpoints import Idempotent, UnitOfWorkDep
from arctic.runtime.problems import Conflict
from arctic.runtime.servers import LocalNats
from arctic.runtime.service import ServiceDefinition
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.testing import prepare_service_database, provision, serving

router = APIRouter()


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str
    crash: bool = False
    slow: bool = False


@router.post("/orders", status_code=201, dependencies=[Idempotent])
async def place_order(order: Order, response: Response, uow: UnitOfWorkDep) -> dict[str, Any]:
    async with uow.transaction() as tx:
        if order.item == "sold out":
            raise Conflict("sold out")
        effect = await tx.conn.fetchval(
            "INSERT INTO effects (event_id, title) VALUES (gen_random_uuid(), $1) RETURNING id",
            order.item,
        )
        await tx.emit(prototype_requested(order.item))
        if order.slow:
            await asyncio.sleep(0.5)  # others with the same key arrive meanwhile
        if order.crash:
            raise RuntimeError("the process fails after the effect, before the answer")
    response.headers["Location"] = f"/orders/{effect}"
    return {"effect": effect, "item": order.item}


def sample_service() -> ServiceDefinition[ServiceSettings]:
    migrations = Path(tempfile.mkdtemp())
    (migrations / "0001_effects.sql").write_text(EFFECTS_SQL)
    return ServiceDefinition(
        name="prototyping", migrations=migrations, settings_class=ServiceSettings, routers=[router]
    )


@dataclass
class Service:
    http: httpx.AsyncClient
    db: asyncpg.Pool

    async def effects(self) -> int:
        return int(await self.db.fetchval("SELECT count(*) FROM effects"))

    async def outbox(self) -> int:
        return int(await self.db.fetchval("SELECT count(*) FROM outbox"))

    async def order(self, key: str | None = None, **body: Any) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key is not None else {}
        return await self.http.post("/orders", json={"item": "sauna", **body}, headers=headers)


@pytest.fixture
async def service(
    fresh_database: str, nats_server: LocalNats, clock: SettableClock
) -> AsyncIterator[Service]:
    definition = sample_service()
    dsn = await prepare_service_database(fresh_database, definition)
    await provision(nats_server.url, definition)
    settings = ServiceSettings(service="prototyping", database_dsn=dsn, nats_url=nats_server.url)
    async with (
        serving(definition, settings, clock=clock) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        db = await create_pool(dsn, "prototyping", size=2)
        yield Service(http, db)
        await db.close()


async def test_the_same_key_and_request_get_the_first_answer_and_one_effect(
    service: Service,
) -> None:
    first = await service.order("key-1")
    again = await service.order("key-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert (await service.effects(), await service.outbox()) == (1, 1)


async def test_the_same_request_in_other_spacing_and_key_order_is_the_same_request(
    service: Service,
) -> None:
    await service.order("key-1", slow=False)
    again = await service.http.post(
        "/orders",
        content=b'{ "slow": false,\n  "item": "sauna" }',
        headers={"Idempotency-Key": "key-1", "Content-Type": "application/json"},
    )
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert await service.effects() == 1


async def test_the_same_key_with_another_request_is_422_and_has_no_effect(
    service: Service,
) -> None:
    await service.order("key-1")
    other = await service.order("key-1", item="hot tub")

    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert "different request" in other.json()["detail"]
    assert (await service.effects(), await service.outbox()) == (1, 1)


async def test_without_a_key_every_request_is_a_new_command(service: Service) -> None:
    await service.order()
    await service.order()
    assert await service.effects() == 2


async def test_a_failure_after_the_effect_keeps_neither_the_effect_nor_the_key(
    service: Service,
) -> None:
    crashed = await service.order("key-1", crash=True)
    assert crashed.status_code == 500
    assert (await service.effects(), await service.outbox()) == (0, 0)
    assert await service.db.fetchval("SELECT count(*) FROM idempotency_keys") == 0

    retried = await service.order("key-1", crash=False)
    assert retried.status_code == 201
    assert (await service.effects(), await service.outbox()) == (1, 1)


async def test_an_error_answer_is_not_kept_so_the_retry_runs(service: Service) -> None:
    refused = await service.order("key-1", item="sold out")
    assert refused.status_code == 409
    assert await service.db.fetchval("SELECT count(*) FROM idempotency_keys") == 0
    again = await service.order("key-1", item="sold out")
    assert again.status_code == 409
    assert "Idempotent-Replayed" not in again.headers


async def test_concurrent_requests_with_one_key_have_one_effect_and_the_same_answer(
    service: Service,
) -> None:
    answers = await asyncio.gather(*(service.order("key-1", slow=True) for _ in range(4)))

    assert {a.status_code for a in answers} == {201}
    assert len({a.text for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 3
    assert (await service.effects(), await service.outbox()) == (1, 1)


async def test_a_key_older_than_a_day_counts_as_new(service: Service, clock: SettableClock) -> None:
    first = await service.order("key-1")
    clock.advance(timedelta(hours=23))
    assert (await service.order("key-1")).headers.get("Idempotent-Replayed") == "true"
    clock.advance(timedelta(hours=1, seconds=1))
    later = await service.order("key-1")

    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later.headers
    assert later.json() != first.json()
    assert await service.effects() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "new\tline", "two words"])
async def test_a_malformed_key_is_422_naming_the_header(service: Service, key: str) -> None:
    response = await service.order(key)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["Idempotency-Key"]
    assert await service.effects() == 0
