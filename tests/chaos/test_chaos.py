"""A short chaos run: requests keep coming while every part fails once.

NATS, PostgreSQL, an SMTP sink, prototyping and notifications run as processes of their own
on loopback. A few hundred companies submit prototype requests while prototyping and
notifications are each killed with SIGKILL and started again, PostgreSQL is restarted and
NATS is restarted. Afterwards every request that was answered 201 is stored once and
announced once, and every stored request brought exactly one mail to its contact and one
to the coordinators, give or take the sends notifications had in flight when it was killed
(at most `ARCTIC_DELIVERY_CONCURRENCY`, docs/notifications.md), and none for any other fault.

A request that failed (connection refused or reset, 5xx) is sent again with the same body
and the same Idempotency-Key until it is answered 201, as a careful client would: the key
makes the retry of a request whose commit went through return the first answer instead of
storing a second request.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
import pytest

from arctic.contracts.envelope import parse_message
from arctic.notifications.service import definition as notifications
from arctic.notifications.settings import NotificationsSettings
from arctic.prototyping.service import definition as prototyping
from arctic.runtime.access.testing import Tokens
from arctic.runtime.nats_accounts import NatsAccounts
from arctic.runtime.servers import LocalNats, LocalPostgres, free_port, wait_for_port
from arctic.runtime.testing import (
    TEST_PEPPER,
    SecuredNats,
    create_database,
    prepare_service_database,
    provision,
    stream_messages,
    wait_until,
)

pytestmark = pytest.mark.slow

REQUESTS = 240
CLIENTS = 6
COORDINATORS = "coordinators@lapinamk.example"
IN_FLIGHT_SENDS = NotificationsSettings.model_fields["delivery_concurrency"].default
SINK = (
    "import sys, time; from pathlib import Path; from arctic.runtime.mailsink import MailSink;"
    "MailSink(Path(sys.argv[1]), int(sys.argv[2])).start(); time.sleep(24 * 3600)"
)


def request_body(number: int) -> dict[str, Any]:
    """The request of company number `number`: its own contact address and title."""
    return {
        "company": {
            "name": f"Chaos Company {number} Oy",
            "business_id": "2617416-4",
            "contact": {
                "name": "Aino Testaaja",
                "email": f"contact-{number}@example.com",
                "language": "fi",
            },
        },
        "title": f"Chaos request {number}",
        "problem": "A sensor that keeps working whatever fails around it.",
        "disciplines": ["ict"],
        "stage": "concept",
        "showcase_consent": False,
    }


class Service:
    """`arctic serve NAME` in a process of its own, killed and started again by the test."""

    def __init__(
        self, name: str, env: dict[str, str], port: int, ops_port: int, log_path: Path
    ) -> None:
        self.name, self.env, self.port, self.log_path = name, env, port, log_path
        self.ops_port = ops_port
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "arctic.runtime", "serve", self.name],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL: nothing of the process's shutdown runs."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        if self._log is not None:
            self._log.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()

    async def ready(self, http: httpx.AsyncClient) -> None:
        async def answers() -> bool:
            try:
                ready = f"http://127.0.0.1:{self.ops_port}/readyz"
                return (await http.get(ready, timeout=2)).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_until(answers, within=60, interval=0.2)

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


@dataclass
class Stack:
    home: Path
    postgres: LocalPostgres
    nats: SecuredNats
    sink_port: int
    admin_dsn: str
    services: dict[str, Service] = field(default_factory=dict)
    dsns: dict[str, str] = field(default_factory=dict)

    @property
    def mail_dir(self) -> Path:
        return self.home / "mail"


def start_sink(directory: Path, port: int) -> subprocess.Popen[bytes]:
    """The SMTP sink in a process of its own, writing each mail to `directory`."""
    return subprocess.Popen(
        [sys.executable, "-c", SINK, str(directory), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


@asynccontextmanager
async def running_stack(home: Path, tokens: Tokens) -> AsyncIterator[Stack]:
    postgres = LocalPostgres(home / "postgres", free_port())
    accounts = NatsAccounts.of(local=False)  # the production permissions, each as its own user
    nats_server = LocalNats(
        home / "nats",
        free_port(),
        config_file=accounts.file,
        environment=accounts.server_environment(),
    )
    sink_port = free_port()
    sink = start_sink(home / "mail", sink_port)
    secured = SecuredNats(nats_server, accounts)
    stack = Stack(home, postgres, secured, sink_port, postgres.admin_dsn)
    try:
        await asyncio.gather(
            asyncio.to_thread(postgres.start, durable=False), asyncio.to_thread(nats_server.start)
        )
        wait_for_port(sink_port, "127.0.0.1", 30, sink)
        database = await create_database(postgres.admin_dsn)
        for definition in (prototyping, notifications):
            stack.dsns[definition.name] = await prepare_service_database(database, definition)
        await provision(secured, prototyping, notifications)
        for name in ("prototyping", "notifications"):
            port, ops_port = free_port(), free_port()
            env = dict(
                os.environ,
                ARCTIC_DATABASE_DSN=stack.dsns[name],
                ARCTIC_NATS_URL=nats_server.url,
                ARCTIC_NATS_USER=name,
                ARCTIC_NATS_PASSWORD=accounts.password(name),
                ARCTIC_HTTP_PORT=str(port),
                ARCTIC_OPS_PORT=str(ops_port),
                ARCTIC_SMTP_PORT=str(sink_port),
                ARCTIC_LOG_LEVEL="WARNING",
                ARCTIC_PROTOTYPING_COORDINATORS_EMAIL=COORDINATORS,
                ARCTIC_DELIVERY_STALE_SENDING_SECONDS="3",
                ARCTIC_SHUTDOWN_GRACE_SECONDS="5",
                ARCTIC_AUTH_PUBLIC_KEY_FILE=str(tokens.public_key_file),
                ARCTIC_AUTH_ISSUER=tokens.issuer,
                # The whole load comes from one address: the form's allowance is not under test.
                ARCTIC_RATE_LIMIT_PER_MINUTE="60000",
                ARCTIC_RATE_LIMIT_BURST="1000",
                ARCTIC_PERSONAL_DATA_PEPPER=TEST_PEPPER.get_secret_value(),
            )
            stack.services[name] = Service(name, env, port, ops_port, home / f"{name}.log")
            stack.services[name].start()
        async with httpx.AsyncClient() as http:
            await asyncio.gather(*(s.ready(http) for s in stack.services.values()))
        yield stack
    finally:
        for service in stack.services.values():
            service.stop()
        sink.send_signal(signal.SIGTERM)
        sink.wait(10)
        nats_server.stop()
        postgres.stop()


@dataclass
class Load:
    """What the clients were answered."""

    accepted: dict[int, str] = field(default_factory=dict)  # request number -> id
    retried: list[int] = field(default_factory=list)  # answered 5xx, sent again
    failed: list[int] = field(default_factory=list)  # never answered 201


async def submit_all(stack: Stack, load: Load) -> None:
    """CLIENTS companies at a time submit REQUESTS requests, each once."""
    numbers: asyncio.Queue[int] = asyncio.Queue()
    for number in range(REQUESTS):
        numbers.put_nowait(number)
    url = f"{stack.services['prototyping'].url}/prototype-requests"

    async def client() -> None:
        async with httpx.AsyncClient(timeout=15) as http:
            while not numbers.empty():
                number = numbers.get_nowait()
                key = {"Idempotency-Key": f"chaos-request-{number}"}
                for _ in range(60):
                    try:
                        answer = await http.post(url, json=request_body(number), headers=key)
                    except httpx.HTTPError:  # down, or the answer was lost: the same again
                        await asyncio.sleep(0.5)
                        continue
                    if answer.status_code == 201:
                        load.accepted[number] = answer.json()["id"]
                        break
                    assert answer.status_code >= 500, answer.text  # never the client's fault
                    load.retried.append(number)
                    await asyncio.sleep(1)  # something is down: give it a moment
                else:
                    load.failed.append(number)
                await asyncio.sleep(0.5)  # about ten requests a second in all

    await asyncio.gather(*(client() for _ in range(CLIENTS)))


async def break_everything_once(stack: Stack, load: Load) -> list[str]:
    """Each fault once, each when the load has moved on since the previous one."""
    done: list[str] = []

    async def after(more: int) -> None:
        target = len(load.accepted) + more
        await wait_until(lambda: _true(len(load.accepted) >= target), within=120, interval=0.1)

    async with httpx.AsyncClient() as http:
        for name in ("prototyping", "notifications"):
            await after(25)
            service = stack.services[name]
            await asyncio.to_thread(service.kill)
            service.start()
            await service.ready(http)
            done.append(f"SIGKILL {name}")
        await after(25)
        await asyncio.to_thread(stack.postgres.stop)
        await asyncio.to_thread(stack.postgres.start, durable=False)
        done.append("PostgreSQL restarted")
        await after(25)
        await asyncio.to_thread(stack.nats.server.stop)
        await asyncio.to_thread(stack.nats.server.start)
        done.append("NATS restarted")
    return done


async def test_requests_survive_a_kill_of_each_service_and_a_restart_of_postgres_and_nats(
    servers_dir: Path, tokens: Tokens
) -> None:
    home = servers_dir / f"chaos-{uuid.uuid4().hex[:8]}"
    home.mkdir()
    home.chmod(0o755)
    async with running_stack(home, tokens) as stack:
        load = Load()
        faults, _ = await asyncio.gather(
            break_everything_once(stack, load), submit_all(stack, load)
        )
        assert faults == [
            "SIGKILL prototyping",
            "SIGKILL notifications",
            "PostgreSQL restarted",
            "NATS restarted",
        ]
        assert load.failed == []
        proto = await asyncpg.connect(stack.dsns["prototyping"])
        note = await asyncpg.connect(stack.dsns["notifications"])
        nc = await stack.nats.connect("ops")
        try:
            stored = {
                row["title"]: row["ids"]
                for row in await proto.fetch(
                    """SELECT title, array_agg(id::text) AS ids
                       FROM prototyping.prototype_requests GROUP BY title"""
                )
            }

            async def drained() -> bool:
                unpublished = await proto.fetchval(
                    "SELECT count(*) FROM prototyping.outbox WHERE published_at IS NULL"
                )
                open_ = await note.fetchval(
                    """SELECT count(*) FROM notifications.deliveries
                       WHERE status IN ('pending', 'sending')"""
                )
                made = await note.fetchval("SELECT count(*) FROM notifications.deliveries")
                return unpublished == 0 and open_ == 0 and made == 2 * len(stored)

            try:
                await wait_until(drained, within=90, interval=0.5)
            except AssertionError:
                logs = "\n".join(s.log_tail() for s in stack.services.values())
                raise AssertionError(f"the system did not settle:\n{logs}") from None
            events = await stream_messages(nc, "PROTOTYPING")
            deliveries = await note.fetch(
                "SELECT id::text, recipient, status, source_event_id FROM notifications.deliveries"
            )
            dead_letters = await note.fetchval("SELECT count(*) FROM notifications.dead_letters")
            relay_dead = await proto.fetchval("SELECT count(*) FROM prototyping.dead_letters")
        finally:
            await nc.close()
            await proto.close()
            await note.close()

    # Every request is stored exactly once, whatever answers were lost on the way.
    assert len(stored) == REQUESTS
    for number, request_id in load.accepted.items():
        assert stored[f"Chaos request {number}"] == [request_id], number
    # Every stored request is announced exactly once.
    announced = Counter(
        str(parse_message(m.subject, m.headers, m.data)[1].request_id) for m in events
    )
    stored_ids = {request_id for ids in stored.values() for request_id in ids}
    assert set(announced) == stored_ids
    assert set(announced.values()) == {1}
    # Each of them made one delivery per recipient, all delivered, nothing dead-lettered.
    assert {d["status"] for d in deliveries} == {"delivered"}
    assert (dead_letters, relay_dead) == (0, 0)
    per_event = Counter((d["source_event_id"], d["recipient"]) for d in deliveries)
    assert set(per_event.values()) == {1}
    # Every delivery went out; a second copy only for a send in flight at the SIGKILL.
    mails = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for path in stack.mail_dir.glob("*.eml")
    ]
    copies = Counter(str(mail["Message-ID"]).strip("<>").split("@")[0] for mail in mails)
    assert set(copies) == {d["id"] for d in deliveries}
    repeated = sum(count - 1 for count in copies.values())
    assert repeated <= IN_FLIGHT_SENDS, copies.most_common(IN_FLIGHT_SENDS + 1)
    to_contacts = Counter(str(mail["To"]) for mail in mails if str(mail["To"]) != COORDINATORS)
    assert len(to_contacts) == len(stored)


async def _true(value: bool) -> bool:
    return value
