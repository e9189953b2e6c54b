"""Pytest fixtures: real NATS and PostgreSQL for every package's tests.

Policy: the embedded servers from the wheels by default; existing servers when their URLs are
given (`ARCTIC_TEST_DATABASE_URL`, a superuser DSN); PostgreSQL in a container when
`ARCTIC_TEST_INFRA=docker` (needs a Docker engine and the `testcontainers` package, neither of
which exists on the CI machines, so that path is kept to these few lines and is not run in CI).
NATS is started per test from the wheel (it starts in ~50 ms), so each test owns its streams
and may stop or kill its server: `nats_server` without authentication, for the runtime's own
tests that make streams of their own; `secured_nats` with `deploy/nats/permissions.conf`,
as production runs it, for every test that runs a service (each connects as its own user).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import nats
import pytest
from nats.aio.client import Client as NATS
from pydantic import SecretStr

from arctic.contracts.events import PersonalDataErasureRequested
from arctic.contracts.registry import STREAMS
from arctic.runtime.clock import Clock, SettableClock, system_clock
from arctic.runtime.db import create_pool, ensure_service_schema, migrate
from arctic.runtime.nats_accounts import OPERATOR_USER, NatsAccounts
from arctic.runtime.personal_data import PersonalData
from arctic.runtime.personal_keys import PersonalKeys
from arctic.runtime.provisioning import ensure_consumer, ensure_personal_keys, ensure_stream
from arctic.runtime.servers import LocalNats, LocalPostgres, free_port
from arctic.runtime.service import ServiceDefinition
from arctic.runtime.settings import ServiceSettings

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


async def create_schema(
    admin_dsn: str, name: str | None = None, migrations: Path | None = None
) -> Schema:
    """A fresh schema and role on the server of `admin_dsn`, migrated with the runtime's
    (and the given) migrations."""
    schema = name or f"t_{uuid.uuid4().hex[:12]}"
    password = uuid.uuid4().hex
    await ensure_service_schema(admin_dsn, schema, password)
    dsn = _with_credentials(admin_dsn, schema, password)
    await migrate(dsn, schema, migrations or Path(tempfile.mkdtemp()))
    return Schema(schema, dsn)


@pytest.fixture
def make_schema(postgres_admin_dsn: str) -> SchemaFactory:
    """Create a fresh schema and role, migrated with the runtime's (and given) migrations."""

    async def factory(name: str | None = None, migrations: Path | None = None) -> Schema:
        return await create_schema(postgres_admin_dsn, name, migrations)

    return factory


@pytest.fixture(scope="session")
def _restartable_postgres(servers_dir: Path) -> Iterator[LocalPostgres]:
    server = LocalPostgres(servers_dir / "postgres-restartable", free_port())
    server.start(durable=False)
    yield server
    server.stop()


@pytest.fixture
def restartable_postgres(_restartable_postgres: LocalPostgres) -> Iterator[LocalPostgres]:
    """A PostgreSQL server of the tests' own that a test may stop, kill and start (never the
    shared one); it is running again after each test."""
    yield _restartable_postgres
    if not _restartable_postgres.running:
        _restartable_postgres.start(durable=False)


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


@dataclass(frozen=True)
class SecuredNats:
    """A NATS server with the production permissions, and a password for each of its users."""

    server: LocalNats
    accounts: NatsAccounts

    @property
    def url(self) -> str:
        """The client URL."""
        return self.server.url

    def settings_for(self, user: str) -> dict[str, Any]:
        """`ServiceSettings` fields to connect as `user` (a service's name, or `ops`)."""
        return {
            "nats_url": self.url,
            "nats_user": user,
            "nats_password": self.accounts.password(user),
        }

    async def connect(self, user: str = OPERATOR_USER) -> NATS:
        """A client connected as `user` (the read-only `ops` by default)."""
        return await nats.connect(
            self.url,
            user=user,
            password=self.accounts.password(user),
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.2,
        )


@pytest.fixture
def secured_nats(servers_dir: Path) -> Iterator[SecuredNats]:
    """A fresh JetStream server configured by deploy/nats/permissions.conf (random passwords)."""
    accounts = NatsAccounts.of(local=False)
    server = LocalNats(
        servers_dir / f"nats-{uuid.uuid4().hex[:8]}",
        free_port(),
        config_file=accounts.file,
        environment=accounts.server_environment(),
    )
    server.start()
    yield SecuredNats(server, accounts)
    server.stop()


@pytest.fixture
async def nc(nats_server: LocalNats) -> AsyncIterator[NATS]:
    """A client connection to the test's NATS server."""
    client = await nats.connect(nats_server.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    yield client
    await client.close()


TEST_PEPPER = SecretStr("the pepper of the tests, not a secret")
"""`ARCTIC_PERSONAL_DATA_PEPPER` of the services that tests run."""


def persons_for_tests(nc: NATS) -> PersonalData:
    """Persons' data as a service connected to `nc` with the tests' pepper sees it (no cache):
    for a test to open the persons an event names, or seal one to publish."""
    return PersonalData(PersonalKeys(nc, cache_seconds=0), TEST_PEPPER)


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], within: float = 10.0, interval: float = 0.05
) -> None:
    """Poll `predicate` until it holds; fail the test with a clear message after `within` s."""
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


