"""A description of the machine and the servers the figures were measured on."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib.metadata import version as package_version
from pathlib import Path

import asyncpg

from arctic.runtime.servers import _binary

PG_SETTINGS = (
    "fsync",
    "synchronous_commit",
    "wal_sync_method",
    "full_page_writes",
    "track_commit_timestamp",
    "shared_buffers",
)
CLIENTS = ("asyncpg", "nats-py", "uvloop")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _nats_version() -> str:
    done = subprocess.run(
        [_binary("nats-server"), "--version"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or done.stderr.strip()


async def describe(admin_dsn: str | None) -> list[tuple[str, str]]:
    """Label/value pairs: CPU, cores, memory, Python, server versions and sync settings (of
    the PostgreSQL at `admin_dsn`, when given)."""
    postgres = "as each part starts it"
    if admin_dsn is not None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            version = await conn.fetchval("SHOW server_version")
            settings = {name: await conn.fetchval(f"SHOW {name}") for name in PG_SETTINGS}
        finally:
            await conn.close()
        postgres = f"{version}, " + ", ".join(f"{k}={v}" for k, v in settings.items())
    clients = ", ".join(f"{name} {package_version(name)}" for name in CLIENTS)
    return [
        ("CPU", _cpu_model()),
        ("cores", str(len(os.sched_getaffinity(0)))),
        ("memory", _memory()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", f"{sys.version.split()[0]}, uvloop in every process; {clients}"),
        (
            "NATS",
            f"{_nats_version()}, JetStream file storage; its default sync (a flush every "
            "2 min) or `sync_interval: always`, as each table's columns say",
        ),
        ("PostgreSQL", postgres),
    ]
