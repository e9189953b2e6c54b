"""Events of prototyping: a company problem turned into a prototype within a time-box."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Self
from uuid import UUID

from pydantic import Field, model_validator

from arctic.contracts.events.base import PrototypingEvent
from arctic.contracts.vocabulary import (
    Company,
    CompanyRef,
    ContractModel,
    Discipline,
    Person,
    PrototypeOutcome,
    Stage,
    Text,
    UtcDateTime,
)


class Expert(Person):
    """A member of a prototype team: a person of the expert pool (sealed like any person)
    and the disciplines covered."""

    expert_id: UUID
    disciplines: list[Discipline]


class Showcase(ContractModel):
    """The public showcase entry of a delivered prototype, given only with consent."""

    title: Text
    summary: Text
    media_urls: list[str] = []
    """Links to published pictures or videos (social media)."""


class Suggestion(ContractModel):
    """Somewhere else the company of a rejected request could turn: advice in words, and
    where it fits, a catalogue offering or a funding instrument it names."""

    note: Text
    """What to tell the company: where to go and why it fits better."""
    offering_id: UUID | None = None
    """A catalogue offering (a service or a development environment) that fits better."""
    funding_instrument_id: UUID | None = None
    """A funding instrument of the catalogue, e.g. Business Finland's innovation voucher."""


class PrototypeRequested(PrototypingEvent):
    """Published when a company submits a problem or idea, directly or through an inquiry
    routed to prototyping (then `origin_inquiry_id` names it)."""

    subject: ClassVar[str] = "arctic.prototyping.prototype.requested.v1"
    aggregate_key: ClassVar[str] = "request_id"

    request_id: UUID
    company: Company
    title: Text
    problem: Text
    disciplines: list[Discipline] = Field(min_length=1)
    stage: Stage
    showcase_consent: bool
    origin_inquiry_id: UUID | None = None
    requested_at: UtcDateTime


class PrototypeAccepted(PrototypingEvent):
    """Published when triage accepts a prototype request."""

    subject: ClassVar[str] = "arctic.prototyping.prototype.accepted.v1"
    aggregate_key: ClassVar[str] = "request_id"

    request_id: UUID
    company: Company
    title: Text
    disciplines: list[Discipline]
    stage: Stage
    partner: bool = False
    """Whether the company is a contract partner (its requests come first in triage)."""
    accepted_at: UtcDateTime


class PrototypeRejected(PrototypingEvent):
    """Published when triage rejects a prototype request, with a reason."""

    subject: ClassVar[str] = "arctic.prototyping.prototype.rejected.v1"
    aggregate_key: ClassVar[str] = "request_id"

    request_id: UUID
    company: Company
    title: Text
    reason: Text
    suggestions: list[Suggestion] = []
    """Where else the company could go, when triage suggested anything."""
    rejected_at: UtcDateTime


class PrototypeTeamAssembled(PrototypingEvent):
    """Published when experts covering the needed disciplines are assigned; the time-box
    starts on `starts_on` and the prototype is due on `due_on`."""

    subject: ClassVar[str] = "arctic.prototyping.prototype.team_assembled.v1"
    aggregate_key: ClassVar[str] = "request_id"

    request_id: UUID
    company: Company
    title: Text
    team: list[Expert] = Field(min_length=1)
    starts_on: date
    due_on: date
    assembled_at: UtcDateTime

    @model_validator(mode="after")
    def _due_after_start(self) -> Self:
        if self.due_on < self.starts_on:
            raise ValueError("due_on cannot be before starts_on")
        return self


class PrototypeMilestoneReached(PrototypingEvent):
    """Published when a milestone of a prototype is done."""

    subject: ClassVar[str] = "arctic.prototyping.prototype.milestone_reached.v1"
    aggregate_key: ClassVar[str] = "request_id"

    request_id: UUID
    company: Company
    title: Text
    milestone_id: UUID
    milestone: Text
    """What was achieved, in a line."""
    team: list[Expert] = []
    due_on: date
    reached_at: UtcDateTime


class PrototypeDeadlineApproaching(PrototypingEvent):
    """Published on schedule ahead of `due_on` (by default 7 days before) while the
    prototype is not delivered."""

    subject: ClassVar[str] = "arctic.prototyping.prototype.deadline_approaching.v1"
    aggregate_key: ClassVar[str] = "request_id"

    request_id: UUID
    company: CompanyRef
    """The company the prototype is for (the reminder goes to the team only)."""
    title: Text
    team: list[Expert]
    due_on: date
    days_left: int = Field(ge=0)
    announced_at: UtcDateTime


class PrototypeOverdue(PrototypingEvent):
    """Published on schedule at `due_on` when the prototype has not been delivered."""

    subject: ClassVar[str] = "arctic.prototyping.prototype.overdue.v1"
    aggregate_key: ClassVar[str] = "request_id"

    request_id: UUID
    company: Company
    title: Text
    team: list[Expert]
    due_on: date
    detected_at: UtcDateTime


class PrototypeDelivered(PrototypingEvent):
    """Published when the prototype is handed over, with its outcome and, only with the
    company's consent, a public showcase summary."""

    subject: ClassVar[str] = "arctic.prototyping.prototype.delivered.v1"
    aggregate_key: ClassVar[str] = "request_id"

    request_id: UUID
    company: Company
    title: Text
    disciplines: list[Discipline]
    team: list[Expert] = []
    outcome: PrototypeOutcome
    outcome_summary: Text
    showcase_consent: bool
    showcase: Showcase | None = None
    """Present only when the company consented to a public showcase."""
    started_on: date
    delivered_at: UtcDateTime
    next_step: Suggestion | None = None
    """What the company could do next, e.g. a funding instrument such as Business Finland's
    innovation voucher for taking the prototype further."""
    due_on: date | None = None
    """The last day of the time-box (delivered on time when `delivered_at` is on or before it,
    in Finland's calendar)."""

    @model_validator(mode="after")
    def _showcase_needs_consent(self) -> Self:
        if self.showcase is not None and not self.showcase_consent:
            raise ValueError("a showcase is published only with the company's consent")
        return self