@pytest.fixture
async def fresh_database(postgres_admin_dsn: str) -> AsyncIterator[str]:
    """A new, empty database for one test; its superuser DSN."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield postgres_admin_dsn.rsplit("/", 1)[0] + f"/{name}"
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def create_database(admin_dsn: str) -> str:
    """A new, empty database on the server of `admin_dsn`; its superuser DSN (for tests that
    stop that server, where a fixture could not drop it afterwards)."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return admin_dsn.rsplit("/", 1)[0] + f"/{name}"


async def prepare_service_database(admin_dsn: str, definition: ServiceDefinition[Any]) -> str:
    """The service's role and schema in the database of `admin_dsn`, migrated; its DSN."""
    password = uuid.uuid4().hex
    await ensure_service_schema(admin_dsn, definition.name, password, definition.extensions)
    dsn = _with_credentials(admin_dsn, definition.name, password)
    await migrate(dsn, definition.name, definition.migrations)
    return dsn


async def provision(server: str | SecuredNats, *definitions: ServiceDefinition[Any]) -> None:
    """Every stream of the contracts (a service reads others', erasure requests at least) and
    the PERSONAL_KEYS bucket, then the given services' durable consumers. On a `SecuredNats`
    each stream is made by its owner, the bucket by the erasure's host and each consumer by
    its service, each as its own NATS user, as their migrate jobs do."""
    for stream in STREAMS:
        nc = await _connect_as(server, stream.service)
        try:
            js = nc.jetstream()
            await ensure_stream(js, stream, 1)
            if stream.service == PersonalDataErasureRequested.service:
                await ensure_personal_keys(js, owner=True, replicas=1)
        finally:
            await nc.close()
    for definition in definitions:
        nc = await _connect_as(server, definition.name)
        try:
            js = nc.jetstream()
            for subscription in definition.subscriptions:
                await ensure_consumer(js, subscription, wait_for_stream=5)
        finally:
            await nc.close()


async def _connect_as(server: str | SecuredNats, user: str) -> NATS:
    if isinstance(server, SecuredNats):
        return await server.connect(user)
    return await nats.connect(server)


@pytest.fixture
def clock() -> SettableClock:
    """A clock standing at the real time until the test sets or advances it; give it to
    `serving(..., clock=clock)`, a `Scheduler` or `Housekeeping` to move their time."""
    return SettableClock()


class ServiceUrl(str):
    """The base URL of a running service's API; `ops` is that of its operations port."""

    ops: str

    def __new__(cls, url: str, ops: str) -> ServiceUrl:
        made = super().__new__(cls, url)
        made.ops = ops
        return made


@asynccontextmanager
async def serving(
    definition: ServiceDefinition[Any], settings: ServiceSettings, *, clock: Clock = system_clock
) -> AsyncIterator[ServiceUrl]:
    """Run a service in this process behind real HTTP on free ports; yield its base URL
    (whose `ops` is the URL of /healthz, /readyz and /metrics)."""
    import uvicorn

    from arctic.runtime.app import ServiceApp, create_app, listening_socket

    api, ops = listening_socket("127.0.0.1", 0), listening_socket("127.0.0.1", 0)
    api_port, ops_port = api.getsockname()[1], ops.getsockname()[1]
    config = uvicorn.Config(
        ServiceApp(create_app(definition, settings, clock=clock), ops_port),
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[api, ops]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"{definition.name} did not start")
        await asyncio.sleep(0.02)
    try:
        yield ServiceUrl(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{ops_port}")
    finally:
        server.should_exit = True
        await task


def personal_data_forms(value: str) -> set[str]:
    """The forms in which a name, e-mail address or phone number may show in log text: as
    given, JSON-escaped (non-ASCII as \\uXXXX), each part of a name or of an address's local
    part of 3 or more letters, and a phone number's digits alone. Compared case-folded."""
    value = value.strip()
    forms = {value, json.dumps(value)[1:-1]}
    if "@" in value:
        local = value.split("@", 1)[0]
        forms |= {local, *re.split(r"[._+-]", local)}
    elif sum(c.isdigit() for c in value) >= 6 and not re.search(r"[^\d\s()+-]", value):
        digits = "".join(c for c in value if c.isdigit())
        forms |= {digits, digits[-7:]}
    else:
        forms |= set(value.split())
    forms |= {json.dumps(form)[1:-1] for form in forms}
    return {form.casefold() for form in forms if len(form) >= 3}


def personal_data_in(text: str, values: Iterable[str]) -> list[str]:
    """Each line of `text` that shows one of `values` (a test's names, e-mail addresses and
    phone numbers) in any of its `personal_data_forms`, with the form found."""
    forms = {form: value for value in values for form in personal_data_forms(value)}
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        folded = line.casefold()
        for form, value in forms.items():
            if form in folded:
                found.append(f"line {number}: {form!r} (of {value!r}): {line[:300]}")
    return found


def assert_no_personal_data(text: str, values: Iterable[str]) -> None:
    """Fail when log output (or any text) shows a name, e-mail address or phone number a test
    submitted: give it every such value of the test. For every package's tests and the
    end-to-end tests of `arctic up` (all of a service's log output, not a sample)."""
    values = [value for value in values if value.strip()]
    assert values, "give the names, e-mail addresses and phone numbers the test submitted"
    found = personal_data_in(text, values)
    assert not found, "personal data in the text:\n" + "\n".join(found[:20])
