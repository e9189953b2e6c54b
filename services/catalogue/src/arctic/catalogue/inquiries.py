"""Inquiries of the one-stop shop: a company's need, routed with reasons to the organisations
whose offerings match it or to prototyping, and answered within the service level.

Plain code, no I/O: the search finds candidates, `decide_route` picks where the inquiry goes
and says why, the aggregate keeps the rules of its life and returns the events it causes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID, uuid4

from arctic.catalogue.working_days import add_working_days, helsinki_date
from arctic.contracts.events import InquiryDetails, InquiryOverdue, InquiryReceived, InquiryRouted
from arctic.contracts.vocabulary import (
    Company,
    CompanyRef,
    ContactPerson,
    Organisation,
    Person,
    RouteTarget,
    Stage,
)

PROTOTYPING_KEYWORD = "rapid prototyping"
"""The keyword that marks an offering delivered through the prototyping service: an inquiry
at an early stage that ranks it high goes to prototyping."""
PROTOTYPING_STAGES = frozenset({Stage.idea, Stage.concept, Stage.prototype})
HIGH_RANK = 3
"""How many of the best matches count as ranking high."""
CLOSE_SCORE = 0.6
"""A match this close to the best one's score (after the stage fit) is routed to as well."""
STAGE_FIT_BONUS = 1.5
MAX_ORGANISATIONS = 2
TITLE_MAX = 80


class InquiryStatus(StrEnum):
    """Where an inquiry is in its life."""

    received = "received"
    routed = "routed"
    answered = "answered"


class InquiryAction(StrEnum):
    """What staff can do to an inquiry."""

    route = "route"
    answer = "answer"


TRANSITIONS: Mapping[InquiryStatus, Mapping[InquiryAction, InquiryStatus]] = {
    InquiryStatus.received: {InquiryAction.route: InquiryStatus.routed},
    InquiryStatus.routed: {
        InquiryAction.route: InquiryStatus.routed,
        InquiryAction.answer: InquiryStatus.answered,
    },
    InquiryStatus.answered: {},
}
"""The state machine: from each status, the actions allowed and where each leads."""


class InquiryNotFound(Exception):
    """No inquiry has this id (or the caller may not see it)."""

    def __init__(self, inquiry_id: UUID) -> None:
        super().__init__(f"no inquiry {inquiry_id}")
        self.inquiry_id = inquiry_id


class InquiryTransitionNotAllowed(Exception):
    """The inquiry's status does not allow the action."""

    def __init__(self, action: InquiryAction, state: InquiryStatus) -> None:
        self.action, self.state = action, state
        self.allowed = sorted(TRANSITIONS[state])
        allowed = ", ".join(self.allowed) or "nothing"
        super().__init__(f"an inquiry that is {state} cannot {action}: allowed now: {allowed}")


