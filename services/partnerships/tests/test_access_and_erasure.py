"""Who may do what (programme staff run the programme; competence-group owners raise needs
and read; partners reply to their invitations), and the erasure of a contact person."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from partnerships_support import (
    PARTNER_CONTACT,
    Partnerships,
    created,
    events_of,
    partner,
    signed_agreement,
    wait_for,
)

from arctic.contracts.envelope import build_message
from arctic.contracts.events import PartnershipsPersonalDataErased, PersonalDataErasureRequested
from arctic.runtime.access.roles import Role


async def test_staff_raise_needs_and_read_but_only_coordinators_run_the_programme(
    partnerships: Partnerships,
) -> None:
    the_partner = await partner(partnerships)
    group = await created(
        partnerships.http,
        "/competence-groups",
        {"name": "Arctic engineering", "owner": PARTNER_CONTACT},
    )
    staff = partnerships.tokens.headers(Role.staff, org="lapland-uas")
    need = {"partner_id": the_partner["id"], "competence_group_id": group["id"], "description": "x"}
    assert (await partnerships.http.post("/needs", json=need, headers=staff)).status_code == 201
    assert (await partnerships.http.get("/agreements", headers=staff)).status_code == 200
    signing = await partnerships.http.post(
        "/partners", json={"name": "x", "business_id": "0737546-2", "sector": "x"}, headers=staff
    )
    assert signing.status_code == 403
    company = partnerships.tokens.headers(Role.company, business_id="2617416-4")
    assert (await partnerships.http.get("/partners", headers=company)).status_code == 403
    service = partnerships.tokens.headers(Role.service)
    report = await partnerships.http.get("/reports/handprint?year=2027", headers=service)
    assert report.status_code == 200
    anonymous = await partnerships.http.get("/partners", headers={"Authorization": ""})
    assert anonymous.status_code == 401


async def test_an_erasure_empties_the_contact_everywhere_it_is_shown_and_is_confirmed(
    partnerships: Partnerships,
) -> None:
    signed = await signed_agreement(partnerships)
    person_id = uuid.UUID(signed["partner_contact"]["person_id"])
    erasure = PersonalDataErasureRequested(
        erasure_id=uuid.uuid4(),
        person_id=person_id,
        requested_at=datetime.now(UTC),
        keys_erased_at=datetime.now(UTC),
    )
    headers, body = build_message(erasure, correlation_id="erase-kaisa")
    await partnerships.notifications.jetstream().publish(erasure.subject, body, headers=headers)
    [confirmation] = await wait_for(partnerships, PartnershipsPersonalDataErased)
    assert confirmation.erasure_id == erasure.erasure_id
    assert confirmation.records >= 1
    agreement = (await partnerships.http.get(f"/agreements/{signed['id']}")).json()
    assert agreement["partner_contact"] == {
        "person_id": str(person_id),
        "language": "fi",
        "name": None,
        "email": None,
        "phone": None,
        "erased": True,
    }
    the_partner = (await partnerships.http.get(f"/partners/{signed['partner_id']}")).json()
    assert the_partner["contacts"][0]["erased"] is True
    assert agreement["uas_contact"]["erased"] is False
    assert len(await events_of(partnerships, PartnershipsPersonalDataErased)) == 1
