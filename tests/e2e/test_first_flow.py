"""The first flow end to end, through `arctic up` exactly as `make up` runs it.

The stack runs in a process of its own with its own ports and data folder; the test talks to
it only as a stranger would: HTTP, NATS, the mail folder and the terminal output.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
import pytest
from pydantic import BaseModel

from arctic.contracts.envelope import build_message, parse_message
from arctic.contracts.events import PrototypeRequested
from arctic.contracts.examples import example_of
from arctic.contracts.registry import STREAMS
from arctic.contracts.vocabulary import Person
from arctic.runtime.personal_data import PersonalData
from arctic.runtime.personal_keys import PersonalKeys
from arctic.runtime.servers import free_port, port_is_free
from arctic.runtime.stackprocess import LocalStackProcess
from arctic.runtime.testing import (
    assert_no_personal_data,
    personal_data_in,
    stream_messages,
    wait_until,
)

pytestmark = pytest.mark.slow
SERVICES = ("catalogue", "prototyping", "partnerships", "notifications")
REQUEST = {
    "company": {
        "name": "Revontuli Robotics Oy",
        "business_id": "2617416-4",
        "contact": {
            "name": "Aino Testaaja",
            "email": "aino@example.com",
            "phone": "+358 40 765 4321",
            "language": "sv",
        },
    },
    "title": "Snow-load sensor for roof trusses",
    "problem": "We need a cheap wireless sensor that warns before snow load gets dangerous.",
    "disciplines": ["ict", "construction"],
    "stage": "concept",
    "showcase_consent": True,
}
SUBMITTED = ["Aino Testaaja", "aino@example.com", "+358 40 765 4321"]
"""Every name, e-mail address and phone number the tests submit: never in a log line."""


class Stack(LocalStackProcess):
    """`arctic up` in a subprocess, and what a test asks of it."""

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def token(self, *args: str) -> dict[str, str]:
        """`Authorization` with a token of `uv run arctic token ARGS`, as README shows."""
        done = subprocess.run(
            [sys.executable, "-m", "arctic.runtime", "token", *args],
            env=dict(os.environ, ARCTIC_LOCAL_HOME=str(self.home)),
            capture_output=True,
            text=True,
            check=True,
        )
        return {"Authorization": f"Bearer {done.stdout.strip()}"}

    def ops_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[f'{service}_ops']}"

    def arctic(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """An `arctic` command in a second terminal: it knows only the stack's home folder."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARCTIC_")}
        env["ARCTIC_LOCAL_HOME"] = str(self.home)
        return subprocess.run(
            [sys.executable, "-m", "arctic.runtime", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    async def nats(self, user: str = "ops", **options: Any) -> nats.aio.client.Client:
        """A NATS client as a user of permissions.conf, with the stack's local password."""
        url = f"nats://127.0.0.1:{self.ports['nats']}"
        return await nats.connect(url, user=user, password=f"{user}-local", **options)

    def whole_output(self) -> str:
        """Everything the stack and its services wrote: the terminal and every service's log
        file (`.arctic/logs/<service>.jsonl`)."""
        files = sorted((self.home / "logs").glob("*.jsonl"))
        return "\n".join([*self.lines, *(f.read_text(errors="replace") for f in files)])

    def logs_of(self, service: str) -> list[dict[str, object]]:
        found = []
        for line in self.lines:
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("service") == service:
                    found.append(record)
        return found


def stack_ports() -> dict[str, int]:
    names = ("nats", "postgres", "smtp", *SERVICES, *(f"{s}_ops" for s in SERVICES))
    return {name: free_port() for name in names}


@pytest.fixture
def home() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="arctic-up-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def stack(home: Path) -> Iterator[Stack]:
    # Without the services' demo data: these tests count the events and mails of one flow.
    running = Stack(home, stack_ports(), ARCTIC_DEMO_DATA="false")
    yield running
    if running.process.poll() is None:
        running.stop()


def test_make_up_reports_each_service_ready_with_its_urls(stack: Stack) -> None:
    stack.wait_for("all 4 services ready")
    for service in SERVICES:
        assert any(f"arctic up: {service} ready at {stack.url(service)}" in x for x in stack.lines)
        assert httpx.get(f"{stack.ops_url(service)}/readyz").json()["ready"] is True
        assert httpx.get(f"{stack.url(service)}/docs").status_code == 200
        assert "arctic_outbox_lag_events" in httpx.get(f"{stack.ops_url(service)}/metrics").text
    assert any(f"nats://127.0.0.1:{stack.ports['nats']}" in line for line in stack.lines)
    assert any(str(stack.home / "mail") in line for line in stack.lines)
    assert any("uv run arctic token --role coordinator" in line for line in stack.lines)


async def test_a_prototype_request_is_acknowledged_by_mail_end_to_end(stack: Stack) -> None:
    stack.wait_for("all 4 services ready")
    correlation = "e2e-first-flow-1"
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{stack.url('prototyping')}/prototype-requests",
            json=REQUEST,
            headers={"X-Correlation-ID": correlation},
        )
    assert response.status_code == 201
    request_id = response.json()["id"]

    mail_dir = stack.home / "mail"

    async def two_mails() -> bool:
        return len(list(mail_dir.glob("*.eml"))) >= 2

    await wait_until(two_mails, within=20)
    mails = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(mail_dir.glob("*.eml"))
    ]
    to_contact = [m for m in mails if m["To"] == "aino@example.com"]
    assert len(to_contact) == 1
    assert to_contact[0]["Content-Language"] == "sv"
    assert "Vi har tagit emot" in to_contact[0]["Subject"]
    assert "Er referens är PR-" in to_contact[0].get_body(("plain",)).get_content()

    nc = await stack.nats()
    try:
        requested = await stream_messages(nc, "PROTOTYPING")
        deadline = time.monotonic() + 10
        delivered = await stream_messages(nc, "NOTIFICATIONS")
        while len(delivered) < 2 and time.monotonic() < deadline:
            delivered = await stream_messages(nc, "NOTIFICATIONS")
    finally:
        await nc.close()
    assert len(requested) == 1
    envelope, event = parse_message(requested[0].subject, requested[0].headers, requested[0].data)
    assert (envelope.type, str(event.request_id)) == (
        "arctic.prototyping.prototype.requested.v1",
        request_id,
    )
    assert envelope.correlation_id == correlation
    kinds = [m.headers["ce-type"] for m in delivered]
    assert kinds == ["arctic.notifications.notification.delivered.v1"] * 2
    assert {m.headers["ce-correlationid"] for m in delivered} == {correlation}

    event_id = requested[0].headers["ce-id"]
    deliveries = f"{stack.url('notifications')}/deliveries?event_id={event_id}"
    async with httpx.AsyncClient() as http:
        anonymous = await http.get(deliveries)
        as_company = await http.get(
            deliveries, headers=stack.token("--role", "company", "--business-id", "2617416-4")
        )
        as_staff = await http.get(
            deliveries, headers=stack.token("--role", "staff", "--org", "lapland-uas")
        )
    assert (anonymous.status_code, as_company.status_code) == (401, 403)
    assert [d["status"] for d in as_staff.json()["items"]] == ["delivered", "delivered"]

    for service in ("prototyping", "notifications"):
        assert any(r.get("correlation_id") == correlation for r in stack.logs_of(service)), service
        kept = (stack.home / "logs" / f"{service}.jsonl").read_text()
        assert f'"correlation_id": "{correlation}"' in kept, f"one grep follows it: {service}"
    [read] = [r for r in stack.logs_of("notifications") if r.get("status") == 200]
    assert (read["caller"], read["caller_organisation"]) == ("dev-staff", "lapland-uas")
    for service in SERVICES:
        assert stack.logs_of(service), f"no log output of {service}"
    assert_no_personal_data(stack.whole_output(), SUBMITTED)


