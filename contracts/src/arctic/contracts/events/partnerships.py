"""Events of partnerships: needs, negotiations and the three-year agreement's life.

The events of the agreement year (action plans, evaluations, the spring event, the social
handprint) are in `partnership_year`.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Self
from uuid import UUID

from pydantic import Field, model_validator

from arctic.contracts.events.base import PartnershipsEvent
from arctic.contracts.vocabulary import (
    AgreementEndReason,
    AgreementSide,
    BusinessId,
    ContractModel,
    Person,
    Text,
    UtcDateTime,
)


class Partner(ContractModel):
    """A contract partner (or a prospective one): a company known by its business id."""

    partner_id: UUID
    name: Text
    business_id: BusinessId


class CompetenceGroup(ContractModel):
    """A competence group of the UAS, where partnership needs arise."""

    competence_group_id: UUID
    name: Text


class Term(ContractModel):
    """The term of an agreement: first and last day (by default three years)."""

    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ends_on <= self.starts_on:
            raise ValueError("a term ends after it starts")
        return self


class PartnershipNeedRaised(PartnershipsEvent):
    """Published when a competence group raises a need for closer co-operation with a
    (prospective) partner."""

    subject: ClassVar[str] = "arctic.partnerships.need.raised.v1"
    aggregate_key: ClassVar[str] = "need_id"

    need_id: UUID
    partner: Partner
    competence_group: CompetenceGroup
    description: Text
    raised_by: Person
    coordinators: list[Person] = []
    """Partnership coordinators to inform."""
    raised_at: UtcDateTime


class NegotiationStarted(PartnershipsEvent):
    """Published when both sides start negotiating focus areas and goals."""

    subject: ClassVar[str] = "arctic.partnerships.negotiation.started.v1"
    aggregate_key: ClassVar[str] = "negotiation_id"

    negotiation_id: UUID
    need_id: UUID | None = None
    """The need that led to the negotiation, if any."""
    partner: Partner
    focus_areas: list[Text] = []
    goals: list[Text] = []
    uas_contact: Person
    partner_contact: Person
    started_at: UtcDateTime


class AgreementSigned(PartnershipsEvent):
    """Published when a partnership agreement (by default three years) is signed; it names a
    contact person on each side, the term and the focus areas."""

    subject: ClassVar[str] = "arctic.partnerships.agreement.signed.v1"
    aggregate_key: ClassVar[str] = "agreement_id"

    agreement_id: UUID
    negotiation_id: UUID | None = None
    partner: Partner
    term: Term
    focus_areas: list[Text] = Field(min_length=1)
    goals: list[Text] = []
    uas_contact: Person
    partner_contact: Person
    signed_on: date
    signed_at: UtcDateTime


class ContactPersonChanged(PartnershipsEvent):
    """Published when a side of an agreement names a new contact person."""

    subject: ClassVar[str] = "arctic.partnerships.agreement.contact_changed.v1"
    aggregate_key: ClassVar[str] = "agreement_id"

    agreement_id: UUID
    partner: Partner
    side: AgreementSide
    previous_contact: Person | None = None
    new_contact: Person
    other_side_contact: Person
    """The unchanged contact person of the other side, to inform as well."""
    changed_at: UtcDateTime


class AgreementExpiring(PartnershipsEvent):
    """Published on schedule ahead of the end of the term (by default 120 days before), so
    that renewal can be discussed."""

    subject: ClassVar[str] = "arctic.partnerships.agreement.expiring.v1"
    aggregate_key: ClassVar[str] = "agreement_id"

    agreement_id: UUID
    partner: Partner
    term: Term
    days_left: int = Field(ge=0)
    uas_contact: Person
    partner_contact: Person
    announced_at: UtcDateTime


class AgreementRenewed(PartnershipsEvent):
    """Published when an agreement is renewed for a new term."""

    subject: ClassVar[str] = "arctic.partnerships.agreement.renewed.v1"
    aggregate_key: ClassVar[str] = "agreement_id"

    agreement_id: UUID
    partner: Partner
    previous_term: Term
    term: Term
    """The new term."""
    focus_areas: list[Text] = Field(min_length=1)
    uas_contact: Person
    partner_contact: Person
    renewed_at: UtcDateTime


class AgreementEnded(PartnershipsEvent):
    """Published when an agreement ends without renewal: at the end of its term or
    terminated early."""

    subject: ClassVar[str] = "arctic.partnerships.agreement.ended.v1"
    aggregate_key: ClassVar[str] = "agreement_id"

    agreement_id: UUID
    partner: Partner
    term: Term
    reason: AgreementEndReason
    note: Text | None = None
    ended_on: date
    uas_contact: Person
    partner_contact: Person
    ended_at: UtcDateTime
