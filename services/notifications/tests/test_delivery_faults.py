"""Every delivery ends in a recorded outcome, once, whatever the database or the data does."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from notifications_support import (
    Notifications,
    ServiceRunner,
    notification_events,
    prototype_requested,
    publish,
    read_mails,
)

from arctic.contracts.envelope import envelope_for
from arctic.contracts.vocabulary import Channel, Language
from arctic.notifications import store
from arctic.notifications.domain import Message
from arctic.runtime.servers import LocalPostgres
from arctic.runtime.testing import wait_until

pytestmark = pytest.mark.slow


async def test_a_database_outage_after_the_server_accepted_a_mail_sends_it_only_once(
    run_notifications_on_restartable: ServiceRunner, restartable_postgres: LocalPostgres
) -> None:
    # A claim in `sending` goes stale after 1 s; the database stays away for longer.
    async with run_notifications_on_restartable(delivery_stale_sending_seconds=1) as service:
        went_down = threading.Event()

        def stop_postgres_once() -> None:  # the mail is out, the sender not told yet
            if not went_down.is_set():
                went_down.set()
                restartable_postgres.stop()

        service.sink.on_mail = stop_postgres_once
        await publish(service.nc, await prototype_requested(service.nc))
        await wait_until(lambda: _true(went_down.is_set()))
        await asyncio.sleep(3)  # the outage: three times the stale-claim limit
        await asyncio.to_thread(restartable_postgres.start, durable=False)
        await wait_until(lambda: service.all_settled(2), within=30)
        await wait_until(lambda: _events(service, 2), within=20)
        found = await service.deliveries()
    message_ids = [str(mail["Message-ID"]) for mail in read_mails(service.sink)]
    assert len(message_ids) == 2
    assert len(set(message_ids)) == 2
    assert {d["attempts"] for d in found} == {1}


async def test_line_breaks_and_control_characters_in_header_values_are_rendered_safely(
    run_notifications: ServiceRunner,
) -> None:
    subject = "Saimme pyyntönne: Sensor\r\nBcc: evil@example.com\x1b\u2028(2)"
    async with run_notifications() as service:
        await _add_delivery(service, "aino@example.com", subject)
        await wait_until(lambda: service.all_settled(1))
        [mail] = read_mails(service.sink)
        raw = service.sink.mails()[0].read_bytes()
    assert mail["Subject"] == "Saimme pyyntönne: Sensor Bcc: evil@example.com (2)"
    assert mail["Bcc"] is None
    assert b"\nBcc:" not in raw
    assert b"\x1b" not in raw


async def test_a_mail_that_cannot_be_composed_fails_at_once_with_its_error_and_event(
    run_notifications: ServiceRunner, capfd: pytest.CaptureFixture[str]
) -> None:
    async with run_notifications() as service:
        delivery_id, event_id = await _add_delivery(service, "aino@", "A subject")
        await wait_until(lambda: service.all_settled(1, "failed"))
        await wait_until(lambda: _events(service, 1))
        [found] = await service.deliveries()
        [failed] = await notification_events(service.ops)
    assert found["attempts"] == 1
    assert "cannot be composed" in found["last_error"]
    assert failed["type"] == "arctic.notifications.notification.failed.v1"
    assert failed["last_error"] == found["last_error"]
    assert read_mails(service.sink) == []
    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines() if line[:1] == "{"]
    assert any(
        line["event"] == "notification failed"
        and line.get("delivery_id") == delivery_id
        and line.get("event_id") == event_id
        for line in lines
    )


async def _add_delivery(service: Notifications, recipient: str, subject: str) -> tuple[str, str]:
    """A delivery row as the consumer would write it (its data straight from the caller)."""
    source = envelope_for(await prototype_requested(service.nc), correlation_id="c-delivery")
    message = Message(recipient, Channel.email, "acknowledgement", Language.fi, subject, "Hei")
    async with service.db.acquire() as conn:
        await store.add_delivery(conn, message, source)
        delivery_id = await conn.fetchval(
            "SELECT id FROM deliveries WHERE source_event_id = $1", source.id
        )
    return str(delivery_id), str(source.id)


async def _events(service: Notifications, count: int) -> bool:
    return len(await notification_events(service.ops)) >= count


async def _true(value: bool) -> bool:
    return value
