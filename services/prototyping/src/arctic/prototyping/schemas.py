"""The HTTP API's bodies: what callers send (unknown fields refused) and what they get back
(built from the aggregate, so internal fields such as its version never leak)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from arctic.contracts.events import Expert, Showcase, Suggestion
from arctic.contracts.vocabulary import (
    BusinessId,
    Company,
    ContactPerson,
    Discipline,
    Language,
    Person,
    PrototypeOutcome,
    Stage,
    Text,
)
from arctic.prototyping.domain import (
    Action,
    Delivery,
    Milestone,
    PrototypeRequest,
    RequestStatus,
    Submission,
)
from arctic.prototyping.timebox import MilestoneName

TITLE_MAX = 200
PROBLEM_MAX = 5000
REASON_MAX = 2000
NOTE_MAX = 1000
SUGGESTIONS_MAX = 10


def _text(max_length: int) -> object:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Disciplines = Annotated[list[Discipline], Field(min_length=1, max_length=len(Discipline))]


class ContactBody(ContactPerson):
    """The company's contact person, in clear: name, e-mail address, phone (optional) and the
    language to address them in."""

    model_config = ConfigDict(extra="forbid")


class CompanyBody(BaseModel):
    """The company asking: its name, business id and contact person."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    business_id: BusinessId
    contact: ContactBody


class NewPrototypeRequest(BaseModel):
    """A company's problem or idea as it is submitted."""

    model_config = ConfigDict(extra="forbid")

    company: CompanyBody
    title: Annotated[str, _text(TITLE_MAX)]
    problem: Annotated[str, _text(PROBLEM_MAX)]
    disciplines: Disciplines
    stage: Stage
    showcase_consent: bool = False
    origin_inquiry_id: UUID | None = None

    def submission(self, contact: Person) -> Submission:
        """The submission as the domain takes it, with the contact as `seal` made it."""
        company = self.company
        return Submission(
            Company(name=company.name, business_id=company.business_id, contact=contact),
            ContactPerson.model_validate(company.contact.model_dump()),
            self.title,
            self.problem,
            self.disciplines,
            self.stage,
            self.showcase_consent,
            self.origin_inquiry_id,
        )


class AcceptDecision(BaseModel):
    """Triage accepts: the disciplines the prototype needs, as confirmed by the coordinator."""

    model_config = ConfigDict(extra="forbid")

    disciplines: Disciplines


class SuggestionBody(BaseModel):
    """Somewhere else to go: a note, and optionally the offering or funding instrument."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, _text(NOTE_MAX)]
    offering_id: UUID | None = None
    funding_instrument_id: UUID | None = None

    def suggestion(self) -> Suggestion:
        """As the event carries it."""
        return Suggestion(**self.model_dump())


class RejectDecision(BaseModel):
    """Triage rejects: why, and where else the company could go."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, _text(REASON_MAX)]
    suggestions: list[SuggestionBody] = Field(default=[], max_length=SUGGESTIONS_MAX)


class RejectionView(BaseModel):
    """Why a request was rejected, and the suggestions given."""

    reason: str
    suggestions: list[Suggestion]


class ContactView(BaseModel):
    """The contact person: their pseudonymous id and language, and their details until they
    are erased (then null, with `erased` true)."""

    person_id: UUID
    language: Language
    name: str | None
    email: str | None
    phone: str | None
    erased: bool

    @classmethod
    def of(cls, person: Person, details: ContactPerson | None) -> ContactView:
        """The view of a contact; `details` None once erased."""
        return cls(
            person_id=person.person_id,
            language=person.language,
            name=None if details is None else details.name,
            email=None if details is None else details.email,
            phone=None if details is None else details.phone,
            erased=details is None,
        )


class CompanyView(BaseModel):
    """The company asking and its contact person."""

    name: str
    business_id: str
    contact: ContactView

    @classmethod
    def of(cls, request: PrototypeRequest) -> CompanyView:
        """The company of a request, with its contact as the request holds them."""
        company = request.company
        contact = ContactView.of(company.contact, request.contact)
        return cls(name=company.name, business_id=company.business_id, contact=contact)


class TeamMemberView(BaseModel):
    """A member of the team: the expert, their person id and the disciplines they cover."""

    expert_id: UUID
    person_id: UUID
    disciplines: list[Discipline]

    @classmethod
    def of(cls, member: Expert) -> TeamMemberView:
        """As events name the member, without their sealed details."""
        return cls(
            expert_id=member.expert_id, person_id=member.person_id, disciplines=member.disciplines
        )


