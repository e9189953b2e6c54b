"""Fixtures of the runtime's tests: a schema with an effects table, the PROTOTYPING stream."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from nats.aio.client import Client as NATS
from runtime_support import EFFECTS_SQL, effects_subscription

from arctic.contracts.registry import stream_of_service
from arctic.runtime.provisioning import ensure_consumer, ensure_stream
from arctic.runtime.servers import LocalPostgres
from arctic.runtime.testing import Schema, SchemaFactory, create_schema


def effects_migrations() -> Path:
    """A migrations folder creating the `effects` table."""
    folder = Path(tempfile.mkdtemp())
    (folder / "0001_effects.sql").write_text(EFFECTS_SQL)
    return folder


@pytest.fixture
async def schema(make_schema: SchemaFactory) -> Schema:
    """A fresh migrated schema with an `effects` table."""
    return await make_schema(migrations=effects_migrations())


@pytest.fixture
async def outage_pool(restartable_postgres: LocalPostgres) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a schema with an `effects` table, on a server the test may stop."""
    schema = await create_schema(restartable_postgres.admin_dsn, migrations=effects_migrations())
    created = await schema.pool()
    yield created
    await created.close()


@pytest.fixture
async def pool(schema: Schema) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the test schema, closed after the test."""
    created = await schema.pool()
    yield created
    await created.close()


@pytest.fixture
async def stream(nc: NATS) -> str:
    """The PROTOTYPING stream and the tests' durable consumer on it."""
    js = nc.jetstream()
    await ensure_stream(js, stream_of_service("prototyping"), 1)
    await ensure_consumer(js, effects_subscription())
    return "PROTOTYPING"
