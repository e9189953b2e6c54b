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
import pytest

from arctic.contracts.envelope import build_message
from arctic.contracts.events import PrototypeRequested, PrototypingPersonalDataErased
from arctic.contracts.examples import example_of
from arctic.contracts.examples.parties import AINO_DETAILS, REVONTULI
from arctic.runtime.access.testing import Tokens
from arctic.runtime.db import ensure_service_schema
from arctic.runtime.deadletters import record_dead_letter
from arctic.runtime.servers import free_port
from arctic.runtime.testing import SecuredNats, persons_for_tests, wait_until

pytestmark = pytest.mark.slow
SERVICES = ("catalogue", "prototyping", "partnerships", "notifications")


def requested() -> PrototypeRequested:
    return example_of(PrototypeRequested, request_id=uuid.uuid4(), requested_at=datetime.now(UTC))


async def sealed_request(secured_nats: SecuredNats) -> PrototypeRequested:
    """A request whose contact prototyping sealed with a key in this test's bucket."""
    nc = await secured_nats.connect("prototyping")
    try:
        contact = await persons_for_tests(nc).seal(AINO_DETAILS)
    finally:
        await nc.close()
    company = REVONTULI.model_copy(update={"contact": contact})
    return requested().model_copy(update={"company": company})


@pytest.fixture
def environment(fresh_database: str, secured_nats: SecuredNats, tokens: Tokens) -> dict[str, str]:
    """The notifications service's environment, against this test's servers."""
    password = uuid.uuid4().hex
    asyncio.run(ensure_service_schema(fresh_database, "notifications", password))
    dsn = fresh_database.replace("postgres@", f"notifications:{password}@", 1)
    return dict(
        os.environ,
        ARCTIC_DATABASE_DSN=dsn,
        ARCTIC_NATS_URL=secured_nats.url,
        ARCTIC_NATS_USER="notifications",
        ARCTIC_NATS_PASSWORD=secured_nats.accounts.password("notifications"),
        ARCTIC_HTTP_PORT=str(free_port()),
        ARCTIC_OPS_PORT=str(free_port()),
        ARCTIC_SMTP_PORT=str(free_port()),  # nothing listens: deliveries stay pending
        ARCTIC_SHUTDOWN_GRACE_SECONDS="10",
        ARCTIC_AUTH_PUBLIC_KEY_FILE=str(tokens.public_key_file),
        ARCTIC_AUTH_ISSUER=tokens.issuer,
    )


def as_user(env: dict[str, str], secured_nats: SecuredNats, user: str) -> dict[str, str]:
    """`env` with NATS as another user of permissions.conf."""
    password = secured_nats.accounts.password(user)
    return {**env, "ARCTIC_NATS_USER": user, "ARCTIC_NATS_PASSWORD": password}


def provision_all(env: dict[str, str], secured_nats: SecuredNats) -> None:
    """Every service's provisioning at once, each as its own NATS user, as the migrate jobs
    run in the cluster: each waits for the streams it reads and for the PERSONAL_KEYS bucket
    that notifications makes."""
    jobs = [
        subprocess.Popen(
            [sys.executable, "-m", "arctic.runtime", "provision", service],
            env=as_user(env, secured_nats, service),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for service in SERVICES
    ]
    for service, job in zip(SERVICES, jobs, strict=True):
        output, _ = job.communicate(timeout=120)
        assert job.returncode == 0, f"{service}: {output}"


def arctic(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arctic.runtime", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_migrate_and_provision_are_idempotent(
    environment: dict[str, str], secured_nats: SecuredNats
) -> None:
    for _ in range(2):
        assert arctic(environment, "migrate", "notifications").returncode == 0
        provision_all(environment, secured_nats)

    async def check() -> None:
        nc = await secured_nats.connect("ops")
        js = nc.jetstream()
        info = await js.consumer_info("PROTOTYPING", "notifications-prototyping")
        stream = await js.stream_info("NOTIFICATIONS")
        await nc.close()
        owner = await secured_nats.connect("notifications")  # ops sees nothing of the keys
        keys = await owner.jetstream().stream_info("KV_PERSONAL_KEYS")
        await owner.close()
        assert keys.config.max_msgs_per_subject == 1
        # every notification kind of prototyping's stream, and its erasure confirmation
        assert PrototypeRequested.subject in (info.config.filter_subjects or [])
        assert PrototypingPersonalDataErased.subject in (info.config.filter_subjects or [])
        assert stream.config.duplicate_window == 120
        assert stream.config.max_age == 400 * 24 * 3600

    asyncio.run(check())


def test_an_unknown_service_is_a_clear_error(environment: dict[str, str]) -> None:
    result = arctic(environment, "migrate", "billing")
    assert result.returncode != 0
    assert "unknown service 'billing'" in result.stderr


def _dead_letter(
    dsn: str, error: str = "SMTP template missing", event: PrototypeRequested | None = None
) -> None:
    event = event or requested()
    headers, body = build_message(event, correlation_id="corr-dlq")

    async def write() -> None:
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})
        await record_dead_letter(
            conn,
            consumer="notifications-prototyping",
            subject=event.subject,
            headers=headers,
            payload=body,
            reason="exhausted",
            error=error,
            deliveries=10,
        )
        await conn.close()

    asyncio.run(write())


