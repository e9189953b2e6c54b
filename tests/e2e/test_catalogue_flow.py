"""The one-stop shop end to end, through `arctic up` exactly as `make up` runs it: the demo
network is loaded, a company finds an environment in Finnish, its inquiry is routed with
reasons and published, staff of another organisation book the environment, the owner sees the
booking, and no personal data given reaches a log."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_first_flow import Stack, stack_ports

from arctic.contracts.envelope import parse_message
from arctic.contracts.events import BookingConfirmed, BookingRequested, InquiryRouted
from arctic.runtime.testing import assert_no_personal_data, stream_messages, wait_until

pytestmark = pytest.mark.slow
CONTACT = {
    "name": "Kaisa Kaivosinsinööri",
    "email": "kaisa@example.com",
    "phone": "+358 40 111 2233",
    "language": "fi",
}
SUBMITTED = [CONTACT["name"], CONTACT["email"], CONTACT["phone"]]
"""Every name, e-mail address and phone number this flow gives: never in a log line."""


@pytest.fixture
def stack() -> Iterator[Stack]:
    home = Path(tempfile.mkdtemp(prefix="arctic-up-"))
    home.chmod(0o755)
    running = Stack(home, stack_ports())
    yield running
    if running.process.poll() is None:
        running.stop()
    shutil.rmtree(home, ignore_errors=True)


async def test_a_company_finds_asks_and_an_environment_is_booked(stack: Stack) -> None:
    stack.wait_for("all 4 services ready")
    catalogue = stack.url("catalogue")
    async with httpx.AsyncClient(base_url=catalogue) as http:

        async def demo_loaded() -> bool:
            found = await http.get("/offerings", params={"q": "hiekka", "lang": "fi"})
            return bool(found.status_code == 200 and found.json()["items"])

        await wait_until(demo_loaded, within=30)
        search = {"q": "hiekka", "lang": "fi", "kind": "environment"}  # sand: in tailings
        found = (await http.get("/offerings", params=search)).json()
        mintec = found["items"][0]
        assert mintec["offering"]["title"]["en"].startswith("GTK Mintec")
        assert "rikastus" in mintec["snippet"]  # in Finnish, as asked

        inquiry = await http.post(
            "/inquiries",
            json={
                "company": {"name": "Kaivos Oy", "business_id": "2617416-4", "contact": CONTACT},
                "need": "Tarvitsemme rikastuskokeita litiummalmille pilot-mittakaavassa.",
                "stage": "pilot",
            },
        )
        assert inquiry.status_code == 201, inquiry.text
        routing = inquiry.json()["routing"]
        assert (routing["target"], routing["organisations"]) == ("organisation", ["gtk"])
        assert routing["reasons"]

        environment = mintec["offering"]["id"]
        free = await http.get(
            f"/environments/{environment}/availability",
            params={"from": "2031-01-06T06:00:00Z", "to": "2031-01-07T06:00:00Z"},
        )
        assert free.json() == [
            {"starts_at": "2031-01-06T06:00:00Z", "ends_at": "2031-01-07T06:00:00Z"}
        ]
        booking = await http.post(
            f"/environments/{environment}/bookings",
            json={
                "period": {"starts_at": "2031-01-06T06:00:00Z", "ends_at": "2031-01-06T14:00:00Z"},
                "purpose": "Flotation runs for a customer",
                "user_organisation": "lapland-uas",
                "customer": {"name": "Kaivos Oy", "business_id": "2617416-4"},
                "contact": CONTACT,
            },
            headers=stack.token("--role", "staff", "--org", "lapland-uas"),
        )
        assert booking.status_code == 201, booking.text
        owner = stack.token("--role", "staff", "--org", "gtk")
        confirmed = await http.post(f"/bookings/{booking.json()['id']}/confirm", headers=owner)
        assert confirmed.json()["status"] == "confirmed"
        taken = await http.get(
            f"/environments/{environment}/availability",
            params={"from": "2031-01-06T06:00:00Z", "to": "2031-01-07T06:00:00Z"},
        )
        assert taken.json() == [
            {"starts_at": "2031-01-06T14:00:00Z", "ends_at": "2031-01-07T06:00:00Z"}
        ]

    nc = await stack.nats()  # as an outside subscriber reads the stream (ops, read-only)
    try:

        async def flow_published() -> bool:
            subjects = [m.subject for m in await stream_messages(nc, "CATALOGUE")]
            return BookingConfirmed.subject in subjects

        await wait_until(flow_published, within=20)
        events = [
            parse_message(m.subject, m.headers or {}, m.data or b"")[1]
            for m in await stream_messages(nc, "CATALOGUE")
        ]
    finally:
        await nc.close()
    [routed] = [e for e in events if isinstance(e, InquiryRouted)]
    assert [o.name for o in routed.organisations] == ["Geological Survey of Finland"]
    assert routed.assignees, "the demo network names who answers GTK's inquiries"
    [requested] = [e for e in events if isinstance(e, BookingRequested)]
    assert requested.owner_contacts
    assert_no_personal_data("\n".join(e.model_dump_json() for e in events), SUBMITTED)
    assert_no_personal_data(stack.whole_output(), SUBMITTED)
