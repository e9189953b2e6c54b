"""GET /deliveries: newest first, page by page, narrowed by event, flow, subject, recipient or
status; and settled deliveries leave after their retention while the inbox still guards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from notifications_support import (
    COORDINATORS,
    Notifications,
    ServiceRunner,
    prototype_requested,
    publish,
    read_mails,
)

from arctic.runtime.clock import SettableClock
from arctic.runtime.testing import wait_until


async def listed(service: Notifications, **params: Any) -> dict[str, Any]:
    response = await service.http.get("/deliveries", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def delivered(service: Notifications, count: int) -> None:
    async def all_delivered() -> bool:
        items = (await listed(service, status="delivered"))["items"]
        return len(items) >= count

    await wait_until(all_delivered)


@pytest.fixture
async def three_requests(run_notifications: ServiceRunner) -> Any:
    async with run_notifications() as service:
        events = [await prototype_requested(service.nc, title=f"Request {i}") for i in range(3)]
        ids = [
            await publish(service.nc, e, correlation_id=f"flow-{i}") for i, e in enumerate(events)
        ]
        await delivered(service, 6)
        yield service, events, ids


async def test_deliveries_come_newest_first_page_by_page_each_once(three_requests: Any) -> None:
    service, events, _ = three_requests
    first = await listed(service, limit=4)
    rest = await listed(service, limit=4, cursor=first["next_cursor"])

    items = first["items"] + rest["items"]
    assert (len(first["items"]), rest["next_cursor"]) == (4, None)
    assert len({d["id"] for d in items}) == 6
    newest_first = [d["source_subject"] for d in items[::2]]
    assert newest_first == [str(e.request_id) for e in reversed(events)]
    oldest = await listed(service, order="oldest", limit=2)
    assert {d["source_subject"] for d in oldest["items"]} == {str(events[0].request_id)}


async def test_each_filter_narrows_the_list(three_requests: Any) -> None:
    service, events, ids = three_requests

    async def recipients(**params: Any) -> set[str]:
        return {d["recipient"] for d in (await listed(service, **params))["items"]}

    both = {"aino@example.com", COORDINATORS}
    assert await recipients(event_id=ids[1]) == both
    assert await recipients(correlation_id="flow-2") == both
    assert await recipients(subject=str(events[0].request_id)) == both
    assert len((await listed(service, recipient=COORDINATORS))["items"]) == 3
    assert (await listed(service, status="failed"))["items"] == []
    narrowest = await listed(service, subject=str(events[0].request_id), recipient=COORDINATORS)
    assert [d["source_event_id"] for d in narrowest["items"]] == [ids[0]]


@pytest.mark.parametrize("query", ["status=lost", "limit=500", "cursor=xyz", "event_id=42"])
async def test_a_bad_query_is_422_naming_the_parameter(
    run_notifications: ServiceRunner, query: str
) -> None:
    async with run_notifications() as service:
        response = await service.http.get(f"/deliveries?{query}")
    assert response.status_code == 422
    assert query.split("=")[0] in [e["field"] for e in response.json()["errors"]]


async def test_settled_deliveries_leave_after_their_retention_and_the_inbox_still_guards(
    run_notifications: ServiceRunner, clock: SettableClock
) -> None:
    async with run_notifications(clock=clock, housekeeping_interval_seconds=0.1) as service:
        event = await prototype_requested(service.nc)
        event_id = await publish(service.nc, event)
        await delivered(service, 2)
        pending = await service.db.fetchval(
            """INSERT INTO deliveries (id, source_event_id, source_event_type, recipient,
                   channel, template, language, subject, body, correlation_id, next_attempt_at,
                   kind)
               VALUES (gen_random_uuid(), gen_random_uuid(), 't', 'later@lapinamk.example',
                   'email', 't', 'fi', 's', 'b', 'c', now() + interval '1000 days', 't')
               RETURNING id"""
        )
        clock.advance(timedelta(days=91))  # past the 90 days settled deliveries are kept

        async def settled_gone() -> bool:
            return (await listed(service, status="delivered"))["items"] == []

        await wait_until(settled_gone)
        assert [d["id"] for d in (await listed(service))["items"]] == [str(pending)]

        await publish(service.nc, event, event_id=event_id, copies=2)  # redelivered, twice

        async def acknowledged() -> bool:
            info = await service.ops.jetstream().consumer_info(
                "PROTOTYPING", "notifications-prototyping"
            )
            return bool(info.ack_floor.stream_seq == 3 and info.num_ack_pending == 0)

        await wait_until(acknowledged)
        assert len((await listed(service))["items"]) == 1
    assert len(read_mails(service.sink)) == 2
