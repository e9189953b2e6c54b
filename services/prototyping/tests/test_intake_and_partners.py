"""Events in, against the real servers: an inquiry routed to prototyping opens one request
however often it arrives; partnership agreements put their company first in triage, for
the agreement's term only."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from prototyping_support import (
    CONTACT,
    Prototyping,
    events_of,
    publish_as,
    submitted,
)

from arctic.contracts.events import (
    AgreementEnded,
    AgreementRenewed,
    AgreementSigned,
    InquiryRouted,
    Partner,
    PrototypeAccepted,
    PrototypeRequested,
    Term,
)
from arctic.contracts.examples import example_of
from arctic.contracts.vocabulary import Company, ContactPerson, RouteTarget
from arctic.runtime.testing import persons_for_tests, wait_until

PARTNER_ID = "2934512-5"
TODAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def routed_inquiry(prototyping: Prototyping, **changes: object) -> InquiryRouted:
    """An inquiry routed to prototyping, its contact sealed as catalogue seals it."""
    assert prototyping.nats is not None
    catalogue = await prototyping.nats.connect("catalogue")
    try:
        contact = await persons_for_tests(catalogue).seal(ContactPerson.model_validate(CONTACT))
    finally:
        await catalogue.close()
    company = Company(name="Tunturi Drones Oy", business_id=PARTNER_ID, contact=contact)
    return example_of(
        InquiryRouted, inquiry_id=uuid.uuid4(), company=company, routed_at=TODAY, **changes
    )


async def request_rows(prototyping: Prototyping) -> list[dict[str, object]]:
    rows = await prototyping.db.fetch(
        "SELECT origin_inquiry_id, contact_email, title FROM prototype_requests"
    )
    return [dict(row) for row in rows]


async def test_an_inquiry_routed_here_opens_one_request_however_often_it_arrives(
    prototyping: Prototyping,
) -> None:
    inquiry = await routed_inquiry(prototyping)
    await publish_as(prototyping, "catalogue", inquiry, copies=2)  # redelivered
    await publish_as(prototyping, "catalogue", inquiry)  # replayed under a new event id
    elsewhere = await routed_inquiry(prototyping, target=RouteTarget.organisation)
    await publish_as(prototyping, "catalogue", elsewhere)
    control = await routed_inquiry(prototyping)
    await publish_as(prototyping, "catalogue", control)

    requested = await events_of(prototyping, PrototypeRequested, 2)

    assert sorted(str(e.origin_inquiry_id) for e in requested) == sorted(
        [str(inquiry.inquiry_id), str(control.inquiry_id)]
    )
    rows = await request_rows(prototyping)
    assert sorted(str(r["origin_inquiry_id"]) for r in rows) == sorted(
        [str(inquiry.inquiry_id), str(control.inquiry_id)]
    )
    assert {r["contact_email"] for r in rows} == {CONTACT["email"]}  # opened, kept in clear
    [event] = [e for e in requested if e.origin_inquiry_id == inquiry.inquiry_id]
    assert (event.title, event.company) == (inquiry.inquiry.title, inquiry.company)
    assert event.disciplines == inquiry.inquiry.disciplines
    # The inbox saw the same event twice, the unique origin the replay: nothing more.
    assert await prototyping.db.fetchval("SELECT count(*) FROM outbox") == 2


async def test_a_partner_s_request_comes_first_in_triage_for_the_agreement_s_term(
    prototyping: Prototyping,
) -> None:
    assert prototyping.clock is not None
    prototyping.clock.set(TODAY)
    older = await submitted(prototyping)  # not a partner
    prototyping.clock.advance(timedelta(hours=1))
    partners = await submitted(
        prototyping,
        company={"name": "Tunturi Drones Oy", "business_id": PARTNER_ID, "contact": CONTACT},
    )
    partner = Partner(partner_id=uuid.uuid4(), name="Tunturi Drones Oy", business_id=PARTNER_ID)
    term = Term(starts_on=date(2025, 1, 1), ends_on=date(2026, 2, 28))
    signed = example_of(AgreementSigned, agreement_id=uuid.uuid4(), partner=partner, term=term)

    async def queue() -> list[tuple[str, bool]]:
        items = (await prototyping.http.get("/triage")).json()["items"]
        return [(i["id"], i["partner"]) for i in items]

    # Signed, but the term ended two days ago: not a partner today.
    await publish_as(prototyping, "partnerships", signed)
    await wait_until(lambda: _agreements(prototyping, 1))
    assert await queue() == [(older, False), (partners, False)]

    renewed = example_of(
        AgreementRenewed,
        agreement_id=signed.agreement_id,
        partner=partner,
        previous_term=term,
        term=Term(starts_on=date(2026, 3, 1), ends_on=date(2029, 2, 28)),
    )
    await publish_as(prototyping, "partnerships", renewed)

    async def partner_first() -> bool:
        return await queue() == [(partners, True), (older, False)]

    await wait_until(partner_first)
    items = (await prototyping.http.get("/triage")).json()["items"]
    assert [i["days_waiting"] for i in items] == [0, 0]
    accepted = await prototyping.http.post(
        f"/prototype-requests/{partners}/accept", json={"disciplines": ["ict"]}
    )
    assert (accepted.status_code, accepted.json()["partner"]) == (200, True)
    [event] = await events_of(prototyping, PrototypeAccepted, 1)
    assert event.partner is True

    ended = example_of(
        AgreementEnded,
        agreement_id=signed.agreement_id,
        partner=partner,
        term=renewed.term,
        ended_on=date(2026, 3, 1),
    )
    await publish_as(prototyping, "partnerships", ended)
    third = await submitted(
        prototyping,
        company={"name": "Tunturi Drones Oy", "business_id": PARTNER_ID, "contact": CONTACT},
    )

    async def no_partner_any_more() -> bool:
        return await queue() == [(older, False), (third, False)]

    await wait_until(no_partner_any_more)


async def _agreements(prototyping: Prototyping, count: int) -> bool:
    found: int = await prototyping.db.fetchval("SELECT count(*) FROM partner_agreements")
    return found >= count
