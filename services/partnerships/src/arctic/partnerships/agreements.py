"""The three-year agreement: signed, renewed, ended; its contact persons; the evaluations
that fall due every six months of its terms, and the reminders about them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from arctic.contracts.events import (
    ActionRealisation,
    AgreementEnded,
    AgreementExpiring,
    AgreementRenewed,
    AgreementSigned,
    ContactPersonChanged,
    EvaluationDue,
    EvaluationHeld,
    EvaluationOverdue,
    Event,
    Partner,
    Term,
)
from arctic.contracts.vocabulary import AgreementEndReason, AgreementSide, Person
from arctic.partnerships.domain import RuleBroken, StateConflict, allowed, target
from arctic.partnerships.schedule import (
    ScheduleRules,
    due_announced_at,
    evaluation_due_dates,
    expiry_announced_at,
    overdue_at,
    term_from,
)
from arctic.partnerships.working_days import add_months, finnish_date


class AgreementStatus(StrEnum):
    """Where an agreement is: a draft from a concluded negotiation, active once signed,
    ended."""

    draft = "draft"
    active = "active"
    ended = "ended"


class AgreementAction(StrEnum):
    """What can be done to an agreement."""

    sign = "sign"
    renew = "renew"
    end = "end"
    change_contact = "change_contact"
    agree_action_plan = "agree_action_plan"
    hold_evaluation = "hold_evaluation"


_WHILE_ACTIVE = (
    AgreementAction.renew,
    AgreementAction.end,
    AgreementAction.change_contact,
    AgreementAction.agree_action_plan,
    AgreementAction.hold_evaluation,
)
TRANSITIONS: Mapping[AgreementStatus, Mapping[AgreementAction, AgreementStatus]] = {
    AgreementStatus.draft: {AgreementAction.sign: AgreementStatus.active},
    AgreementStatus.active: {
        **{a: AgreementStatus.active for a in _WHILE_ACTIVE},
        AgreementAction.end: AgreementStatus.ended,
    },
    AgreementStatus.ended: {},
}
"""An agreement's state machine: a draft is signed; an active one is renewed, evaluated,
planned and has its contacts changed, until it ends; an ended one is history."""


class EvaluationStatus(StrEnum):
    """An evaluation meeting: pending until held; cancelled when the agreement ends first."""

    pending = "pending"
    held = "held"
    cancelled = "cancelled"


@dataclass
class Evaluation:
    """An evaluation meeting of the agreement, due on a date of one of its terms."""

    id: UUID
    term_number: int
    due_on: date
    status: EvaluationStatus = EvaluationStatus.pending
    held_on: date | None = None
    summary: str | None = None
    realisation: list[ActionRealisation] = field(default_factory=list)
    attendees: list[Person] = field(default_factory=list)
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Reminder:
    """A scheduled event the agreement wants: its key (which makes rescheduling exact), when
    it goes out, and the event."""

    key: str
    at: datetime
    event: Event


@dataclass(frozen=True)
class Signing:
    """What signing says: from when, for how long, who the contact persons are on each side,
    and who at the UAS owns the partnership (escalations go to them)."""

    starts_on: date
    signed_on: date
    uas_contact: Person
    partner_contact: Person
    owner: Person


@dataclass(frozen=True)
class HeldEvaluation:
    """What an evaluation meeting recorded."""

    held_on: date
    summary: str
    realisation: Sequence[ActionRealisation] = ()
    attendees: Sequence[Person] = ()


@dataclass
class Agreement:
    """A partnership agreement. `terms` are its terms in order (none while a draft; a
    renewal adds one); `version` counts its changes."""

    id: UUID
    partner: Partner
    negotiation_id: UUID | None
    focus_areas: list[str]
    goals: list[str]
    uas_contact: Person
    partner_contact: Person
    created_at: datetime
    status: AgreementStatus = AgreementStatus.draft
    owner: Person | None = None
    terms: list[Term] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    signed_on: date | None = None
    ended_on: date | None = None
    end_reason: AgreementEndReason | None = None
    end_note: str | None = None
    version: int = 1

    @classmethod
    def draft(
        cls,
        partner: Partner,
        negotiation_id: UUID | None,
        focus_areas: Sequence[str],
        goals: Sequence[str],
        uas_contact: Person,
        partner_contact: Person,
        now: datetime,
    ) -> Agreement:
        """An agreement draft, as a concluded negotiation leaves it."""
        return cls(
            uuid4(),
            partner,
            negotiation_id,
            list(focus_areas),
            list(goals),
            uas_contact,
            partner_contact,
            now,
        )

    @property
    def allowed_actions(self) -> list[AgreementAction]:
        """What can be done to the agreement now."""
        return allowed(TRANSITIONS, self.status)

    @property
    def term(self) -> Term:
        """The current (latest) term; StateConflict for a draft."""
        if not self.terms:
            raise StateConflict("a draft has no term yet: sign it first", self.status)
        return self.terms[-1]

    @property
    def first_day(self) -> date:
        """The first day of the first term."""
        if not self.terms:
            raise StateConflict("a draft has no term yet: sign it first", self.status)
        return self.terms[0].starts_on

    @property
    def pending(self) -> list[Evaluation]:
        """Evaluations not held yet, by due date."""
        return [e for e in self.evaluations if e.status is EvaluationStatus.pending]

    def year_span(self, agreement_year: int) -> tuple[date, date]:
        """First and last day of an agreement year (1 for the first) within its signed terms;
        RuleBroken for a year beyond them."""
        starts_on = add_months(self.first_day, 12 * (agreement_year - 1))
        ends_on = add_months(self.first_day, 12 * agreement_year)
        if agreement_year < 1 or starts_on > self.term.ends_on:
            raise RuleBroken(
                "year",
                f"the agreement's terms end on {self.term.ends_on}: no year {agreement_year}",
            )
        return starts_on, ends_on - timedelta(days=1)

    def sign(self, signing: Signing, rules: ScheduleRules, now: datetime) -> AgreementSigned:
        """Sign the draft: the first term starts, its evaluations fall due."""
        goal = self._target(AgreementAction.sign)
        if not self.focus_areas:
            raise RuleBroken("focus_areas", "an agreement needs at least one focus area")
        self._move(goal)
        term = term_from(signing.starts_on, rules.term_years)
        self.uas_contact, self.partner_contact = signing.uas_contact, signing.partner_contact
        self.owner, self.signed_on = signing.owner, signing.signed_on
        self.terms = [term]
        self._plan_evaluations(term, 1, rules)
        return AgreementSigned(
            agreement_id=self.id,
            negotiation_id=self.negotiation_id,
            partner=self.partner,
            term=term,
            focus_areas=self.focus_areas,
            goals=self.goals,
            uas_contact=self.uas_contact,
            partner_contact=self.partner_contact,
            signed_on=signing.signed_on,
            signed_at=now,
        )

    def renew(self, rules: ScheduleRules, now: datetime) -> AgreementRenewed:
        """A new term from the day after the current one ends; the evaluation schedule
        continues into it."""
        self._move(self._target(AgreementAction.renew))
        previous = self.term
        term = term_from(previous.ends_on + timedelta(days=1), rules.term_years)
        self.terms.append(term)
        self._plan_evaluations(term, len(self.terms), rules)
        return AgreementRenewed(
            agreement_id=self.id,
            partner=self.partner,
            previous_term=previous,
            term=term,
            focus_areas=self.focus_areas,
            uas_contact=self.uas_contact,
            partner_contact=self.partner_contact,
            renewed_at=now,
        )

    def end(
        self, reason: AgreementEndReason, ended_on: date, note: str | None, now: datetime
    ) -> AgreementEnded:
        """End the agreement: at the end of its term (`expired`, not before its last day) or
        early (`terminated`); the evaluations still pending are cancelled."""
        goal = self._target(AgreementAction.end)
        term = self.term
        if reason is AgreementEndReason.expired and ended_on < term.ends_on:
            raise RuleBroken(
                "ended_on", f"the term runs until {term.ends_on}: end it early as terminated"
            )
        if ended_on < term.starts_on:
            raise RuleBroken("ended_on", f"the current term starts on {term.starts_on}")
        self._move(goal)
        self.ended_on, self.end_reason, self.end_note = ended_on, reason, note
        for evaluation in self.pending:
            evaluation.status = EvaluationStatus.cancelled
        return AgreementEnded(
            agreement_id=self.id,
            partner=self.partner,
            term=term,
            reason=reason,
            note=note,
            ended_on=ended_on,
            uas_contact=self.uas_contact,
            partner_contact=self.partner_contact,
            ended_at=now,
        )

    def change_contact(
        self, side: AgreementSide, contact: Person, now: datetime
    ) -> ContactPersonChanged:
        """A side names a new contact person (reminders from now on name them)."""
        goal = self._target(AgreementAction.change_contact)
        previous = self.uas_contact if side is AgreementSide.uas else self.partner_contact
        if previous.person_id == contact.person_id and previous.language == contact.language:
            raise StateConflict(f"they already are the {side} side's contact person", self.status)
        self._move(goal)
        if side is AgreementSide.uas:
            self.uas_contact = contact
        else:
            self.partner_contact = contact
        return ContactPersonChanged(
            agreement_id=self.id,
            partner=self.partner,
            side=side,
            previous_contact=previous,
            new_contact=contact,
            other_side_contact=self.partner_contact
            if side is AgreementSide.uas
            else self.uas_contact,
            changed_at=now,
        )

    def check_action_plan(self) -> None:
        """Whether an action plan can be agreed now (the agreement is active)."""
        self._target(AgreementAction.agree_action_plan)

    def hold_evaluation(
        self, held: HeldEvaluation, now: datetime, evaluation_id: UUID | None = None
    ) -> tuple[Evaluation, EvaluationHeld]:
        """Record an evaluation meeting: it settles the evaluation that was due (the earliest
        pending one, unless another is named), so no overdue reminder goes out for it."""
        goal = self._target(AgreementAction.hold_evaluation)
        if held.held_on > finnish_date(now):
            raise RuleBroken("held_on", "an evaluation is recorded once it has been held")
        if held.held_on < self.first_day:
            raise RuleBroken("held_on", f"the agreement starts on {self.first_day}")
        pending = self.pending
        if evaluation_id is not None:
            pending = [e for e in pending if e.id == evaluation_id]
        if not pending:
            raise StateConflict("no evaluation of this agreement is pending", self.status)
        self._move(goal)
        evaluation = pending[0]
        evaluation.status, evaluation.held_on = EvaluationStatus.held, held.held_on
        evaluation.summary, evaluation.recorded_at = held.summary, now
        evaluation.realisation, evaluation.attendees = list(held.realisation), list(held.attendees)
        upcoming = self.pending
        return evaluation, EvaluationHeld(
            evaluation_id=evaluation.id,
            agreement_id=self.id,
            partner=self.partner,
            due_on=evaluation.due_on,
            held_on=held.held_on,
            realisation=evaluation.realisation,
            summary=held.summary,
            next_due_on=upcoming[0].due_on if upcoming else None,
            uas_contact=self.uas_contact,
            partner_contact=self.partner_contact,
            recorded_at=now,
            attendees=evaluation.attendees,
        )

    def reminders(self, rules: ScheduleRules, now: datetime) -> list[Reminder]:
        """The scheduled events the agreement wants from `now` on: for each pending
        evaluation its announcement and its overdue escalation, and the announcement of the
        current term's end. Only those after `now`: one whose time has passed went out
        already (or was never wanted), and scheduling it again would send it twice."""
        if self.status is not AgreementStatus.active:
            return []
        wanted = [r for e in self.pending for r in self._evaluation_reminders(e, rules)]
        term = self.term
        at = expiry_announced_at(term, rules)
        wanted.append(
            Reminder(
                f"agreement-expiring:{self.id}:{len(self.terms)}",
                at,
                AgreementExpiring(
                    agreement_id=self.id,
                    partner=self.partner,
                    term=term,
                    days_left=rules.expiry_notice_days,
                    uas_contact=self.uas_contact,
                    partner_contact=self.partner_contact,
                    announced_at=at,
                ),
            )
        )
        return [r for r in wanted if r.at > now]

    def _evaluation_reminders(self, evaluation: Evaluation, rules: ScheduleRules) -> list[Reminder]:
        due_at = due_announced_at(evaluation.due_on, rules)
        late_at = overdue_at(evaluation.due_on, rules)
        return [
            Reminder(
                f"evaluation-due:{evaluation.id}",
                due_at,
                EvaluationDue(
                    evaluation_id=evaluation.id,
                    agreement_id=self.id,
                    partner=self.partner,
                    due_on=evaluation.due_on,
                    uas_contact=self.uas_contact,
                    partner_contact=self.partner_contact,
                    announced_at=due_at,
                ),
            ),
            Reminder(
                f"evaluation-overdue:{evaluation.id}",
                late_at,
                EvaluationOverdue(
                    evaluation_id=evaluation.id,
                    agreement_id=self.id,
                    partner=self.partner,
                    due_on=evaluation.due_on,
                    owner=self.owner or self.uas_contact,
                    uas_contact=self.uas_contact,
                    partner_contact=self.partner_contact,
                    detected_at=late_at,
                ),
            ),
        ]

    def _plan_evaluations(self, term: Term, term_number: int, rules: ScheduleRules) -> None:
        for due_on in evaluation_due_dates(term, rules.evaluation_interval_months):
            self.evaluations.append(Evaluation(uuid4(), term_number, due_on))

    def _target(self, action: AgreementAction) -> AgreementStatus:
        return target("agreement", TRANSITIONS, self.status, action)

    def _move(self, status: AgreementStatus) -> None:
        self.status = status
        self.version += 1


def reminder_keys(reminders: Sequence[Reminder]) -> set[str]:
    """The keys of some reminders."""
    return {r.key for r in reminders}
