"""Bookings of shared environments over HTTP: requested by staff of any organisation, decided
by the owner's staff; confirmed periods never overlap, even when two confirmations race;
cancelling frees the period; completing records the usage that the benefit report sums."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from catalogue_support import CONTACT, Catalogue, about

from arctic.catalogue.demo import demo_id
from arctic.contracts.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingRequested,
    EnvironmentUsageRecorded,
)
from arctic.runtime.access.roles import Role
from arctic.runtime.testing import persons_for_tests

MINTEC = str(demo_id("mintec"))  # GTK's; the owner approves bookings
LUKE_LAB = str(demo_id("luke-lab"))  # LUKE's; bookings are confirmed at once
CUSTOMER = {"name": "Revontuli Robotics Oy", "business_id": "2617416-4"}


def period(catalogue: Catalogue, day: int, hours: int = 8) -> dict[str, str]:
    start = catalogue.clock().replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(
        days=day
    )
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=hours)).isoformat()}


async def request(
    catalogue: Catalogue, environment: str, org: str, when: dict[str, str], **more: Any
) -> Any:
    async with catalogue.staff(org) as staff:
        return await staff.post(
            f"/environments/{environment}/bookings",
            json={"period": when, "purpose": "Flotation test runs", "user_organisation": org,
                  "contact": CONTACT, **more},
        )  # fmt: skip


async def test_two_concurrent_confirmations_of_one_slot_confirm_exactly_one(
    catalogue: Catalogue,
) -> None:
    slot = period(catalogue, 10)
    first = (await request(catalogue, MINTEC, "lapland-uas", slot)).json()
    second = (await request(catalogue, MINTEC, "ulapland", slot)).json()
    assert (first["status"], second["status"]) == ("requested", "requested")
    async with catalogue.staff("gtk") as gtk:
        answers = await asyncio.gather(
            gtk.post(f"/bookings/{first['id']}/confirm"),
            gtk.post(f"/bookings/{second['id']}/confirm"),
        )
    assert sorted(a.status_code for a in answers) == [200, 409]
    won, lost = sorted(answers, key=lambda a: a.status_code)
    loser = second if won.json()["id"] == first["id"] else first
    assert lost.headers["content-type"] == "application/problem+json"
    assert lost.json()["conflicting_booking"] == won.json()["id"]
    confirmed = await catalogue.db.fetchval(
        "SELECT count(*) FROM bookings WHERE status = 'confirmed'"
    )
    assert confirmed == 1
    async with catalogue.staff("gtk") as gtk:
        still = (await gtk.get(f"/bookings/{loser['id']}")).json()
    assert still["status"] == "requested"


async def test_cancelling_frees_the_slot_for_another(catalogue: Catalogue) -> None:
    slot = period(catalogue, 12)
    first = (await request(catalogue, MINTEC, "lapland-uas", slot, customer=CUSTOMER)).json()
    second = (await request(catalogue, MINTEC, "luke", slot)).json()
    async with catalogue.staff("gtk") as gtk:
        assert (await gtk.post(f"/bookings/{first['id']}/confirm")).status_code == 200
        assert (await gtk.post(f"/bookings/{second['id']}/confirm")).status_code == 409
        busy = await request(catalogue, MINTEC, "ulapland", slot)
        assert busy.status_code == 409
        assert busy.json()["conflicting_booking"] == first["id"]
        window = {"from": slot["starts_at"], "to": period(catalogue, 13)["starts_at"]}
        free = (await gtk.get(f"/environments/{MINTEC}/availability", params=window)).json()
        assert free == [{"starts_at": slot["ends_at"].replace("+00:00", "Z"),
                         "ends_at": window["to"].replace("+00:00", "Z")}]  # fmt: skip
    async with catalogue.staff("lapland-uas") as uas:
        cancelled = await uas.post(f"/bookings/{first['id']}/cancel", json={"reason": "ill"})
        assert cancelled.json()["cancelled_by"] == "user"
    async with catalogue.staff("gtk") as gtk:
        assert (await gtk.post(f"/bookings/{second['id']}/confirm")).status_code == 200
    [(_, requested), (_, confirmed), (_, cancel)] = await about(catalogue.nc, first["id"], 3)
    assert isinstance(requested, BookingRequested)
    assert isinstance(confirmed, BookingConfirmed)
    assert isinstance(cancel, BookingCancelled)
    assert requested.customer is not None
    persons = persons_for_tests(catalogue.notifications)
    [approver] = requested.owner_contacts
    opened = await persons.open(approver)
    assert opened is not None
    assert opened.name == "Mikko Mineraali"
    assert cancel.owner_contacts == requested.owner_contacts


async def test_completed_bookings_are_summed_in_the_benefit_report(catalogue: Catalogue) -> None:
    # LUKE's lab confirms at once; two uses by the UAS (one for a company), one by GTK.
    uses = [("lapland-uas", 1, 8, "6", CUSTOMER), ("lapland-uas", 2, 4, "4", None),
            ("gtk", 3, 5, "2.5", None)]  # fmt: skip
    ids = []
    for org, day, hours, _, customer in uses:
        extra = {"customer": customer} if customer else {}
        answer = await request(catalogue, LUKE_LAB, org, period(catalogue, day, hours), **extra)
        assert answer.json()["status"] == "confirmed", answer.text
        ids.append(answer.json()["id"])
    catalogue.clock.advance(timedelta(days=5))
    async with catalogue.staff("luke") as luke:
        too_much = await luke.post(f"/bookings/{ids[0]}/complete", json={"hours_used": "9"})
        assert too_much.status_code == 422
        assert too_much.json()["errors"][0]["field"] == "hours_used"
        for booking_id, (_, _, _, used, _) in zip(ids, uses, strict=True):
            done = await luke.post(f"/bookings/{booking_id}/complete", json={"hours_used": used})
            assert done.status_code == 200, done.text
        year = datetime.fromisoformat(period(catalogue, -4)["starts_at"]).year
        report = (await luke.get("/reports/benefit", params={"year": year})).json()
        as_csv = await luke.get(
            "/reports/benefit", params={"year": year}, headers={"Accept": "text/csv"}
        )
    rows = {(r["owner"], r["user_organisation"]): r for r in report["rows"]}
    uas = rows[("luke", "lapland-uas")]
    assert (uas["bookings"], uas["customers_served"]) == (2, 1)
    assert Decimal(uas["hours_booked"]) == 12
    assert Decimal(uas["hours_used"]) == 10
    assert Decimal(uas["hours_for_companies"]) == 6
    assert Decimal(rows[("luke", "gtk")]["hours_used"]) == Decimal("2.5")
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {(r["owner"], r["user_organisation"], r["hours_used"]) for r in lines} == {
        ("luke", "lapland-uas", "10.00"), ("luke", "gtk", "2.50"),
    }  # fmt: skip
    # The environment's subject also carries its OfferingPublished, then the three usages.
    usage = [
        ev
        for _, ev in await about(catalogue.nc, LUKE_LAB, 4)
        if isinstance(ev, EnvironmentUsageRecorded)
    ]
    assert sorted(ev.hours for ev in usage) == [
        Decimal("2.5"), Decimal("4"), Decimal("6"),
    ]  # fmt: skip


async def test_who_may_book_and_decide(catalogue: Catalogue) -> None:
    slot = period(catalogue, 20)
    async with catalogue.staff("luke") as luke:
        for_another = await luke.post(
            f"/environments/{MINTEC}/bookings",
            json={"period": slot, "purpose": "x", "user_organisation": "gtk", "contact": CONTACT},
        )
        assert for_another.status_code == 403
    booking = (await request(catalogue, MINTEC, "luke", slot)).json()
    async with catalogue.staff("luke") as luke:
        assert (await luke.post(f"/bookings/{booking['id']}/confirm")).status_code == 403
    async with catalogue.client(Role.company, business_id="2617416-4") as company:
        assert (await company.post(f"/bookings/{booking['id']}/confirm")).status_code == 403
    backwards = {"starts_at": slot["ends_at"], "ends_at": slot["starts_at"]}
    bad = await request(catalogue, MINTEC, "luke", backwards)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "period.ends_at"
    past = await request(catalogue, MINTEC, "luke", period(catalogue, -2))
    assert past.status_code == 422
    not_an_environment = await request(catalogue, str(demo_id("geo-data")), "luke", slot)
    assert not_an_environment.status_code == 404
