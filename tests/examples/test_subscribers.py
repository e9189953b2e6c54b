"""The example subscribers of examples/subscribers/ run as a stranger runs them, against a NATS
server configured as the local stack's (deploy/nats/permissions.conf), as the read-only user
`subscriber`, on events the partnerships service publishes.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
from nats.aio.client import Client as NATS

from arctic.contracts.envelope import MSG_ID_HEADER, build_message
from arctic.contracts.events import (
    AgreementEnded,
    AgreementSigned,
    EvaluationDue,
    EvaluationHeld,
    Event,
)
from arctic.contracts.examples import example_of
from arctic.contracts.registry import stream_of_service
from arctic.runtime.provisioning import ensure_stream
from arctic.runtime.testing import SecuredNats, wait_until

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "subscribers"


@pytest.fixture
async def partnerships(secured_nats: SecuredNats) -> AsyncIterator[NATS]:
    """The partnerships service's connection, with its stream."""
    nc = await secured_nats.connect("partnerships")
    await ensure_stream(nc.jetstream(), stream_of_service("partnerships"), replicas=1)
    yield nc
    await nc.close()


async def publish(nc: NATS, event: Event, *, again: bool = False) -> dict[str, str]:
    headers, body = build_message(event, correlation_id=f"example-{uuid4().hex[:8]}")
    await nc.jetstream().publish(event.subject, body, headers=headers)
    if again:  # a redelivery, as a subscriber sees one: the same event once more
        await nc.jetstream().publish(
            event.subject, body, headers={**headers, MSG_ID_HEADER: str(uuid4())}
        )
    return headers


async def lines_until(process: asyncio.subprocess.Process, wanted: str) -> list[str]:
    """The lines the process printed, up to and including `wanted`."""
    assert process.stdout is not None
    seen: list[str] = []
    async with asyncio.timeout(60):
        while wanted not in seen:
            line = await process.stdout.readline()
            if not line:
                raise AssertionError(f"exited before printing {wanted!r}: {seen[-20:]}")
            seen.append(line.decode().rstrip())
    return seen


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(30):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


def _environment(secured_nats: SecuredNats, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "NATS_URL": secured_nats.url,
        "NATS_USER": "subscriber",
        "NATS_PASSWORD": secured_nats.accounts.password("subscriber"),
        **more,
    }


async def test_the_python_faststream_example_keeps_the_councils_table(
    secured_nats: SecuredNats, partnerships: NATS, tmp_path: Path
) -> None:
    kept = example_of(AgreementSigned, agreement_id=uuid4())
    kept = example_of(AgreementSigned, partner={**kept.partner.model_dump(), "name": "Kept Oy"})
    gone = example_of(AgreementSigned, agreement_id=uuid4())
    await publish(partnerships, kept, again=True)
    await publish(partnerships, gone)
    await publish(partnerships, example_of(AgreementEnded, agreement_id=gone.agreement_id))
    due = example_of(EvaluationDue, evaluation_id=uuid4(), agreement_id=kept.agreement_id)
    await publish(partnerships, due)
    done = example_of(EvaluationDue, evaluation_id=uuid4(), agreement_id=kept.agreement_id)
    await publish(partnerships, done)
    await publish(
        partnerships,
        example_of(
            EvaluationHeld, evaluation_id=done.evaluation_id, agreement_id=kept.agreement_id
        ),
    )
    database = tmp_path / "agreements.sqlite3"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / "python-faststream" / "agreements.py"),
        env=_environment(secured_nats, AGREEMENTS_DB=str(database)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        shown = await lines_until(process, "active agreements: 0")  # the empty table at start

        async def all_handled() -> bool:
            return _count(database, "select count(*) from handled_events") >= 6

        await wait_until(all_handled, within=60)
    finally:
        await stop(process)

    assert shown[-1] == "active agreements: 0"
    assert _count(database, "select count(*) from handled_events") == 6  # one was redelivered
    with sqlite3.connect(database) as db:
        agreements = db.execute("select partner from agreements where not ended").fetchall()
        upcoming = db.execute("select evaluation_id from evaluations where not held").fetchall()
    assert agreements == [("Kept Oy",)]
    assert upcoming == [(str(due.evaluation_id),)]


def _count(database: Path, query: str) -> int:
    if not database.exists():
        return 0
    with sqlite3.connect(database, timeout=10) as db:
        try:
            (count,) = db.execute(query).fetchone()
        except sqlite3.OperationalError:  # not created yet
            return 0
        return int(count)


NODE = shutil.which("node")
NPM = shutil.which("npm")


@pytest.mark.skipif(
    NODE is None or NPM is None,
    reason="node and npm are not installed here: the Node example is not run",
)
async def test_the_node_example_reads_events_with_the_official_clients(
    secured_nats: SecuredNats, partnerships: NATS
) -> None:
    folder = EXAMPLES / "node"
    if not (folder / "node_modules").is_dir():
        installed = await asyncio.create_subprocess_exec(
            str(NPM), "ci", "--no-audit", "--no-fund", cwd=folder,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await installed.communicate()
        assert installed.returncode == 0, output.decode()
    events = [example_of(AgreementSigned, agreement_id=uuid4()) for _ in range(2)]
    published = [await publish(partnerships, event) for event in events]
    process = await asyncio.create_subprocess_exec(
        str(NODE), "subscriber.mjs", "--count", "2",
        cwd=folder, env=_environment(secured_nats),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(60):
            output, errors = await process.communicate()
    finally:
        await stop(process)

    assert process.returncode == 0, errors.decode()
    received = [json.loads(line) for line in output.decode().splitlines() if line.startswith("{")]
    assert [r["id"] for r in received] == [h["ce-id"] for h in published]
    assert [r["correlationid"] for r in received] == [h["ce-correlationid"] for h in published]
    assert [r["partner"] for r in received] == [e.partner.name for e in events]


NATS_CLI = shutil.which("nats")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "subscribing.md"


@pytest.mark.skipif(
    NATS_CLI is None,
    reason="the nats CLI is not installed here: the nats lines of docs/subscribing.md are not run",
)
async def test_the_nats_cli_lines_of_the_docs_show_the_events(
    secured_nats: SecuredNats, partnerships: NATS
) -> None:
    lines = [line for line in DOCS.read_text().splitlines() if line.startswith("nats --server")]
    assert len(lines) == 2
    event = example_of(AgreementSigned, agreement_id=uuid4())
    await publish(partnerships, event)
    output = ""
    for line in lines:
        line = line.replace("nats://127.0.0.1:4222", secured_nats.url).replace(
            "subscriber-local", secured_nats.accounts.password("subscriber")
        )
        process = await asyncio.create_subprocess_exec(
            *shlex.split(line), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        async with asyncio.timeout(60):
            out, _ = await process.communicate()
        assert process.returncode == 0, out.decode()
        output = out.decode()

    assert str(event.agreement_id) in output
