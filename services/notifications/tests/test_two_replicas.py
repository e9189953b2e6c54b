"""Two replicas on one database and one durable consumer: every event, even redelivered,
gives each recipient one mail."""

from __future__ import annotations

import asyncio
from collections import Counter

from notifications_support import (
    ServiceRunner,
    prototype_requested,
    publish,
    read_mails,
)

from arctic.runtime.testing import wait_until

EVENTS = 12


async def test_two_replicas_send_each_mail_once_under_redelivery(
    run_notifications: ServiceRunner,
) -> None:
    async with (
        run_notifications() as first,
        run_notifications(sink_up=False) as second,  # the same sink, started by the first
    ):
        events = [
            await prototype_requested(first.nc, language) for language in ("fi", "sv", "en") * 4
        ]
        await asyncio.gather(*(publish(first.nc, event, copies=2) for event in events))
        await wait_until(lambda: first.all_settled(2 * EVENTS), within=30)
        found = await second.deliveries()
    mails = read_mails(first.sink)
    assert len(mails) == 2 * EVENTS
    assert set(Counter(str(m["Message-ID"]) for m in mails).values()) == {1}
    assert {d["attempts"] for d in found} == {1}
    assert len({(d["source_event_id"], d["recipient"]) for d in found}) == 2 * EVENTS
