"""`arctic up`: the whole system on one machine, without Docker.

NATS (with the production permissions, every service as its own user) and PostgreSQL from
their wheels, data under `.arctic/`; an SMTP sink writing `.eml` files; schemas, migrations,
streams and consumers prepared; then every installed service as a process of its own, its
JSON log lines on this terminal and in `.arctic/logs/<service>.jsonl`. Where everything
listens goes into `.arctic/stack.json` for the other `arctic` commands.

Whatever ends `arctic up` ends what it started: SIGINT, SIGTERM and SIGHUP stop the services,
then the servers, in order (a second signal changes nothing, a third kills everything at
once); and every child gets a signal of its own when `arctic up` dies (`lifeline`).
"""

from __future__ import annotations

import asyncio
import contextlib
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
from typing import IO, Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from arctic.runtime import lifeline
from arctic.runtime.access.development import EXAMPLE, development_environment
from arctic.runtime.logfmt import STACK, LogPrinter
from arctic.runtime.logs import configure_logging
from arctic.runtime.mailsink import MailSink
from arctic.runtime.nats_accounts import OPERATOR_USER, PERMISSIONS_FILE, NatsAccounts
from arctic.runtime.servers import LocalNats, LocalPostgres, ServerDidNotStart, port_is_free
from arctic.runtime.service import ServiceDefinition, installed_services
from arctic.runtime.settings import OPS_PORT_OFFSET, ServiceSettings
from arctic.runtime.stackfile import ServiceAddress, StackFile


class LocalStackSettings(BaseSettings):
    """Where the local stack keeps its data and which ports it takes (`ARCTIC_LOCAL_*`).

    A service's ports are `ARCTIC_LOCAL_<SERVICE>_PORT` (default: its `local_port`) and
    `ARCTIC_LOCAL_<SERVICE>_OPS_PORT` (default: 100 above), for every installed service.
    """

    model_config = SettingsConfigDict(env_prefix="ARCTIC_LOCAL_", extra="ignore")

    home: Path = Path(".arctic")
    host: str = "127.0.0.1"
    nats_port: int = 4222
    postgres_port: int = 55432
    smtp_port: int = 1025
    nats_permissions: Path = PERMISSIONS_FILE
    ready_timeout_seconds: float = Field(default=60.0, gt=0)

    @staticmethod
    def port_variable(service: str, ops: bool = False) -> str:
        """The environment variable of a service's API (or operations) port."""
        return f"ARCTIC_LOCAL_{service.upper()}_{'OPS_' if ops else ''}PORT"

    def service_port(self, definition: ServiceDefinition[Any]) -> int:
        """The API port of a service."""
        given = os.environ.get(self.port_variable(definition.name))
        return int(given) if given else definition.local_port

    def ops_port(self, definition: ServiceDefinition[Any]) -> int:
        """The operations port of a service (/healthz, /readyz, /metrics)."""
        given = os.environ.get(self.port_variable(definition.name, ops=True))
        return int(given) if given else self.service_port(definition) + OPS_PORT_OFFSET


class StackError(Exception):
    """The stack cannot start; the message says why and what to do."""


