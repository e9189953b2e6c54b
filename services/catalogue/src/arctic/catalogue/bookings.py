"""Bookings of shared development environments: requested, confirmed or declined by the
owner, cancelled by either side, completed with the hours actually used; and the free slots
of an environment.

Plain code, no I/O. That confirmed bookings never overlap is kept by PostgreSQL (an exclusion
constraint), which sees concurrent confirmations that no code reading rows could.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID, uuid4

from arctic.contracts.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingPeriod,
    BookingRequested,
    EnvironmentUsageRecorded,
)
from arctic.contracts.vocabulary import BookingSide, CompanyRef, ContactPerson, Organisation, Person


class BookingStatus(StrEnum):
    """Where a booking is in its life."""

    requested = "requested"
    confirmed = "confirmed"
    declined = "declined"
    cancelled = "cancelled"
    completed = "completed"


class BookingAction(StrEnum):
    """What the sides of a booking can do to it."""

    confirm = "confirm"
    decline = "decline"
    cancel = "cancel"
    complete = "complete"


TRANSITIONS: Mapping[BookingStatus, Mapping[BookingAction, BookingStatus]] = {
    BookingStatus.requested: {
        BookingAction.confirm: BookingStatus.confirmed,
        BookingAction.decline: BookingStatus.declined,
        BookingAction.cancel: BookingStatus.cancelled,
    },
    BookingStatus.confirmed: {
        BookingAction.cancel: BookingStatus.cancelled,
        BookingAction.complete: BookingStatus.completed,
    },
    BookingStatus.declined: {},
    BookingStatus.cancelled: {},
    BookingStatus.completed: {},
}
"""The state machine: from each status, the actions allowed and where each leads."""


class BookingNotFound(Exception):
    """No booking has this id (or the caller may not see it)."""

    def __init__(self, booking_id: UUID) -> None:
        super().__init__(f"no booking {booking_id}")
        self.booking_id = booking_id


class BookingTransitionNotAllowed(Exception):
    """The booking's status does not allow the action."""

    def __init__(self, action: BookingAction, state: BookingStatus) -> None:
        self.action, self.state = action, state
        self.allowed = sorted(TRANSITIONS[state])
        allowed = ", ".join(self.allowed) or "nothing"
        super().__init__(f"a booking that is {state} cannot {action}: allowed now: {allowed}")


class BookingOverlaps(Exception):
    """The period overlaps a confirmed booking of the same environment."""

    def __init__(self, conflicting: UUID | None, period: BookingPeriod | None) -> None:
        self.conflicting, self.period = conflicting, period
        super().__init__(
            f"the environment is already booked then (booking {conflicting})"
            if conflicting
            else "the environment is already booked then"
        )


