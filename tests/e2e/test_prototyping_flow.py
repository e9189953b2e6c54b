"""Prototyping's month end to end, through `arctic up` as `make up` runs it (demo data on):
the one-stop shop routes an inquiry here (published as catalogue publishes it, twice), a
coordinator triages it, takes a team from the demo pool, marks a milestone and delivers; the
company is acknowledged by mail, lists its own request, and the public feed shows the
showcase. No name, address or phone it used reaches a log."""

from __future__ import annotations

import email
import email.policy
import shutil
import signal
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
import httpx
import nats
import pytest
from pydantic import SecretStr
from test_first_flow import Stack, stack_ports

from arctic.contracts.envelope import build_message
from arctic.contracts.events import InquiryDetails, InquiryRouted
from arctic.contracts.vocabulary import Company, ContactPerson, Language, RouteTarget, Stage
from arctic.runtime.personal_data import PersonalData
from arctic.runtime.personal_keys import PersonalKeys
from arctic.runtime.testing import assert_no_personal_data, wait_until

pytestmark = pytest.mark.slow
SERVICES = ("catalogue", "prototyping", "partnerships", "notifications")
PEPPER = "the prototyping flow's pepper, not a secret"
CONTACT = ContactPerson(
    name="Veikko Palojärvi",
    email="veikko.palojarvi@example.com",
    phone="+358 40 111 2233",
    language=Language.en,
)
DEMO_EXPERTS = ["Aleksi Rautio", "aleksi.rautio@tequ.example", "Jarmo Lantto"]
USED = [CONTACT.name, CONTACT.email, str(CONTACT.phone), *DEMO_EXPERTS]
"""Every name, e-mail address and phone the flow touches: never in a log line."""
BUSINESS_ID = "3210987-9"


@pytest.fixture
def stack() -> Iterator[Stack]:
    home = Path(tempfile.mkdtemp(prefix="arctic-up-"))
    home.chmod(0o755)
    running = Stack(home, stack_ports(), ARCTIC_PERSONAL_DATA_PEPPER=PEPPER)
    yield running
    if running.process.poll() is None:
        running.process.send_signal(signal.SIGINT)
        running.process.wait(30)
    shutil.rmtree(home, ignore_errors=True)


async def routed_to_prototyping(stack: Stack) -> tuple[InquiryRouted, int]:
    """Publish, as catalogue's relay would, an inquiry routed here, twice, as a redelivery
    past the duplicate window leaves it; the inquiry and the stream sequence of its copy."""
    nc = await _nats(stack, "catalogue")
    try:
        persons = PersonalData(PersonalKeys(nc, cache_seconds=0), SecretStr(PEPPER))
        company = Company(
            name="Saariselkä Snowworks Oy",
            business_id=BUSINESS_ID,
            contact=await persons.seal(CONTACT),
        )
        inquiry = InquiryRouted(
            inquiry_id=uuid.uuid4(),
            target=RouteTarget.prototyping,
            company=company,
            inquiry=InquiryDetails(
                title="Snow-groomer route planner",
                description="Plan grooming routes from snow depth and weather forecasts.",
                stage=Stage.concept,
                disciplines=["ict", "land_surveying"],
                showcase_consent=True,
            ),
            respond_by=date(2026, 12, 8),
            routed_at=datetime.now(UTC),
        )
        headers, body = build_message(inquiry, correlation_id="e2e-prototyping-flow")
        del headers["Nats-Msg-Id"]
        for _ in range(2):
            ack = await nc.jetstream().publish(inquiry.subject, body, headers=headers)
        return inquiry, ack.seq
    finally:
        await nc.close()


