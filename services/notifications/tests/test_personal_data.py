"""Persons in notifications: opened from the events only to mail them, never named in its
events, logs or error texts, never mailed once erased, and erasure taken, done and confirmed."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from notifications_support import (
    CONTACT,
    COORDINATORS,
    PERSONAL_VALUES,
    Notifications,
    ServiceRunner,
    deliveries_for,
    notification_events,
    prototype_requested,
    publish,
    read_mails,
)

from arctic.contracts.envelope import build_message
from arctic.contracts.events import (
    CataloguePersonalDataErased,
    PartnershipsPersonalDataErased,
    PersonalDataErased,
    PrototypingPersonalDataErased,
)
from arctic.notifications.domain import ERASED_RECIPIENT
from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.servers import free_port
from arctic.runtime.testing import (
    SecuredNats,
    assert_no_personal_data,
    persons_for_tests,
    stream_messages,
    wait_until,
)

DELIVERED = "arctic.notifications.notification.delivered.v1"
FAILED = "arctic.notifications.notification.failed.v1"


async def test_outcome_events_name_the_contact_by_person_id_and_the_coordinators_by_address(
    run_notifications: ServiceRunner,
) -> None:
    async with run_notifications() as service:
        event = await prototype_requested(service.nc)
        await publish(service.nc, event)
        await wait_until(lambda: _events(service, 2))
        raw = b"".join(m.data for m in await stream_messages(service.ops, "NOTIFICATIONS"))
    outcomes = {
        (e["recipient_person_id"], e["recipient_address"])
        for e in await notification_events(service.ops)
    }
    assert outcomes == {(str(event.company.contact.person_id), None), (None, COORDINATORS)}
    assert_no_personal_data(raw.decode(), PERSONAL_VALUES)


async def test_a_contact_erased_before_the_event_is_handled_is_not_mailed_and_the_failure_says_why(
    run_notifications: ServiceRunner,
) -> None:
    async with run_notifications() as service:
        event = await prototype_requested(service.nc)
        as_notifications = await service.nats.connect("notifications")  # the erasure path
        await persons_for_tests(as_notifications).erase(event.company.contact.person_id)
        await as_notifications.close()
        event_id = await publish(service.nc, event)
        await wait_until(lambda: _events(service, 2))
        deliveries = await deliveries_for(service, event_id)
    assert [str(m["To"]) for m in read_mails(service.sink)] == [COORDINATORS]
    by_template = {d["template"]: d for d in deliveries}
    erased = by_template["prototype_requested"]
    assert (erased["status"], erased["attempts"], erased["last_error"]) == (
        "failed",
        0,
        ERASED_RECIPIENT,
    )
    assert (erased["recipient"], erased["subject"]) == (None, None)
    assert erased["recipient_person_id"] == str(event.company.contact.person_id)
    events = {e["type"]: e for e in await notification_events(service.ops)}
    assert events[FAILED]["last_error"] == ERASED_RECIPIENT
    assert events[FAILED]["attempts"] == 0
    assert events[DELIVERED]["recipient_address"] == COORDINATORS


class RefuseRecipients:
    """An SMTP server that refuses every recipient, echoing the address as servers do."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


async def test_an_smtp_refusal_reaches_logs_deliveries_and_events_without_the_address(
    run_notifications: ServiceRunner,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refusing = Controller(RefuseRecipients(), hostname="127.0.0.1", port=free_port())
    # The refusing server runs in the test's process and logs each RCPT it reads: its log
    # is the test's, not the service's, and must not fail the scan of the service's output.
    monkeypatch.setattr(logging.getLogger("mail.log"), "disabled", True)
    refusing.start()
    try:
        async with run_notifications(
            sink_up=False, smtp_port=refusing.port, delivery_max_attempts=3
        ) as service:
            event_id = await publish(service.nc, await prototype_requested(service.nc))
            await wait_until(lambda: _events(service, 2), within=15)
            deliveries = await deliveries_for(service, event_id)
            stored = await service.db.fetch("SELECT last_error FROM deliveries")
    finally:
        refusing.stop()
    failed = await notification_events(service.ops)
    assert {e["type"] for e in failed} == {FAILED}
    assert all("550 5.1.1 <address withheld>" in e["last_error"] for e in failed)
    assert all(e["attempts"] == 1 for e in failed)  # a 5xx is permanent: never tried again
    assert all("550 5.1.1" in str(d["last_error"]) for d in deliveries)
    texts = [
        json.dumps(failed),
        *(str(d["last_error"]) for d in deliveries),
        *(r["last_error"] for r in stored),
    ]
    assert_no_personal_data("\n".join(texts), PERSONAL_VALUES)
    assert_no_personal_data(capfd.readouterr().out, PERSONAL_VALUES)


async def test_an_erasure_erases_the_key_at_once_then_the_deliveries_and_is_confirmed(
    run_notifications: ServiceRunner, tokens: Tokens
) -> None:
    async with run_notifications(personal_data_cache_seconds=0.5) as service:
        event = await prototype_requested(service.nc)
        event_id = await publish(service.nc, event)
        await wait_until(lambda: _mails(service, 2))
        person = event.company.contact

        response = await service.http.post(
            "/personal-data/erasure", json={"email": CONTACT.email.upper()}, headers=admin(tokens)
        )

        assert response.status_code == 202, response.text
        erasure = response.json()
        assert response.headers["Location"] == f"/personal-data/erasure/{erasure['id']}"
        assert erasure["person_id"] == str(person.person_id)
        assert await persons_for_tests(service.nc).open(person) is None  # prototyping reads
        assert erasure["complete"] is False

        async def notifications_confirmed() -> bool:
            waiting = (await _erasure(service, tokens, erasure["id"]))["waiting_for"]
            return "notifications" not in waiting

        await wait_until(notifications_confirmed)
        deliveries = await deliveries_for(service, event_id)
        for confirmation in _confirmations(erasure["id"], person.person_id):
            await _publish_confirmation(service, confirmation)

        async def complete() -> bool:
            return bool((await _erasure(service, tokens, erasure["id"]))["complete"])

        await wait_until(complete)
        done = await _erasure(service, tokens, erasure["id"])
        rows = await service.db.fetch("SELECT * FROM deliveries")
    records = {c["service"]: c["records"] for c in done["confirmed"]}
    assert records.pop("notifications") >= 2  # the acknowledgement, its published outcome
    assert records == {"catalogue": 0, "prototyping": 1, "partnerships": 0}
    acknowledgement = next(d for d in deliveries if d["template"] == "prototype_requested")
    assert (acknowledgement["recipient"], acknowledgement["subject"]) == (None, None)
    assert acknowledgement["status"] == "delivered"
    assert acknowledgement["erased_at"] is not None
    assert_no_personal_data("\n".join(str(dict(row)) for row in rows), PERSONAL_VALUES)


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "aino@example.com", "person_id": str(uuid.uuid4())}, {"email": "not-one"}],
    ids=["neither", "both", "bad-address"],
)
async def test_an_erasure_names_exactly_one_person_validly(
    run_notifications: ServiceRunner, tokens: Tokens, body: dict[str, Any]
) -> None:
    async with run_notifications() as service:
        response = await service.http.post(
            "/personal-data/erasure", json=body, headers=admin(tokens)
        )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "aino" not in response.text


