"""The HTTP API's bodies: what callers send (unknown fields refused) and what they get back
(built from the aggregate, so internal fields such as its version never leak)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from arctic.contracts.events import Suggestion
from arctic.contracts.vocabulary import (
    BusinessId,
    Company,
    ContactPerson,
    Discipline,
    Language,
    Person,
    Stage,
    Text,
)
from arctic.prototyping.domain import Action, PrototypeRequest, RequestStatus, Submission

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


class PrototypeRequestView(BaseModel):
    """A prototype request as callers see it; `allowed_actions` says what triage can do now."""

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
    allowed_actions: list[Action]

    @classmethod
    def of(cls, request: PrototypeRequest) -> PrototypeRequestView:
        """The view of a request: its public attributes, nothing else; the contact in clear
        from the request's own columns (null once erased), beside their person id."""
        values = {name: getattr(request, name) for name in cls.model_fields}
        values["company"] = CompanyView.of(request)
        return cls.model_validate(values, from_attributes=True)