async def test_an_inquiry_becomes_a_delivered_prototype_on_the_showcase(stack: Stack) -> None:
    stack.wait_for("all 4 services ready", within=90)
    base = stack.url("prototyping")
    coordinator = stack.token("--role", "coordinator")
    async with httpx.AsyncClient(base_url=base, headers=coordinator, timeout=30) as http:

        async def demo_loaded() -> bool:
            experts = (await http.get("/experts?limit=200")).json().get("items", [])
            return len(experts) == 25

        await wait_until(demo_loaded, within=60)
        pool = (await http.get("/experts?limit=200")).json()["items"]
        assert sum(e["permanent_staff"] for e in pool) == 5

        inquiry, second_copy = await routed_to_prototyping(stack)

        async def opened() -> list[dict[str, object]]:
            items = (await http.get("/triage")).json()["items"]
            return [i for i in items if i["origin_inquiry_id"] == str(inquiry.inquiry_id)]

        async def opened_once() -> bool:
            return len(await opened()) == 1

        await wait_until(opened_once, within=30)
        [waiting] = await opened()
        request_id = waiting["id"]
        path = f"/prototype-requests/{request_id}"

        accepted = await http.post(
            f"{path}/accept", json={"disciplines": ["ict", "land_surveying"]}
        )
        assert accepted.status_code == 200, accepted.text
        taken = await http.post(f"{path}/team", json={"confirm": True})
        assert taken.status_code == 200, taken.text
        team = taken.json()["team"]
        assert {d for m in team for d in m["disciplines"]} == {"ict", "land_surveying"}
        assert (await http.post(f"{path}/milestones/kick_off/done")).status_code == 200
        delivered = await http.post(
            f"{path}/deliver",
            json={
                "outcome": "working_prototype",
                "outcome_summary": "A route planner fed by snow-depth sensors.",
                "next_step": {"note": "The innovation voucher fits a pilot season."},
                "showcase": {"title": "Snow-groomer route planner", "summary": "Fewer empty runs."},
            },
        )
        assert delivered.status_code == 200, delivered.text
        own = await http.get(
            "/prototype-requests",
            headers=stack.token("--role", "company", "--business-id", BUSINESS_ID),
        )
        assert [i["id"] for i in own.json()["items"]] == [request_id]
        assert own.json()["items"][0]["status"] == "delivered"
        experts = {e["id"]: e for e in (await http.get("/experts?limit=200")).json()["items"]}
        assert all(experts[m["expert_id"]]["active_prototypes"] == 0 for m in team)

    async with httpx.AsyncClient(base_url=base) as anonymous:
        atom = await anonymous.get("/showcase.atom")
    parsed = feedparser.parse(atom.content)
    assert [e.title for e in parsed.entries] == ["Snow-groomer route planner"]

    async def acknowledged() -> bool:
        return any(_mails_to(stack, CONTACT.email))

    await wait_until(acknowledged, within=30)
    ops = await _nats(stack, "ops")
    try:

        async def both_copies_handled() -> bool:  # the catalogue's demo data came before
            info = await ops.jetstream().consumer_info("CATALOGUE", "prototyping-catalogue")
            caught_up = (info.num_pending, info.num_ack_pending) == (0, 0)
            return caught_up and info.delivered.stream_seq >= second_copy

        await wait_until(both_copies_handled, within=30)
    finally:
        await ops.close()
    async with httpx.AsyncClient(base_url=base, headers=coordinator) as http:
        listed = await http.get(f"/prototype-requests?company={BUSINESS_ID}")
    assert [i["id"] for i in listed.json()["items"]] == [request_id]  # the inquiry came twice
    stack.process.send_signal(signal.SIGINT)
    stack.process.wait(30)
    assert_no_personal_data(stack.whole_output(), USED)


def _mails_to(stack: Stack, address: str) -> list[email.message.EmailMessage]:
    mails = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted((stack.home / "mail").glob("*.eml"))
    ]
    return [m for m in mails if m["To"] == address]  # type: ignore[misc]


async def _nats(stack: Stack, user: str) -> nats.aio.client.Client:
    """A NATS client as a user of permissions.conf, with the stack's local password."""
    url = f"nats://127.0.0.1:{stack.ports['nats']}"
    return await nats.connect(url, user=user, password=f"{user}-local")