class RouteInvalid(Exception):
    """A routing by hand that breaks a rule (the field at fault is named)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


@dataclass(frozen=True)
class Candidate:
    """A published offering the search found for the need, with what it matched."""

    offering_id: UUID
    title: str
    organisation: Organisation
    organisation_short_name: str
    stages: tuple[Stage, ...]
    keywords: tuple[str, ...]
    score: float
    matched: tuple[str, ...]

    @property
    def is_prototyping(self) -> bool:
        """Whether the offering is delivered through the prototyping service."""
        return PROTOTYPING_KEYWORD in (k.lower() for k in self.keywords)


@dataclass(frozen=True)
class Suggestion:
    """An offering suggested to the company, with its score."""

    offering_id: UUID
    title: str
    organisation: str
    score: float


@dataclass(frozen=True)
class Route:
    """Where an inquiry goes and why: the organisations (short name → as events name them;
    for prototyping the ones whose staff follow it up), suggested offerings, reasons."""

    target: RouteTarget
    organisations: Mapping[str, Organisation]
    suggestions: tuple[Suggestion, ...] = ()
    reasons: tuple[str, ...] = ()
    funding: tuple[tuple[UUID, str], ...] = ()
    """Matching funding instruments (id, name), best first."""


def decide_route(stage: Stage, candidates: Sequence[Candidate]) -> Route | None:
    """Where an inquiry at `stage` whose need matched `candidates` (best first by text) goes:
    to prototyping when it is early and the prototyping offering ranks high; otherwise to
    the owners of the best match and of those close to it (stage fit counts). None when
    nothing matched: the coordinators route it by hand."""
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: -_fit_score(c, stage))  # stable: text rank next
    best = _fit_score(ranked[0], stage)
    high = [c for c in ranked[:HIGH_RANK] if _fit_score(c, stage) >= best * CLOSE_SCORE]
    prototyping = next((c for c in high if c.is_prototyping), None)
    if stage in PROTOTYPING_STAGES and prototyping is not None:
        return Route(
            RouteTarget.prototyping,
            {prototyping.organisation_short_name: prototyping.organisation},
            _suggestions(ranked),
            (
                f"{_matched(prototyping)}; stage {stage} is one prototyping serves: "
                "a problem or idea to prototype",
            ),
        )
    chosen: dict[str, Organisation] = {}
    reasons = []
    for candidate in high:
        name = candidate.organisation_short_name
        if name not in chosen and len(chosen) == MAX_ORGANISATIONS:
            continue
        chosen[name] = candidate.organisation
        fit = (
            f"stage {stage} fits"
            if stage in candidate.stages
            else f"stage {stage} is outside its stages ({', '.join(candidate.stages)})"
        )
        reasons.append(f"{_matched(candidate)}; {fit}")
    return Route(RouteTarget.organisation, chosen, _suggestions(ranked), tuple(reasons))


def _fit_score(candidate: Candidate, stage: Stage) -> float:
    """The text's rank, times how many of the need's words matched (a need is long, and an
    offering matching more of it beats one matching a single word in its title), times the
    stage fit."""
    coverage = max(1, len(candidate.matched))
    return candidate.score * coverage * (STAGE_FIT_BONUS if stage in candidate.stages else 1.0)


def _matched(candidate: Candidate) -> str:
    words = ", ".join(f"'{w}'" for w in candidate.matched) or "the need"
    return f"matched {words} in {candidate.title} ({candidate.organisation_short_name})"


def _suggestions(ranked: Sequence[Candidate]) -> tuple[Suggestion, ...]:
    return tuple(
        Suggestion(c.offering_id, c.title, c.organisation_short_name, round(c.score, 4))
        for c in ranked[:HIGH_RANK]
    )


def title_of(need: str) -> str:
    """A short title for a need: its first line, cut at a word before TITLE_MAX characters."""
    first = need.strip().splitlines()[0].strip()
    if len(first) <= TITLE_MAX:
        return first
    return first[:TITLE_MAX].rsplit(" ", 1)[0] + "…"


@dataclass
class Inquiry:
    """A company's need at the one-stop shop. `company` is as events carry it (its contact
    sealed); `contact` is the contact in clear, None once erased. `version` counts changes."""

    id: UUID
    company: Company
    contact: ContactPerson | None
    need: str
    stage: Stage
    offering_id: UUID | None
    received_at: datetime
    respond_by: date
    status: InquiryStatus = InquiryStatus.received
    version: int = 1
    route: Route | None = None
    routed_at: datetime | None = None
    answer: str | None = None
    answered_at: datetime | None = None
    assignees: list[Person] = field(default_factory=list)

    @classmethod
    def receive(
        cls,
        company: Company,
        contact: ContactPerson,
        need: str,
        stage: Stage,
        offering_id: UUID | None,
        coordinators: Sequence[Person],
        now: datetime,
        working_days: int,
    ) -> tuple[Inquiry, InquiryReceived]:
        """Take in a need; the first answer is due `working_days` Finnish working days on."""
        respond_by = add_working_days(helsinki_date(now), working_days)
        inquiry = cls(uuid4(), company, contact, need.strip(), stage, offering_id, now, respond_by)
        return inquiry, InquiryReceived(
            inquiry_id=inquiry.id,
            company=company,
            inquiry=inquiry.details,
            offering_id=offering_id,
            coordinators=list(coordinators),
            respond_by=respond_by,
            received_at=now,
        )

    @property
    def details(self) -> InquiryDetails:
        """The need as events carry it."""
        return InquiryDetails(title=title_of(self.need), description=self.need, stage=self.stage)

    @property
    def allowed_actions(self) -> list[InquiryAction]:
        """What can be done to the inquiry now."""
        return sorted(TRANSITIONS[self.status])

    def route_to(self, route: Route, assignees: Sequence[Person], now: datetime) -> InquiryRouted:
        """Route (or re-route) the inquiry; `assignees` answer the company."""
        routed = self._target(InquiryAction.route)
        if route.target is RouteTarget.organisation and not route.organisations:
            raise RouteInvalid("organisations", "routing to organisations names at least one")
        self.status, self.route, self.routed_at = routed, route, now
        self.assignees = list(assignees)
        self.version += 1
        organisations = (
            list(route.organisations.values()) if route.target is RouteTarget.organisation else []
        )
        return InquiryRouted(
            inquiry_id=self.id,
            target=route.target,
            organisations=organisations,
            assignees=self.assignees,
            company=self.company,
            inquiry=self.details,
            respond_by=self.respond_by,
            routed_at=now,
        )

    def answered(self, answer: str, now: datetime) -> None:
        """Record the first answer given to the company (the service level is met)."""
        answered = self._target(InquiryAction.answer)
        if not answer.strip():
            raise RouteInvalid("answer", "an answer says something")
        self.status, self.answer, self.answered_at = answered, answer.strip(), now
        self.version += 1

    def overdue(self, coordinators: Sequence[Person], at: datetime) -> InquiryOverdue:
        """The event that escalates the inquiry if it is still unanswered at `at`."""
        organisations = [] if self.route is None else list(self.route.organisations.values())
        return InquiryOverdue(
            inquiry_id=self.id,
            title=title_of(self.need),
            company=CompanyRef(name=self.company.name, business_id=self.company.business_id),
            organisations=organisations,
            assignees=self.assignees,
            coordinators=list(coordinators),
            respond_by=self.respond_by,
            detected_at=at,
        )

    def _target(self, action: InquiryAction) -> InquiryStatus:
        target = TRANSITIONS[self.status].get(action)
        if target is None:
            raise InquiryTransitionNotAllowed(action, self.status)
        return target
