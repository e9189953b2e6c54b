"""Notifications' delivery benchmark: deliveries per second from a backlog to the local SMTP
sink, beside a raw aiosmtplib loop sending the same mails in the same run.

    uv run --locked python -m bench.delivery                  # 10,000 deliveries each side
    uv run --locked python -m bench.delivery --events 2000

Both sides run against one fresh SMTP sink (`arctic.runtime.mailsink`, which writes each mail
to a file) with the same number of sends in flight (`--concurrency`, default the service's
`ARCTIC_DELIVERY_CONCURRENCY`, 2) and one SMTP connection per mail.

- **raw**: `aiosmtplib.send` of the backlog's mails, composed beforehand, nothing recorded;
- **notifications**: the service's delivery loop (`sender.deliver_due`) on a durable
  PostgreSQL holding the backlog as the consumer plans it (one PrototypeRequested per event:
  the acknowledgement rendered from the templates); one lane per send in flight claims a
  row (`FOR UPDATE SKIP LOCKED`), composes the mail, sends it, and records the outcome with
  its `NotificationDelivered` in the outbox and claims the next row in one transaction per
  delivery.

The figure is the ratio notifications/raw (target at least 0.7); the result is printed and
written to `bench/results/delivery.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import aiosmtplib

from arctic.contracts.envelope import envelope_for
from arctic.contracts.events import PrototypeRequested
from arctic.contracts.examples import EXAMPLES
from arctic.contracts.examples.parties import EXAMPLE_PEOPLE
from arctic.contracts.vocabulary import PersonDetails
from arctic.notifications import rules, store
from arctic.notifications.mailer import compose
from arctic.notifications.messages import messages_for
from arctic.notifications.sender import deliver_due
from arctic.notifications.service import definition
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.db import create_pool
from arctic.runtime.mailsink import MailSink
from arctic.runtime.resources import Resources
from arctic.runtime.servers import LocalPostgres, free_port
from arctic.runtime.testing import prepare_service_database

RESULTS = Path(__file__).parent / "results" / "delivery.md"


async def plan_backlog(dsn: str, settings: NotificationsSettings, events: int) -> None:
    """`events` PrototypeRequested, each planned as the consumer would: its messages stored."""
    rule = rules.BY_EVENT[PrototypeRequested]
    people = {
        person.person_id: PersonDetails.model_validate(details.model_dump())
        for person, details in EXAMPLE_PEOPLE.items()
    }
    example = EXAMPLES[PrototypeRequested]()
    assert isinstance(example, PrototypeRequested)
    pool = await create_pool(dsn, "notifications", size=2)
    try:
        async with pool.acquire() as conn, conn.transaction():
            for _ in range(events):
                event = example.model_copy(update={"request_id": uuid.uuid4()})
                envelope = envelope_for(event, correlation_id=f"bench-{uuid.uuid4()}")
                now = event.requested_at
                for message in messages_for(rule, event, people, settings, now)[:1]:
                    await store.add_delivery(conn, message, envelope)
    finally:
        await pool.close()


async def run_notifications(dsn: str, settings: NotificationsSettings) -> tuple[int, float]:
    """Drain the backlog with the delivery loop; (deliveries, seconds)."""
    pool = await create_pool(dsn, "notifications", size=settings.delivery_concurrency + 3)
    resources = cast(Resources, SimpleNamespace(pool=pool, settings=settings))
    try:
        done, started = 0, time.perf_counter()
        while attempted := await deliver_due(resources, settings):
            done += attempted
        return done, time.perf_counter() - started
    finally:
        await pool.close()


async def mails_of(dsn: str, settings: NotificationsSettings) -> list[Any]:
    """The backlog's mails as the service composes them, for the raw side."""
    pool = await create_pool(dsn, "notifications", size=1)
    try:
        rows = await pool.fetch("SELECT * FROM deliveries")
        return [compose(store.to_delivery(row), settings) for row in rows]
    finally:
        await pool.close()


async def run_raw(mails: list[Any], port: int, concurrency: int) -> tuple[int, float]:
    """Send every mail with aiosmtplib, `concurrency` at a time; (mails, seconds)."""
    queue = list(mails)
    started = time.perf_counter()

    async def sender() -> None:
        while queue:
            await aiosmtplib.send(queue.pop(), hostname="127.0.0.1", port=port, timeout=10)

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return len(mails), time.perf_counter() - started


Side = tuple[int, float]
"""Mails sent, seconds."""


async def measure_sides(events: int, concurrency: int) -> tuple[Side, Side]:
    """(raw aiosmtplib, notifications' delivery loop), each as (mails, seconds)."""
    folder = Path(tempfile.mkdtemp(prefix="arctic-delivery-bench-"))
    postgres = LocalPostgres(folder / "pg", free_port())
    sink = MailSink(folder / "mail", free_port())
    try:
        postgres.start()
        sink.start()
        dsn = await prepare_service_database(postgres.admin_dsn, definition)
        settings = NotificationsSettings(
            service="notifications",
            smtp_port=sink.port,
            delivery_concurrency=concurrency,
            database_pool_size=concurrency + 3,
        )
        await plan_backlog(dsn, settings, events)
        raw_mails = await mails_of(dsn, settings)
        raw_count, raw_seconds = await run_raw(raw_mails, sink.port, concurrency)
        ours_count, ours_seconds = await run_notifications(dsn, settings)
    finally:
        sink.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return (raw_count, raw_seconds), (ours_count, ours_seconds)


async def main(events: int, concurrency: int) -> str:
    """Both sides; the markdown report."""
    (raw_count, raw_seconds), (ours_count, ours_seconds) = await measure_sides(events, concurrency)
    raw_rate, ours_rate = raw_count / raw_seconds, ours_count / ours_seconds
    return (
        "# Delivery benchmark (`uv run --locked python -m bench.delivery`)\n\n"
        f"Backlog {events} deliveries, {concurrency} sends in flight, one SMTP connection per "
        "mail, the local sink writing each mail to a file; durable PostgreSQL.\n\n"
        "| side | deliveries | seconds | deliveries/s |\n|---|---|---|---|\n"
        f"| raw aiosmtplib | {raw_count} | {raw_seconds:.1f} | {raw_rate:.0f} |\n"
        f"| notifications | {ours_count} | {ours_seconds:.1f} | {ours_rate:.0f} |\n\n"
        f"Ratio notifications/raw: **{ours_rate / raw_rate:.2f}** (target at least 0.70).\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.delivery", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000, help="deliveries in the backlog")
    parser.add_argument("--concurrency", type=int, default=2, help="sends in flight")
    options = parser.parse_args()
    report = asyncio.run(main(options.events, options.concurrency))
    RESULTS.write_text(report)
    print(report)
