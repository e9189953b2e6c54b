"""The rules of a booking's life and of free slots, without servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from arctic.catalogue.bookings import (
    Booking,
    BookingInvalid,
    BookingStatus,
    BookingTransitionNotAllowed,
    Environment,
    Slot,
    free_slots,
)
from arctic.contracts.events import BookingPeriod
from arctic.contracts.vocabulary import BookingSide, ContactPerson, Organisation, Person

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
GTK = Organisation(organisation_id=uuid4(), name="Geological Survey of Finland")
UAS = Organisation(organisation_id=uuid4(), name="Lapland University of Applied Sciences")
MINTEC = Environment(uuid4(), "GTK Mintec", GTK, "gtk", True)
PERSON = Person(person_id=uuid4(), language="fi", sealed_details="A" * 64)
CONTACT = ContactPerson(name="Aino", email="aino@example.com", language="fi")


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def booking(start: float = 24, hours: float = 8) -> Booking:
    period = BookingPeriod(starts_at=at(start), ends_at=at(start + hours))
    made, requested = Booking.request(
        MINTEC, ("lapland-uas", UAS), None, PERSON, CONTACT, period, " runs ", [PERSON], NOW
    )
    assert requested.owner_contacts == [PERSON]
    assert requested.purpose == "runs"
    return made


def test_a_booking_is_confirmed_then_completed_with_the_hours_used() -> None:
    made = booking()
    confirmed = made.confirm(at(1))
    assert (made.status, made.version, confirmed.confirmed_at) == (
        BookingStatus.confirmed, 2, at(1),
    )  # fmt: skip
    with pytest.raises(BookingInvalid):
        made.complete(Decimal(6), at(2))  # before it started
    with pytest.raises(BookingInvalid):
        made.complete(Decimal("8.5"), at(40))  # more than booked
    usage = made.complete(Decimal("6.5"), at(40))
    assert (usage.hours, made.hours_booked, made.version) == (Decimal("6.5"), Decimal(8), 3)
    assert made.allowed_actions == []


def test_either_side_cancels_until_it_is_completed() -> None:
    made = booking()
    made.confirm(at(1))
    cancelled = made.cancel(BookingSide.owner, "broken pump", [PERSON], at(2))
    assert (cancelled.cancelled_by, made.status) == (BookingSide.owner, BookingStatus.cancelled)
    with pytest.raises(BookingTransitionNotAllowed) as refused:
        made.confirm(at(3))
    assert refused.value.state is BookingStatus.cancelled


def test_a_declined_booking_allows_nothing() -> None:
    made = booking()
    made.decline("busy", at(1))
    assert made.allowed_actions == []
    with pytest.raises(BookingTransitionNotAllowed):
        made.cancel(BookingSide.user, None, [], at(2))


def test_a_booking_in_the_past_is_refused() -> None:
    with pytest.raises(BookingInvalid) as refused:
        booking(start=-1)
    assert refused.value.field_name == "period.starts_at"


def test_free_slots_are_the_gaps_between_booked_periods() -> None:
    booked = [(at(5), at(7)), (at(2), at(3)), (at(6), at(8)), (at(9), at(12))]
    assert free_slots(at(0), at(10), booked) == [
        Slot(at(0), at(2)), Slot(at(3), at(5)), Slot(at(8), at(9)),
    ]  # fmt: skip
    assert free_slots(at(0), at(10), []) == [Slot(at(0), at(10))]
    assert free_slots(at(3), at(4), [(at(0), at(10))]) == []
