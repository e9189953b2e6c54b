"""Prototype requests: what a company asks for, and the rules of deciding on it.

Plain code, no I/O: the aggregate's methods check the rules, change its state and return the
events the change causes; the handlers save it and emit them in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from arctic.contracts.events import (
    PrototypeAccepted,
    PrototypeRejected,
    PrototypeRequested,
    Suggestion,
)
from arctic.contracts.vocabulary import Company, ContactPerson, Discipline, Stage


class RequestStatus(StrEnum):
    """Where a request is in its life (team, milestones and delivery come with triage's
    next steps)."""

    requested = "requested"
    accepted = "accepted"
    rejected = "rejected"


class Action(StrEnum):
    """What a coordinator can do to a request."""

    accept = "accept"
    reject = "reject"


TRANSITIONS: Mapping[RequestStatus, Mapping[Action, RequestStatus]] = {
    RequestStatus.requested: {
        Action.accept: RequestStatus.accepted,
        Action.reject: RequestStatus.rejected,
    },
    RequestStatus.accepted: {},
    RequestStatus.rejected: {},
}
"""The state machine: from each status, the actions allowed and where each leads."""


class RequestNotFound(Exception):
    """No prototype request has this id."""

    def __init__(self, request_id: UUID) -> None:
        super().__init__(f"no prototype request {request_id}")
        self.request_id = request_id


class TransitionNotAllowed(Exception):
    """The request's status does not allow the action."""

    def __init__(self, action: Action, state: RequestStatus) -> None:
        self.action, self.state = action, state
        self.allowed = sorted(TRANSITIONS[state])
        allowed = ", ".join(self.allowed) or "nothing"
        super().__init__(f"a request that is {state} cannot {action}: allowed now: {allowed}")


class DecisionIncomplete(Exception):
    """A decision lacks what the rules ask of it (confirmed disciplines, a reason)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


@dataclass(frozen=True)
class Submission:
    """A company's problem or idea as submitted: the company with its contact person as
    events carry them (sealed), and the contact in clear as the company gave it."""

    company: Company
    contact: ContactPerson
    title: str
    problem: str
    disciplines: Sequence[Discipline]
    stage: Stage
    showcase_consent: bool = False
    origin_inquiry_id: UUID | None = None


@dataclass(frozen=True)
class Rejection:
    """Why a request was rejected, and where else the company could go."""

    reason: str
    suggestions: tuple[Suggestion, ...] = ()


@dataclass
class PrototypeRequest:
    """A company's request, from submission through triage. `version` counts its changes
    (1 when submitted); a change is saved only over the version it was read at.

    `company` is as events carry it (its contact sealed); `contact` is the contact person in
    clear, None once their personal data was erased."""

    id: UUID
    company: Company
    contact: ContactPerson | None
    title: str
    problem: str
    disciplines: list[Discipline]
    stage: Stage
    showcase_consent: bool
    origin_inquiry_id: UUID | None
    requested_at: datetime
    status: RequestStatus = RequestStatus.requested
    version: int = 1
    decided_at: datetime | None = None
    confirmed_disciplines: list[Discipline] = field(default_factory=list)
    rejection: Rejection | None = None

    @classmethod
    def submit(
        cls, submission: Submission, now: datetime
    ) -> tuple[PrototypeRequest, PrototypeRequested]:
        """Open a request: a new id, `requested`, each discipline once, in the order given."""
        request = cls(
            id=uuid4(),
            company=submission.company,
            contact=submission.contact,
            title=submission.title,
            problem=submission.problem,
            disciplines=_once_each(submission.disciplines),
            stage=submission.stage,
            showcase_consent=submission.showcase_consent,
            origin_inquiry_id=submission.origin_inquiry_id,
            requested_at=now,
        )
        return request, PrototypeRequested(
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

    @property
    def allowed_actions(self) -> list[Action]:
        """What can be done to the request now."""
        return sorted(TRANSITIONS[self.status])

    def accept(self, disciplines: Sequence[Discipline], now: datetime) -> PrototypeAccepted:
        """Triage accepts the request with the disciplines the prototype needs."""
        accepted = self._target(Action.accept)
        if not disciplines:
            raise DecisionIncomplete("disciplines", "accepting needs at least one discipline")
        self._change(accepted, now)
        self.confirmed_disciplines = _once_each(disciplines)
        return PrototypeAccepted(
            request_id=self.id,
            company=self.company,
            title=self.title,
            disciplines=self.confirmed_disciplines,
            stage=self.stage,
            accepted_at=now,
        )

    def reject(
        self, reason: str, suggestions: Sequence[Suggestion], now: datetime
    ) -> PrototypeRejected:
        """Triage rejects the request with a reason, and maybe where else to go."""
        rejected = self._target(Action.reject)
        if not reason.strip():
            raise DecisionIncomplete("reason", "rejecting needs a reason the company can read")
        self._change(rejected, now)
        self.rejection = Rejection(reason.strip(), tuple(suggestions))
        return PrototypeRejected(
            request_id=self.id,
            company=self.company,
            title=self.title,
            reason=self.rejection.reason,
            suggestions=list(self.rejection.suggestions),
            rejected_at=now,
        )

    def _target(self, action: Action) -> RequestStatus:
        target = TRANSITIONS[self.status].get(action)
        if target is None:
            raise TransitionNotAllowed(action, self.status)
        return target

    def _change(self, status: RequestStatus, now: datetime) -> None:
        self.status, self.decided_at = status, now
        self.version += 1


def _once_each(disciplines: Sequence[Discipline]) -> list[Discipline]:
    return list(dict.fromkeys(disciplines))
