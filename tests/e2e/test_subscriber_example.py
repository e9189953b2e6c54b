"""The Python subscriber example against `arctic up`, run as docs/subscribing.md prints it:
with the local stack's defaults (the user `subscriber`, password `subscriber-local`), only
the NATS port differs because the test's stack has ports of its own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import nats
import pytest

from arctic.contracts.envelope import build_message
from arctic.contracts.events import AgreementSigned
from arctic.contracts.examples import example_of
from arctic.runtime.servers import free_port

pytestmark = pytest.mark.slow
REPOSITORY = Path(__file__).resolve().parents[2]
SERVICES = ("catalogue", "prototyping", "partnerships", "notifications")


@pytest.fixture
def stack_home() -> Iterator[tuple[Path, dict[str, int]]]:
    """`arctic up` on free ports, in a folder of its own; stopped after the test."""
    home = Path(tempfile.mkdtemp(prefix="arctic-up-subscriber-"))
    home.chmod(0o755)
    names = ("nats", "postgres", "smtp", *SERVICES, *(f"{s}_ops" for s in SERVICES))
    ports = {name: free_port() for name in names}
    env = dict(os.environ, ARCTIC_LOCAL_HOME=str(home))
    env.update({f"ARCTIC_LOCAL_{name.upper()}_PORT": str(p) for name, p in ports.items()})
    log = (home / "up.log").open("w")
    up = subprocess.Popen(
        [sys.executable, "-m", "arctic.runtime", "up"], env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 120
    while "all 4 services ready" not in (home / "up.log").read_text():
        assert up.poll() is None, (home / "up.log").read_text()
        assert time.monotonic() < deadline, (home / "up.log").read_text()
        time.sleep(0.1)
    yield home, ports
    up.send_signal(signal.SIGINT)
    up.wait(30)
    log.close()


async def _publish_as(user: str, url: str, event: AgreementSigned) -> None:
    """Publish `event` as `user` with the local stack's password (`<user>-local`)."""
    headers, body = build_message(event, correlation_id="e2e-subscriber")
    client = await nats.connect(url, user=user, password=f"{user}-local")
    await client.jetstream().publish(event.subject, body, headers=headers)
    await client.close()


def test_the_python_example_reads_the_stacks_partnerships_events(
    stack_home: tuple[Path, dict[str, int]],
) -> None:
    home, ports = stack_home
    url = f"nats://127.0.0.1:{ports['nats']}"
    event = example_of(AgreementSigned, agreement_id=uuid4())
    asyncio.run(_publish_as("partnerships", url, event))
    database = home / "agreements.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARCTIC_", "NATS_"))}
    example = subprocess.Popen(
        [sys.executable, "examples/subscribers/python-faststream/agreements.py"],
        cwd=REPOSITORY,
        env={**env, "NATS_URL": url, "AGREEMENTS_DB": str(database)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _has(database, str(event.agreement_id)):
            assert example.poll() is None, "the example exited"
            assert time.monotonic() < deadline, "the example did not record the agreement"
            time.sleep(0.1)
    finally:
        example.terminate()
        example.wait(30)


def _has(database: Path, agreement_id: str) -> bool:
    if not database.exists():
        return False
    try:
        with sqlite3.connect(database, timeout=5) as db:
            rows = db.execute("select agreement_id from agreements").fetchall()
    except sqlite3.OperationalError:  # the table is not created yet
        return False
    return (agreement_id,) in rows
