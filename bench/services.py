"""The services themselves: `make up` to "all services ready", and each service's memory.

`arctic up` (what `make up` runs, demo data included) starts in a temporary folder on free
ports; the figure is the wall time from starting it to its line "all N services ready".
Then each service process's resident memory (VmRSS from /proc) idle, and again after its
consumers applied `memory_events` events: erasure requests (`PersonalDataErasureRequested`,
published as notifications publishes them), which every service honours through the
runtime's consumer in a transaction of its own, with its own confirmation event, which
notifications consumes in turn. The disturbance check covers the start and the load.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import nats

from arctic.contracts.envelope import build_message
from arctic.contracts.events import PersonalDataErasureRequested
from arctic.runtime.erasure import erasure_durable
from arctic.runtime.servers import free_port, resident_kib
from arctic.runtime.service import installed_services
from arctic.runtime.stackprocess import LocalStackProcess
from bench.cpu import Disturbance, descendants
from bench.document import Run, Section
from bench.model import Options
from bench.progress import quietly, say

READY_TARGET_SECONDS = 15.0
MEMORY_TARGET_MB = 150.0
SETTLE_SECONDS = 5.0
"""Idle: this long after "all services ready" (demo data loaded, first mails sent)."""


@dataclass(frozen=True)
class ServicesRun:
    """One start of the stack and one load through it."""

    pipeline: str
    ready_seconds: float
    idle_mb: dict[str, float]
    loaded_mb: dict[str, float]
    load_seconds: float
    other_start: float
    other_load: float
    migrated_seconds: float
    """From the start to `arctic up`'s line "schemas migrated, streams and consumers
    provisioned" (servers started, schemas, streams, consumers); the rest is the services'
    own start (imports, pools, demo data) until every /readyz answers."""

    @property
    def other_cores(self) -> float:
        """The busier of the two windows."""
        return max(self.other_start, self.other_load)


class Stack(LocalStackProcess):
    """`arctic up` with its own folder and free ports, for the services it runs."""

    def __init__(self, home: Path, names: list[str]) -> None:
        ports = {name: free_port() for name in ("nats", "postgres", "smtp")}
        for name in names:
            ports[name], ports[f"{name}_ops"] = free_port(), free_port()
        super().__init__(home, ports)
        self.names = names

    def service_pids(self) -> dict[str, int]:
        """Each service's own process (`arctic serve NAME`, under its lifeline wrapper)."""
        found: dict[str, int] = {}
        for pid in descendants(self.process.pid):
            try:
                args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            words = [arg.decode(errors="replace") for arg in args]
            if "serve" in words and "arctic.runtime.lifeline" not in words:
                found[words[words.index("serve") + 1]] = pid
        return found


def local_password(user: str) -> str:
    """The password `arctic up` gives every service (loopback only, not a secret)."""
    return f"{user}-local"


def new_home() -> Path:
    """A temporary folder the stack's PostgreSQL can use (it runs as its own OS user when
    we are root)."""
    home = Path(tempfile.mkdtemp(prefix="arctic-bench-up-"))
    home.chmod(0o755)
    return home


def rss_mb(pid: int) -> float:
    """Resident memory of a process, MB (VmRSS)."""
    kib = resident_kib(pid)
    return float("nan") if kib is None else kib / 1024


async def erasure_requests(stack: Stack, events: int) -> None:
    """`events` erasure requests on the notifications stream, as notifications publishes."""
    url, user = f"nats://127.0.0.1:{stack.ports['nats']}", PersonalDataErasureRequested.service
    nc = await nats.connect(url, user=user, password=local_password(user))
    js = nc.jetstream()
    try:
        now = datetime.now(UTC)
        for start in range(0, events, 500):
            futures = []
            for number in range(start, min(start + 500, events)):
                request = PersonalDataErasureRequested(
                    erasure_id=uuid.uuid4(),
                    person_id=uuid.uuid4(),
                    requested_at=now,
                    keys_erased_at=now,
                )
                headers, body = build_message(request, correlation_id=f"bench-memory-{number}")
                futures.append(await js.publish_async(request.subject, body, headers=headers))
            await asyncio.gather(*futures)
    finally:
        await nc.close()


