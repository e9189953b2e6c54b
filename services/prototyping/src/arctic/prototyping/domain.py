"""Prototype requests: what a company asks for, and the rules of taking it in."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from arctic.contracts.events import PrototypeRequested
from arctic.contracts.vocabulary import Company, Discipline, Stage

TITLE_MAX = 200
PROBLEM_MAX = 5000

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Problem = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=PROBLEM_MAX)
]


class RequestStatus(StrEnum):
    """Where a request is in its life; only `requested` exists until triage is built."""

    requested = "requested"


class NewPrototypeRequest(BaseModel):
    """A company's problem or idea as it is submitted."""

    model_config = ConfigDict(extra="forbid")

    company: Company
    title: Title
    problem: Problem
    disciplines: list[Discipline] = Field(min_length=1, max_length=len(Discipline))
    stage: Stage
    showcase_consent: bool = False
    origin_inquiry_id: UUID | None = None


class PrototypeRequest(NewPrototypeRequest):
    """A stored request."""

    model_config = ConfigDict(extra="ignore")

    id: UUID
    status: RequestStatus
    requested_at: datetime


def take_in(new: NewPrototypeRequest, now: datetime | None = None) -> PrototypeRequest:
    """Open a request: a new id, the `requested` status, disciplines once each, in order."""
    return PrototypeRequest(
        **new.model_dump(exclude={"disciplines"}),
        disciplines=list(dict.fromkeys(new.disciplines)),
        id=uuid4(),
        status=RequestStatus.requested,
        requested_at=now or datetime.now(UTC),
    )


def requested_event(request: PrototypeRequest) -> PrototypeRequested:
    """The event that tells others a request arrived."""
    return PrototypeRequested(
        request_id=request.id,
        company=request.company,
        title=request.title,
        problem=request.problem,
        disciplines=request.disciplines,
        stage=request.stage,
        showcase_consent=request.showcase_consent,
        origin_inquiry_id=request.origin_inquiry_id,
        requested_at=request.requested_at,
    )