async def test_an_erased_contact_is_unreadable_in_every_stream_replayed_and_every_table(
    home: Path,
) -> None:
    """The person of the first flow is erased; then every stream is read again from its first
    event, and every table of every service's schema: none of their data is readable."""
    stack = Stack(
        home, stack_ports(), ARCTIC_PERSONAL_DATA_CACHE_SECONDS="1", ARCTIC_DEMO_DATA="false"
    )
    try:
        stack.wait_for("all 4 services ready")
        async with httpx.AsyncClient() as http:
            created = await http.post(
                f"{stack.url('prototyping')}/prototype-requests", json=REQUEST
            )
            assert created.status_code == 201
            await wait_until(lambda: _mails(stack, 2), within=20)
            # The scans see her before the erasure: in the tables, and opening her in events.
            before = await _every_table(stack)
            assert personal_data_in(before["prototyping:prototype_requests"], SUBMITTED)
            assert personal_data_in(before["notifications:deliveries"], SUBMITTED)
            _, opened_before = await _replay_every_stream(stack)
            assert [d is not None for d in opened_before.values()] == [True]
            admin = stack.token("--role", "admin")
            erasure = await http.post(
                f"{stack.url('notifications')}/personal-data/erasure",
                json={"email": "aino@example.com"},
                headers=admin,
            )
            assert erasure.status_code == 202, erasure.text
            status_url = f"{stack.url('notifications')}{erasure.headers['Location']}"

            async def confirmed_by_all() -> bool:
                return bool((await http.get(status_url, headers=admin)).json()["complete"])

            await wait_until(confirmed_by_all, within=30)
            done = (await http.get(status_url, headers=admin)).json()
            fetched = await http.get(
                f"{stack.url('prototyping')}{created.headers['Location']}", headers=admin
            )
        assert sorted(c["service"] for c in done["confirmed"]) == sorted(SERVICES)
        assert fetched.json()["company"]["contact"]["erased"] is True

        replayed, opened = await _replay_every_stream(stack)
        assert replayed, "the streams hold the flow's events"
        assert opened == {done["person_id"]: None}, "the sealed person opens no more"
        assert_no_personal_data("\n".join(replayed), SUBMITTED)
        tables = await _every_table(stack)
        assert {t.split(":")[0] for t in tables} == set(SERVICES)
        assert_no_personal_data("\n".join(tables.values()), SUBMITTED)
    finally:
        stack.stop()
    assert_no_personal_data(stack.whole_output(), SUBMITTED)