class MilestoneView(BaseModel):
    """A milestone of the time-box: planned for `due_on`, reached at `reached_at`."""

    name: MilestoneName
    due_on: date
    reached_at: datetime | None

    @classmethod
    def of(cls, milestone: Milestone) -> MilestoneView:
        """The view of a milestone."""
        return cls(name=milestone.name, due_on=milestone.due_on, reached_at=milestone.reached_at)


class DeliveryView(BaseModel):
    """What was handed over."""

    outcome: PrototypeOutcome
    outcome_summary: str
    next_step: Suggestion | None
    showcase: Showcase | None


class PrototypeRequestView(BaseModel):
    """A prototype request as callers see it; `allowed_actions` says what can be done now."""

    id: UUID
    status: RequestStatus
    company: CompanyView
    title: str
    problem: str
    disciplines: list[Discipline]
    stage: Stage
    showcase_consent: bool
    origin_inquiry_id: UUID | None
    requested_at: datetime
    decided_at: datetime | None
    confirmed_disciplines: list[Discipline]
    rejection: RejectionView | None
    partner: bool
    team: list[TeamMemberView]
    starts_on: date | None
    due_on: date | None
    milestones: list[MilestoneView]
    delivery: DeliveryView | None
    delivered_at: datetime | None
    allowed_actions: list[Action]

    @classmethod
    def of(cls, request: PrototypeRequest) -> PrototypeRequestView:
        """The view of a request: its public attributes, nothing else; the contact in clear
        from the request's own columns (null once erased), beside their person id."""
        plain = set(cls.model_fields) - {"company", "team", "milestones", "starts_on", "due_on"}
        values = {name: getattr(request, name) for name in plain}
        box = request.time_box
        values |= {
            "company": CompanyView.of(request),
            "team": [TeamMemberView.of(m) for m in request.team],
            "milestones": [MilestoneView.of(m) for m in request.milestones],
            "starts_on": None if box is None else box.starts_on,
            "due_on": None if box is None else box.due_on,
        }
        return cls.model_validate(values, from_attributes=True)


class TriageItemView(BaseModel):
    """A request waiting in triage: partners' first, then the longest waiting."""

    id: UUID
    company_name: str
    business_id: str
    title: str
    stage: Stage
    disciplines: list[Discipline]
    partner: bool
    requested_at: datetime
    days_waiting: int
    origin_inquiry_id: UUID | None


class TriageQueue(BaseModel):
    """The triage queue, in the order to take it."""

    items: list[TriageItemView]


PlanningDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]
"""A day to plan by: within this century (a time-box and its search run a year past it)."""


class TeamRequest(BaseModel):
    """Propose a team for the time-box starting on `starts_on` (today in Finland by
    default); with `confirm` true, take it."""

    model_config = ConfigDict(extra="forbid")

    starts_on: PlanningDate | None = None
    confirm: bool = False


class ProposedMemberView(BaseModel):
    """A member of a proposed (or taken) team."""

    expert_id: UUID
    person_id: UUID
    disciplines: list[Discipline]
    """The required disciplines the member covers."""
    load: int
    """How many other prototypes the member is on during the time-box."""


class TeamProposalView(BaseModel):
    """The team for a request and its time-box; `confirmed` says whether it was taken
    (then `request` is the request as it is now, in progress)."""

    confirmed: bool
    starts_on: date
    due_on: date
    team: list[ProposedMemberView]
    request: PrototypeRequestView


MediaUrl = Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=500)]
"""A link to a published picture or video (https)."""


class ShowcaseBody(BaseModel):
    """The public showcase entry (only for a company that consented)."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, _text(TITLE_MAX)]
    summary: Annotated[str, _text(PROBLEM_MAX)]
    media_urls: list[
        Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=500)]
    ] = Field(default=[], max_length=10)


class DeliveryBody(BaseModel):
    """The hand-over: the outcome, what was built, the suggested next step (e.g. a funding
    instrument such as the innovation voucher) and, with the company's consent, a showcase."""

    model_config = ConfigDict(extra="forbid")

    outcome: PrototypeOutcome
    outcome_summary: Annotated[str, _text(PROBLEM_MAX)]
    next_step: SuggestionBody | None = None
    showcase: ShowcaseBody | None = None

    def delivery(self) -> Delivery:
        """As the domain takes it."""
        return Delivery(
            self.outcome,
            self.outcome_summary,
            None if self.next_step is None else self.next_step.suggestion(),
            None if self.showcase is None else Showcase(**self.showcase.model_dump()),
        )
