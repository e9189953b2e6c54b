"""The daily digest: a recipient who takes it gets a day's optional messages in one mail at
08:00 Finnish time, while mandatory ones go at once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from notifications_support import Notifications, ServiceRunner, deliveries_for, read_mails
from test_preferences import accepted, company, milestone

from arctic.contracts.vocabulary import Channel
from arctic.notifications.preferences import Preferences, next_digest
from arctic.notifications.words import HELSINKI
from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.testing import wait_until


def test_the_digest_goes_at_the_next_eight_in_finland() -> None:
    evening = datetime(2026, 1, 15, 18, 0, tzinfo=HELSINKI).astimezone(UTC)
    early = datetime(2026, 1, 16, 6, 0, tzinfo=HELSINKI).astimezone(UTC)
    assert next_digest(evening) == datetime(2026, 1, 16, 8, 0, tzinfo=HELSINKI)
    assert next_digest(early) == datetime(2026, 1, 16, 8, 0, tzinfo=HELSINKI)
    wishes = Preferences(digest=True)
    assert wishes.send_at(evening, mandatory=False) == next_digest(evening)
    assert wishes.send_at(evening, mandatory=True) == evening
    assert wishes.in_digest(mandatory=False)
    assert not wishes.in_digest(mandatory=True)
    assert wishes.wants("prototype_milestone_reached", Channel.email, mandatory=False)


async def test_a_days_optional_messages_come_in_one_mail_the_next_morning(
    run_notifications: ServiceRunner, tokens: Tokens
) -> None:
    day = (datetime.now(HELSINKI) - timedelta(days=2)).replace(hour=10, minute=0, second=0)
    clock = {"now": day.astimezone(UTC)}
    async with run_notifications(clock=lambda: clock["now"]) as service:
        person_id = (await company(service.nc))["contact"].person_id
        chosen = await service.http.put(
            f"/recipients/{person_id}/preferences",
            json={"digest": True, "quiet_hours": None},
            headers=tokens.headers(Role.coordinator),
        )
        assert chosen.status_code == 200, chosen.text
        request_id = uuid.uuid4()
        morning = await milestone(service, request_id)
        clock["now"] += timedelta(hours=5)  # 15:00 the same day
        afternoon = await milestone(service, request_id)
        marker = await accepted(service, request_id)  # mandatory: at once, not in the digest
        await wait_until(lambda: _mails(service, 2))
        await wait_until(lambda: _delivered(service, morning, afternoon, marker))
        waited = await service.db.fetch("SELECT attempts, status FROM deliveries WHERE digest")
        planned = [d for e in (morning, afternoon) for d in await deliveries_for(service, e)]
        now_sent = await deliveries_for(service, marker)
    mails = {str(m["Subject"]).split(":")[0]: m for m in read_mails(service.sink)}
    assert set(mails) == {"Prototyyppipyyntönne on hyväksytty", "Päivän koonti"}
    digest = mails["Päivän koonti"]
    assert str(digest["Subject"]) == "Päivän koonti: 2 ilmoitusta"
    listed = digest.get_body(("plain",)).get_content()
    assert listed.count("- Välitavoite saavutettu:") == 2
    assert [(r["attempts"], r["status"]) for r in waited] == [(1, "delivered")] * 2
    assert {d["status"] for d in planned} == {"delivered"}
    assert [d["status"] for d in now_sent] == ["delivered"]


async def _mails(service: Notifications, count: int) -> bool:
    return len(read_mails(service.sink)) >= count


async def _delivered(service: Notifications, *event_ids: str) -> bool:
    found = [d for e in event_ids for d in await deliveries_for(service, e)]
    return len(found) == len(event_ids) and all(d["status"] == "delivered" for d in found)