async def _replay_every_stream(stack: Stack) -> tuple[list[str], dict[str, object]]:
    """Every stored message of every stream, from the first (headers and body as stored), read
    as an outside subscriber would (the read-only ops user); and what opening each person the
    events name gives a service now (notifications, which reads the keys)."""
    reader, service = await stack.nats("ops"), await stack.nats("notifications")
    try:
        persons = PersonalData(PersonalKeys(service, cache_seconds=0), None)
        seen: list[str] = []
        opened: dict[str, object] = {}
        for stream in STREAMS:
            for message in await stream_messages(reader, stream.name):
                seen.append(f"{message.headers} {(message.data or b'').decode()}")
                _, event = parse_message(message.subject, message.headers or {}, message.data)
                for person in _persons_in(event):
                    opened[str(person.person_id)] = await persons.open(person)
        return seen, opened
    finally:
        await reader.close()
        await service.close()


def _persons_in(value: object) -> list[Person]:
    if isinstance(value, Person):
        return [value]
    if isinstance(value, BaseModel):
        return [p for field in type(value).model_fields for p in _persons_in(getattr(value, field))]
    if isinstance(value, list | tuple):
        return [p for item in value for p in _persons_in(item)]
    return []


async def _every_table(stack: Stack) -> dict[str, str]:
    """Every row of every table of every service's schema, as text (bytes decoded)."""
    conn = await asyncpg.connect(
        f"postgresql://postgres@127.0.0.1:{stack.ports['postgres']}/postgres"
    )
    try:
        tables = await conn.fetch(
            """SELECT table_schema, table_name FROM information_schema.tables
               WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'""",
            list(SERVICES),
        )
        found = {}
        for table in tables:
            name = f'"{table["table_schema"]}"."{table["table_name"]}"'
            rows = await conn.fetch(f"SELECT * FROM {name}")
            found[f"{table['table_schema']}:{table['table_name']}"] = "\n".join(
                " ".join(_text(value) for value in row.values()) for row in rows
            )
        return found
    finally:
        await conn.close()


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


