"""`arctic events tail`: what a newcomer sees while events flow."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time

import pytest
from nats.aio.client import Client as NATS
from runtime_support import REQUESTED, prototype_requested

from arctic.contracts.envelope import build_message
from arctic.runtime.servers import LocalNats
from arctic.runtime.tail import subject_filter_for


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        ("arctic.>", "arctic.prototyping.>"),
        (">", "arctic.prototyping.>"),
        ("arctic.prototyping.>", "arctic.prototyping.>"),
        ("arctic.prototyping.prototype.requested.v1", "arctic.prototyping.prototype.requested.v1"),
        ("arctic.catalogue.>", None),
    ],
)
def test_the_filter_is_narrowed_to_each_stream(wanted: str, expected: str | None) -> None:
    assert subject_filter_for("arctic.prototyping.>", wanted) == expected


async def test_tail_prints_each_event_as_it_flows(
    nc: NATS, nats_server: LocalNats, stream: str
) -> None:
    env = dict(os.environ, ARCTIC_NATS_URL=nats_server.url, PYTHONUNBUFFERED="1")
    tail = subprocess.Popen(  # noqa: ASYNC220 - read by a thread; the test awaits NATS
        [sys.executable, "-m", "arctic.runtime", "events", "tail", "arctic.prototyping.>"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    assert tail.stdout is not None
    threading.Thread(target=lambda: lines.extend(tail.stdout), daemon=True).start()  # type: ignore[arg-type]
    try:
        deadline = time.monotonic() + 15
        while not any(line.startswith("following PROTOTYPING") for line in lines):
            assert time.monotonic() < deadline, lines
            await asyncio.sleep(0.05)
        headers, body = build_message(prototype_requested("Tail me"), correlation_id="corr-tail")
        await nc.jetstream().publish(REQUESTED, body, headers=headers)
        while not any("corr-tail" in line for line in lines):
            assert time.monotonic() < deadline, lines
            await asyncio.sleep(0.05)
    finally:
        tail.terminate()
        tail.wait(10)
    [line] = [line for line in lines if "corr-tail" in line]
    assert REQUESTED in line
    assert f"id={headers['ce-id']}" in line
    assert "Tail me" in line
