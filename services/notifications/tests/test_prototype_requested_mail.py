"""PrototypeRequested becomes two mails, once each, whatever is redelivered or down."""

from __future__ import annotations

import pytest
from notifications_support import (
    COORDINATORS,
    Notifications,
    ServiceRunner,
    deliveries_for,
    notification_events,
    prototype_requested,
    publish,
    read_mails,
)

from arctic.runtime.testing import wait_until

GREETING = {"fi": "Hei Aino Testaaja", "en": "Dear Aino Testaaja", "sv": "Hej Aino Testaaja"}
NEXT_STEP = {"fi": "viiden arkipäivän", "en": "five working days", "sv": "fem arbetsdagar"}


@pytest.mark.parametrize("language", ["fi", "en", "sv"])
async def test_the_contact_gets_an_acknowledgement_in_their_language_and_coordinators_a_note(
    run_notifications: ServiceRunner, language: str
) -> None:
    async with run_notifications() as service:
        event = await prototype_requested(service.nc, language)
        event_id = await publish(service.nc, event)
        await wait_until(lambda: _mails(service, 2))
        await wait_until(lambda: _events(service, 2))
        deliveries = await deliveries_for(service, event_id)
    mails = {str(m["To"]): m for m in read_mails(service.sink)}
    acknowledgement = mails["aino@example.com"]
    assert acknowledgement["Content-Language"] == language
    text = acknowledgement.get_body(("plain",)).get_content()
    assert GREETING[language] in text
    assert NEXT_STEP[language] in text
    assert f"PR-{event.request_id.hex[:8].upper()}" in text
    assert acknowledgement["Reply-To"] == COORDINATORS
    assert acknowledgement.get_content_type() == "multipart/alternative"
    note = mails[COORDINATORS]
    assert "Revontuli Robotics Oy" in note.get_body(("plain",)).get_content()
    assert note["Reply-To"] == "Aino Testaaja <aino@example.com>"
    assert {(d["recipient"], d["status"], d["attempts"]) for d in deliveries} == {
        ("aino@example.com", "delivered", 1),
        (COORDINATORS, "delivered", 1),
    }
    delivered = await notification_events(service.ops)
    assert {e["type"] for e in delivered} == {"arctic.notifications.notification.delivered.v1"}
    assert {e["source_event_id"] for e in delivered} == {event_id}


async def test_a_redelivered_event_sends_no_second_mail(run_notifications: ServiceRunner) -> None:
    async with run_notifications() as service:
        await publish(service.nc, await prototype_requested(service.nc), copies=2)
        marker = await publish(
            service.nc, await prototype_requested(service.nc, "en")
        )  # behind both copies
        await wait_until(lambda: _delivered_for(service, marker))
        await wait_until(lambda: service.all_settled(4))
    # The copies came before the marker: any delivery of theirs would be a row here.
    assert len(read_mails(service.sink)) == 4


async def test_a_restart_sends_nothing_twice(run_notifications: ServiceRunner) -> None:
    async with run_notifications() as service:
        await publish(service.nc, await prototype_requested(service.nc))
        await wait_until(lambda: _mails(service, 2))
    async with run_notifications() as service:
        await publish(service.nc, await prototype_requested(service.nc, "en"))
        await wait_until(lambda: service.all_settled(4))
        found = await service.deliveries()
    assert len(read_mails(service.sink)) == 4
    assert {d["attempts"] for d in found} == {1}


async def test_mail_waits_while_smtp_is_down_and_arrives_once_when_it_is_back(
    run_notifications: ServiceRunner,
) -> None:
    async with run_notifications(sink_up=False) as service:
        event_id = await publish(service.nc, await prototype_requested(service.nc))

        async def retried() -> bool:
            found = await deliveries_for(service, event_id)
            return len(found) == 2 and all(d["attempts"] >= 2 for d in found)

        await wait_until(retried)
        assert read_mails(service.sink) == []
        service.sink.start()
        await wait_until(lambda: service.all_settled(2), within=15)
        found = await service.deliveries()
    assert len(read_mails(service.sink)) == 2
    assert all(d["attempts"] >= 2 for d in found)


async def test_retries_exhausted_publish_notification_failed_with_the_last_error(
    run_notifications: ServiceRunner,
) -> None:
    async with run_notifications(sink_up=False, delivery_max_attempts=2) as service:
        event_id = await publish(service.nc, await prototype_requested(service.nc))
        await wait_until(lambda: _events(service, 2), within=15)
        found = await deliveries_for(service, event_id)
    failed = await notification_events(service.ops)
    assert {e["type"] for e in failed} == {"arctic.notifications.notification.failed.v1"}
    assert all(e["attempts"] == 2 and e["last_error"] for e in failed)
    assert {d["status"] for d in found} == {"failed"}


async def _delivered_for(service: Notifications, event_id: str) -> bool:
    found = [d for d in await service.deliveries() if str(d["source_event_id"]) == event_id]
    return len(found) == 2 and all(d["status"] == "delivered" for d in found)


async def _mails(service: object, count: int) -> bool:
    return len(read_mails(service.sink)) >= count  # type: ignore[attr-defined]


async def _events(service: object, count: int) -> bool:
    return len(await notification_events(service.ops)) >= count  # type: ignore[attr-defined]
