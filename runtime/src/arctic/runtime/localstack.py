"""`arctic up`: the whole system on one machine, without Docker.

NATS and PostgreSQL from their wheels (data under `.arctic/`), an SMTP sink writing `.eml`
files, schemas, migrations and streams prepared, then the four services as processes of their
own, their JSON logs interleaved on this terminal. Ctrl-C or SIGTERM stops all of it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import IO

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from arctic.runtime.access.development import EXAMPLE, development_environment
from arctic.runtime.logfmt import LogPrinter
from arctic.runtime.logs import configure_logging
from arctic.runtime.mailsink import MailSink
from arctic.runtime.servers import LocalNats, LocalPostgres, ServerDidNotStart, port_is_free
from arctic.runtime.service import installed_services


class LocalStackSettings(BaseSettings):
    """Where the local stack keeps its data and which ports it takes (`ARCTIC_LOCAL_*`)."""

    model_config = SettingsConfigDict(env_prefix="ARCTIC_LOCAL_")

    home: Path = Path(".arctic")
    host: str = "127.0.0.1"
    nats_port: int = 4222
    postgres_port: int = 55432
    smtp_port: int = 1025
    catalogue_port: int = 8101
    prototyping_port: int = 8102
    partnerships_port: int = 8103
    notifications_port: int = 8104
    ready_timeout_seconds: float = Field(default=60.0, gt=0)

    def service_port(self, service: str) -> int:
        """The HTTP port of a service."""
        return int(getattr(self, f"{service}_port"))


class StackError(Exception):
    """The stack cannot start; the message says why and what to do."""


class LocalStack:
    """The processes of the local system, started in order and stopped in reverse."""

    def __init__(self, settings: LocalStackSettings, out: IO[str] = sys.stdout) -> None:
        self.settings = settings
        self.home = settings.home.resolve()
        self.out = out
        self.printer = LogPrinter(out, pretty=out.isatty())
        self.services = installed_services()
        self.nats = LocalNats(self.home / "nats", settings.nats_port, host=settings.host)
        self.postgres = LocalPostgres(
            self.home / "postgres", settings.postgres_port, host=settings.host
        )
        self.sink = MailSink(self.home / "mail", settings.smtp_port, settings.host)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = threading.Event()

    def say(self, line: str) -> None:
        """A line of the stack's own (not a service log)."""
        self.printer.say(f"arctic up: {line}")

    def check_ports(self) -> None:
        """Fail early, with the setting to change, when a port is taken."""
        wanted = {
            "NATS": ("ARCTIC_LOCAL_NATS_PORT", self.settings.nats_port),
            "PostgreSQL": ("ARCTIC_LOCAL_POSTGRES_PORT", self.settings.postgres_port),
            "SMTP sink": ("ARCTIC_LOCAL_SMTP_PORT", self.settings.smtp_port),
        }
        for name in self.services:
            wanted[name] = (f"ARCTIC_LOCAL_{name.upper()}_PORT", self.settings.service_port(name))
        for what, (variable, port) in wanted.items():
            if not port_is_free(port, self.settings.host):
                raise StackError(
                    f"port {port} ({what}) is taken on {self.settings.host}: "
                    f"stop what uses it, or set {variable} to another port"
                )

    def start_servers(self) -> None:
        """NATS, PostgreSQL and the SMTP sink."""
        self.home.mkdir(parents=True, exist_ok=True)
        for name, server in (("NATS", self.nats), ("PostgreSQL", self.postgres)):
            try:
                server.start()
            except (ServerDidNotStart, OSError, subprocess.CalledProcessError) as error:
                raise StackError(
                    f"{name} did not come up: {error} (see its log under {self.home})"
                ) from error
        self.sink.start()

    async def prepare(self) -> None:
        """Schemas and roles, migrations, then every stream before any consumer."""
        from arctic.contracts.registry import stream_of_service
        from arctic.runtime.db import ensure_service_schema, migrate
        from arctic.runtime.provisioning import ensure_consumer, ensure_stream
        from arctic.runtime.resources import connect_nats
        from arctic.runtime.settings import ServiceSettings

        for name, definition in self.services.items():
            await ensure_service_schema(self.postgres.admin_dsn, name, self._password(name))
            await migrate(self._dsn(name), name, definition.migrations)
        nc = await connect_nats(ServiceSettings(service="local", nats_url=self.nats.url))
        try:
            js = nc.jetstream()
            for name in self.services:
                await ensure_stream(js, stream_of_service(name), 1)
            for definition in self.services.values():
                for subscription in definition.subscriptions:
                    await ensure_consumer(js, subscription, wait_for_stream=5)
        finally:
            await nc.drain()

    def start_services(self) -> None:
        """Each service as `arctic serve NAME`, its output interleaved here."""
        for name in self.services:
            process = subprocess.Popen(
                [sys.executable, "-m", "arctic.runtime", "serve", name],
                env=self._environment(name),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            assert process.stdout is not None
            threading.Thread(
                target=self.printer.follow, args=(name, process.stdout), daemon=True
            ).start()
            self.processes[name] = process

    def wait_ready(self, started: float) -> None:
        """One line per service as it reports ready on /readyz."""
        waiting = dict(self.processes)
        deadline = time.monotonic() + self.settings.ready_timeout_seconds
        while waiting:
            for name in list(waiting):
                if waiting[name].poll() is not None:
                    raise StackError(f"{name} exited with code {waiting[name].returncode}")
                if _ready(self._url(name)):
                    elapsed = time.monotonic() - started
                    self.say(f"{name} ready at {self._url(name)} ({elapsed:.1f} s)")
                    del waiting[name]
            if self.stopping.is_set():
                return
            if time.monotonic() > deadline:
                raise StackError(f"not ready within the timeout: {', '.join(waiting)}")
            time.sleep(0.1)

    def summary(self, elapsed: float) -> None:
        """Where to go next."""
        self.say(f"all {len(self.processes)} services ready in {elapsed:.1f} s")
        for name in self.processes:
            self.say(f"  {name:<14} {self._url(name)}/docs")
        self.say(f"  NATS           {self.nats.url}   (watch: uv run arctic events tail)")
        self.say(f"  PostgreSQL     {self.postgres.admin_dsn}")
        smtp = f"{self.settings.host}:{self.settings.smtp_port}"
        self.say(f"  mail           {self.sink.directory}/*.eml (SMTP {smtp})")
        self.say(f"  tokens         {EXAMPLE}")
        self.say("Ctrl-C stops everything; data stays in " + str(self.home))

    def watch(self) -> None:
        """Block until asked to stop, or until a service dies."""
        while not self.stopping.wait(0.2):
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StackError(f"{name} exited with code {process.returncode}")

    def stop(self) -> None:
        """Services first (gracefully, within seconds), then the sink and the servers."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.sink.stop()
        self.nats.stop()
        self.postgres.stop()

    def _environment(self, name: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "ARCTIC_DATABASE_DSN": self._dsn(name),
                "ARCTIC_NATS_URL": self.nats.url,
                "ARCTIC_HTTP_HOST": self.settings.host,
                "ARCTIC_HTTP_PORT": str(self.settings.service_port(name)),
                "ARCTIC_SMTP_HOST": self.settings.host,
                "ARCTIC_SMTP_PORT": str(self.settings.smtp_port),
                "PYTHONUNBUFFERED": "1",
                **development_environment(self.home),
            }
        )
        return env

    def _password(self, service: str) -> str:
        # Local only: the server listens on loopback; Kubernetes takes passwords from Secrets.
        return f"{service}-local"

    def _dsn(self, service: str) -> str:
        return self.postgres.dsn(service, self._password(service))

    def _url(self, service: str) -> str:
        return f"http://{self.settings.host}:{self.settings.service_port(service)}"


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=1) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def run_local_stack() -> int:
    """Run until Ctrl-C or SIGTERM; the exit code says whether it ran cleanly."""
    started = time.monotonic()
    configure_logging("local-stack", pretty=sys.stdout.isatty())
    stack = LocalStack(LocalStackSettings())

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stack.say(f"{signal.Signals(signum).name}: stopping")
        stack.stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.check_ports()
        stack.say(f"starting NATS, PostgreSQL and the SMTP sink (data in {stack.home})")
        stack.start_servers()
        asyncio.run(stack.prepare())
        stack.say("schemas migrated, streams and consumers provisioned; starting services")
        stack.start_services()
        stack.wait_ready(started)
        if not stack.stopping.is_set():
            stack.summary(time.monotonic() - started)
            stack.watch()
        return 0
    except StackError as error:
        stack.say(f"error: {error}")
        return 1
    finally:
        stack.stop()
        stack.say("stopped")
