"""The delivery loop's lanes: each due delivery sent once, never more claimed deliveries than
ARCTIC_DELIVERY_CONCURRENCY, and a stop gives back what was claimed but not sent."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import asyncpg
import pytest
from notifications_support import read_mails

from arctic.contracts.envelope import envelope_for
from arctic.contracts.events import PrototypeRequested
from arctic.contracts.examples import EXAMPLES
from arctic.contracts.vocabulary import Channel, Language
from arctic.notifications import sender, store
from arctic.notifications.domain import Delivery, Message
from arctic.notifications.service import definition
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.db import create_pool
from arctic.runtime.mailsink import MailSink
from arctic.runtime.resources import Resources
from arctic.runtime.servers import free_port
from arctic.runtime.testing import prepare_service_database

CONCURRENCY = 2


@pytest.fixture
async def pool(fresh_database: str) -> AsyncIterator[asyncpg.Pool]:
    dsn = await prepare_service_database(fresh_database, definition)
    connections = await create_pool(dsn, "notifications", size=CONCURRENCY + 3)
    yield connections
    await connections.close()


@pytest.fixture
def sink() -> Iterator[MailSink]:
    running = MailSink(Path(tempfile.mkdtemp()) / "mail", free_port())
    running.start()
    yield running
    running.stop()


async def _due(pool: asyncpg.Pool, count: int) -> None:
    example = EXAMPLES[PrototypeRequested]()
    async with pool.acquire() as conn:
        for n in range(count):
            source = envelope_for(
                example.model_copy(update={"request_id": uuid.uuid4()}), correlation_id=f"c-{n}"
            )
            message = Message(
                f"person{n}@example.com", Channel.email, "acknowledgement", Language.fi, "S", "Hei"
            )
            await store.add_delivery(conn, message, source)


def _resources(pool: asyncpg.Pool, sink: MailSink) -> tuple[Resources, NotificationsSettings]:
    settings = NotificationsSettings(
        service="notifications",
        smtp_port=sink.port,
        delivery_concurrency=CONCURRENCY,
        database_pool_size=CONCURRENCY + 3,
    )
    return cast(Resources, SimpleNamespace(pool=pool, settings=settings)), settings


async def test_lanes_send_each_due_mail_once_with_no_more_claims_than_the_concurrency(
    pool: asyncpg.Pool, sink: MailSink
) -> None:
    await _due(pool, 9)
    resources, settings = _resources(pool, sink)
    loop = asyncio.get_running_loop()
    claimed_at_each_mail: list[int] = []

    def count_claimed() -> None:  # in the sink's thread, the mail stored, not yet accepted
        sending = "SELECT count(*) FROM deliveries WHERE status = 'sending'"
        claimed_at_each_mail.append(
            asyncio.run_coroutine_threadsafe(pool.fetchval(sending), loop).result(timeout=10)
        )

    sink.on_mail = count_claimed
    attempted = await sender.deliver_due(resources, settings)
    rows = await pool.fetch("SELECT status, attempts FROM deliveries")
    delivered = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE subject LIKE '%notification.delivered%'"
    )
    mails = read_mails(sink)
    assert attempted == 9
    assert {(row["status"], row["attempts"]) for row in rows} == {("delivered", 1)}
    assert len({str(mail["Message-ID"]) for mail in mails}) == len(mails) == 9
    assert delivered == 9
    assert len(claimed_at_each_mail) == 9
    assert max(claimed_at_each_mail) <= CONCURRENCY


async def test_a_lane_told_to_stop_gives_back_the_delivery_it_claimed_but_did_not_send(
    pool: asyncpg.Pool, sink: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _due(pool, 3)
    resources, settings = _resources(pool, sink)
    settings = settings.model_copy(update={"delivery_concurrency": 1})
    stopping = asyncio.Event()
    record_and_claim = store.mark_delivered_and_claim

    async def stop_once_the_next_is_claimed(*args: object) -> Delivery | None:
        following = await record_and_claim(*args)  # type: ignore[arg-type]
        stopping.set()  # the worst moment: the next one claimed, the stop before its send
        return following

    monkeypatch.setattr(store, "mark_delivered_and_claim", stop_once_the_next_is_claimed)
    attempted = await sender.deliver_due(resources, settings, stopping)
    rows = await pool.fetch("SELECT status, attempts FROM deliveries")
    assert attempted == 1
    assert len(read_mails(sink)) == 1
    assert sorted((row["status"], row["attempts"]) for row in rows) == [
        ("delivered", 1),
        ("pending", 0),
        ("pending", 0),
    ]


def test_no_lane_claims_while_another_waits_out_an_outage_to_record_nor_after_the_stop() -> None:
    stopping = asyncio.Event()
    claims = sender.Claims(stopping)
    assert claims.allowed()
    claims.unrecorded = 1  # a lane holds an accepted mail it could not record yet
    assert not claims.allowed()
    assert claims.allowed(recording_mine=True)  # that lane itself, once it records
    claims.unrecorded = 2
    assert not claims.allowed(recording_mine=True)
    claims.unrecorded = 0
    stopping.set()
    assert not claims.allowed()
    assert claims.stopped()
