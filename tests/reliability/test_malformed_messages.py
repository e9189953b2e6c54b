"""Malformed messages on every subject a service consumes: each kind of bad message is
dead-lettered by every consumer that reads the subject, with an error saying what is wrong,
and the consumer goes on (its durable settles, the service stays ready).

The services run as they do in production: on a NATS server with the production
permissions, each as its own user; the hostile messages are published as the subject's
producer would be able to, past every client-side check of ours.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from arctic.contracts.envelope import MSG_ID_HEADER, build_message
from arctic.contracts.examples import example_of
from arctic.contracts.registry import model_for
from arctic.runtime.access.testing import Tokens
from arctic.runtime.nats_accounts import NatsAccounts
from arctic.runtime.servers import LocalNats, free_port
from arctic.runtime.service import ServiceDefinition, installed_services
from arctic.runtime.testing import (
    TEST_PEPPER,
    SecuredNats,
    create_database,
    prepare_service_database,
    provision,
    serving,
    wait_until,
)

pytestmark = pytest.mark.slow
Headers = dict[str, str]
Malform = Callable[[str, Headers, bytes], tuple[Headers | None, bytes]]


def _without(name: str) -> Malform:
    return lambda subject, headers, body: ({k: v for k, v in headers.items() if k != name}, body)


def _wrong_types(subject: str, headers: Headers, body: bytes) -> tuple[Headers, bytes]:
    return headers, orjson.dumps({key: [[]] for key in orjson.loads(body)})


def _next_major(subject: str, headers: Headers, body: bytes) -> tuple[Headers, bytes]:
    v9 = subject.rsplit(".", 1)[0] + ".v9"
    return {
        **headers,
        "ce-type": v9,
        "ce-dataschema": headers["ce-dataschema"].replace(subject, v9),
    }, body


def _text_plain(subject: str, headers: Headers, body: bytes) -> tuple[Headers, bytes]:
    return {**headers, "content-type": "text/plain"}, body


KINDS: dict[str, tuple[Malform, str]] = {
    # kind: (how the good message is spoiled, what the dead letter's error names)
    "bad JSON": (lambda s, h, b: (h, b'{"title": '), "json"),
    "wrong types": (_wrong_types, "body"),
    "no ce-id": (_without("ce-id"), "ce-id"),
    "no ce-type": (_without("ce-type"), "ce-type"),
    "an unknown major version": (_next_major, "v9"),
    "another content type": (
        lambda s, h, b: ({**h, "content-type": "text/plain"}, b),
        "content-type",
    ),
    "binary garbage": (lambda s, h, b: (h, bytes(range(256)) * 4), "json"),
    "no headers at all": (lambda s, h, b: (None, b), "header"),
}


@dataclass
class Consumed:
    """A subject a running service consumes, the durable reading it and its database."""

    service: str
    durable: str
    stream: str
    subject: str
    pool: asyncpg.Pool
    ops_url: str


@pytest.fixture(scope="module")
async def consumed(
    servers_dir: Path, postgres_admin_dsn: str, tokens: Tokens
) -> AsyncIterator[tuple[SecuredNats, list[Consumed]]]:
    """Every installed service with consumers, running on one secured NATS server."""
    accounts = NatsAccounts.of(local=False)
    server = LocalNats(
        servers_dir / f"nats-{uuid.uuid4().hex[:8]}",
        free_port(),
        config_file=accounts.file,
        environment=accounts.server_environment(),
    )
    server.start()
    nats = SecuredNats(server, accounts)
    consumers = {n: d for n, d in installed_services().items() if d.subscriptions}
    await provision(nats, *consumers.values())
    admin_dsn = await create_database(postgres_admin_dsn)
    found = []
    async with AsyncExitStack() as running:
        for name, definition in consumers.items():
            dsn = await prepare_service_database(admin_dsn, definition)
            url = await running.enter_async_context(
                serving(definition, _settings(definition, dsn, nats, tokens))
            )
            pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
            running.push_async_callback(pool.close)
            for sub in definition.subscriptions:
                for handler in sub.handlers:
                    subject = handler.event.subject
                    found.append(Consumed(name, sub.durable, sub.stream, subject, pool, url.ops))
        yield nats, found
    server.stop()


def _settings(
    definition: ServiceDefinition[Any], dsn: str, nats: SecuredNats, tokens: Tokens
) -> Any:
    return definition.settings_class(
        service=definition.name,
        database_dsn=dsn,
        personal_data_pepper=TEST_PEPPER,
        **nats.settings_for(definition.name),
        **tokens.settings,
    )


@pytest.mark.parametrize("kind", KINDS)
async def test_every_consumer_dead_letters_it_with_its_error_and_goes_on(
    kind: str, consumed: tuple[SecuredNats, list[Consumed]]
) -> None:
    nats, subjects = consumed
    assert subjects, "no service consumes anything"
    spoil, named = KINDS[kind]
    before = {(c.service, c.durable, c.subject): await _letters(c) for c in subjects}
    for subject in sorted({c.subject for c in subjects}):
        producer = await nats.connect(subject.split(".")[1])
        try:
            event = example_of(model_for(subject))
            headers, body = build_message(
                event, correlation_id=f"malformed-{kind.replace(' ', '-')}"
            )
            del headers[MSG_ID_HEADER]  # the stream would drop a copy of an earlier kind
            bad_headers, bad_body = spoil(subject, headers, body)
            await producer.publish(subject, bad_body, headers=bad_headers)
            await producer.flush()
        finally:
            await producer.close()

    for c in subjects:
        key = (c.service, c.durable, c.subject)

        async def lettered(c: Consumed = c, key: tuple[str, str, str] = key) -> bool:
            return len(await _letters(c)) > len(before[key])

        await wait_until(lettered, within=30)
        new = (await _letters(c))[len(before[key]) :]
        assert [reason for reason, _ in new] == ["invalid"], (key, new)
        assert named in new[0][1].lower(), (key, new[0][1])
    observer = await nats.connect()
    try:
        for c in subjects:
            info = await observer.jetstream().consumer_info(c.stream, c.durable)
            assert info.num_ack_pending == 0, (c.durable, info)
    finally:
        await observer.close()
    async with httpx.AsyncClient() as http:
        for ops_url in {c.ops_url for c in subjects}:
            ready = (await http.get(f"{ops_url}/readyz")).json()
            assert ready["ready"] is True, ready


async def _letters(c: Consumed) -> list[tuple[str, str]]:
    rows = await c.pool.fetch(
        "SELECT reason, error FROM dead_letters WHERE consumer = $1 AND subject = $2 ORDER BY id",
        c.durable,
        c.subject,
    )
    return [(row["reason"], row["error"]) for row in rows]
