"""HTTP API of shared environments: bookings (requested by staff of any organisation, decided
by the owner's staff), free slots, and the benefit report."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response, status
from pydantic import BaseModel, Field

from arctic.catalogue import booking_store, handlers
from arctic.catalogue.bookings import (
    Booking,
    BookingAction,
    BookingInvalid,
    BookingNotFound,
    BookingStatus,
    free_slots,
)
from arctic.catalogue.schemas import (
    CHANGE_ANSWERS_DOC,
    PROBLEM_DOC,
    ContactBody,
    ShortName,
    Strict,
    text,
)
from arctic.contracts.events import BookingPeriod
from arctic.contracts.vocabulary import BookingSide, BusinessId, CompanyRef, Text, UtcDateTime
from arctic.runtime.access.principal import Principal, ensure_organisation_owns
from arctic.runtime.access.requirements import public, require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, Idempotent, PersonsDep, UnitOfWorkDep
from arctic.runtime.pagination import Page, PageDep

router = APIRouter(tags=["bookings"])
STAFF = require(Role.staff)
AVAILABILITY_MAX = timedelta(days=92)


class CustomerBody(Strict):
    """The company the environment is used for (named only)."""

    name: Text
    business_id: BusinessId


class PeriodBody(Strict):
    """A period, start inclusive, end exclusive (UTC or with an offset)."""

    starts_at: UtcDateTime
    ends_at: UtcDateTime


class NewBooking(Strict):
    """A request for a period of an environment, for the caller's organisation."""

    period: PeriodBody
    purpose: Annotated[str, text(2000)]
    user_organisation: ShortName
    customer: CustomerBody | None = None
    contact: ContactBody = Field(description="Who asks (informed of the owner's decision)")


class ReasonBody(Strict):
    """Why (optional)."""

    reason: Annotated[str, text(1000)] | None = None


class CompletionBody(Strict):
    """The hours the environment was actually used."""

    hours_used: Annotated[Decimal, Field(gt=0, le=100_000, decimal_places=2)]


class BookingView(BaseModel):
    """A booking as callers see it (the requester's details are not repeated here)."""

    id: UUID
    environment_id: UUID
    environment_name: str
    owner: str
    user_organisation: str
    customer: CompanyRef | None
    period: BookingPeriod
    purpose: str
    status: BookingStatus
    requested_at: datetime
    decided_at: datetime | None
    cancelled_by: BookingSide | None
    reason: str | None
    hours_booked: Decimal
    hours_used: Decimal | None
    completed_at: datetime | None
    allowed_actions: list[BookingAction]

    @classmethod
    def of(cls, b: Booking) -> BookingView:
        """The view of a booking."""
        return cls(
            id=b.id,
            environment_id=b.environment.id,
            environment_name=b.environment.name,
            owner=b.environment.owner_short_name,
            user_organisation=b.user_short_name,
            customer=b.customer,
            period=b.period,
            purpose=b.purpose,
            status=b.status,
            requested_at=b.requested_at,
            decided_at=b.decided_at,
            cancelled_by=b.cancelled_by,
            reason=b.reason,
            hours_booked=b.hours_booked,
            hours_used=b.hours_used,
            completed_at=b.completed_at,
            allowed_actions=b.allowed_actions,
        )


class SlotView(BaseModel):
    """A free stretch of time."""

    starts_at: datetime
    ends_at: datetime


class BenefitRow(BaseModel):
    """What one organisation's environments gave one user organisation (and companies through
    it) in the year: completed bookings, hours booked and used, customers served."""

    owner: str
    user_organisation: str
    bookings: int
    hours_booked: Decimal
    hours_used: Decimal
    hours_for_companies: Decimal
    customers_served: int


class BenefitReport(BaseModel):
    """The benefit report of a year."""

    year: int
    rows: list[BenefitRow]


@router.post(
    "/environments/{environment_id}/bookings",
    status_code=status.HTTP_201_CREATED,
    response_model=BookingView,
    dependencies=[Depends(STAFF), Idempotent],
    responses={
        404: {"description": "No such published environment", **PROBLEM_DOC},
        409: {
            "description": "A confirmed booking holds the period (`conflicting_booking`)",
            **PROBLEM_DOC,
        },
    },
    summary="Ask for a period of an environment (BookingRequested)",
    description="Staff book for their own organisation. When the owner does not approve "
    "bookings, the period is confirmed at once (BookingConfirmed).",
)
async def request_booking(
    environment_id: UUID,
    body: NewBooking,
    response: Response,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
    caller: Principal = Depends(STAFF),
) -> BookingView:
    ensure_organisation_owns(
        caller, body.user_organisation, what=f"organisation {body.user_organisation}"
    )
    period = _period(body.period)
    customer = None if body.customer is None else CompanyRef(**body.customer.model_dump())
    requested_by = await persons.seal(body.contact)
    async with uow.transaction() as tx:
        booking = await handlers.request_booking(
            tx, environment_id, body.user_organisation, customer, requested_by, body.contact,
            period, body.purpose, clock(),
        )  # fmt: skip
    response.headers["Location"] = f"/bookings/{booking.id}"
    return BookingView.of(booking)


def _period(body: PeriodBody) -> BookingPeriod:
    if body.ends_at <= body.starts_at:
        raise BookingInvalid("period.ends_at", "a booking period ends after it starts")
    return BookingPeriod(starts_at=body.starts_at, ends_at=body.ends_at)


