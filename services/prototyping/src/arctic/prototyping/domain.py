"""Prototype requests: what a company asks for, and the rules of deciding on it.

Plain code, no I/O: the aggregate's methods check the rules, change its state and return the
events the change causes; the handlers save it and emit them in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from arctic.contracts.events import (
    Expert,
    PrototypeAccepted,
    PrototypeDeadlineApproaching,
    PrototypeDelivered,
    PrototypeMilestoneReached,
    PrototypeOverdue,
    PrototypeRejected,
    PrototypeRequested,
    PrototypeTeamAssembled,
    PrototypingEvent,
    Showcase,
    Suggestion,
)
from arctic.contracts.vocabulary import (
    Company,
    CompanyRef,
    ContactPerson,
    Discipline,
    PrototypeOutcome,
    Stage,
)
from arctic.prototyping.timebox import MILESTONE_TEXT, MilestoneName, TimeBox, finnish_date


class RequestStatus(StrEnum):
    """Where a request is in its life: in triage (`requested`), `accepted` or `rejected`,
    worked on by a team in its time-box (`in_progress`), `delivered`."""

    requested = "requested"
    accepted = "accepted"
    rejected = "rejected"
    in_progress = "in_progress"
    delivered = "delivered"


class Action(StrEnum):
    """What a coordinator (or the team) can do to a request."""

    accept = "accept"
    reject = "reject"
    assemble_team = "assemble_team"
    reach_milestone = "reach_milestone"
    deliver = "deliver"


TRANSITIONS: Mapping[RequestStatus, Mapping[Action, RequestStatus]] = {
    RequestStatus.requested: {
        Action.accept: RequestStatus.accepted,
        Action.reject: RequestStatus.rejected,
    },
    RequestStatus.accepted: {Action.assemble_team: RequestStatus.in_progress},
    RequestStatus.rejected: {},
    RequestStatus.in_progress: {
        Action.reach_milestone: RequestStatus.in_progress,
        Action.deliver: RequestStatus.delivered,
    },
    RequestStatus.delivered: {},
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


class MilestoneNotFound(Exception):
    """The request has no milestone of this name."""

    def __init__(self, request_id: UUID, name: str) -> None:
        super().__init__(f"prototype request {request_id} has no milestone {name!r}")


class MilestoneAlreadyReached(Exception):
    """The milestone was marked done before."""

    def __init__(self, name: MilestoneName, reached_at: datetime) -> None:
        super().__init__(f"milestone {name} was reached at {reached_at.isoformat()}")
        self.name, self.reached_at = name, reached_at


class DecisionIncomplete(Exception):
    """A decision lacks what the rules ask of it (confirmed disciplines, a reason)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


@dataclass(frozen=True)
class Submission:
    """A company's problem or idea as submitted: the company with its contact person as
    events carry them (sealed), and the contact in clear as the company gave it (None when
    an inquiry arrives after its contact was erased)."""

    company: Company
    contact: ContactPerson | None
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
class Milestone:
    """A milestone of the time-box: its name, the day it is planned for, and when it was
    reached (None until then)."""

    milestone_id: UUID
    name: MilestoneName
    due_on: date
    reached_at: datetime | None = None


@dataclass(frozen=True)
class Delivery:
    """What the team hands over: the outcome, what was built, the suggested next step and,
    only with the company's consent, the public showcase entry."""

    outcome: PrototypeOutcome
    outcome_summary: str
    next_step: Suggestion | None = None
    showcase: Showcase | None = None