class BookingInvalid(Exception):
    """A booking breaks a rule (the field at fault is named)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


@dataclass(frozen=True)
class Environment:
    """What a booking needs to know of the environment booked."""

    id: UUID
    name: str
    owner: Organisation
    owner_short_name: str
    owner_approves: bool


@dataclass
class Booking:
    """A booking of an environment. `requested_by` is as events carry it (sealed);
    `requester` the person in clear, None once erased. `version` counts changes."""

    id: UUID
    environment: Environment
    user_organisation: Organisation
    user_short_name: str
    customer: CompanyRef | None
    requested_by: Person
    requester: ContactPerson | None
    period: BookingPeriod
    purpose: str
    requested_at: datetime
    status: BookingStatus = BookingStatus.requested
    version: int = 1
    decided_at: datetime | None = None
    cancelled_by: BookingSide | None = None
    reason: str | None = None
    hours_used: Decimal | None = None
    completed_at: datetime | None = None

    @classmethod
    def request(
        cls,
        environment: Environment,
        user: tuple[str, Organisation],
        customer: CompanyRef | None,
        requested_by: Person,
        requester: ContactPerson,
        period: BookingPeriod,
        purpose: str,
        owner_contacts: Sequence[Person],
        now: datetime,
    ) -> tuple[Booking, BookingRequested]:
        """Ask for a period of an environment (which must lie ahead)."""
        if period.starts_at < now:
            raise BookingInvalid("period.starts_at", "a booking starts in the future")
        booking = cls(
            uuid4(), environment, user[1], user[0], customer, requested_by, requester,
            period, purpose.strip(), now,
        )  # fmt: skip
        return booking, BookingRequested(
            booking_id=booking.id,
            environment_id=environment.id,
            environment_name=environment.name,
            owner=environment.owner,
            owner_contacts=list(owner_contacts),
            user_organisation=booking.user_organisation,
            customer=customer,
            requested_by=requested_by,
            period=period,
            purpose=booking.purpose,
            requested_at=now,
        )

    @property
    def hours_booked(self) -> Decimal:
        """The length of the booked period in hours."""
        seconds = (self.period.ends_at - self.period.starts_at).total_seconds()
        return (Decimal(int(seconds)) / 3600).quantize(Decimal("0.01"))

    @property
    def allowed_actions(self) -> list[BookingAction]:
        """What can be done to the booking now."""
        return sorted(TRANSITIONS[self.status])

    def confirm(self, now: datetime) -> BookingConfirmed:
        """The owner grants the period (the database refuses it if it overlaps another)."""
        self.status = self._target(BookingAction.confirm)
        self.decided_at = now
        self.version += 1
        env = self.environment
        return BookingConfirmed(
            booking_id=self.id,
            environment_id=env.id,
            environment_name=env.name,
            owner=env.owner,
            user_organisation=self.user_organisation,
            customer=self.customer,
            requested_by=self.requested_by,
            period=self.period,
            confirmed_at=now,
        )

    def decline(self, reason: str, now: datetime) -> None:
        """The owner does not grant the period (the requester learns it from the booking)."""
        self.status = self._target(BookingAction.decline)
        self.decided_at, self.reason = now, reason.strip() or None
        self.version += 1

    def cancel(
        self, side: BookingSide, reason: str | None, owner_contacts: Sequence[Person], now: datetime
    ) -> BookingCancelled:
        """Either side calls the booking off; its period is free again."""
        self.status = self._target(BookingAction.cancel)
        self.cancelled_by, self.reason, self.decided_at = side, reason, now
        self.version += 1
        env = self.environment
        return BookingCancelled(
            booking_id=self.id,
            environment_id=env.id,
            environment_name=env.name,
            owner=env.owner,
            owner_contacts=list(owner_contacts),
            user_organisation=self.user_organisation,
            requested_by=self.requested_by,
            period=self.period,
            cancelled_by=side,
            reason=reason,
            cancelled_at=now,
        )

    def complete(self, hours_used: Decimal, now: datetime) -> EnvironmentUsageRecorded:
        """The booking is over: record the hours actually used (at most those booked)."""
        target = self._target(BookingAction.complete)
        if hours_used <= 0 or hours_used > self.hours_booked:
            raise BookingInvalid(
                "hours_used",
                f"hours used are more than 0 and at most the {self.hours_booked} booked",
            )
        if now < self.period.starts_at:
            raise BookingInvalid("hours_used", "a booking is completed once it has started")
        self.status, self.hours_used, self.completed_at = target, hours_used, now
        self.version += 1
        env = self.environment
        return EnvironmentUsageRecorded(
            environment_id=env.id,
            environment_name=env.name,
            booking_id=self.id,
            owner=env.owner,
            user_organisation=self.user_organisation,
            customer=self.customer,
            period=self.period,
            hours=hours_used,
            recorded_at=now,
        )

    def _target(self, action: BookingAction) -> BookingStatus:
        target = TRANSITIONS[self.status].get(action)
        if target is None:
            raise BookingTransitionNotAllowed(action, self.status)
        return target


@dataclass(frozen=True)
class Slot:
    """A free stretch of time, start inclusive, end exclusive."""

    starts_at: datetime
    ends_at: datetime


def free_slots(
    starts_at: datetime, ends_at: datetime, booked: Sequence[tuple[datetime, datetime]]
) -> list[Slot]:
    """The stretches of [starts_at, ends_at) that no booked period covers."""
    slots, cursor = [], starts_at
    for begin, end in sorted(booked):
        if begin > cursor:
            slots.append(Slot(cursor, min(begin, ends_at)))
        cursor = max(cursor, end)
        if cursor >= ends_at:
            break
    if cursor < ends_at:
        slots.append(Slot(cursor, ends_at))
    return [s for s in slots if s.starts_at < s.ends_at]
