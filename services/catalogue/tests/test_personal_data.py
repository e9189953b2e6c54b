"""Personal data in the catalogue: an erasure request empties a person wherever the catalogue
holds them in clear (an inquiry's contact, a booking's requester) and is confirmed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from catalogue_support import COMPANY, CONTACT, PERSONAL_VALUES, Catalogue, published

from arctic.catalogue.demo import demo_id
from arctic.contracts.envelope import build_message
from arctic.contracts.events import CataloguePersonalDataErased, PersonalDataErasureRequested
from arctic.runtime.testing import persons_for_tests, wait_until


async def test_an_erasure_empties_inquiries_and_bookings_and_is_confirmed(
    catalogue: Catalogue,
) -> None:
    inquiry = await catalogue.http.post(
        "/inquiries", json={"company": COMPANY, "need": "Reindeer pasture data", "stage": "pilot"}
    )
    start = catalogue.clock() + timedelta(days=3)
    async with catalogue.staff("gtk") as gtk:
        booking = await gtk.post(
            f"/environments/{demo_id('luke-lab')}/bookings",
            json={
                "period": {"starts_at": start.isoformat(),
                           "ends_at": (start + timedelta(hours=2)).isoformat()},
                "purpose": "Soil samples", "user_organisation": "gtk", "contact": CONTACT,
            },
        )  # fmt: skip
    assert (inquiry.status_code, booking.status_code) == (201, 201)
    person_id = persons_for_tests(catalogue.notifications).person_id(str(CONTACT["email"]))

    erasure = PersonalDataErasureRequested(
        erasure_id=uuid.uuid4(),
        person_id=person_id,
        requested_at=datetime.now(UTC),
        keys_erased_at=datetime.now(UTC),
    )
    headers, body = build_message(erasure, correlation_id="erase-aino")
    await catalogue.notifications.jetstream().publish(erasure.subject, body, headers=headers)

    async def confirmed() -> bool:
        events = await published(catalogue.nc)
        return any(isinstance(e, CataloguePersonalDataErased) for _, e in events)

    await wait_until(confirmed)
    [confirmation] = [
        e for _, e in await published(catalogue.nc) if isinstance(e, CataloguePersonalDataErased)
    ]
    assert confirmation.erasure_id == erasure.erasure_id
    assert confirmation.records >= 2  # the inquiry's contact and the booking's requester
    for table in ("inquiries", "bookings"):
        rows = [str(dict(r)) for r in await catalogue.db.fetch(f"SELECT * FROM {table}")]
        assert rows
        assert not [v for v in PERSONAL_VALUES if any(v in row for row in rows)], table