@router.get(
    "/environments/{environment_id}/availability",
    response_model=list[SlotView],
    dependencies=[Depends(public())],
    responses={404: {"description": "No such published environment", **PROBLEM_DOC}},
    summary="The free slots of an environment between `from` and `to` (at most 92 days)",
)
async def availability(
    environment_id: UUID,
    uow: UnitOfWorkDep,
    starts_at: Annotated[UtcDateTime, Query(alias="from")],
    ends_at: Annotated[UtcDateTime, Query(alias="to")],
) -> list[SlotView]:
    if not starts_at < ends_at <= starts_at + AVAILABILITY_MAX:
        raise BookingInvalid("to", "`to` is after `from`, at most 92 days on")
    async with uow.transaction() as tx:
        await handlers.load_environment(tx, environment_id)
        held = await booking_store.held_periods(tx.conn, environment_id, starts_at, ends_at)
    return [SlotView(**vars(s)) for s in free_slots(starts_at, ends_at, held)]


@router.get(
    "/bookings",
    response_model=Page[BookingView],
    dependencies=[Depends(require(Role.staff, Role.coordinator))],
    summary="List bookings, newest first, of one environment or all",
)
async def list_bookings(
    page: PageDep,
    uow: UnitOfWorkDep,
    environment_id: UUID | None = None,
    status: BookingStatus | None = None,
) -> Page[BookingView]:
    bookings, next_cursor = await booking_store.list_bookings(
        uow.pool, page, environment_id, status
    )
    return Page(items=[BookingView.of(b) for b in bookings], next_cursor=next_cursor)


@router.get(
    "/bookings/{booking_id}",
    response_model=BookingView,
    dependencies=[Depends(require(Role.staff, Role.coordinator))],
    responses={404: CHANGE_ANSWERS_DOC[404]},
    summary="Read a booking",
)
async def read_booking(booking_id: UUID, uow: UnitOfWorkDep) -> BookingView:
    booking = await booking_store.get_booking(uow.pool, booking_id)
    if booking is None:
        raise BookingNotFound(booking_id)
    return BookingView.of(booking)


async def _as_owner(tx: Any, booking_id: UUID, caller: Principal) -> Booking:
    booking = await handlers.load_booking(tx, booking_id)
    ensure_organisation_owns(
        caller, booking.environment.owner_short_name, what=f"environment of booking {booking_id}"
    )
    return booking


@router.post(
    "/bookings/{booking_id}/confirm",
    response_model=BookingView,
    dependencies=[Depends(STAFF), Idempotent],
    responses=CHANGE_ANSWERS_DOC,
    summary="The owner grants the period (BookingConfirmed); 409 naming an overlapping one",
)
async def confirm_booking(
    booking_id: UUID, uow: UnitOfWorkDep, clock: ClockDep, caller: Principal = Depends(STAFF)
) -> BookingView:
    async with uow.transaction() as tx:
        booking = await _as_owner(tx, booking_id, caller)
        await handlers.confirm_booking(tx, booking, clock())
    return BookingView.of(booking)


@router.post(
    "/bookings/{booking_id}/decline",
    response_model=BookingView,
    dependencies=[Depends(STAFF), Idempotent],
    responses=CHANGE_ANSWERS_DOC,
    summary="The owner does not grant the period",
)
async def decline_booking(
    booking_id: UUID,
    body: ReasonBody,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    caller: Principal = Depends(STAFF),
) -> BookingView:
    async with uow.transaction() as tx:
        booking = await _as_owner(tx, booking_id, caller)
        await handlers.decline_booking(tx, booking, body.reason or "", clock())
    return BookingView.of(booking)


@router.post(
    "/bookings/{booking_id}/cancel",
    response_model=BookingView,
    dependencies=[Depends(STAFF), Idempotent],
    responses=CHANGE_ANSWERS_DOC,
    summary="Either side calls the booking off (BookingCancelled); the period is free again",
)
async def cancel_booking(
    booking_id: UUID,
    body: ReasonBody,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    caller: Principal = Depends(STAFF),
) -> BookingView:
    async with uow.transaction() as tx:
        booking = await handlers.load_booking(tx, booking_id)
        owner = booking.environment.owner_short_name
        side = BookingSide.owner if caller.is_staff_of(owner) else BookingSide.user
        if side is BookingSide.user:
            ensure_organisation_owns(caller, booking.user_short_name, what=f"booking {booking_id}")
        await handlers.cancel_booking(tx, booking, side, body.reason, clock())
    return BookingView.of(booking)


@router.post(
    "/bookings/{booking_id}/complete",
    response_model=BookingView,
    dependencies=[Depends(STAFF), Idempotent],
    responses=CHANGE_ANSWERS_DOC,
    summary="Record the hours actually used (EnvironmentUsageRecorded)",
)
async def complete_booking(
    booking_id: UUID,
    body: CompletionBody,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    caller: Principal = Depends(STAFF),
) -> BookingView:
    async with uow.transaction() as tx:
        booking = await _as_owner(tx, booking_id, caller)
        await handlers.complete_booking(tx, booking, body.hours_used, clock())
    return BookingView.of(booking)


@router.get(
    "/reports/benefit",
    response_model=BenefitReport,
    dependencies=[Depends(require(Role.staff, Role.coordinator))],
    responses={200: {"content": {"text/csv": {}}}},
    tags=["reports"],
    summary="Who used whose environments in a year: hours booked and used, customers served",
    description="JSON, or CSV with `Accept: text/csv`.",
)
async def benefit_report(
    uow: UnitOfWorkDep,
    year: Annotated[int, Query(ge=2015, le=2100)],
    accept: Annotated[str | None, Header(max_length=500)] = None,
) -> Any:
    rows = [BenefitRow(**dict(r)) for r in await booking_store.benefit(uow.pool, year)]
    if accept is not None and "text/csv" in accept:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(BenefitRow.model_fields)
        writer.writerows([list(r.model_dump().values()) for r in rows])
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    return BenefitReport(year=year, rows=rows)
