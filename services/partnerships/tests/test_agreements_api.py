"""The programme over HTTP and events against real servers: from a need to a signed
agreement, forbidden transitions, the evaluation schedule firing once, the worklist."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from partnerships_support import (
    BUSINESS_ID,
    OWNER,
    PERSONAL_VALUES,
    UAS_CONTACT,
    Partnerships,
    draft_agreement,
    events_of,
    ok,
    partner,
    published,
    signed_agreement,
    wait_for,
)

from arctic.contracts.events import (
    AgreementEnded,
    AgreementSigned,
    EvaluationDue,
    EvaluationHeld,
    EvaluationOverdue,
    NegotiationStarted,
    PartnershipNeedRaised,
)
from arctic.runtime.testing import assert_no_personal_data, stream_messages, wait_until


async def test_a_need_is_negotiated_concluded_and_signed_with_every_recipient_named(
    partnerships: Partnerships,
) -> None:
    the_partner = await partner(partnerships)
    assert the_partner["contacts"][0]["email"] == "kaisa.kumppani@example.com"
    draft = await draft_agreement(partnerships, the_partner["id"])
    assert (draft["status"], draft["allowed_actions"]) == ("draft", ["sign"])

    signed = await ok(
        await partnerships.http.post(
            f"/agreements/{draft['id']}/sign", json={"starts_on": "2027-01-01", "owner": OWNER}
        )
    )
    assert signed["status"] == "active"
    assert signed["terms"] == [{"starts_on": "2027-01-01", "ends_on": "2029-12-31"}]
    assert [e["due_on"] for e in signed["evaluations"]][:2] == ["2027-07-01", "2028-01-03"]
    assert signed["owner"]["email"] == OWNER["email"]

    need = (await wait_for(partnerships, PartnershipNeedRaised))[0]
    assert need.coordinators
    assert str(need.raised_by.person_id) == signed["owner"]["person_id"]
    negotiation = (await wait_for(partnerships, NegotiationStarted))[0]
    assert negotiation.need_id is not None
    agreement = (await wait_for(partnerships, AgreementSigned))[0]
    assert agreement.partner.business_id == BUSINESS_ID
    assert str(agreement.uas_contact.person_id) == signed["uas_contact"]["person_id"]
    assert str(agreement.partner_contact.person_id) == signed["partner_contact"]["person_id"]
    envelopes = {type(e).__name__: env for env, e in await published(partnerships)}
    assert envelopes["AgreementSigned"].aggregate_version == 2
    # Six evaluations, each announced and escalated, and the end of the term: 13 reminders.
    keys = await partnerships.db.fetch("SELECT key FROM scheduled_events ORDER BY key")
    assert len(keys) == 13
    assert sum(k["key"].startswith("evaluation-overdue:") for k in keys) == 6
    raw = b"".join(m.data or b"" for m in await stream_messages(partnerships.nc, "PARTNERSHIPS"))
    assert_no_personal_data(raw.decode(), PERSONAL_VALUES)


async def test_forbidden_transitions_answer_409_with_the_state_and_what_is_allowed(
    partnerships: Partnerships,
) -> None:
    signed = await signed_agreement(partnerships)
    again = await partnerships.http.post(
        f"/agreements/{signed['id']}/sign", json={"starts_on": "2027-01-01"}
    )
    assert again.status_code == 409, again.text
    problem = again.json()
    assert problem["state"] == "active"
    assert problem["allowed_actions"] == [
        "agree_action_plan",
        "change_contact",
        "end",
        "hold_evaluation",
        "renew",
    ]
    negotiation_id = signed["negotiation_id"]
    concluded = await partnerships.http.post(f"/negotiations/{negotiation_id}/abandon")
    assert concluded.status_code == 409
    assert (concluded.json()["state"], concluded.json()["allowed_actions"]) == ("concluded", [])
    needs = await ok(await partnerships.http.get("/needs"))
    declined = await partnerships.http.post(f"/needs/{needs['items'][0]['id']}/decline")
    assert declined.status_code == 409
    assert declined.json()["state"] == "concluded"
    early = await partnerships.http.post(
        f"/agreements/{signed['id']}/end", json={"reason": "expired", "ended_on": "2028-01-01"}
    )
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "ended_on"
    missing = await partnerships.http.post("/agreements/5a5e4b3c-7f1e-4a38-9d7a-1d3a2a0f0c11/renew")
    assert missing.status_code == 404


async def test_due_evaluations_fire_once_a_held_one_cancels_its_overdue_and_ending_the_rest(
    partnerships: Partnerships,
) -> None:
    signed = await signed_agreement(partnerships)
    first_id = signed["evaluations"][0]["id"]
    # 14 days before 1 July 2027, 09:00 in Helsinki.
    partnerships.clock.set(datetime(2027, 6, 17, 6, 1, tzinfo=UTC))
    due = (await wait_for(partnerships, EvaluationDue))[0]
    assert (str(due.evaluation_id), str(due.due_on)) == (first_id, "2027-07-01")
    assert str(due.uas_contact.person_id) == signed["uas_contact"]["person_id"]

    partnerships.clock.set(datetime(2027, 7, 2, 12, tzinfo=UTC))
    held = await partnerships.http.post(
        f"/agreements/{signed['id']}/evaluations",
        json={
            "held_on": "2027-07-02",
            "summary": "Both theses started; the winter test is planned.",
            "attendees": [UAS_CONTACT],
        },
    )
    assert held.status_code == 201, held.text
    assert held.json()["evaluations"][0]["status"] == "held"
    event = (await wait_for(partnerships, EvaluationHeld))[0]
    assert str(event.next_due_on) == "2028-01-03"
    assert len(event.attendees) == 1

    # Past the first's overdue time and the second's announcement: the second is announced.
    partnerships.clock.set(datetime(2027, 12, 21, 7, 1, tzinfo=UTC))
    await wait_for(partnerships, EvaluationDue, count=2)
    ended = await partnerships.http.post(
        f"/agreements/{signed['id']}/end",
        json={"reason": "terminated", "ended_on": "2027-12-21", "note": "merged"},
    )
    assert ended.status_code == 200, ended.text
    await wait_for(partnerships, AgreementEnded)
    assert await partnerships.db.fetchval("SELECT count(*) FROM scheduled_events") == 0
    assert await events_of(partnerships, EvaluationOverdue) == []
    assert [str(e.evaluation_id) for e in await events_of(partnerships, EvaluationDue)].count(
        first_id
    ) == 1


async def test_an_evaluation_not_held_is_escalated_once_to_the_owner(
    partnerships: Partnerships,
) -> None:
    signed = await signed_agreement(partnerships)
    # A week's grace after 1 July 2027, then the next morning.
    partnerships.clock.set(datetime(2027, 7, 9, 6, 1, tzinfo=UTC))
    overdue = (await wait_for(partnerships, EvaluationOverdue))[0]
    assert str(overdue.owner.person_id) == signed["owner"]["person_id"]
    assert overdue.owner.person_id != overdue.uas_contact.person_id
    worklist = await ok(await partnerships.http.get("/agreements", params={"overdue": "true"}))
    assert [a["id"] for a in worklist["items"]] == [signed["id"]]
    # The control event: a contact change reschedules the pending reminders, not past ones.
    changed = await partnerships.http.post(
        f"/agreements/{signed['id']}/contact",
        json={"side": "uas", "contact": {**OWNER, "email": "new.contact@example.fi"}},
    )
    assert changed.status_code == 200, changed.text
    # Until the next evaluation is announced (the control event): one escalation, not two.
    partnerships.clock.set(datetime(2027, 12, 21, 7, 1, tzinfo=UTC))
    announced = await wait_for(partnerships, EvaluationDue, count=2)
    assert str(announced[1].uas_contact.person_id) == changed.json()["uas_contact"]["person_id"]
    assert len(await events_of(partnerships, EvaluationOverdue)) == 1


async def test_the_worklist_shows_evaluations_due_soon(partnerships: Partnerships) -> None:
    soon = await signed_agreement(partnerships)
    later = await signed_agreement(partnerships, "0737546-2", starts_on="2026-11-01")
    partnerships.clock.set(datetime(2027, 4, 20, 8, tzinfo=UTC))
    within = await ok(await partnerships.http.get("/agreements", params={"due_within_days": 30}))
    assert [a["id"] for a in within["items"]] == [later["id"]]  # due 3 May 2027
    wider = await ok(await partnerships.http.get("/agreements", params={"due_within_days": 80}))
    assert {a["id"] for a in wider["items"]} == {soon["id"], later["id"]}
    bad = await partnerships.http.get("/agreements", params={"due_within_days": -1})
    assert bad.status_code == 422


async def test_of_two_concurrent_changes_on_one_version_one_wins_and_one_gets_409(
    partnerships: Partnerships,
) -> None:
    signed = await signed_agreement(partnerships)
    agreement_id = uuid.UUID(signed["id"])
    async with partnerships.db.acquire() as blocker, blocker.transaction():
        # Hold the row so both commands read version 2 and queue at their versioned UPDATE.
        await blocker.execute("SELECT 1 FROM agreements WHERE id = $1 FOR UPDATE", agreement_id)
        racing = [
            asyncio.create_task(partnerships.http.post(f"/agreements/{agreement_id}/renew")),
            asyncio.create_task(
                partnerships.http.post(
                    f"/agreements/{agreement_id}/end",
                    json={"reason": "terminated", "ended_on": "2027-01-04"},
                )
            ),
        ]

        async def both_waiting() -> bool:
            waiting = await partnerships.db.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'UPDATE agreements%'"
            )
            return bool(waiting == 2)

        await wait_until(both_waiting)
    answers = await asyncio.gather(*racing)
    assert sorted(a.status_code for a in answers) == [200, 409]
    [lost] = [a.json() for a in answers if a.status_code == 409]
    assert "changed by someone else" in lost["detail"]
    subjects = await partnerships.db.fetch("SELECT subject FROM outbox ORDER BY position")
    changes = [r["subject"] for r in subjects if ".agreement." in r["subject"]]
    assert len(changes) == 2  # signed, and the winner's renewal or end


async def test_a_retried_signing_with_its_idempotency_key_signs_once(
    partnerships: Partnerships,
) -> None:
    the_partner = await partner(partnerships)
    draft = await draft_agreement(partnerships, the_partner["id"])
    key = {"Idempotency-Key": "sign-tunturi-1"}
    path, body = f"/agreements/{draft['id']}/sign", {"starts_on": "2027-01-01"}
    first = await partnerships.http.post(path, json=body, headers=key)
    again = await partnerships.http.post(path, json=body, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = await partnerships.http.post(path, json={"starts_on": "2027-02-01"}, headers=key)
    assert other.status_code == 422
    await wait_for(partnerships, AgreementSigned)
    assert (
        await partnerships.db.fetchval(
            "SELECT count(*) FROM outbox WHERE subject = $1", AgreementSigned.subject
        )
        == 1
    )
