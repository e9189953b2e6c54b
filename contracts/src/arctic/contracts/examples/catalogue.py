"""Example catalogue events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from arctic.contracts.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingPeriod,
    BookingRequested,
    EnvironmentUsageRecorded,
    InquiryDetails,
    InquiryOverdue,
    InquiryReceived,
    InquiryRouted,
    LocalizedText,
    OfferingPublished,
    OfferingRetired,
)
from arctic.contracts.examples.parties import (
    AINO,
    ERIK,
    GTK,
    JUHANI,
    KAAMOS_REF,
    LAPLAND_UAS,
    MAYA,
    REVONTULI,
    REVONTULI_REF,
    at,
    example_id,
)
from arctic.contracts.vocabulary import (
    BookingSide,
    Discipline,
    OfferingKind,
    RouteTarget,
    Stage,
)

OFFERING_ID = example_id("offering/mintec")
INQUIRY_ID = example_id("inquiry/snow-sensor")
BOOKING_ID = example_id("booking/mintec-1")
ENVIRONMENT_ID = example_id("environment/mintec")
MINTEC_NAME = LocalizedText(fi="GTK Mintec -pilottilaitos", en="GTK Mintec pilot plant")
INQUIRY = InquiryDetails(
    title="Snow-load sensor for roofs",
    description="We need a cheap sensor that warns of heavy snow loads on warehouse roofs.",
    stage=Stage.concept,
    disciplines=[Discipline.ict, Discipline.construction],
    showcase_consent=True,
)
PERIOD = BookingPeriod(starts_at=at(10, 7), ends_at=at(10, 15))


def offering_published() -> OfferingPublished:
    """An environment of GTK becomes visible."""
    return OfferingPublished(
        offering_id=OFFERING_ID,
        kind=OfferingKind.environment,
        organisation=GTK,
        name=MINTEC_NAME,
        description=LocalizedText(en="Mineral processing from bench tests to pilot runs."),
        stages=[Stage.prototype, Stage.pilot],
        published_at=at(1),
    )


def offering_retired() -> OfferingRetired:
    """The environment is withdrawn."""
    return OfferingRetired(
        offering_id=OFFERING_ID,
        kind=OfferingKind.environment,
        organisation=GTK,
        name=MINTEC_NAME,
        reason="Renovation",
        retired_at=at(20),
    )


def inquiry_received() -> InquiryReceived:
    """A company asks the one-stop shop."""
    return InquiryReceived(
        inquiry_id=INQUIRY_ID,
        company=REVONTULI,
        inquiry=INQUIRY,
        coordinators=[MAYA],
        respond_by=date(2025, 3, 10),
        received_at=at(3),
    )


def inquiry_routed() -> InquiryRouted:
    """The inquiry goes to prototyping."""
    return InquiryRouted(
        inquiry_id=INQUIRY_ID,
        target=RouteTarget.prototyping,
        assignees=[JUHANI],
        company=REVONTULI,
        inquiry=INQUIRY,
        respond_by=date(2025, 3, 10),
        routed_at=at(4),
    )


def inquiry_overdue() -> InquiryOverdue:
    """Nobody answered within five working days."""
    return InquiryOverdue(
        inquiry_id=INQUIRY_ID,
        title=INQUIRY.title,
        company=REVONTULI_REF,
        organisations=[LAPLAND_UAS],
        assignees=[JUHANI],
        coordinators=[MAYA],
        respond_by=date(2025, 3, 10),
        detected_at=at(11, 6),
    )


def booking_requested() -> BookingRequested:
    """Lapland UAS asks for a day at GTK's pilot plant for a customer."""
    return BookingRequested(
        booking_id=BOOKING_ID,
        environment_id=ENVIRONMENT_ID,
        environment_name="GTK Mintec pilot plant",
        owner=GTK,
        owner_contacts=[ERIK],
        user_organisation=LAPLAND_UAS,
        customer=KAAMOS_REF,
        requested_by=AINO,
        period=PERIOD,
        purpose="Flotation test run",
        requested_at=at(2),
    )


def booking_confirmed() -> BookingConfirmed:
    """The owner grants the slot."""
    return BookingConfirmed(
        booking_id=BOOKING_ID,
        environment_id=ENVIRONMENT_ID,
        environment_name="GTK Mintec pilot plant",
        owner=GTK,
        user_organisation=LAPLAND_UAS,
        customer=KAAMOS_REF,
        requested_by=AINO,
        period=PERIOD,
        confirmed_at=at(3),
    )


def booking_cancelled() -> BookingCancelled:
    """The user cancels."""
    return BookingCancelled(
        booking_id=BOOKING_ID,
        environment_id=ENVIRONMENT_ID,
        environment_name="GTK Mintec pilot plant",
        owner=GTK,
        owner_contacts=[ERIK],
        user_organisation=LAPLAND_UAS,
        requested_by=AINO,
        period=PERIOD,
        cancelled_by=BookingSide.user,
        reason="Samples did not arrive",
        cancelled_at=at(5),
    )


def environment_usage_recorded() -> EnvironmentUsageRecorded:
    """The booking is completed: eight hours for a customer."""
    return EnvironmentUsageRecorded(
        environment_id=ENVIRONMENT_ID,
        environment_name="GTK Mintec pilot plant",
        booking_id=BOOKING_ID,
        owner=GTK,
        user_organisation=LAPLAND_UAS,
        customer=KAAMOS_REF,
        period=PERIOD,
        hours=Decimal("8.0"),
        recorded_at=at(10, 16),
    )