async def _mails(stack: Stack, count: int) -> bool:
    return len(list((stack.home / "mail").glob("*.eml"))) >= count


def test_ctrl_c_stops_everything_within_seconds_and_data_survives_a_restart(
    stack: Stack, home: Path
) -> None:
    stack.wait_for("all 4 services ready")
    created = httpx.post(f"{stack.url('prototyping')}/prototype-requests", json=REQUEST)
    assert created.status_code == 201
    code, took = stack.stop(signal.SIGINT)
    assert code == 0
    assert took < 15
    for port in stack.ports.values():
        assert port_is_free(port), f"port {port} still taken after the stack stopped"

    again = Stack(home, stack.ports)
    try:
        again.wait_for("all 4 services ready")
        fetched = httpx.get(
            f"{again.url('prototyping')}{created.headers['Location']}",
            headers=again.token("--role", "coordinator"),
        )
        assert fetched.status_code == 200
    finally:
        code, _ = again.stop(signal.SIGTERM)
    assert code == 0


def test_a_taken_port_is_a_clear_error_and_a_non_zero_exit(home: Path) -> None:
    ports = stack_ports()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports["prototyping"]))
        squatter.listen()
        stack = Stack(home, ports)
        code = stack.process.wait(30)
    assert code == 1
    stack.wait_for(f"port {ports['prototyping']} (prototyping) is taken")
    assert any("ARCTIC_LOCAL_PROTOTYPING_PORT" in line for line in stack.lines)


