"""The `arctic` command as operators use it: migrate, provision, serve, dead letters."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import nats
import pytest

from arctic.contracts.envelope import build_message
from arctic.contracts.events import PrototypeRequested
from arctic.contracts.examples import example_of
from arctic.runtime.access.testing import Tokens
from arctic.runtime.db import ensure_service_schema
from arctic.runtime.deadletters import record_dead_letter
from arctic.runtime.servers import LocalNats, free_port
from arctic.runtime.testing import wait_until

pytestmark = pytest.mark.slow


def requested() -> PrototypeRequested:
    return example_of(PrototypeRequested, request_id=uuid.uuid4(), requested_at=datetime.now(UTC))


@pytest.fixture
def environment(fresh_database: str, nats_server: LocalNats, tokens: Tokens) -> dict[str, str]:
    """The notifications service's environment, against this test's servers."""
    password = uuid.uuid4().hex
    asyncio.run(ensure_service_schema(fresh_database, "notifications", password))
    dsn = fresh_database.replace("postgres@", f"notifications:{password}@", 1)
    return dict(
        os.environ,
        ARCTIC_DATABASE_DSN=dsn,
        ARCTIC_NATS_URL=nats_server.url,
        ARCTIC_HTTP_PORT=str(free_port()),
        ARCTIC_SMTP_PORT=str(free_port()),  # nothing listens: deliveries stay pending
        ARCTIC_SHUTDOWN_GRACE_SECONDS="10",
        ARCTIC_AUTH_PUBLIC_KEY_FILE=str(tokens.public_key_file),
        ARCTIC_AUTH_ISSUER=tokens.issuer,
    )


def arctic(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arctic.runtime", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_and_provision_are_idempotent(environment: dict[str, str]) -> None:
    for _ in range(2):
        assert arctic(environment, "migrate", "notifications").returncode == 0
        assert arctic(environment, "provision", "prototyping").returncode == 0
        assert arctic(environment, "provision", "notifications").returncode == 0

    async def check() -> None:
        nc = await nats.connect(environment["ARCTIC_NATS_URL"])
        js = nc.jetstream()
        info = await js.consumer_info("PROTOTYPING", "notifications-prototyping")
        stream = await js.stream_info("NOTIFICATIONS")
        await nc.close()
        assert info.config.filter_subjects == [PrototypeRequested.subject]
        assert stream.config.duplicate_window == 120
        assert stream.config.max_age == 400 * 24 * 3600

    asyncio.run(check())


def test_an_unknown_service_is_a_clear_error(environment: dict[str, str]) -> None:
    result = arctic(environment, "migrate", "billing")
    assert result.returncode != 0
    assert "unknown service 'billing'" in result.stderr


def test_dead_letters_are_listed_and_replayed_through_their_handler(
    environment: dict[str, str],
) -> None:
    assert arctic(environment, "migrate", "notifications").returncode == 0
    event = requested()
    headers, body = build_message(event, correlation_id="corr-dlq")
    dsn = environment["ARCTIC_DATABASE_DSN"]

    async def dead_letter() -> None:
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})
        await record_dead_letter(
            conn,
            consumer="notifications-prototyping",
            subject=event.subject,
            headers=headers,
            payload=body,
            reason="exhausted",
            error="SMTP template missing",
            deliveries=10,
        )
        await conn.close()

    asyncio.run(dead_letter())
    listed = arctic(environment, "dead-letters", "list", "notifications")
    assert listed.returncode == 0
    assert "notifications-prototyping" in listed.stdout
    assert "SMTP template missing" in listed.stdout

    replayed = arctic(environment, "dead-letters", "replay", "notifications")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "applied" in replayed.stdout
    assert "no dead letters" in arctic(environment, "dead-letters", "list", "notifications").stdout

    async def deliveries() -> int:
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})
        count = await conn.fetchval("SELECT count(*) FROM deliveries")
        await conn.close()
        return int(count)

    assert asyncio.run(deliveries()) == 2


def test_sigterm_finishes_in_flight_work_and_a_restart_applies_the_rest_once(
    environment: dict[str, str],
) -> None:
    for service in ("prototyping", "notifications"):
        assert arctic(environment, "provision", service).returncode == 0
    assert arctic(environment, "migrate", "notifications").returncode == 0
    count = 2000

    async def publish() -> None:
        nc = await nats.connect(environment["ARCTIC_NATS_URL"])
        for _ in range(count):
            headers, body = build_message(requested(), correlation_id="corr-term")
            await nc.jetstream().publish(PrototypeRequested.subject, body, headers=headers)
        await nc.close()

    asyncio.run(publish())
    dsn = environment["ARCTIC_DATABASE_DSN"]

    async def applied() -> int:
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})
        n = await conn.fetchval("SELECT count(*) FROM inbox")
        await conn.close()
        return int(n)

    serve = [sys.executable, "-m", "arctic.runtime", "serve", "notifications"]

    async def some_applied() -> bool:
        return 0 < await applied() < count

    with tempfile.TemporaryFile() as log:
        first = subprocess.Popen(serve, env=environment, stdout=log)
        asyncio.run(wait_until(some_applied, within=60, interval=0.01))
        started = time.monotonic()
        first.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal it caught once its graceful shutdown is done
        assert first.wait(30) in (0, -signal.SIGTERM)
        assert time.monotonic() - started < 20
        log.seek(0)
        lines = log.read().decode()
    assert '"event": "service stopped"' in lines
    assert "outbox not flushed" not in lines

    second = subprocess.Popen(serve, env=environment, stdout=subprocess.DEVNULL)
    try:

        async def all_applied() -> bool:
            return await applied() == count

        asyncio.run(wait_until(all_applied, within=120))
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)

    async def per_event() -> list[int]:
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})
        rows = await conn.fetch(
            "SELECT count(*) AS n FROM deliveries GROUP BY source_event_id ORDER BY n"
        )
        letters = await conn.fetchval("SELECT count(*) FROM dead_letters")
        await conn.close()
        assert letters == 0
        return sorted({row["n"] for row in rows})

    assert asyncio.run(per_event()) == [2]
