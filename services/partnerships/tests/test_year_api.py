"""The partnership year over HTTP and events: action plans, the partner's history built
once from other services' events, Valakiat invitations only to active partners and their
replies, the handprint report's sums."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from partnerships_support import (
    BUSINESS_ID,
    OWNER,
    PARTNER_CONTACT,
    Partnerships,
    created,
    events_of,
    ok,
    partner,
    publish,
    signed_agreement,
    wait_for,
)

from arctic.contracts.events import (
    ActionPlanAgreed,
    BookingPeriod,
    EnvironmentUsageRecorded,
    HandprintRecorded,
    PartnerEventInvitationIssued,
    PrototypeDelivered,
)
from arctic.contracts.vocabulary import Company, CompanyRef, Organisation, Person
from arctic.runtime.access.roles import Role
from arctic.runtime.testing import wait_until


async def test_the_years_action_plan_names_owners_and_indicators(
    partnerships: Partnerships,
) -> None:
    signed = await signed_agreement(partnerships)
    path = f"/agreements/{signed['id']}/action-plans/1"
    action = {
        "title": "Two theses on winter testing",
        "due_on": "2027-11-30",
        "uas_owner": OWNER,
        "partner_owner": PARTNER_CONTACT,
        "indicators": ["theses"],
    }
    plan = await ok(await partnerships.http.put(path, json={"actions": [action]}))
    assert (plan["starts_on"], plan["ends_on"]) == ("2027-01-01", "2027-12-31")
    assert plan["actions"][0]["uas_owner"]["email"] == OWNER["email"]
    action_id = plan["actions"][0]["action_id"]
    done = await ok(
        await partnerships.http.patch(f"{path}/actions/{action_id}", json={"status": "done"})
    )
    assert done["actions"][0]["status"] == "done"
    agreed = (await wait_for(partnerships, ActionPlanAgreed))[0]
    assert agreed.actions[0].indicators == ["theses"]
    assert (
        str(agreed.actions[0].partner_owner.person_id)
        == plan["actions"][0]["partner_owner"]["person_id"]
    )
    late = await partnerships.http.put(path, json={"actions": [{**action, "due_on": "2028-02-01"}]})
    assert late.status_code == 422
    assert late.json()["errors"][0]["field"] == "actions.0.due_on"
    beyond = await partnerships.http.put(
        f"/agreements/{signed['id']}/action-plans/4", json={"actions": [action]}
    )
    assert beyond.status_code == 422


def delivered(business_id: str, request_id: Any, contact: Person) -> PrototypeDelivered:
    return PrototypeDelivered(
        request_id=request_id,
        company=Company(name="Tunturi Testworks Oy", business_id=business_id, contact=contact),
        title="Snow-load sensor",
        disciplines=["ict"],
        outcome="working_prototype",
        outcome_summary="Works down to -35 °C",
        showcase_consent=False,
        started_on=date(2027, 2, 1),
        delivered_at=datetime(2027, 3, 3, 12, tzinfo=UTC),
    )


def used(business_id: str) -> EnvironmentUsageRecorded:
    lab = Organisation(organisation_id=uuid4(), name="Lapland UAS")
    return EnvironmentUsageRecorded(
        environment_id=uuid4(),
        environment_name="Arctic Power",
        booking_id=uuid4(),
        owner=lab,
        user_organisation=lab,
        customer=CompanyRef(name="Tunturi Testworks Oy", business_id=business_id),
        period=BookingPeriod(
            starts_at=datetime(2027, 2, 1, 8, tzinfo=UTC),
            ends_at=datetime(2027, 2, 1, 16, tzinfo=UTC),
        ),
        hours=Decimal("8"),
        recorded_at=datetime(2027, 2, 2, 9, tzinfo=UTC),
    )


async def test_the_history_takes_what_others_produced_once_each_in_time_order(
    partnerships: Partnerships,
) -> None:
    signed = await signed_agreement(partnerships)
    partner_id = signed["partner_id"]
    contact = Person.model_validate(signed["partner_contact"] | {"sealed_details": "c2VhbGVk"})
    request_id = uuid4()
    # Redelivered (the same event twice), republished (the same fact under a new event id),
    # and about a company that is no partner: each kept once, the last not at all.
    await publish(partnerships.prototyping, delivered(BUSINESS_ID, request_id, contact), copies=2)
    await publish(partnerships.prototyping, delivered(BUSINESS_ID, request_id, contact))
    await publish(partnerships.prototyping, delivered("0737546-2", uuid4(), contact))
    await publish(partnerships.catalogue, used(BUSINESS_ID), copies=2)
    # The control event, last on its stream: once it is in, everything before it was applied.
    await publish(partnerships.prototyping, delivered(BUSINESS_ID, uuid4(), contact))

    async def history() -> list[dict[str, Any]]:
        page = await ok(
            await partnerships.http.get(
                f"/partners/{partner_id}/history", params={"order": "oldest"}
            )
        )
        return list(page["items"])

    async def complete() -> bool:
        entries = await history()
        return sum(e["kind"] == "prototype" for e in entries) == 2 and any(
            e["kind"] == "environment_usage" for e in entries
        )

    await wait_until(complete, within=15)
    entries = await history()
    kinds = [e["kind"] for e in entries]
    # The programme's own steps happened at one moment of the tests' clock, in January.
    assert set(kinds[:3]) == {"need", "negotiation", "agreement"}
    assert kinds[3:] == ["environment_usage", "prototype", "prototype"]
    assert [e["occurred_at"] for e in entries] == sorted(e["occurred_at"] for e in entries)
    assert entries[3]["details"]["hours"] == "8"


async def test_valakiat_invites_only_the_contacts_of_partners_active_on_its_day(
    partnerships: Partnerships,
) -> None:
    active = await signed_agreement(partnerships)
    ended = await signed_agreement(partnerships, "0737546-2")
    ending = await partnerships.http.post(
        f"/agreements/{ended['id']}/end",
        json={"reason": "terminated", "ended_on": "2027-01-04"},
    )
    assert ending.status_code == 200, ending.text
    prospect = await partner(partnerships, "1572860-0")
    leaving = await signed_agreement(partnerships, "3237400-7")
    event = await created(
        partnerships.http,
        "/partner-events",
        {
            "year": 2027,
            "held_on": "2027-04-22",
            "location": "Rovaniemi, Lapland UAS",
            "programme": "New openings of the year; networking",
            "reply_by": "2027-04-08",
        },
    )
    invitations = [i for i in event["invitations"] if i["agreement_id"] != leaving["id"]]
    assert {i["agreement_id"] for i in event["invitations"]} == {active["id"], leaving["id"]}
    assert prospect["id"] not in {i["partner_id"] for i in invitations}
    # An agreement ended before its invitation goes out: the invitation never does.
    left = await partnerships.http.post(
        f"/agreements/{leaving['id']}/end", json={"reason": "terminated", "ended_on": "2027-01-04"}
    )
    assert left.status_code == 200, left.text
    assert [i["invitee"]["email"] for i in invitations] == [PARTNER_CONTACT["email"]]
    assert invitations[0]["send_at"] == "2027-03-11T07:00:00Z"  # six weeks ahead, 09:00

    again = await partnerships.http.post(
        "/partner-events",
        json={"year": 2027, "held_on": "2027-05-06", "location": "x", "programme": "y"},
    )
    assert again.status_code == 409

    partnerships.clock.set(datetime(2027, 3, 11, 7, 1, tzinfo=UTC))
    issued = (await wait_for(partnerships, PartnerEventInvitationIssued))[0]
    assert (
        await partnerships.db.fetchval(
            "SELECT count(*) FROM scheduled_events WHERE key LIKE 'partner-event-invitation:%'"
        )
        == 0
    )
    assert len(await events_of(partnerships, PartnerEventInvitationIssued)) == 1
    assert str(issued.invitee.person_id) == invitations[0]["invitee"]["person_id"]
    assert (issued.event_name, str(issued.held_on)) == ("Valakiat", "2027-04-22")

    rsvp = f"/partner-events/{event['id']}/rsvp"
    body = {"invitation_id": invitations[0]["id"], "attending": True}
    other = partnerships.tokens.headers(Role.company, business_id="0737546-2")
    refused = await partnerships.http.post(rsvp, json=body, headers=other)
    assert refused.status_code == 404
    theirs = partnerships.tokens.headers(Role.company, business_id=BUSINESS_ID)
    replied = await partnerships.http.post(rsvp, json=body, headers=theirs)
    assert replied.status_code == 204, replied.text
    read = await ok(await partnerships.http.get(f"/partner-events/{event['id']}"))
    replies = {i["id"]: i["attending"] for i in read["invitations"]}
    assert replies[invitations[0]["id"]] is True
    history = await ok(await partnerships.http.get(f"/partners/{active['partner_id']}/history"))
    assert history["items"][0]["title"] == "Valakiat 2027: attending"

    partnerships.clock.set(datetime(2027, 4, 9, 12, tzinfo=UTC))
    closed = await partnerships.http.post(rsvp, json=body, headers=theirs)
    assert closed.status_code == 409


async def test_the_handprint_report_sums_per_partner_and_for_the_programme(
    partnerships: Partnerships,
) -> None:
    one = await partner(partnerships)
    other = await partner(partnerships, "0737546-2", name="Revontuli Logistics Oy")
    for body in (
        {
            "partner_id": one["id"],
            "year": 2027,
            "traineeships": 2,
            "theses": 1,
            "impact": "Summer jobs",
        },
        {"partner_id": one["id"], "year": 2027, "employed": 3, "employed_underrepresented": 1},
        {"partner_id": other["id"], "year": 2027, "procurement_criteria": 2},
        {"partner_id": other["id"], "year": 2026, "theses": 5},
    ):
        await created(partnerships.http, "/handprints", body)
    wrong = await partnerships.http.post(
        "/handprints",
        json={"partner_id": one["id"], "year": 2027, "employed": 1, "employed_underrepresented": 2},
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "employed_underrepresented"

    report = await ok(await partnerships.http.get("/reports/handprint", params={"year": 2027}))
    by_name = {p["name"]: p["figures"] for p in report["partners"]}
    assert by_name["Tunturi Testworks Oy"]["traineeships"] == 2
    assert by_name["Tunturi Testworks Oy"]["employed_underrepresented"] == 1
    assert by_name["Tunturi Testworks Oy"]["impacts"] == ["Summer jobs"]
    assert by_name["Revontuli Logistics Oy"]["theses"] == 0
    programme = report["programme"]
    assert (programme["theses"], programme["employed"], programme["procurement_criteria"]) == (
        1,
        3,
        2,
    )

    response = await partnerships.http.get(
        "/reports/handprint", params={"year": 2027, "format": "csv"}
    )
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["partner"] for r in rows] == [
        "Revontuli Logistics Oy",
        "Tunturi Testworks Oy",
        "programme",
    ]
    assert rows[-1]["traineeships"] == "2"
    assert rows[-1]["employed"] == "3"
    events = await wait_for(partnerships, HandprintRecorded, count=6)
    assert sorted(e.unit for e in events if e.year == 2027) == [
        "criteria",
        "people",
        "people",
        "theses",
        "traineeships",
    ]