def test_events_tail_follows_the_stack_from_a_second_terminal(stack: Stack) -> None:
    stack.wait_for("all 4 services ready")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCTIC_")}
    env.update(ARCTIC_LOCAL_HOME=str(stack.home), PYTHONUNBUFFERED="1")
    tail = subprocess.Popen(
        [sys.executable, "-m", "arctic.runtime", "events", "tail"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    assert tail.stdout is not None
    threading.Thread(target=lambda: seen.extend(tail.stdout or []), daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        while not any(line.startswith("following") for line in seen):
            assert tail.poll() is None, "".join(seen)
            assert time.monotonic() < deadline, "".join(seen)
            time.sleep(0.05)
        created = httpx.post(
            f"{stack.url('prototyping')}/prototype-requests",
            json=REQUEST,
            headers={"X-Correlation-ID": "e2e-tail-1"},
        )
        assert created.status_code == 201
        while not any("correlation=e2e-tail-1" in line for line in seen):
            assert time.monotonic() < deadline, "".join(seen)
            time.sleep(0.05)
    finally:
        tail.send_signal(signal.SIGINT)
        tail.wait(10)
    line = next(line for line in seen if "correlation=e2e-tail-1" in line)
    assert "arctic.prototyping.prototype.requested.v1" in line
    assert "aino@example.com" not in "".join(seen)


async def test_dead_letters_are_listed_replayed_and_discarded_against_the_stack(
    stack: Stack,
) -> None:
    stack.wait_for("all 4 services ready")
    headers, _ = build_message(example_of(PrototypeRequested), correlation_id="e2e-poison")
    nc = await stack.nats("prototyping")  # as prototyping's relay would publish
    try:
        await nc.jetstream().publish(PrototypeRequested.subject, b"{not json", headers=headers)
    finally:
        await nc.close()

    listed = stack.arctic("dead-letters", "list", "notifications")
    deadline = time.monotonic() + 30
    while "notifications-prototyping" not in listed.stdout:
        assert time.monotonic() < deadline, listed.stdout + listed.stderr
        await asyncio.sleep(0.5)
        listed = stack.arctic("dead-letters", "list", "notifications")
    assert listed.returncode == 0
    (letter_id,) = [ln.split()[0] for ln in listed.stdout.splitlines() if headers["ce-id"] in ln]

    replayed = stack.arctic("dead-letters", "replay", "notifications", letter_id)
    assert replayed.returncode == 1
    assert f"{letter_id}: still failing" in replayed.stdout
    discarded = stack.arctic(
        "dead-letters", "discard", "notifications", letter_id, "--reason", "poison from a test"
    )
    assert discarded.returncode == 0, discarded.stderr
    assert "poison from a test" in discarded.stdout
    assert "no open dead letters" in stack.arctic("dead-letters", "list", "notifications").stdout
    nothing = stack.arctic("dead-letters", "replay", "notifications")
    assert nothing.returncode == 1
    assert "nothing to replay" in nothing.stdout


async def test_the_stacks_nats_refuses_anonymous_clients_and_other_services_subjects(
    stack: Stack,
) -> None:
    stack.wait_for("all 4 services ready")
    url = f"nats://127.0.0.1:{stack.ports['nats']}"
    with pytest.raises(nats.errors.Error, match=r"(?i)authorization"):
        await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0)
    errors: list[Exception] = []

    async def on_error(error: Exception) -> None:
        errors.append(error)

    catalogue = await stack.nats("catalogue", error_cb=on_error)
    try:
        with pytest.raises(nats.errors.TimeoutError):
            await catalogue.jetstream(timeout=1).publish(PrototypeRequested.subject, b"{}")
    finally:
        await catalogue.close()
    assert any("permissions violation" in str(error).lower() for error in errors)


def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (servers, services and their workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _all_gone(pids: set[int], within: float = 45) -> set[int]:
    deadline = time.monotonic() + within
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return {pid for pid in pids if _alive(pid)}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_whatever_ends_arctic_up_ends_everything_it_started(
    stack: Stack, sig: signal.Signals
) -> None:
    stack.wait_for("all 4 services ready")
    children = _descendants(stack.process.pid)
    assert len(children) >= 6, children  # NATS, PostgreSQL (and its workers), four services
    stack.process.send_signal(sig)
    stack.process.wait(60)
    assert _all_gone(children) == set(), "orphans left behind"
    for name, port in stack.ports.items():
        assert port_is_free(port), f"port {port} ({name}) still taken"


def test_a_second_signal_while_stopping_is_safe_and_a_third_forces(home: Path) -> None:
    polite = Stack(home, stack_ports())
    polite.wait_for("all 4 services ready")
    children = _descendants(polite.process.pid)
    polite.process.send_signal(signal.SIGTERM)
    polite.wait_for("stopping")
    polite.process.send_signal(signal.SIGTERM)
    assert polite.process.wait(60) == 0
    assert _all_gone(children) == set()

    hurried = Stack(home, stack_ports())
    hurried.wait_for("all 4 services ready")
    children = _descendants(hurried.process.pid)
    hurried.process.send_signal(signal.SIGTERM)
    hurried.wait_for("stopping")
    for _ in range(2):  # apart: signals of one kind that arrive together count once
        hurried.process.send_signal(signal.SIGTERM)
        time.sleep(0.05)
    assert hurried.process.wait(30) == 128 + signal.SIGTERM
    assert _all_gone(children) == set()
