"""Events of the partnership year: action plans, evaluations, the spring partner event
(Valakiat) and the social handprint."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import Field

from arctic.contracts.events.base import PartnershipsEvent
from arctic.contracts.events.partnerships import Partner
from arctic.contracts.vocabulary import (
    ActionStatus,
    Amount,
    ContractModel,
    Person,
    Text,
    UtcDateTime,
)

Year = Annotated[int, Field(ge=2000, le=2999)]
"""A calendar year."""


class PlannedAction(ContractModel):
    """An action agreed for an agreement year."""

    action_id: UUID
    title: Text
    description: Text | None = None
    due_on: date | None = None
    status: ActionStatus | None = None
    """How far the action has got, when the plan is agreed (again)."""
    uas_owner: Person | None = None
    """Who carries the action at the UAS."""
    partner_owner: Person | None = None
    """Who carries the action at the partner."""
    indicators: list[Text] = []
    """The social-handprint indicators the action is expected to move."""


class ActionRealisation(ContractModel):
    """How far an agreed action got, as recorded in an evaluation meeting."""

    action_id: UUID
    title: Text
    status: ActionStatus
    note: Text | None = None


class ActionPlanAgreed(PartnershipsEvent):
    """Published when the actions of an agreement year are agreed and written into the
    action plan."""

    subject: ClassVar[str] = "arctic.partnerships.action_plan.agreed.v1"
    aggregate_key: ClassVar[str] = "action_plan_id"

    action_plan_id: UUID
    agreement_id: UUID
    partner: Partner
    agreement_year: int = Field(ge=1)
    """Which year of the agreement the plan is for (1 for the first)."""
    starts_on: date
    ends_on: date
    actions: list[PlannedAction] = Field(min_length=1)
    uas_contact: Person
    partner_contact: Person
    agreed_at: UtcDateTime


class EvaluationDue(PartnershipsEvent):
    """Published on schedule ahead of an evaluation meeting (by default 14 days before);
    evaluations fall due every six months of the term."""

    subject: ClassVar[str] = "arctic.partnerships.evaluation.due.v1"
    aggregate_key: ClassVar[str] = "evaluation_id"

    evaluation_id: UUID
    agreement_id: UUID
    partner: Partner
    due_on: date
    uas_contact: Person
    partner_contact: Person
    announced_at: UtcDateTime


class EvaluationHeld(PartnershipsEvent):
    """Published when an evaluation meeting is recorded, with the realisation of the
    agreed actions."""

    subject: ClassVar[str] = "arctic.partnerships.evaluation.held.v1"
    aggregate_key: ClassVar[str] = "evaluation_id"

    evaluation_id: UUID
    agreement_id: UUID
    partner: Partner
    due_on: date
    held_on: date
    realisation: list[ActionRealisation] = []
    summary: Text
    next_due_on: date | None = None
    """When the next evaluation falls due; none after the last of the term."""
    uas_contact: Person
    partner_contact: Person
    recorded_at: UtcDateTime
    attendees: list[Person] = []
    """Who attended the meeting."""


class EvaluationOverdue(PartnershipsEvent):
    """Published on schedule when an evaluation's due date has passed with no evaluation
    recorded; it is escalated to the owner of the partnership."""

    subject: ClassVar[str] = "arctic.partnerships.evaluation.overdue.v1"
    aggregate_key: ClassVar[str] = "evaluation_id"

    evaluation_id: UUID
    agreement_id: UUID
    partner: Partner
    due_on: date
    owner: Person
    """The UAS person responsible for the partnership, to whom the delay is escalated."""
    uas_contact: Person
    partner_contact: Person
    detected_at: UtcDateTime


class PartnerEventInvitationIssued(PartnershipsEvent):
    """Published for the yearly spring partner event (Valakiat): one invitation per active
    partner contact."""

    subject: ClassVar[str] = "arctic.partnerships.partner_event.invitation_issued.v1"
    aggregate_key: ClassVar[str] = "partner_event_id"

    partner_event_id: UUID
    invitation_id: UUID
    event_name: Text
    year: Year
    held_on: date
    location: Text
    agreement_id: UUID
    partner: Partner
    invitee: Person
    reply_by: date | None = None
    issued_at: UtcDateTime


class HandprintRecorded(PartnershipsEvent):
    """Published when a social-handprint indicator is recorded for a partner and a year."""

    subject: ClassVar[str] = "arctic.partnerships.handprint.recorded.v1"
    aggregate_key: ClassVar[str] = "handprint_id"

    handprint_id: UUID
    partner: Partner
    year: Year
    indicator: Text
    """Name of the indicator, e.g. "people employed from outside the labour market"."""
    value: Amount
    unit: Text
    recorded_at: UtcDateTime
    action_id: UUID | None = None
    """The action of the partner's action plan the indicator is recorded for, if any."""
    record_id: UUID | None = None
    """The recording the indicator is part of (several indicators recorded together)."""
