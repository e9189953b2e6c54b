"""The servers and the data layout of a benchmark run: NATS, PostgreSQL, schemas and streams.

PostgreSQL runs durable (fsync and synchronous_commit on) with `track_commit_timestamp = on`,
so that latency is measured from one commit to the other by the database's own clock.
NATS runs with its default JetStream sync, or (`sync_always`) with `sync_interval: always` as
production runs it: every write to a stream is flushed to disk before it is acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from arctic.contracts.registry import stream_of_service
from arctic.runtime.db import ensure_service_schema, migrate
from arctic.runtime.provisioning import DUPLICATE_WINDOW_SECONDS, ensure_consumer, ensure_stream
from arctic.runtime.servers import LocalNats, LocalPostgres, free_port

SQL = Path(__file__).parent / "sql"
RAW_PRODUCER, RAW_CONSUMER = "bench_raw_producer", "bench_raw_consumer"
RT_PRODUCER, RT_CONSUMER = "bench_rt_producer", "bench_rt_consumer"
RAW_STREAM, RAW_SUBJECT = "BENCH_RAW", "bench.raw.requested"
RT_STREAM = stream_of_service("prototyping").name
RAW_DURABLE, RT_DURABLE = "bench-raw", "bench-runtime"
MAX_ACK_PENDING = 10_000


@dataclass
class Servers:
    """NATS and PostgreSQL in fresh temporary folders, and the DSN of each schema's role."""

    sync_always: bool = False
    """NATS flushes every write before acknowledging it (`sync_interval: always`)."""
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="arctic-bench-")))
    dsns: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.chmod(0o755)  # PostgreSQL runs as its own OS user when we are root
        config = None
        if self.sync_always:  # the same line as LocalNatsCluster's, production's setting
            config = self.root / "nats-sync-always.conf"
            config.write_text("jetstream { sync_interval: always }\n")
        self.nats = LocalNats(self.root / "nats", free_port(), config_file=config)
        self.postgres = LocalPostgres(self.root / "postgres", free_port())

    @property
    def nats_url(self) -> str:
        """The NATS client URL."""
        return self.nats.url

    @property
    def admin_dsn(self) -> str:
        """The PostgreSQL superuser DSN."""
        return self.postgres.admin_dsn

    async def start(self) -> None:
        """Start both servers and turn commit timestamps on (needs a PostgreSQL restart)."""
        self.nats.start()
        self.postgres.start(durable=True)
        await _wait_until_accepting(self.admin_dsn)
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")
        finally:
            await conn.close()
        self.postgres.stop()
        self.postgres.start(durable=True)
        await _wait_until_accepting(self.admin_dsn)

    def stop(self) -> None:
        """Stop both servers and delete their data."""
        self.postgres.stop()
        self.nats.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    async def create_schemas(self) -> None:
        """One role and schema per side; the runtime's through its own migrations."""
        for schema in (RAW_PRODUCER, RAW_CONSUMER, RT_PRODUCER, RT_CONSUMER):
            password = uuid.uuid4().hex
            await ensure_service_schema(self.admin_dsn, schema, password)
            self.dsns[schema] = self.postgres.dsn(schema, password)
        for schema in (RT_PRODUCER, RT_CONSUMER):
            await migrate(self.dsns[schema], schema, SQL / schema.removeprefix("bench_"))
        for schema in (RAW_PRODUCER, RAW_CONSUMER):
            conn = await asyncpg.connect(self.dsns[schema], server_settings={"search_path": schema})
            try:
                for path in sorted((SQL / schema.removeprefix("bench_")).glob("*.sql")):
                    await conn.execute(path.read_text())
            finally:
                await conn.close()

    async def reset_data(self) -> None:
        """Empty every table the benchmark writes, between scenarios."""
        tables = [f"{RAW_PRODUCER}.business", f"{RAW_PRODUCER}.raw_outbox"]
        tables += [f"{RAW_CONSUMER}.raw_inbox", f"{RAW_CONSUMER}.effects"]
        tables += [f"{RT_PRODUCER}.business", f"{RT_PRODUCER}.outbox"]
        tables += [f"{RT_CONSUMER}.inbox", f"{RT_CONSUMER}.effects"]
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
            await conn.execute("CHECKPOINT")
        finally:
            await conn.close()

    async def connect_nats(self) -> NATS:
        """A NATS client connection."""
        return await nats.connect(self.nats_url)


async def _wait_until_accepting(dsn: str, within: float = 30.0) -> None:
    """The port opens before PostgreSQL accepts sessions ("the database system is starting up")."""
    deadline = time.monotonic() + within
    while True:
        try:
            conn = await asyncpg.connect(dsn)
        except asyncpg.CannotConnectNowError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
        else:
            await conn.close()
            return


def raw_stream_config() -> StreamConfig:
    """The raw pipeline's stream: the same storage and de-duplication as the runtime's."""
    return StreamConfig(
        name=RAW_STREAM,
        subjects=[RAW_SUBJECT],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        num_replicas=1,
    )


def raw_consumer_config(durable: str, subject: str) -> ConsumerConfig:
    """The raw consumer's durable: explicit acks, like the runtime's."""
    return ConsumerConfig(
        durable_name=durable,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=60.0,
        max_deliver=10,
        max_ack_pending=MAX_ACK_PENDING,
        filter_subjects=[subject],
    )


async def fresh_streams(js: JetStreamContext, rt_durable: str, raw_durable: str) -> None:
    """Delete and create both streams, with one durable consumer for each side."""
    from bench.runtime_side import subscription

    for name in (RAW_STREAM, RT_STREAM):
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(name)
    await ensure_stream(js, stream_of_service("prototyping"), 1)
    await js.add_stream(raw_stream_config())
    await ensure_consumer(js, subscription(rt_durable))
    await js.add_consumer(RAW_STREAM, raw_consumer_config(raw_durable, RAW_SUBJECT))
