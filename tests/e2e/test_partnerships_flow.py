"""Partnerships end to end, through `arctic up` exactly as `make up` runs it: the demo
programme is there at once; a need becomes a signed agreement with its evaluations
scheduled; a prototype delivered by prototyping joins the partner's history; the partner's
contact is erased; no name, address or phone it was given reaches a log."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_first_flow import Stack, home, stack_ports  # noqa: F401 (the fixture)

from arctic.contracts.envelope import build_message, parse_message
from arctic.contracts.events import AgreementSigned, PrototypeDelivered
from arctic.contracts.vocabulary import Company, Person
from arctic.runtime.testing import assert_no_personal_data, stream_messages, wait_until

pytestmark = pytest.mark.slow
CONTACT = {
    "name": "Kaisa Kumppani",
    "email": "kaisa.kumppani@example.com",
    "phone": "+358 40 111 2233",
    "language": "fi",
}
UAS = {"name": "Olli Opettaja", "email": "olli.opettaja@example.fi", "language": "en"}
GIVEN = [CONTACT["name"], CONTACT["email"], CONTACT["phone"], UAS["name"], UAS["email"]]
"""Every name, e-mail address and phone number the test gives: never in a log line."""


async def test_a_partnership_from_need_to_history_and_erasure(home: Path) -> None:  # noqa: F811
    # Persons' keys cached for a second, so that the services erase soon after the key.
    stack = Stack(home, stack_ports(), ARCTIC_PERSONAL_DATA_CACHE_SECONDS="1")
    try:
        await _walk(stack)
    finally:
        stack.stop()
    assert_no_personal_data(stack.whole_output(), GIVEN)


async def _walk(stack: Stack) -> None:
    stack.wait_for("all 4 services ready")
    url = stack.url("partnerships")
    coordinator = stack.token("--role", "coordinator")
    async with httpx.AsyncClient(base_url=url, headers=coordinator, timeout=30) as http:

        async def post(path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
            response = await http.post(path, json=body)
            assert response.status_code == status, response.text
            answer: dict[str, Any] = response.json()
            return answer

        # The demo programme: 62 partners, an overdue evaluation on the worklist.
        async def demo_loaded() -> bool:
            page = (await http.get("/partners", params={"limit": 100})).json()
            return len(page.get("items", [])) >= 62

        await wait_until(demo_loaded, within=60)
        overdue = (await http.get("/agreements", params={"overdue": "true"})).json()
        assert len(overdue["items"]) == 1

        partner = await post(
            "/partners",
            {
                "name": "Kuura Sensors Oy",
                "business_id": "2617416-4",
                "sector": "electronics",
                "focus_areas": ["arctic testing"],
                "contacts": [CONTACT],
            },
        )
        group = await post("/competence-groups", {"name": "Sensor systems", "owner": UAS})
        need = await post(
            "/needs",
            {
                "partner_id": partner["id"],
                "competence_group_id": group["id"],
                "description": "Winter field tests of wireless sensors",
            },
        )
        negotiation = await post(
            "/negotiations",
            {
                "need_id": need["id"],
                "focus_areas": ["arctic testing"],
                "goals": ["a winter test campaign a year"],
                "uas_contact": UAS,
                "partner_contact": CONTACT,
            },
        )
        draft = await post(f"/negotiations/{negotiation['id']}/conclude", {})
        today = datetime.now(UTC).date()
        signed = await post(
            f"/agreements/{draft['id']}/sign", {"starts_on": today.isoformat()}, status=200
        )
        assert signed["status"] == "active"
        assert len(signed["evaluations"]) == 6

        # Prototyping delivers a prototype to the partner (published as prototyping does).
        nc = await stack.nats("prototyping")
        try:
            contact = Person.model_validate(
                signed["partner_contact"] | {"sealed_details": "c2VhbGVk"}
            )
            delivered = PrototypeDelivered(
                request_id=uuid.uuid4(),
                company=Company(name="Kuura Sensors Oy", business_id="2617416-4", contact=contact),
                title="Snow-load sensor",
                disciplines=["ict"],
                outcome="working_prototype",
                outcome_summary="Works down to -35 °C",
                showcase_consent=False,
                started_on=date(2026, 10, 1),
                delivered_at=datetime.now(UTC),
            )
            headers, body = build_message(delivered, correlation_id="e2e-partnerships")
            await nc.jetstream().publish(delivered.subject, body, headers=headers)
        finally:
            await nc.close()

        async def in_history() -> bool:
            page = (await http.get(f"/partners/{partner['id']}/history")).json()
            return any(e["kind"] == "prototype" for e in page["items"])

        await wait_until(in_history, within=20)

        ops = await stack.nats()
        try:
            deadline = time.monotonic() + 10
            signed_events: list[AgreementSigned] = []
            while not signed_events and time.monotonic() < deadline:
                messages = await stream_messages(ops, "PARTNERSHIPS")
                events = [parse_message(m.subject, m.headers, m.data)[1] for m in messages]
                signed_events = [
                    e
                    for e in events
                    if isinstance(e, AgreementSigned) and str(e.agreement_id) == draft["id"]
                ]
        finally:
            await ops.close()
        assert signed_events
        assert signed_events[0].partner.business_id == "2617416-4"

        # The partner's contact asks to be erased; partnerships empties what it holds.
        admin = stack.token("--role", "admin")
        erasure = await http.post(
            f"{stack.url('notifications')}/personal-data/erasure",
            json={"email": CONTACT["email"]},
            headers=admin,
        )
        assert erasure.status_code == 202, erasure.text

        async def erased() -> bool:
            agreement = (await http.get(f"/agreements/{draft['id']}")).json()
            return bool(agreement["partner_contact"]["erased"])

        await wait_until(erased, within=30)
    assert any(r.get("correlation_id") for r in stack.logs_of("partnerships"))
