"""Events of the catalogue: offerings, inquiries of the one-stop shop, environment bookings."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Self
from uuid import UUID

from pydantic import Field, model_validator

from arctic.contracts.events.base import CatalogueEvent
from arctic.contracts.vocabulary import (
    Amount,
    BookingSide,
    Company,
    CompanyRef,
    ContractModel,
    Discipline,
    OfferingKind,
    Organisation,
    Person,
    RouteTarget,
    Stage,
    Text,
    UtcDateTime,
)


class LocalizedText(ContractModel):
    """A text in one or more of the languages served (at least one)."""

    fi: Text | None = None
    en: Text | None = None
    sv: Text | None = None

    @model_validator(mode="after")
    def _has_a_language(self) -> Self:
        if self.fi is None and self.en is None and self.sv is None:
            raise ValueError("give the text in at least one language (fi, en, sv)")
        return self


class BookingPeriod(ContractModel):
    """The booked time of an environment, start inclusive, end exclusive."""

    starts_at: UtcDateTime
    ends_at: UtcDateTime

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("a booking period ends after it starts")
        return self


class InquiryDetails(ContractModel):
    """What a company asks of the one-stop shop."""

    title: Text
    description: Text
    stage: Stage
    disciplines: list[Discipline] = []
    """Disciplines the company thinks its need touches; may be empty."""
    showcase_consent: bool = False
    """Whether the company allows a public showcase of a resulting prototype."""


class OfferingPublished(CatalogueEvent):
    """Published when an offering (a productized service or a development environment)
    becomes visible in the catalogue."""

    subject: ClassVar[str] = "arctic.catalogue.offering.published.v1"
    aggregate_key: ClassVar[str] = "offering_id"

    offering_id: UUID
    kind: OfferingKind
    organisation: Organisation
    """The organisation that offers it."""
    name: LocalizedText
    description: LocalizedText
    stages: list[Stage] = []
    """Product-development stages the offering serves."""
    published_at: UtcDateTime


class OfferingRetired(CatalogueEvent):
    """Published when an offering is withdrawn from the catalogue."""

    subject: ClassVar[str] = "arctic.catalogue.offering.retired.v1"
    aggregate_key: ClassVar[str] = "offering_id"

    offering_id: UUID
    kind: OfferingKind
    organisation: Organisation
    name: LocalizedText
    reason: Text | None = None
    retired_at: UtcDateTime


class InquiryReceived(CatalogueEvent):
    """Published when a company's need arrives at the one-stop shop."""

    subject: ClassVar[str] = "arctic.catalogue.inquiry.received.v1"
    aggregate_key: ClassVar[str] = "inquiry_id"

    inquiry_id: UUID
    company: Company
    inquiry: InquiryDetails
    offering_id: UUID | None = None
    """The offering the inquiry was made from, if any."""
    coordinators: list[Person] = []
    """One-stop-shop staff to inform of the new inquiry."""
    respond_by: date
    """Last day of the service level (Finnish working days) for a first answer."""
    received_at: UtcDateTime


class InquiryRouted(CatalogueEvent):
    """Published when an inquiry is assigned to one or more organisations, or to prototyping
    (then prototyping opens a prototype request with the inquiry as its origin)."""

    subject: ClassVar[str] = "arctic.catalogue.inquiry.routed.v1"
    aggregate_key: ClassVar[str] = "inquiry_id"

    inquiry_id: UUID
    target: RouteTarget
    organisations: list[Organisation] = []
    """The organisations the inquiry is routed to; empty when routed to prototyping."""
    assignees: list[Person] = []
    """People at the receiving side who answer the company."""
    company: Company
    inquiry: InquiryDetails
    respond_by: date
    routed_at: UtcDateTime


class InquiryOverdue(CatalogueEvent):
    """Published when an inquiry has had no answer within its service level (by default
    five working days)."""

    subject: ClassVar[str] = "arctic.catalogue.inquiry.overdue.v1"
    aggregate_key: ClassVar[str] = "inquiry_id"

    inquiry_id: UUID
    title: Text
    company: CompanyRef
    """The company that asked (not informed of the delay: no contact person)."""
    organisations: list[Organisation] = []
    assignees: list[Person] = []
    """People who should have answered."""
    coordinators: list[Person] = []
    """One-stop-shop staff the delay is escalated to."""
    respond_by: date
    detected_at: UtcDateTime


class BookingRequested(CatalogueEvent):
    """Published when a slot of a development environment is asked for; the owner approves."""

    subject: ClassVar[str] = "arctic.catalogue.booking.requested.v1"
    aggregate_key: ClassVar[str] = "booking_id"

    booking_id: UUID
    environment_id: UUID
    environment_name: Text
    owner: Organisation
    """The organisation that owns the environment."""
    owner_contacts: list[Person]
    """People of the owner who approve bookings."""
    user_organisation: Organisation
    """The organisation that will use the environment."""
    customer: CompanyRef | None = None
    """The company the environment is used for, if any (named only: nobody there is
    informed of bookings)."""
    requested_by: Person
    period: BookingPeriod
    purpose: Text
    requested_at: UtcDateTime


class BookingConfirmed(CatalogueEvent):
    """Published when a booking is granted (its period overlaps no other booking)."""

    subject: ClassVar[str] = "arctic.catalogue.booking.confirmed.v1"
    aggregate_key: ClassVar[str] = "booking_id"

    booking_id: UUID
    environment_id: UUID
    environment_name: Text
    owner: Organisation
    user_organisation: Organisation
    customer: CompanyRef | None = None
    requested_by: Person
    period: BookingPeriod
    confirmed_at: UtcDateTime


class BookingCancelled(CatalogueEvent):
    """Published when either side cancels a booking."""

    subject: ClassVar[str] = "arctic.catalogue.booking.cancelled.v1"
    aggregate_key: ClassVar[str] = "booking_id"

    booking_id: UUID
    environment_id: UUID
    environment_name: Text
    owner: Organisation
    owner_contacts: list[Person] = []
    user_organisation: Organisation
    requested_by: Person
    period: BookingPeriod
    cancelled_by: BookingSide
    reason: Text | None = None
    cancelled_at: UtcDateTime


class EnvironmentUsageRecorded(CatalogueEvent):
    """Published when a booking is completed: who used whose environment, for which
    customer, for how many hours (the benefit each organisation sees)."""

    subject: ClassVar[str] = "arctic.catalogue.environment.usage_recorded.v1"
    aggregate_key: ClassVar[str] = "environment_id"

    environment_id: UUID
    environment_name: Text
    booking_id: UUID
    owner: Organisation
    user_organisation: Organisation
    customer: CompanyRef | None = None
    period: BookingPeriod
    hours: Amount = Field(gt=0)
    recorded_at: UtcDateTime
