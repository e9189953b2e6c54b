"""Use cases of the catalogue: load, decide, save, emit, in the caller's one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from arctic.catalogue import booking_store, inquiry_store, search, store
from arctic.catalogue.bookings import Booking, BookingNotFound, Environment
from arctic.catalogue.funding import Situation, match
from arctic.catalogue.inquiries import (
    Candidate,
    Inquiry,
    InquiryNotFound,
    Route,
    decide_route,
)
from arctic.catalogue.offerings import Offering, OfferingDetails, OfferingNotFound
from arctic.catalogue.settings import CatalogueSettings
from arctic.catalogue.working_days import end_of_day
from arctic.contracts.events import BookingPeriod, Event, PersonalDataErasureRequested
from arctic.contracts.vocabulary import (
    BookingSide,
    Company,
    CompanyRef,
    ContactPerson,
    OfferingKind,
    Organisation,
    Person,
    RouteTarget,
    Stage,
)
from arctic.runtime.logs import get_logger
from arctic.runtime.subscriptions import Context
from arctic.runtime.unit_of_work import Transaction

log = get_logger(__name__)
FUNDING_SUGGESTED = 3
COORDINATOR, INQUIRIES, BOOKINGS = "coordinator", "inquiries", "bookings"
"""The duties a contact person is named for."""


class OrganisationUnknown(Exception):
    """No organisation has this short name."""

    def __init__(self, field_name: str, short_name: str) -> None:
        super().__init__(f"no organisation {short_name!r}")
        self.field_name = field_name


async def organisation(tx: Transaction, short_name: str, field_name: str) -> Organisation:
    """The organisation of a short name a caller gave in `field_name`."""
    found = await store.organisation(tx.conn, short_name)
    if found is None:
        raise OrganisationUnknown(field_name, short_name)
    return found


# Offerings


async def create_offering(
    tx: Transaction, kind: OfferingKind, short_name: str, details: OfferingDetails, now: datetime
) -> Offering:
    """A new draft offering of an organisation."""
    owner = await organisation(tx, short_name, "organisation")
    offering = Offering.draft(kind, owner, short_name, details, now)
    await store.insert_offering(tx.conn, offering)
    log.info("offering drafted", offering_id=str(offering.id), organisation=short_name)
    return offering


async def load_offering(tx: Transaction, offering_id: UUID) -> Offering:
    """An offering, or OfferingNotFound."""
    offering = await store.get_offering(tx.conn, offering_id)
    if offering is None:
        raise OfferingNotFound(offering_id)
    return offering


async def edit_offering(tx: Transaction, offering: Offering, details: OfferingDetails) -> None:
    """New details of an offering; a published one is announced again (OfferingPublished)."""
    event = offering.edit(details)
    await store.update_offering(tx.conn, offering)
    if event is not None:
        await _announce(tx, event, offering.version, offering_id=offering.id)


async def publish_offering(tx: Transaction, offering: Offering, now: datetime) -> None:
    """Make an offering visible to everyone (OfferingPublished)."""
    event = offering.publish(now)
    await store.update_offering(tx.conn, offering)
    await _announce(tx, event, offering.version, offering_id=offering.id)


async def retire_offering(
    tx: Transaction, offering: Offering, reason: str | None, now: datetime
) -> None:
    """Withdraw an offering (OfferingRetired)."""
    event = offering.retire(reason, now)
    await store.update_offering(tx.conn, offering)
    await _announce(tx, event, offering.version, offering_id=offering.id)


# Inquiries


async def receive_inquiry(
    tx: Transaction,
    company: Company,
    contact: ContactPerson,
    need: str,
    stage: Stage,
    offering_id: UUID | None,
    settings: CatalogueSettings,
    now: datetime,
) -> Inquiry:
    """Take in a company's need (InquiryReceived) and route it at once when its need matches
    published offerings (InquiryRouted); its service level is watched (InquiryOverdue)."""
    if offering_id is not None and await store.get_offering(tx.conn, offering_id) is None:
        raise OfferingNotFound(offering_id)
    coordinators = await store.contacts(tx.conn, COORDINATOR)
    inquiry, received = Inquiry.receive(
        company, contact, need, stage, offering_id, coordinators, now,
        settings.inquiry_response_working_days,
    )  # fmt: skip
    await inquiry_store.insert_inquiry(tx.conn, inquiry)
    await _announce(tx, received, inquiry.version, inquiry_id=inquiry.id)
    route = await _proposed_route(tx, inquiry)
    if route is not None:
        await _route(tx, inquiry, route, now)
    else:
        await _watch_service_level(tx, inquiry)
    return inquiry


async def _proposed_route(tx: Transaction, inquiry: Inquiry) -> Route | None:
    ranked = await search.rank_for_need(tx.conn, inquiry.need)
    candidates = [
        Candidate(
            offering.id,
            offering.details.title_en,
            offering.organisation,
            offering.organisation_short_name,
            offering.details.stages,
            offering.details.keywords,
            score,
            tuple(await search.matched_words(tx.conn, inquiry.need, offering)),
        )
        for offering, score in ranked
    ]
    route = decide_route(inquiry.stage, candidates)
    if route is None:
        return None
    return await _with_funding(tx, route, inquiry.stage)


async def _with_funding(tx: Transaction, route: Route, stage: Stage) -> Route:
    matches = match(await store.funding_instruments(tx.conn), Situation(stage))
    funding = tuple((m.instrument.id, m.instrument.name) for m in matches if m.fits)
    return Route(
        route.target,
        route.organisations,
        route.suggestions,
        route.reasons,
        funding[:FUNDING_SUGGESTED],
    )


async def load_inquiry(tx: Transaction, inquiry_id: UUID) -> Inquiry:
    """An inquiry, or InquiryNotFound."""
    inquiry = await inquiry_store.get_inquiry(tx.conn, inquiry_id)
    if inquiry is None:
        raise InquiryNotFound(inquiry_id)
    return inquiry


async def reroute_inquiry(
    tx: Transaction,
    inquiry: Inquiry,
    target: RouteTarget,
    short_names: list[str],
    reason: str,
    now: datetime,
) -> None:
    """Staff route an inquiry by hand, with the reason (a new InquiryRouted)."""
    chosen: Mapping[str, Organisation] = {
        name: await organisation(tx, name, "organisations") for name in short_names
    }
    kept = inquiry.route
    route = Route(
        target,
        chosen,
        () if kept is None else kept.suggestions,
        (reason.strip(),),
        () if kept is None else kept.funding,
    )
    await _route(tx, inquiry, route, now)


async def _route(tx: Transaction, inquiry: Inquiry, route: Route, now: datetime) -> None:
    ids = [o.organisation_id for o in route.organisations.values()]
    assignees = await store.contacts(tx.conn, INQUIRIES, ids)
    routed = inquiry.route_to(route, assignees, now)
    await inquiry_store.update_inquiry(tx.conn, inquiry)
    await _announce(tx, routed, inquiry.version, inquiry_id=inquiry.id, target=route.target)
    await _watch_service_level(tx, inquiry)


async def _watch_service_level(tx: Transaction, inquiry: Inquiry) -> None:
    due = end_of_day(inquiry.respond_by)
    coordinators = await store.contacts(tx.conn, COORDINATOR)
    await tx.schedule(f"inquiry-overdue:{inquiry.id}", inquiry.overdue(coordinators, due), due)


async def answer_inquiry(tx: Transaction, inquiry: Inquiry, answer: str, now: datetime) -> None:
    """Record the first answer to the company; the service level is met."""
    inquiry.answered(answer, now)
    await inquiry_store.update_inquiry(tx.conn, inquiry)
    await tx.cancel_schedule(f"inquiry-overdue:{inquiry.id}")
    log.info("inquiry answered", inquiry_id=str(inquiry.id), version=inquiry.version)


# Bookings


async def request_booking(
    tx: Transaction,
    environment_id: UUID,
    user_short_name: str,
    customer: CompanyRef | None,
    requested_by: Person,
    requester: ContactPerson,
    period: BookingPeriod,
    purpose: str,
    now: datetime,
) -> Booking:
    """Ask for a period of an environment (BookingRequested); when its owner does not approve
    bookings, the period is granted at once (BookingConfirmed)."""
    env = await load_environment(tx, environment_id)
    user = await organisation(tx, user_short_name, "user_organisation")
    await booking_store.check_free(tx.conn, env.id, period)
    owner_contacts = await store.contacts(tx.conn, BOOKINGS, [env.owner.organisation_id])
    booking, requested = Booking.request(
        env, (user_short_name, user), customer, requested_by, requester, period, purpose,
        owner_contacts, now,
    )  # fmt: skip
    await booking_store.insert_booking(tx.conn, booking)
    await _announce(tx, requested, booking.version, booking_id=booking.id)
    if not env.owner_approves:
        await confirm_booking(tx, booking, now)
    return booking


async def load_environment(tx: Transaction, environment_id: UUID) -> Environment:
    """A published environment, or OfferingNotFound."""
    env = await booking_store.environment(tx.conn, environment_id)
    if env is None:
        raise OfferingNotFound(environment_id)
    return env


async def load_booking(tx: Transaction, booking_id: UUID) -> Booking:
    """A booking, or BookingNotFound."""
    booking = await booking_store.get_booking(tx.conn, booking_id)
    if booking is None:
        raise BookingNotFound(booking_id)
    return booking


async def confirm_booking(tx: Transaction, booking: Booking, now: datetime) -> None:
    """The owner grants the period (BookingConfirmed); BookingOverlaps if another holds it."""
    confirmed = booking.confirm(now)
    await booking_store.update_booking(tx.conn, booking)
    await _announce(tx, confirmed, booking.version, booking_id=booking.id)


async def decline_booking(tx: Transaction, booking: Booking, reason: str, now: datetime) -> None:
    """The owner does not grant the period."""
    booking.decline(reason, now)
    await booking_store.update_booking(tx.conn, booking)
    log.info("booking declined", booking_id=str(booking.id), version=booking.version)


async def cancel_booking(
    tx: Transaction, booking: Booking, side: BookingSide, reason: str | None, now: datetime
) -> None:
    """Either side calls a booking off (BookingCancelled); the period is free again."""
    owner_contacts = await store.contacts(
        tx.conn, BOOKINGS, [booking.environment.owner.organisation_id]
    )
    cancelled = booking.cancel(side, reason, owner_contacts, now)
    await booking_store.update_booking(tx.conn, booking)
    await _announce(tx, cancelled, booking.version, booking_id=booking.id)


async def complete_booking(
    tx: Transaction, booking: Booking, hours_used: Decimal, now: datetime
) -> None:
    """Record the hours used of a booking (EnvironmentUsageRecorded)."""
    recorded = booking.complete(hours_used, now)
    await booking_store.update_booking(tx.conn, booking)
    # Its subject is the environment, whose changes are not versioned: no aggregate version.
    await _announce(tx, recorded, None, booking_id=booking.id)


async def erase_person(
    ctx: Context[CatalogueSettings], erasure: PersonalDataErasureRequested
) -> int:
    """Erase a person wherever the catalogue holds them in clear (ServiceDefinition.erase_person):
    contacts, inquiries' company contacts, bookings' requesters."""
    conn, now, person = ctx.tx.conn, ctx.clock(), erasure.person_id
    return (
        await store.erase_contact(conn, person, now)
        + await inquiry_store.erase_contact(conn, person, now)
        + await booking_store.erase_requester(conn, person, now)
    )


async def _announce(tx: Transaction, event: Event, version: int | None, **ids: object) -> None:
    event_id = await tx.emit(event, aggregate_version=version)
    log.info(
        "catalogue changed",
        subject=event.subject,
        version=version,
        event_id=str(event_id),
        **{k: str(v) for k, v in ids.items()},
    )
