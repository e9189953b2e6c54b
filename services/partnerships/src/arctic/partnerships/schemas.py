"""The HTTP API's bodies: what callers send (unknown fields refused); the answers are in
`views`."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from arctic.contracts.vocabulary import (
    ActionStatus,
    AgreementEndReason,
    AgreementSide,
    BusinessId,
    ContactPerson,
)

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Shorts = Annotated[list[Short], Field(max_length=30)]


class Body(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class ContactBody(ContactPerson):
    """A person in clear: name, e-mail address, phone (optional), language."""

    model_config = ConfigDict(extra="forbid")


class NewPartner(Body):
    """A partner (or a prospect) joining the programme's register."""

    name: Short
    business_id: BusinessId
    sector: Short
    focus_areas: Shorts = []
    contacts: Annotated[list[ContactBody], Field(max_length=20)] = []


class NewCompetenceGroup(Body):
    """A competence group and its owner."""

    name: Short
    owner: ContactBody


class NewNeed(Body):
    """A competence group's need for co-operation with a partner."""

    partner_id: UUID
    competence_group_id: UUID
    description: Long


class NewNegotiation(Body):
    """A negotiation: from a need (its partner), or directly with a partner."""

    need_id: UUID | None = None
    partner_id: UUID | None = None
    focus_areas: Shorts = []
    goals: Shorts = []
    uas_contact: ContactBody
    partner_contact: ContactBody


class NegotiationUpdate(Body):
    """What the sides have come to so far (fields left out stay)."""

    focus_areas: Shorts | None = None
    goals: Shorts | None = None


class SignBody(Body):
    """Signing: from when; contact persons and owner if other than negotiated."""

    starts_on: date
    signed_on: date | None = None
    uas_contact: ContactBody | None = None
    partner_contact: ContactBody | None = None
    owner: ContactBody | None = None


class EndBody(Body):
    """Ending: why, on which day, a note."""

    reason: AgreementEndReason
    ended_on: date
    note: Long | None = None


class ContactChange(Body):
    """A side names a new contact person."""

    side: AgreementSide
    contact: ContactBody


class ActionBody(Body):
    """An action of the year: title, what, due date, status, owner on each side, the
    handprint indicators it is expected to move; `action_id` keeps an existing action's."""

    action_id: UUID | None = None
    title: Short
    description: Long | None = None
    due_on: date | None = None
    status: ActionStatus = ActionStatus.not_started
    uas_owner: ContactBody | None = None
    partner_owner: ContactBody | None = None
    indicators: Shorts = []


class ActionPlanBody(Body):
    """The year's actions."""

    actions: Annotated[list[ActionBody], Field(min_length=1, max_length=50)]


class ActionStatusBody(Body):
    """How far an action got."""

    status: ActionStatus


class RealisationBody(Body):
    """How an action was realised."""

    action_id: UUID
    title: Short
    status: ActionStatus
    note: Long | None = None


class EvaluationBody(Body):
    """An evaluation meeting: when, who attended, how each action was realised, notes."""

    held_on: date
    summary: Long
    attendees: Annotated[list[ContactBody], Field(max_length=30)] = []
    realisation: Annotated[list[RealisationBody], Field(max_length=50)] = []
    evaluation_id: UUID | None = None


class PartnerEventBody(Body):
    """The year's partner event."""

    year: Annotated[int, Field(ge=2000, le=2999)]
    held_on: date
    location: Short
    programme: Long
    reply_by: date | None = None
    name: Short = "Valakiat"


class RsvpBody(Body):
    """The invited contact's reply."""

    invitation_id: UUID
    attending: bool


class HandprintBody(Body):
    """A partner's handprint indicators for a year (and maybe one action)."""

    partner_id: UUID
    year: Annotated[int, Field(ge=2000, le=2999)]
    action_id: UUID | None = None
    traineeships: Annotated[int, Field(ge=0)] = 0
    theses: Annotated[int, Field(ge=0)] = 0
    employed: Annotated[int, Field(ge=0)] = 0
    employed_underrepresented: Annotated[int, Field(ge=0)] = 0
    procurement_criteria: Annotated[int, Field(ge=0)] = 0
    impact: Long | None = None

    def counts(self) -> dict[str, int]:
        """The counted indicators."""
        return self.model_dump(
            include={
                "traineeships",
                "theses",
                "employed",
                "employed_underrepresented",
                "procurement_criteria",
            }
        )
