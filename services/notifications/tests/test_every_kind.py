"""Events of every producing stream reach the right people in their language, with Reply-To,
as multipart mails; the delivery log filters by kind; a preview renders any kind."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from nats.aio.client import Client as NATS
from notifications_support import (
    Notifications,
    ServiceRunner,
    deliveries_for,
    publish,
    read_mails,
)

from arctic.contracts.events import AgreementSigned, Event, InquiryOverdue, InquiryReceived
from arctic.contracts.examples import example_of
from arctic.contracts.vocabulary import ContactPerson, Person
from arctic.runtime.testing import persons_for_tests, wait_until

ONE_STOP_SHOP = "info@arctic-rdi.fi"


async def seal(nc: NATS, name: str, email: str, language: str) -> Person:
    """A person sealed as their producer would seal them."""
    contact = ContactPerson(name=name, email=email, language=language)  # type: ignore[arg-type]
    return await persons_for_tests(nc).seal(contact)


async def _mails(service: Notifications, count: int) -> bool:
    return len(read_mails(service.sink)) >= count


def _by_recipient(service: Notifications) -> dict[str, Any]:
    return {str(m["To"]): m for m in read_mails(service.sink)}


async def test_an_inquiry_acknowledges_the_company_and_tells_the_coordinators(
    run_notifications: ServiceRunner,
) -> None:
    async with run_notifications(one_stop_shop_email=ONE_STOP_SHOP) as service:
        nc = service.producers["catalogue"]
        contact = await seal(nc, "Erik Lindqvist", "erik@example.se", "sv")
        coordinator = await seal(nc, "Maya Ortiz", "maya@example.com", "en")
        event = example_of(
            InquiryReceived,
            inquiry_id=uuid.uuid4(),
            company={"name": "Kaamos Timber Oy", "business_id": "7654321-2", "contact": contact},
            coordinators=[coordinator],
        )
        event_id = await publish(nc, event)  # type: ignore[arg-type]
        await wait_until(lambda: _mails(service, 3))
        listed = await deliveries_for(service, event_id)
        by_kind = await service.http.get("/deliveries", params={"kind": "inquiry_received"})
        other_kind = await service.http.get("/deliveries", params={"kind": "agreement_signed"})
    mails = _by_recipient(service)
    assert set(mails) == {"erik@example.se", "maya@example.com", ONE_STOP_SHOP}
    acknowledgement = mails["erik@example.se"]
    assert acknowledgement["Content-Language"] == "sv"
    assert acknowledgement["Reply-To"] == ONE_STOP_SHOP
    text = acknowledgement.get_body(("plain",)).get_content()
    assert text.startswith("Hej Erik Lindqvist,")
    assert f"IQ-{event.inquiry_id.hex[:8].upper()}" in text
    html = acknowledgement.get_body(("html",)).get_content()
    assert '<html lang="sv">' in html
    note = mails["maya@example.com"]
    assert note["Content-Language"] == "en"
    assert note["Reply-To"] == "Erik Lindqvist <erik@example.se>"
    assert "Stage: concept (TRL 3\u20134)" in note.get_body(("plain",)).get_content()
    assert mails[ONE_STOP_SHOP]["Content-Language"] == "fi"
    assert {d["kind"] for d in listed} == {"inquiry_received"}
    assert {d["template"] for d in listed} == {"inquiry_received", "inquiry_received_staff"}
    assert len(by_kind.json()["items"]) == 3
    assert other_kind.json()["items"] == []


async def test_an_escalation_goes_to_staff_and_never_to_the_company(
    run_notifications: ServiceRunner,
) -> None:
    async with run_notifications(one_stop_shop_email=ONE_STOP_SHOP) as service:
        nc = service.producers["catalogue"]
        assignee = await seal(nc, "Juhani Rova", "juhani@example.fi", "fi")
        event = example_of(
            InquiryOverdue, inquiry_id=uuid.uuid4(), assignees=[assignee], coordinators=[]
        )
        await publish(nc, event)  # type: ignore[arg-type]
        await wait_until(lambda: _mails(service, 2))
    mails = _by_recipient(service)
    assert set(mails) == {"juhani@example.fi", ONE_STOP_SHOP}
    assert "ei ole vastattu" in str(mails["juhani@example.fi"]["Subject"])


async def test_a_signed_agreement_tells_both_contact_persons_each_in_their_language(
    run_notifications: ServiceRunner,
) -> None:
    async with run_notifications() as service:
        nc = service.producers["partnerships"]
        uas = await seal(nc, "Juhani Rova", "juhani@example.fi", "fi")
        partner = await seal(nc, "Maya Ortiz", "maya@example.com", "en")
        event: Event = example_of(
            AgreementSigned,
            agreement_id=uuid.uuid4(),
            uas_contact=uas,
            partner_contact=partner,
            signed_at=datetime.now(UTC),
        )
        await publish(nc, event)  # type: ignore[arg-type]
        await wait_until(lambda: _mails(service, 2))
    mails = _by_recipient(service)
    assert mails["maya@example.com"]["Reply-To"] == "Juhani Rova <juhani@example.fi>"
    assert mails["juhani@example.fi"]["Reply-To"] == "Maya Ortiz <maya@example.com>"
    english = mails["maya@example.com"].get_body(("plain",)).get_content()
    assert "The partnership agreement with Revontuli Robotics Oy has been signed" in english
    finnish = mails["juhani@example.fi"].get_body(("plain",)).get_content()
    assert "kumppanuussopimus yrityksen Revontuli Robotics Oy kanssa on allekirjoitettu" in finnish


async def test_a_preview_renders_a_kind_from_the_contracts_example(
    run_notifications: ServiceRunner,
) -> None:
    async with run_notifications() as service:
        html = await service.http.get(
            "/templates/prototype_accepted/preview", params={"lang": "sv", "format": "html"}
        )
        text = await service.http.get("/templates/evaluation_overdue/preview")
        staff = await service.http.get(
            "/templates/prototype_requested/preview",
            params={"template": "prototype_requested_staff", "lang": "en"},
        )
        unknown = await service.http.get("/templates/no_such_kind/preview")
        bad_language = await service.http.get(
            "/templates/prototype_accepted/preview", params={"lang": "de"}
        )
        kinds = await service.http.get("/templates")
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "har antagits" in html.text
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith("Subject: Arviointitapaaminen on myöhässä")
    assert "Contact: Aino Korhonen, aino.korhonen@example.fi" in staff.text
    assert unknown.status_code == 422
    assert bad_language.status_code == 422
    assert "lang" in bad_language.json()["errors"][0]["field"]
    assert len(kinds.json()) == 26