async def test_an_erasure_while_the_key_store_is_unreachable_is_503_and_records_nothing(
    run_notifications: ServiceRunner, secured_nats: SecuredNats, tokens: Tokens
) -> None:
    async with run_notifications() as service:
        secured_nats.server.stop()
        response = await service.http.post(
            "/personal-data/erasure", json={"person_id": str(uuid.uuid4())}, headers=admin(tokens)
        )
        count = await service.db.fetchval("SELECT count(*) FROM erasures")
        secured_nats.server.start()
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert count == 0


async def test_an_unknown_erasure_is_404(run_notifications: ServiceRunner, tokens: Tokens) -> None:
    async with run_notifications() as service:
        response = await service.http.get(
            f"/personal-data/erasure/{uuid.uuid4()}", headers=admin(tokens)
        )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "caller",
    [
        {"role": Role.staff, "org": "lapland-uas"},
        {"role": Role.coordinator},
        {"role": Role.company, "business_id": "2617416-4"},
        {"role": Role.service},
    ],
    ids=["staff", "coordinator", "company", "service"],
)
async def test_only_an_admin_erases_or_reads_an_erasure(
    run_notifications: ServiceRunner, tokens: Tokens, caller: dict[str, Any]
) -> None:
    body = {"person_id": str(uuid.uuid4())}
    async with (
        run_notifications() as service,
        httpx.AsyncClient(base_url=service.http.base_url) as anonymous,
    ):
        as_caller = tokens.headers(**caller)
        refused = await service.http.post("/personal-data/erasure", json=body, headers=as_caller)
        unauthenticated = await anonymous.post("/personal-data/erasure", json=body)
        made = await service.http.post("/personal-data/erasure", json=body, headers=admin(tokens))
        location = made.headers["Location"]
        read_refused = await service.http.get(location, headers=as_caller)
        read = await service.http.get(location, headers=admin(tokens))
        count = await service.db.fetchval("SELECT count(*) FROM erasures")
    assert (unauthenticated.status_code, refused.status_code, made.status_code) == (401, 403, 202)
    assert (read_refused.status_code, read.status_code) == (403, 200)
    assert count == 1


def admin(tokens: Tokens) -> dict[str, str]:
    return tokens.headers(Role.admin)


def _confirmations(erasure_id: str, person_id: uuid.UUID) -> list[PersonalDataErased]:
    """What the other services publish once they erased the person (as their runtime does)."""
    return [
        model(
            erasure_id=uuid.UUID(erasure_id),
            person_id=person_id,
            records=records,
            erased_at=datetime.now(UTC),
        )
        for model, records in (
            (CataloguePersonalDataErased, 0),
            (PrototypingPersonalDataErased, 1),
            (PartnershipsPersonalDataErased, 0),
        )
    ]


async def _publish_confirmation(service: Notifications, event: PersonalDataErased) -> None:
    """As the service confirming would: its own NATS user, on its own stream."""
    headers, body = build_message(event, correlation_id="erasure")
    nc = await service.nats.connect(event.service)
    try:
        await nc.jetstream().publish(event.subject, body, headers=headers)
    finally:
        await nc.close()


async def _erasure(service: Notifications, tokens: Tokens, erasure_id: str) -> dict[str, Any]:
    response = await service.http.get(f"/personal-data/erasure/{erasure_id}", headers=admin(tokens))
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def _mails(service: Notifications, count: int) -> bool:
    return len(read_mails(service.sink)) >= count


async def _events(service: Notifications, count: int) -> bool:
    return len(await notification_events(service.ops)) >= count
