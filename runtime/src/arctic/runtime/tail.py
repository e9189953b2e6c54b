"""`arctic events tail`: print the events flowing through every stream as they happen."""

from __future__ import annotations

import asyncio
import json
from typing import TextIO

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy
from nats.js.errors import NotFoundError

from arctic.contracts.registry import STREAMS


def subject_filter_for(stream_subject: str, wanted: str) -> str | None:
    """The part of `wanted` that a stream bound to `stream_subject` (`a.b.>`) carries."""
    stream_prefix = stream_subject.removesuffix(">")
    wanted_prefix = wanted.removesuffix(">")
    if wanted.endswith(">") and stream_prefix.startswith(wanted_prefix):
        return stream_subject
    if wanted.startswith(stream_prefix):
        return wanted
    return None


def format_line(msg: Msg, width: int = 100) -> str:
    """One event as one line: time, type, subject, id, correlation id and its plain values."""
    headers = msg.headers or {}
    data = short_data(msg.data)
    if len(data) > width:
        data = data[: width - 1] + "…"
    return "  ".join(
        [
            headers.get("ce-time", "?"),
            headers.get("ce-type", msg.subject),
            f"subject={headers.get('ce-subject', '?')}",
            f"id={headers.get('ce-id', '?')}",
            f"correlation={headers.get('ce-correlationid', '?')}",
            data,
        ]
    )


def short_data(body: bytes) -> str:
    """The event's top-level plain values (ids, titles, stages, dates) as `key=value`.

    Nested objects (companies, contact persons) are left out: they hold personal data, and a
    one-line view has no room for them anyway.
    """
    try:
        data = json.loads(body)
    except ValueError:
        return body[:60].decode(errors="replace")
    if not isinstance(data, dict):
        return str(data)
    plain = (str, int, float, bool)
    return " ".join(f"{k}={v}" for k, v in data.items() if isinstance(v, plain))


async def tail_events(
    nc: NATS, closed: asyncio.Event, wanted: str, *, from_start: bool, out: TextIO
) -> None:
    """Follow every stream whose subjects meet `wanted` on `nc` until cancelled (Ctrl-C) or
    until the connection ends (`closed`; then `SystemExit` with a message)."""
    js = nc.jetstream()
    policy = DeliverPolicy.ALL if from_start else DeliverPolicy.NEW

    async def show(msg: Msg) -> None:
        print(format_line(msg), file=out, flush=True)

    following = []
    for stream in STREAMS:
        subject = subject_filter_for(stream.subjects[0], wanted)
        if subject is None:
            continue
        try:
            await js.subscribe(
                subject, stream=stream.name, cb=show, ordered_consumer=True, deliver_policy=policy
            )
            following.append(stream.name)
        except NotFoundError:
            print(f"(stream {stream.name} does not exist yet)", file=out, flush=True)
    print(f"following {', '.join(following) or 'nothing'} for {wanted}", file=out, flush=True)
    try:
        await closed.wait()
    finally:
        await nc.close()
    raise SystemExit("arctic: lost the connection to NATS")