async def wait_applied(stack: Stack, events: int, within: float) -> None:
    """Until every service's erasure consumer applied `events` requests."""
    port = stack.ports["postgres"]
    deadline = time.monotonic() + within
    for name in stack.names:
        dsn = f"postgresql://{name}:{local_password(name)}@127.0.0.1:{port}/postgres"
        conn = await asyncpg.connect(dsn)
        try:
            query = f"SELECT count(*) FROM {name}.inbox WHERE consumer = $1"
            while (done := await conn.fetchval(query, erasure_durable(name))) < events:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} applied {done} of {events} within {within} s")
                await asyncio.sleep(0.5)
        finally:
            await conn.close()


async def once(options: Options) -> ServicesRun:
    """Start the stack, read memory idle, drive the events, read memory again, stop."""
    names = sorted(installed_services())
    home = new_home()
    check = Disturbance()
    check.start()
    started = time.monotonic()
    stack = Stack(home, names)
    try:
        await asyncio.to_thread(stack.wait_for, "services ready in", 120)
        ready = time.monotonic() - started
        migrated = stack.when("schemas migrated") - started
        other_start = check.stop()
        say(f"  all {len(names)} services ready in {ready:.1f} s")
        await asyncio.sleep(SETTLE_SECONDS)
        pids = stack.service_pids()
        idle = {name: rss_mb(pids[name]) for name in names}
        check.start()
        loaded_from = time.monotonic()
        say(f"  {options.memory_events:,} erasure requests through every service")
        await erasure_requests(stack, options.memory_events)
        await wait_applied(stack, options.memory_events, 900)
        load_seconds = time.monotonic() - loaded_from
        other_load = check.stop()
        loaded = {name: rss_mb(pids[name]) for name in names}
    finally:
        await asyncio.to_thread(stack.stop)
        shutil.rmtree(home, ignore_errors=True)
    return ServicesRun(
        "services", ready, idle, loaded, load_seconds, other_start, other_load, migrated
    )


async def measure(options: Options, run: Run) -> None:
    """The services' section of the report."""

    async def attempt() -> ServicesRun:
        say("services: arctic up in a temporary folder")
        return await once(options)

    done = await quietly(attempt, options.max_other, options.retries, run.disturbed)
    met = "yes" if done.ready_seconds <= READY_TARGET_SECONDS else "NO"
    rows: list[tuple[str, ...]] = [
        (
            "`make up` (`arctic up`) → all services ready, s",
            f"{done.ready_seconds:.1f}",
            "",
            f"≤ {READY_TARGET_SECONDS:g} s",
            met,
            f"{done.other_start:.2f}",
        )
    ]
    for name in sorted(done.idle_mb):
        idle, loaded = done.idle_mb[name], done.loaded_mb[name]
        met = "yes" if max(idle, loaded) <= MEMORY_TARGET_MB else "NO"
        rows.append(
            (
                f"{name}: resident memory, MB",
                f"{idle:.0f}",
                f"{loaded:.0f}",
                f"≤ {MEMORY_TARGET_MB:g} MB",
                met,
                f"{done.other_load:.2f}",
            )
        )
    header = ("measure", "idle", f"after {options.memory_events:,} events", "target", "met")
    notes = [
        "`arctic up` as `make up` runs it (demo data loaded), in a temporary folder on free "
        f"ports; memory is VmRSS of each `arctic serve` process {SETTLE_SECONDS:g} s after "
        f"ready, and again once each service's consumer applied {options.memory_events:,} "
        f"erasure requests ({done.load_seconds:.0f} s; each confirmed with an event that "
        "notifications consumed in turn).",
        f'`make up`: {done.migrated_seconds:.1f} s to "schemas migrated, streams and '
        'consumers provisioned" (NATS, PostgreSQL, the mail sink, every schema, stream and '
        f"consumer), then {done.ready_seconds - done.migrated_seconds:.1f} s until every "
        "service's /readyz answered (the services' processes starting, demo data loaded).",
    ]
    title = "1. The services: start-up and resident memory"
    run.sections.append(Section(title, (*header, "others"), rows, notes))
