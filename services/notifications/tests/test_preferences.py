"""Preferences through a mail's signed links: one-click unsubscribe (RFC 8058) from an
optional kind, quiet hours that hold optional mail but never mandatory mail, the language."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from nats.aio.client import Client as NATS
from notifications_support import (
    CONTACT,
    Notifications,
    ServiceRunner,
    deliveries_for,
    publish,
    read_mails,
)

from arctic.contracts.events import PrototypeAccepted, PrototypeMilestoneReached
from arctic.contracts.examples import example_of
from arctic.notifications.words import HELSINKI
from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.testing import persons_for_tests, wait_until


def at_helsinki(hour: int) -> datetime:
    """Today at `hour` in Finland, in UTC."""
    return datetime.now(HELSINKI).replace(hour=hour, minute=0, second=0, microsecond=0)


async def company(nc: NATS) -> dict[str, Any]:
    contact = await persons_for_tests(nc).seal(CONTACT)
    return {"name": "Revontuli Robotics Oy", "business_id": "2617416-4", "contact": contact}


async def milestone(service: Notifications, request_id: uuid.UUID) -> str:
    event = example_of(
        PrototypeMilestoneReached,
        request_id=request_id,
        milestone_id=uuid.uuid4(),
        company=await company(service.nc),
        team=[],
    )
    return await publish(service.nc, event)  # type: ignore[arg-type]


async def accepted(service: Notifications, request_id: uuid.UUID) -> str:
    event = example_of(PrototypeAccepted, request_id=request_id, company=await company(service.nc))
    return await publish(service.nc, event)  # type: ignore[arg-type]


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_one_click_unsubscribe_switches_the_kind_off_and_nothing_else(
    run_notifications: ServiceRunner, tokens: Tokens
) -> None:
    noon = at_helsinki(12)
    async with run_notifications(clock=lambda: noon) as service:
        request_id = uuid.uuid4()
        await milestone(service, request_id)
        await wait_until(lambda: _mails(service, 1))
        [mail] = read_mails(service.sink)
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = str(mail["List-Unsubscribe"]).strip("<>")
        text = mail.get_body(("plain",)).get_content()
        [preferences_link] = [w for w in text.split() if "/preferences?token=" in w]
        assert unsubscribe in text
        one_click = await service.http.post(
            _local(unsubscribe),
            content="List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded", "authorization": ""},
        )
        mine = await service.http.get(_local(preferences_link), headers={"authorization": ""})
        forged = await service.http.get(
            _local(preferences_link)[:-3] + "abc", headers={"authorization": ""}
        )
        anonymous = await service.http.get(
            urlsplit(preferences_link).path, headers={"authorization": ""}
        )
        as_staff = await service.http.get(
            urlsplit(preferences_link).path, headers=tokens.headers(Role.staff, org="luke")
        )
        await milestone(service, request_id)
        marker = await accepted(service, request_id)  # mandatory, and behind the milestone
        await wait_until(lambda: _mails(service, 2))
        await wait_until(lambda: _settled(service, marker))
    assert one_click.status_code == 200, one_click.text
    assert mine.status_code == 200
    assert mine.json()["opted_out"] == [{"kind": "prototype_milestone_reached", "channel": "email"}]
    assert mine.json()["quiet_hours"] == {"start": "21:00:00", "end": "07:00:00"}
    assert (forged.status_code, anonymous.status_code, as_staff.status_code) == (401, 401, 200)
    subjects = [str(m["Subject"]) for m in read_mails(service.sink)]
    assert len(subjects) == 2
    assert "hyväksytty" in subjects[1]  # the second milestone made no mail


async def test_quiet_hours_hold_optional_mail_till_morning_but_not_mandatory_mail(
    run_notifications: ServiceRunner,
) -> None:
    night = at_helsinki(23)
    async with run_notifications(clock=lambda: night) as service:
        request_id = uuid.uuid4()
        held = await milestone(service, request_id)
        marker = await accepted(service, request_id)
        await wait_until(lambda: _settled(service, marker))
        [waiting] = await deliveries_for(service, held)
        mails = read_mails(service.sink)
        rows = await service.db.fetch(
            "SELECT next_attempt_at FROM deliveries WHERE source_event_id = $1",
            uuid.UUID(held),
        )
    assert [str(m["Subject"]).split(":")[0] for m in mails] == [
        "Prototyyppipyyntönne on hyväksytty"
    ]
    assert (waiting["status"], waiting["attempts"]) == ("pending", 0)
    morning = (night + timedelta(days=1)).replace(hour=7)
    assert rows[0]["next_attempt_at"] == morning.astimezone(UTC)


async def test_a_recipient_chooses_their_language_and_cannot_switch_mandatory_kinds_off(
    run_notifications: ServiceRunner, tokens: Tokens
) -> None:
    async with run_notifications() as service:
        person_id = (await company(service.nc))["contact"].person_id
        path = f"/recipients/{person_id}/preferences"
        staff = tokens.headers(Role.coordinator)
        refused = await service.http.put(
            path, json={"opted_out": [{"kind": "prototype_accepted"}]}, headers=staff
        )
        chosen = await service.http.put(
            path, json={"language": "sv", "quiet_hours": None}, headers=staff
        )
        marker = await accepted(service, uuid.uuid4())
        await wait_until(lambda: _settled(service, marker))
    assert refused.status_code == 422
    assert "prototype_accepted" in refused.text
    assert chosen.status_code == 200
    [mail] = read_mails(service.sink)
    assert mail["Content-Language"] == "sv"
    assert str(mail["Subject"]).startswith("Er prototypbeställning har antagits")


async def test_quiet_hours_are_answered_as_documented_and_taken_without_an_offset(
    run_notifications: ServiceRunner, tokens: Tokens
) -> None:
    # Found by `make fuzz`: documented as `format: time` (which has an offset), answered
    # "21:00:00"; the clocks are Finland's, whose offset changes with summer time.
    async with run_notifications() as service:
        path = f"/recipients/{uuid.uuid4()}/preferences"
        staff = tokens.headers(Role.coordinator)
        quiet = {"start": "21:00", "end": "07:00:00"}
        chosen = await service.http.put(path, json={"quiet_hours": quiet}, headers=staff)
        offset = {"start": "21:00+02:00", "end": "07:00"}
        refused = await service.http.put(path, json={"quiet_hours": offset}, headers=staff)
        document = (await service.http.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    [quiet_hours] = [schemas[name] for name in schemas if name.startswith("QuietHours")]
    pattern = quiet_hours["properties"]["start"]["pattern"]
    assert chosen.status_code == 200, chosen.text
    answered = chosen.json()["quiet_hours"]
    assert answered == {"start": "21:00:00", "end": "07:00:00"}
    assert all(re.fullmatch(pattern, value) for value in answered.values())
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"quiet_hours.start"}


async def _mails(service: Notifications, count: int) -> bool:
    return len(read_mails(service.sink)) >= count


async def _settled(service: Notifications, event_id: str) -> bool:
    found = await deliveries_for(service, event_id)
    return bool(found) and all(d["status"] == "delivered" for d in found)
