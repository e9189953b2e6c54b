"""The HTTP API's bodies: what callers send (unknown fields refused) and what they get back
(built from the aggregate, so internal fields such as its version never leak)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from arctic.contracts.events import Suggestion
from arctic.contracts.vocabulary import Company, Discipline, Stage
from arctic.prototyping.domain import Action, PrototypeRequest, RequestStatus, Submission

TITLE_MAX = 200
PROBLEM_MAX = 5000
REASON_MAX = 2000
NOTE_MAX = 1000
SUGGESTIONS_MAX = 10


def _text(max_length: int) -> object:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Disciplines = Annotated[list[Discipline], Field(min_length=1, max_length=len(Discipline))]


class NewPrototypeRequest(BaseModel):
    """A company's problem or idea as it is submitted."""

    model_config = ConfigDict(extra="forbid")

    company: Company
    title: Annotated[str, _text(TITLE_MAX)]
    problem: Annotated[str, _text(PROBLEM_MAX)]
    disciplines: Disciplines
    stage: Stage
    showcase_consent: bool = False
    origin_inquiry_id: UUID | None = None

    def submission(self) -> Submission:
        """The submission as the domain takes it."""
        return Submission(
            self.company,
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


class PrototypeRequestView(BaseModel):
    """A prototype request as callers see it; `allowed_actions` says what triage can do now."""

    id: UUID
    status: RequestStatus
    company: Company
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
        """The view of a request: its public attributes, nothing else."""
        return cls.model_validate(request, from_attributes=True)