class LocalStack:
    """The processes of the local system, started in order and stopped in reverse."""

    def __init__(self, settings: LocalStackSettings, out: IO[str] = sys.stdout) -> None:
        self.settings = settings
        self.home = settings.home.resolve()
        self.printer = LogPrinter(out, pretty=out.isatty(), logs=self.home / "logs")
        self.services = installed_services()
        self.accounts = NatsAccounts.of(settings.nats_permissions)
        self.nats = LocalNats(
            self.home / "nats",
            settings.nats_port,
            host=settings.host,
            config_file=settings.nats_permissions,
            environment=self.accounts.server_environment(),
            die_with_parent=True,
        )
        self.postgres = LocalPostgres(
            self.home / "postgres", settings.postgres_port, host=settings.host, die_with_parent=True
        )
        self.sink = MailSink(self.home / "mail", settings.smtp_port, settings.host)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = threading.Event()
        self.signals: list[signal.Signals] = []

    def say(self, line: str) -> None:
        """A line of the stack's own (not a service log)."""
        self.printer.say(line)

    def check_ports(self) -> None:
        """Fail early, with the setting to change, when a port is taken."""
        wanted = {
            "NATS": ("ARCTIC_LOCAL_NATS_PORT", self.settings.nats_port),
            "PostgreSQL": ("ARCTIC_LOCAL_POSTGRES_PORT", self.settings.postgres_port),
            "SMTP sink": ("ARCTIC_LOCAL_SMTP_PORT", self.settings.smtp_port),
        }
        for name, definition in self.services.items():
            port, ops = self.settings.service_port(definition), self.settings.ops_port(definition)
            wanted[name] = (self.settings.port_variable(name), port)
            wanted[f"{name} operations"] = (self.settings.port_variable(name, ops=True), ops)
        for what, (variable, port) in wanted.items():
            if not port_is_free(port, self.settings.host):
                raise StackError(
                    f"port {port} ({what}) is taken on {self.settings.host}: "
                    f"stop what uses it, or set {variable} to another port"
                )

    def start_servers(self) -> None:
        """NATS, PostgreSQL and the SMTP sink; then the stack file says where they listen."""
        self.home.mkdir(parents=True, exist_ok=True)
        for name, server in (("NATS", self.nats), ("PostgreSQL", self.postgres)):
            if self.stopping.is_set():
                return
            try:
                server.start()
            except (ServerDidNotStart, OSError, subprocess.CalledProcessError) as error:
                raise StackError(
                    f"{name} did not come up: {error} (see its log under {self.home})"
                ) from error
        self.sink.start()
        self.stack_file().write(self.home)

    def stack_file(self) -> StackFile:
        """Where everything listens, and as whom the services connect."""
        return StackFile(
            nats_url=self.nats.url,
            postgres=f"{self.settings.host}:{self.settings.postgres_port}",
            ops_nats_user=OPERATOR_USER,
            ops_nats_password=self.accounts.password(OPERATOR_USER),
            services={
                name: ServiceAddress(
                    url=self._url(name),
                    ops_url=self._ops_url(name),
                    database_dsn=self._dsn(name),
                    nats_user=name,
                    nats_password=self.accounts.password(name),
                )
                for name in self.services
            },
        )

    async def prepare(self) -> None:
        """Schemas and roles, migrations, then every stream before any consumer; each
        service provisions its own as its own NATS user, as its migrate job does."""
        from arctic.contracts.registry import stream_of_service
        from arctic.runtime.db import ensure_service_schema, migrate
        from arctic.runtime.provisioning import ensure_consumer, ensure_personal_keys, ensure_stream
        from arctic.runtime.resources import connect_nats

        for name, definition in self.services.items():
            await ensure_service_schema(
                self.postgres.admin_dsn, name, self._password(name), definition.extensions
            )
            await migrate(self._dsn(name), name, definition.migrations)
        for consumers in (False, True):
            for name, definition in self.services.items():
                nc = await connect_nats(self._nats_settings(name))
                try:
                    js = nc.jetstream()
                    if not consumers:
                        await ensure_stream(js, stream_of_service(name), 1)
                        if definition.owns_personal_keys:
                            await ensure_personal_keys(js, owner=True, replicas=1)
                    for subscription in definition.subscriptions if consumers else ():
                        await ensure_consumer(js, subscription, wait_for_stream=5)
                finally:
                    await nc.drain()

    def start_services(self) -> None:
        """Each service as `arctic serve NAME`, its output interleaved here and kept in
        `logs/NAME.jsonl`; each ends when `arctic up` does (`lifeline`)."""
        for name in self.services:
            process = subprocess.Popen(
                lifeline.command([sys.executable, "-m", "arctic.runtime", "serve", name]),
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
        while waiting and not self.stopping.is_set():
            for name in list(waiting):
                if waiting[name].poll() is not None:
                    raise StackError(f"{name} exited with code {waiting[name].returncode}")
                if _ready(self._ops_url(name)):
                    elapsed = time.monotonic() - started
                    self.say(f"{name} ready at {self._url(name)} ({elapsed:.1f} s)")
                    del waiting[name]
            if time.monotonic() > deadline:
                raise StackError(f"not ready within the timeout: {', '.join(waiting)}")
            time.sleep(0.1)

    def summary(self, elapsed: float) -> None:
        """Where to go next."""
        self.say(f"all {len(self.processes)} services ready in {elapsed:.1f} s")
        for name in self.processes:
            self.say(
                f"  {name:<14} {self._url(name)}/docs   (health, metrics: {self._ops_url(name)})"
            )
        self.say(f"  NATS           {self.nats.url}   (watch: uv run arctic events tail)")
        self.say(f"  PostgreSQL     {self.postgres.admin_dsn}")
        smtp = f"{self.settings.host}:{self.settings.smtp_port}"
        self.say(f"  mail           {self.sink.directory}/*.eml (SMTP {smtp})")
        self.say(f"  tokens         {EXAMPLE}")
        self.say(f"  logs           {self.home / 'logs'}/<service>.jsonl")
        self.say("Ctrl-C stops everything; data stays in " + str(self.home))

    def watch(self) -> None:
        """Block until asked to stop, or until a service dies."""
        while not self.stopping.wait(0.2):
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StackError(f"{name} exited with code {process.returncode}")

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler: it only records (it may interrupt any line of the main
        thread, the printer's included); the main thread reports and stops. The third
        signal kills everything at once."""
        self.signals.append(signal.Signals(signum))
        self.stopping.set()
        if len(self.signals) >= 3:
            self.kill_everything()
            os._exit(128 + signum)

    def kill_everything(self) -> None:
        """SIGKILL to every child: no waiting, no output (safe in a signal handler)."""
        children = [*self.processes.values(), self.nats.process, self.postgres.process]
        for process in children:
            if process is not None and process.returncode is None:
                with contextlib.suppress(OSError):
                    os.kill(process.pid, signal.SIGKILL)

    def stop(self) -> None:
        """Services first (gracefully, within seconds), then the sink and the servers."""
        if self.signals:
            self.say(f"{self.signals[0].name}: stopping (a third signal kills everything)")
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        reported = len(self.signals)
        for process in self.processes.values():
            while process.poll() is None and time.monotonic() < deadline:
                if len(self.signals) > reported:
                    reported = len(self.signals)
                    self.say(f"{self.signals[-1].name} again: still stopping")
                time.sleep(0.05)
            if process.poll() is None:
                process.kill()
                process.wait()
        self.sink.stop()
        self.nats.stop()
        self.postgres.stop()

    def _nats_settings(self, name: str) -> ServiceSettings:
        password = SecretStr(self.accounts.password(name))
        return ServiceSettings(
            service=name, nats_url=self.nats.url, nats_user=name, nats_password=password
        )

    def _environment(self, name: str) -> dict[str, str]:
        definition = self.services[name]
        env = dict(os.environ)
        env.update(
            {
                "ARCTIC_DATABASE_DSN": self._dsn(name),
                "ARCTIC_NATS_URL": self.nats.url,
                "ARCTIC_NATS_USER": name,
                "ARCTIC_NATS_PASSWORD": self.accounts.password(name),
                "ARCTIC_HTTP_HOST": self.settings.host,
                "ARCTIC_HTTP_PORT": str(self.settings.service_port(definition)),
                "ARCTIC_OPS_PORT": str(self.settings.ops_port(definition)),
                "ARCTIC_SMTP_HOST": self.settings.host,
                "ARCTIC_SMTP_PORT": str(self.settings.smtp_port),
                "PYTHONUNBUFFERED": "1",
                **development_environment(self.home),
            }
        )
        # A newcomer's stack shows a working network: each service loads its demo data once.
        env.setdefault("ARCTIC_DEMO_DATA", "true")
        # Local only, like the passwords: every service names persons with the same pepper.
        env.setdefault("ARCTIC_PERSONAL_DATA_PEPPER", "local development pepper, not a secret")
        return env

    def _password(self, service: str) -> str:
        # Local only: the server listens on loopback; Kubernetes takes passwords from Secrets.
        return f"{service}-local"

    def _dsn(self, service: str) -> str:
        return self.postgres.dsn(service, self._password(service))

    def _url(self, service: str) -> str:
        return f"http://{self.settings.host}:{self.settings.service_port(self.services[service])}"

    def _ops_url(self, service: str) -> str:
        return f"http://{self.settings.host}:{self.settings.ops_port(self.services[service])}"


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=1) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def run_local_stack() -> int:
    """Run until SIGINT (Ctrl-C), SIGTERM or SIGHUP; the exit code says whether it ran
    cleanly."""
    started = time.monotonic()
    settings = LocalStackSettings()
    try:
        stack = LocalStack(settings)
    except (FileNotFoundError, ValueError) as error:
        print(f"{STACK}: error: {error}", file=sys.stderr)
        return 1
    configure_logging("arctic-up", stream=stack.printer.stream_for(STACK))
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stack.request_stop)
    try:
        stack.check_ports()
        stack.say(f"starting NATS, PostgreSQL and the SMTP sink (data in {stack.home})")
        stack.start_servers()
        if not stack.stopping.is_set():
            asyncio.run(stack.prepare())
            stack.say("schemas migrated, streams and consumers provisioned; starting services")
        if not stack.stopping.is_set():
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
        stack.printer.close()