def test_dead_letters_are_listed_and_replayed_through_their_handler(
    environment: dict[str, str], secured_nats: SecuredNats
) -> None:
    assert arctic(environment, "migrate", "notifications").returncode == 0
    provision_all(environment, secured_nats)
    dsn = environment["ARCTIC_DATABASE_DSN"]
    _dead_letter(dsn, event=asyncio.run(sealed_request(secured_nats)))
    listed = arctic(environment, "dead-letters", "list", "notifications")
    assert listed.returncode == 0
    assert "notifications-prototyping" in listed.stdout
    assert "SMTP template missing" in listed.stdout

    replayed = arctic(environment, "dead-letters", "replay", "notifications")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "applied" in replayed.stdout
    listed_again = arctic(environment, "dead-letters", "list", "notifications")
    assert "no open dead letters" in listed_again.stdout

    async def deliveries() -> int:
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "notifications"})
        count = await conn.fetchval("SELECT count(*) FROM deliveries")
        await conn.close()
        return int(count)

    assert asyncio.run(deliveries()) == 2


def test_a_dead_letter_is_discarded_with_who_and_why_and_kept(
    environment: dict[str, str],
) -> None:
    assert arctic(environment, "migrate", "notifications").returncode == 0
    _dead_letter(environment["ARCTIC_DATABASE_DSN"])
    (letter_id,) = [
        line.split()[0]
        for line in arctic(environment, "dead-letters", "list", "notifications").stdout.splitlines()
        if "notifications-prototyping" in line
    ]
    discard = ["dead-letters", "discard", "notifications", letter_id]
    discarded = arctic(environment, *discard, "--reason", "template retired", "--by", "aino")
    assert discarded.returncode == 0, discarded.stderr
    assert "discarded" in discarded.stdout
    assert "by aino: template retired" in discarded.stdout
    listed_again = arctic(environment, "dead-letters", "list", "notifications")
    assert "no open dead letters" in listed_again.stdout
    everything = arctic(environment, "dead-letters", "list", "notifications", "--all").stdout
    assert "by aino: template retired" in everything
    again = arctic(environment, *discard, "--reason", "twice")
    assert again.returncode != 0
    assert f"no open dead letter {letter_id}" in again.stderr


def test_replay_says_when_there_is_nothing_to_replay_or_no_such_letter(
    environment: dict[str, str],
) -> None:
    assert arctic(environment, "migrate", "notifications").returncode == 0
    nothing = arctic(environment, "dead-letters", "replay", "notifications")
    assert nothing.returncode == 1
    assert "nothing to replay" in nothing.stdout
    unknown = arctic(environment, "dead-letters", "replay", "notifications", "4711")
    assert unknown.returncode == 1
    assert "no open dead letter 4711 in notifications" in unknown.stdout


def test_an_unreachable_server_is_named_with_its_setting_within_seconds(
    environment: dict[str, str],
) -> None:
    port = free_port()
    no_database = {
        **environment,
        "ARCTIC_DATABASE_DSN": f"postgresql://notifications:x@127.0.0.1:{port}/postgres",
    }
    started = time.monotonic()
    listed = arctic(no_database, "dead-letters", "list", "notifications")
    assert listed.returncode != 0
    assert f"127.0.0.1:{port}" in listed.stderr
    assert "ARCTIC_DATABASE_DSN" in listed.stderr
    assert "Traceback" not in listed.stderr
    no_nats = {**environment, "ARCTIC_NATS_URL": f"nats://127.0.0.1:{port}"}
    tail = arctic(no_nats, "events", "tail")
    assert tail.returncode != 0
    assert f"nats://127.0.0.1:{port}" in tail.stderr
    assert "ARCTIC_NATS_URL" in tail.stderr
    assert "Traceback" not in tail.stderr
    wrong_password = {**environment, "ARCTIC_NATS_USER": "ops", "ARCTIC_NATS_PASSWORD": "guess"}
    refused = arctic(wrong_password, "events", "tail")
    assert refused.returncode != 0
    assert "as 'ops'" in refused.stderr
    # three commands, each giving up within seconds (generous for a loaded machine)
    assert time.monotonic() - started < 60


def test_sigterm_finishes_in_flight_work_and_a_restart_applies_the_rest_once(
    environment: dict[str, str], secured_nats: SecuredNats
) -> None:
    provision_all(environment, secured_nats)
    assert arctic(environment, "migrate", "notifications").returncode == 0
    count = 2000

    async def publish() -> None:
        nc = await secured_nats.connect("prototyping")
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
