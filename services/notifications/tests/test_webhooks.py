"""Webhooks: registered by a service or an admin, each delivery a CloudEvent signed as the
Standard Webhooks specification says (verified with the `standardwebhooks` package), retried
on 5xx/429 (honouring Retry-After), failed at once on another 4xx; private URLs refused."""

from __future__ import annotations

from typing import Any

import pytest
from notifications_support import (
    Notifications,
    ServiceRunner,
    notification_events,
    prototype_requested,
    publish,
)
from standardwebhooks import Webhook
from webhook_receiver import webhook_receiver

from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.testing import wait_until

REQUESTED = "arctic.prototyping.prototype.requested.v1"
FAILED = "arctic.notifications.notification.failed.v1"
DELIVERED = "arctic.notifications.notification.delivered.v1"


async def register(
    service: Notifications, tokens: Tokens, url: str, **extra: Any
) -> dict[str, Any]:
    response = await service.http.post(
        "/webhooks",
        json={"url": url, "event_types": [REQUESTED], **extra},
        headers=tokens.headers(Role.service),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _webhook_outcome(service: Notifications, type_: str) -> bool:
    return any(
        e["type"] == type_ and e["channel"] == "webhook"
        for e in await notification_events(service.ops)
    )


async def test_an_event_reaches_the_webhook_signed_as_standard_webhooks_verify(
    run_notifications: ServiceRunner, tokens: Tokens
) -> None:
    async with (
        webhook_receiver() as receiver,
        run_notifications(webhook_allow_private=True) as service,
    ):
        hook = await register(service, tokens, receiver.url, description="CRM")
        event = await prototype_requested(service.nc)
        event_id = await publish(service.nc, event)
        await wait_until(lambda: _webhook_outcome(service, DELIVERED))
        listed = await service.http.get("/webhooks", headers=tokens.headers(Role.admin))
    [request] = receiver.received
    assert hook["secret"].startswith("whsec_")
    payload = Webhook(hook["secret"]).verify(request.body, request.headers)
    assert payload["id"] == event_id
    assert payload["type"] == REQUESTED
    assert payload["specversion"] == "1.0"
    assert payload["data"]["request_id"] == str(event.request_id)
    assert request.headers["content-type"].startswith("application/cloudevents+json")
    tampered = request.body.replace(b"Revontuli", b"Revontul1")
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(hook["secret"]).verify(tampered, request.headers)
    assert [w["secret"] for w in listed.json()] == [None]


async def test_a_busy_receiver_is_retried_after_the_wait_it_asks_and_gets_it_once(
    run_notifications: ServiceRunner, tokens: Tokens
) -> None:
    async with (
        webhook_receiver() as receiver,
        run_notifications(webhook_allow_private=True) as service,
    ):
        receiver.answers = [(503, {"Retry-After": "1"}), (429, {})]
        await register(service, tokens, receiver.url)
        await publish(service.nc, await prototype_requested(service.nc))
        await wait_until(lambda: _webhook_outcome(service, DELIVERED), within=20)
    assert len(receiver.received) == 3
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(ids) == 1  # the same id on every attempt: the receiver can drop a copy
    first, second = (int(r.headers["webhook-timestamp"]) for r in receiver.received[:2])
    assert second - first >= 1


async def test_a_refusing_receiver_fails_at_once_with_notification_failed(
    run_notifications: ServiceRunner, tokens: Tokens
) -> None:
    async with (
        webhook_receiver() as receiver,
        run_notifications(webhook_allow_private=True, delivery_max_attempts=5) as service,
    ):
        receiver.answers = [(410, {})]
        hook = await register(service, tokens, receiver.url)
        await publish(service.nc, await prototype_requested(service.nc))
        await wait_until(lambda: _webhook_outcome(service, FAILED))
    failed = [e for e in await notification_events(service.ops) if e["channel"] == "webhook"]
    assert [(e["attempts"], e["recipient_address"]) for e in failed] == [(1, hook["url"])]
    assert "HTTP 410" in failed[0]["last_error"]
    assert len(receiver.received) == 1


BAD_REGISTRATIONS = [
    ({"url": "http://127.0.0.1:9/hook", "event_types": [REQUESTED]}, "url"),
    ({"url": "http://10.0.0.7/hook", "event_types": [REQUESTED]}, "url"),
    ({"url": "ftp://example.org/hook", "event_types": [REQUESTED]}, "url"),
    ({"url": "https://193.166.3.2/h", "event_types": ["arctic.x.y.z.v1"]}, "event_types"),
    ({"url": "https://193.166.3.2/h", "event_types": []}, "event_types"),
    ({"url": "https://193.166.3.2/h", "event_types": [REQUESTED], "secret": "s"}, "secret"),
]


async def test_a_bad_registration_is_422_naming_the_field(
    run_notifications: ServiceRunner, tokens: Tokens
) -> None:
    async with run_notifications() as service:
        for body, field in BAD_REGISTRATIONS:
            response = await service.http.post(
                "/webhooks", json=body, headers=tokens.headers(Role.admin)
            )
            assert response.status_code == 422, response.text
            # "url", as every field is named, not "body.url" (found by tests/http)
            assert field in {e["field"] for e in response.json()["errors"]}, response.text
        listed = await service.http.get("/webhooks", headers=tokens.headers(Role.admin))
    assert listed.json() == []


async def test_only_services_and_admins_register_webhooks(
    run_notifications: ServiceRunner, tokens: Tokens
) -> None:
    async with run_notifications() as service:
        response = await service.http.post(
            "/webhooks",
            json={"url": "https://193.166.3.2/h", "event_types": [REQUESTED]},
            headers=tokens.headers(Role.staff, org="lapland-uas"),
        )
    assert response.status_code == 403