@dataclass(frozen=True)
class Reminder:
    """A scheduled event the time-box sets up: emitted at `due_at` under `key` unless the
    prototype is delivered first (which cancels it)."""

    key: str
    event: PrototypingEvent
    due_at: datetime


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
    partner: bool = False
    team: list[Expert] = field(default_factory=list)
    time_box: TimeBox | None = None
    milestones: list[Milestone] = field(default_factory=list)
    delivery: Delivery | None = None
    delivered_at: datetime | None = None

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

    def accept(
        self, disciplines: Sequence[Discipline], now: datetime, *, partner: bool = False
    ) -> PrototypeAccepted:
        """Triage accepts the request with the disciplines the prototype needs; `partner`
        says whether the company has an active partnership agreement."""
        accepted = self._target(Action.accept)
        if not disciplines:
            raise DecisionIncomplete("disciplines", "accepting needs at least one discipline")
        self._change(accepted, now)
        self.confirmed_disciplines = _once_each(disciplines)
        self.partner = partner
        return PrototypeAccepted(
            request_id=self.id,
            company=self.company,
            title=self.title,
            disciplines=self.confirmed_disciplines,
            stage=self.stage,
            partner=partner,
            accepted_at=now,
        )

    def check(self, action: Action) -> None:
        """Raise TransitionNotAllowed unless `action` is allowed now (before work that
        only makes sense when it is, such as choosing a team)."""
        self._target(action)

    @staticmethod
    def check_time_box(box: TimeBox, now: datetime) -> None:
        """A time-box starts today or later (in Finland): its days are planned ahead."""
        if box.starts_on < finnish_date(now):
            raise DecisionIncomplete(
                "starts_on", f"a time-box cannot start before today ({finnish_date(now)})"
            )

    def assemble_team(
        self, team: Sequence[Expert], box: TimeBox, now: datetime
    ) -> PrototypeTeamAssembled:
        """The team is taken: the time-box starts and its milestones are planned."""
        in_progress = self._target(Action.assemble_team)
        self.check_time_box(box, now)
        if not team:
            raise DecisionIncomplete("team", "a team needs at least one expert")
        self.status, self.version = in_progress, self.version + 1
        self.team, self.time_box = list(team), box
        self.milestones = [
            Milestone(uuid4(), name, day) for name, day in box.milestone_dates().items()
        ]
        return PrototypeTeamAssembled(
            request_id=self.id,
            company=self.company,
            title=self.title,
            team=self.team,
            starts_on=box.starts_on,
            due_on=box.due_on,
            assembled_at=now,
        )

    def reminders(self, days_before: int, now: datetime) -> list[Reminder]:
        """The deadline reminder (`days_before` days ahead of `due_on`) and the overdue
        notice (at the end of `due_on`) of a request in progress."""
        box = self._box()
        approaching = box.approaching_at(days_before)
        approaching_key, overdue_key = self.reminder_keys()
        return [
            Reminder(
                approaching_key,
                PrototypeDeadlineApproaching(
                    request_id=self.id,
                    company=CompanyRef(
                        name=self.company.name, business_id=self.company.business_id
                    ),
                    title=self.title,
                    team=self.team,
                    due_on=box.due_on,
                    days_left=(box.due_on - approaching.date()).days,
                    announced_at=max(approaching, now),
                ),
                approaching,
            ),
            Reminder(
                overdue_key,
                PrototypeOverdue(
                    request_id=self.id,
                    company=self.company,
                    title=self.title,
                    team=self.team,
                    due_on=box.due_on,
                    detected_at=max(box.overdue_at(), now),
                ),
                box.overdue_at(),
            ),
        ]

    def reminder_keys(self) -> tuple[str, str]:
        """The keys the deadline reminder and the overdue notice are scheduled under."""
        return f"deadline-approaching:{self.id}", f"overdue:{self.id}"

    def reach_milestone(self, name: str, now: datetime) -> PrototypeMilestoneReached:
        """A milestone of the time-box is done (each once)."""
        self._target(Action.reach_milestone)
        milestone = next((m for m in self.milestones if m.name == name), None)
        if milestone is None:
            raise MilestoneNotFound(self.id, name)
        if milestone.reached_at is not None:
            raise MilestoneAlreadyReached(milestone.name, milestone.reached_at)
        milestone.reached_at = now
        self.version += 1
        return PrototypeMilestoneReached(
            request_id=self.id,
            company=self.company,
            title=self.title,
            milestone_id=milestone.milestone_id,
            milestone=MILESTONE_TEXT[milestone.name],
            team=self.team,
            due_on=self._box().due_on,
            reached_at=now,
        )

    def deliver(self, delivery: Delivery, now: datetime) -> PrototypeDelivered:
        """The prototype is handed over; a showcase entry only with the company's consent."""
        delivered = self._target(Action.deliver)
        if delivery.showcase is not None and not self.showcase_consent:
            raise DecisionIncomplete(
                "showcase", "the company did not consent to a public showcase of its prototype"
            )
        if not delivery.outcome_summary.strip():
            raise DecisionIncomplete("outcome_summary", "say what was built")
        box = self._box()
        self.status, self.version = delivered, self.version + 1
        self.delivery, self.delivered_at = delivery, now
        return PrototypeDelivered(
            request_id=self.id,
            company=self.company,
            title=self.title,
            disciplines=self.confirmed_disciplines,
            team=self.team,
            outcome=delivery.outcome,
            outcome_summary=delivery.outcome_summary.strip(),
            showcase_consent=self.showcase_consent,
            showcase=delivery.showcase,
            started_on=box.starts_on,
            delivered_at=now,
            next_step=delivery.next_step,
            due_on=box.due_on,
        )

    def _box(self) -> TimeBox:
        assert self.time_box is not None, "a request in progress has its time-box"
        return self.time_box

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
