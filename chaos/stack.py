"""The whole system as separate processes on loopback, each one restartable by the chaos run.

PostgreSQL and NATS from their wheels (one NATS server with the production permissions, every
service as its own user; or a three-node cluster with R3 streams), the SMTP sink and the
webhook receiver in this process (each can refuse for a while), and every installed service as
`arctic serve NAME` in a process of its own, as `arctic up` runs them (`localstack.py`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
import nats
import nats.errors
from cryptography.hazmat.primitives.asymmetric import ec
from nats.aio.client import Client as NATS

from arctic.contracts.events import PersonalDataErasureRequested
from arctic.contracts.registry import STREAMS
from arctic.runtime import lifeline
from arctic.runtime.access.testing import Tokens, write_public_key
from arctic.runtime.mailsink import MailSink
from arctic.runtime.nats_accounts import OPERATOR_USER, NatsAccounts
from arctic.runtime.provisioning import ensure_consumer, ensure_personal_keys, ensure_stream
from arctic.runtime.servers import (
    LocalNats,
    LocalNatsCluster,
    LocalPostgres,
    free_port,
    resident_kib,
)
from arctic.runtime.service import ServiceDefinition, installed_services
from arctic.runtime.testing import TEST_PEPPER, create_database, prepare_service_database
from chaos.receiver import WebhookReceiver

HOST = "127.0.0.1"
ROLE_ADDRESSES = {
    "ARCTIC_ONE_STOP_SHOP_EMAIL": "one-stop-shop@chaos.example",
    "ARCTIC_PROTOTYPING_COORDINATORS_EMAIL": "prototyping@chaos.example",
    "ARCTIC_PARTNERSHIPS_EMAIL": "partnerships@chaos.example",
}


class ServiceProcess:
    """`arctic serve NAME` in a process of its own: killed and started again by the run."""

    def __init__(self, name: str, env: dict[str, str], port: int, ops_port: int, log: Path):
        self.name, self.env, self.port, self.ops_port, self.log_path = (
            name,
            env,
            port,
            ops_port,
            log,
        )
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        """The API's base URL."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The running process's id."""
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        """Start the process (its output appended to its log file)."""
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            # Started from the main thread: it ends with this process, however that ends.
            lifeline.command([sys.executable, "-m", "arctic.runtime", "serve", self.name]),
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: nothing of the process's shutdown runs."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
        self._close_log()

    def stop(self) -> None:
        """SIGTERM, as a deployment stops it; SIGKILL when it outlives the grace period."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    async def ready(self, http: httpx.AsyncClient, within: float = 120) -> None:
        """Wait until /readyz answers 200; fail naming the service and its log otherwise."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            try:
                answer = await http.get(f"http://{HOST}:{self.ops_port}/readyz", timeout=2)
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready within {within} s: {self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        """The end of its log (for a failure's message)."""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


@dataclass
class Stack:
    """Everything the run starts, where it listens, and the tokens its clients use."""

    home: Path
    cluster: bool
    postgres: LocalPostgres
    tokens: Tokens
    sink: MailSink
    receiver: WebhookReceiver
    nats_server: LocalNats | None = None
    nats_cluster: LocalNatsCluster | None = None
    accounts: NatsAccounts | None = None
    admin_dsn: str = ""
    mails_received: int = 0
    dsns: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    definitions: dict[str, ServiceDefinition[Any]] = field(default_factory=dict)

    @property
    def nats_url(self) -> str:
        """The client URL (a comma-separated list of the nodes for the cluster)."""
        if self.nats_cluster is not None:
            return self.nats_cluster.url
        assert self.nats_server is not None
        return self.nats_server.url

    def count_mail(self) -> None:
        """The sink took a mail (called in the sink's thread)."""
        self.mails_received += 1

    def url(self, service: str) -> str:
        """A service's API base URL."""
        return self.services[service].url

    async def connect(self, user: str = OPERATOR_USER) -> NATS:
        """A NATS client as `user` (the read-only `ops` by default)."""
        options: dict[str, Any] = {}
        if self.accounts is not None:
            options = {"user": user, "password": self.accounts.password(user)}
        return await nats.connect(
            self.nats_url.split(","),
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.2,
            **options,
        )

    async def ready(self) -> None:
        """Every service answers /readyz."""
        async with httpx.AsyncClient() as http:
            await asyncio.gather(*(s.ready(http) for s in self.services.values()))

    def rss(self) -> dict[str, int | None]:
        """The resident memory (KiB) of each service's current process."""
        return {name: resident_kib(s.pid) if s.pid else None for name, s in self.services.items()}

    def stop(self) -> None:
        """Services first, then the sink, the receiver and the servers."""
        for service in self.services.values():
            service.stop()
        self.sink.stop()
        self.receiver.stop()
        if self.nats_cluster is not None:
            self.nats_cluster.stop()
        if self.nats_server is not None:
            self.nats_server.stop()
        self.postgres.stop()


def _tokens(home: Path) -> Tokens:
    key = ec.generate_private_key(ec.SECP256R1())
    return Tokens(key, write_public_key(key, home / "chaos-public.pem"))


async def start_stack(home: Path, *, cluster: bool = False) -> Stack:
    """Servers, schemas, streams and consumers, then every installed service, ready."""
    await asyncio.to_thread(home.mkdir, parents=True, exist_ok=True)
    await asyncio.to_thread(home.chmod, 0o755)  # PostgreSQL may run as its own user (as root)
    # The servers end with this process however it ends (their parent-death signal comes
    # when the thread that started them ends: the event loop's executor threads, which live
    # until the loop closes, after `Stack.stop`).
    postgres = LocalPostgres(home / "postgres", free_port(), die_with_parent=True)
    stack = Stack(
        home=home,
        cluster=cluster,
        postgres=postgres,
        tokens=_tokens(home),
        sink=MailSink(home / "mail", free_port()),
        receiver=WebhookReceiver(free_port()),
    )
    if cluster:
        stack.nats_cluster = LocalNatsCluster(home / "nats-cluster")
        start_nats = stack.nats_cluster.start
    else:
        stack.accounts = NatsAccounts.of(local=False)  # production permissions, own passwords
        stack.nats_server = LocalNats(
            home / "nats",
            free_port(),
            config_file=stack.accounts.file,
            environment=stack.accounts.server_environment(),
            die_with_parent=True,
        )
        start_nats = stack.nats_server.start
    try:
        await _start(stack, start_nats)
    except BaseException:
        stack.stop()
        raise
    return stack


async def _start(stack: Stack, start_nats: Any) -> None:
    postgres, home = stack.postgres, stack.home
    await asyncio.gather(
        asyncio.to_thread(postgres.start, durable=False), asyncio.to_thread(start_nats)
    )
    stack.sink.on_mail = stack.count_mail
    stack.sink.start()
    stack.receiver.start()
    stack.admin_dsn = await create_database(postgres.admin_dsn)
    stack.definitions = installed_services()
    for name, definition in stack.definitions.items():
        stack.dsns[name] = await prepare_service_database(stack.admin_dsn, definition)
    await _provision(stack)
    for name in stack.definitions:
        port, ops_port = free_port(), free_port()
        env = _environment(stack, name, port, ops_port)
        service = ServiceProcess(name, env, port, ops_port, home / f"{name}.log")
        stack.services[name] = service
        service.start()
    await stack.ready()


async def _provision(stack: Stack) -> None:
    """Every stream (by its owner), the persons' keys, then every durable consumer (by its
    service), as the services' migrate jobs do; R3 on the cluster once it has a leader."""
    replicas = 3 if stack.cluster else 1
    for stream in STREAMS:
        nc = await stack.connect(stream.service)
        try:
            js = nc.jetstream()
            await _retrying(partial(ensure_stream, js, stream, replicas))
            if stream.service == PersonalDataErasureRequested.service:
                await ensure_personal_keys(js, owner=True, replicas=replicas)
        finally:
            await nc.close()
    for name, definition in stack.definitions.items():
        nc = await stack.connect(name)
        try:
            js = nc.jetstream()
            for subscription in definition.subscriptions:
                await ensure_consumer(js, subscription, wait_for_stream=30)
        finally:
            await nc.close()


async def _retrying(action: Callable[[], Awaitable[None]], within: float = 60) -> None:
    # A new cluster answers "no meta leader" until its nodes have elected one.
    deadline = time.monotonic() + within
    while True:
        try:
            await action()
            return
        except (nats.errors.Error, TimeoutError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def _environment(stack: Stack, name: str, port: int, ops_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "ARCTIC_DATABASE_DSN": stack.dsns[name],
            "ARCTIC_NATS_URL": stack.nats_url,
            "ARCTIC_HTTP_HOST": HOST,
            "ARCTIC_HTTP_PORT": str(port),
            "ARCTIC_OPS_PORT": str(ops_port),
            "ARCTIC_SMTP_HOST": HOST,
            "ARCTIC_SMTP_PORT": str(stack.sink.port),
            "ARCTIC_LOG_LEVEL": "WARNING",
            "ARCTIC_SHUTDOWN_GRACE_SECONDS": "5",
            "ARCTIC_AUTH_PUBLIC_KEY_FILE": str(stack.tokens.public_key_file),
            "ARCTIC_AUTH_ISSUER": stack.tokens.issuer,
            # The whole load comes from one address: the forms' allowance is not under test.
            "ARCTIC_RATE_LIMIT_PER_MINUTE": "600000",
            "ARCTIC_RATE_LIMIT_BURST": "10000",
            "ARCTIC_PERSONAL_DATA_PEPPER": TEST_PEPPER.get_secret_value(),
            # The catalogue's network (organisations, their contacts, the prototyping
            # offering that routing sends early inquiries to); the others start empty.
            "ARCTIC_DEMO_DATA": "true" if name == "catalogue" else "false",
            # A SIGKILLed sender's claimed rows are taken again after 3 s, not 2 minutes;
            # failed sends are tried again within seconds, so the run drains soon after the
            # sink and the receiver take mail again (25 attempts span minutes, longer than
            # any refusal).
            "ARCTIC_DELIVERY_STALE_SENDING_SECONDS": "3",
            "ARCTIC_DELIVERY_RETRY_BASE_SECONDS": "1",
            "ARCTIC_DELIVERY_RETRY_MAX_SECONDS": "20",
            "ARCTIC_DELIVERY_MAX_ATTEMPTS": "25",
            "ARCTIC_WEBHOOK_ALLOW_PRIVATE": "true",
            "PYTHONUNBUFFERED": "1",
            **ROLE_ADDRESSES,
        }
    )
    if stack.accounts is not None:
        env["ARCTIC_NATS_USER"] = name
        env["ARCTIC_NATS_PASSWORD"] = stack.accounts.password(name)
    if stack.cluster:
        env["ARCTIC_STREAM_REPLICAS"] = "3"
    return env


async def scalar(dsn: str, query: str, *args: Any) -> Any:
    """One value from a service's database (a fresh connection: servers restart)."""
    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()
