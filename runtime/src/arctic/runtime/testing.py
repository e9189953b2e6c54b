"""Pytest fixtures: real NATS and PostgreSQL for every package's tests.

Policy: the embedded servers from the wheels by default; existing servers when their URLs are
given (`ARCTIC_TEST_DATABASE_URL`, a superuser DSN); PostgreSQL in a container when
`ARCTIC_TEST_INFRA=docker` (needs a Docker engine and the `testcontainers` package, neither of
which exists on the CI machines, so that path is kept to these few lines and is not run in CI).
NATS is started per test from the wheel (it starts in ~50 ms), so each test owns its streams
and may stop or kill its server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import nats
import pytest
from nats.aio.client import Client as NATS

from arctic.runtime.db import create_pool, ensure_service_schema, migrate
from arctic.runtime.servers import LocalNats, LocalPostgres, free_port

SchemaFactory = Callable[..., Awaitable["Schema"]]


@pytest.fixture(scope="session")
def servers_dir() -> Iterator[Path]:
    """A scratch folder other OS users can traverse (PostgreSQL may run as its own user)."""
    path = Path(tempfile.mkdtemp(prefix="arctic-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_admin_dsn(servers_dir: Path) -> Iterator[str]:
    """A superuser DSN of a real PostgreSQL for the whole session."""
    given = os.environ.get("ARCTIC_TEST_DATABASE_URL")
    if given:
        yield given
        return
    if os.environ.get("ARCTIC_TEST_INFRA") == "docker":
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:18", driver=None) as container:
            yield container.get_connection_url()
        return
    server = LocalPostgres(servers_dir / "postgres", free_port())
    server.start(durable=False)
    yield server.admin_dsn
    server.stop()


@dataclass(frozen=True)
class Schema:
    """A migrated schema owned by its own login role."""

    name: str
    dsn: str

    async def pool(self, size: int = 5) -> asyncpg.Pool:
        """A pool bound to this schema."""
        return await create_pool(self.dsn, self.name, size=size)


@pytest.fixture
def make_schema(postgres_admin_dsn: str) -> SchemaFactory:
    """Create a fresh schema and role, migrated with the runtime's (and given) migrations."""

    async def factory(name: str | None = None, migrations: Path | None = None) -> Schema:
        schema = name or f"t_{uuid.uuid4().hex[:12]}"
        password = uuid.uuid4().hex
        await ensure_service_schema(postgres_admin_dsn, schema, password)
        dsn = _with_credentials(postgres_admin_dsn, schema, password)
        await migrate(dsn, schema, migrations or Path(tempfile.mkdtemp()))
        return Schema(schema, dsn)

    return factory


def _with_credentials(admin_dsn: str, user: str, password: str) -> str:
    rest = admin_dsn.split("@", 1)[1]
    return f"postgresql://{user}:{password}@{rest}"


@pytest.fixture
def nats_server(servers_dir: Path) -> Iterator[LocalNats]:
    """A fresh JetStream server for one test; the test may stop, kill or restart it."""
    server = LocalNats(servers_dir / f"nats-{uuid.uuid4().hex[:8]}", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def nc(nats_server: LocalNats) -> AsyncIterator[NATS]:
    """A client connection to the test's NATS server."""
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    yield client
    await client.close()


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], within: float = 10.0, interval: float = 0.05
) -> None:
    """Poll `predicate` until it holds; fail the test with a clear message after `within` s."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + within
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(interval)


async def stream_messages(nc: NATS, stream: str) -> list[nats.js.api.RawStreamMsg]:
    """Every message stored in `stream`, in stream order."""
    js = nc.jetstream()
    info = await js.stream_info(stream)
    if info.state.messages == 0:
        return []
    return [
        await js.get_msg(stream, seq)
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]
