"""The agreement's state machine and the evaluation schedule over whole terms, simulated in
plain code: due every six months, announced ahead, overdue once and escalated to the owner,
settled by a held evaluation, continued on renewal, cancelled on ending."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from partnership_rules import NOW, RULES, SimulatedSchedule, draft, someone

from arctic.contracts.events import (
    AgreementEnded,
    AgreementExpiring,
    AgreementSigned,
    EvaluationDue,
    EvaluationOverdue,
)
from arctic.contracts.vocabulary import AgreementEndReason, AgreementSide
from arctic.partnerships.agreements import (
    Agreement,
    AgreementAction,
    AgreementStatus,
    EvaluationStatus,
    HeldEvaluation,
    Signing,
)
from arctic.partnerships.domain import RuleBroken, StateConflict, TransitionNotAllowed
from arctic.partnerships.working_days import morning_of

START = date(2027, 1, 1)
OWNER = someone()


def sign(schedule: SimulatedSchedule) -> AgreementSigned:
    agreement = schedule.agreement
    signing = Signing(START, START, agreement.uas_contact, agreement.partner_contact, OWNER)
    event = schedule.change(lambda: agreement.sign(signing, RULES, schedule.now))
    assert isinstance(event, AgreementSigned)
    return event


def held(on: date) -> HeldEvaluation:
    return HeldEvaluation(on, "Actions on track")


def kinds(events: list[object]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_a_draft_can_only_be_signed() -> None:
    agreement = draft()
    assert agreement.allowed_actions == [AgreementAction.sign]
    for forbidden in (
        lambda: agreement.renew(RULES, NOW),
        lambda: agreement.end(AgreementEndReason.terminated, START, None, NOW),
        lambda: agreement.change_contact(AgreementSide.uas, someone(), NOW),
        lambda: agreement.hold_evaluation(held(START), NOW),
        agreement.check_action_plan,
    ):
        with pytest.raises(TransitionNotAllowed) as refused:
            forbidden()
        assert refused.value.state is AgreementStatus.draft
        assert refused.value.allowed == [AgreementAction.sign]
    assert agreement.version == 1


def test_signing_starts_a_three_year_term_with_six_evaluations() -> None:
    schedule = SimulatedSchedule(draft(), NOW)
    event = sign(schedule)
    agreement = schedule.agreement
    assert agreement.status is AgreementStatus.active
    assert agreement.version == 2
    assert (event.term.starts_on, event.term.ends_on) == (START, date(2029, 12, 31))
    assert event.focus_areas == ["arctic testing"]
    assert [e.due_on for e in agreement.evaluations][:2] == [date(2027, 7, 1), date(2028, 1, 3)]
    assert len(agreement.evaluations) == 6
    with pytest.raises(TransitionNotAllowed) as refused:
        agreement.sign(Signing(START, START, OWNER, OWNER, OWNER), RULES, NOW)
    assert refused.value.state is AgreementStatus.active


def test_an_agreement_needs_a_focus_area() -> None:
    agreement = draft(focus_areas=[])
    with pytest.raises(RuleBroken) as refused:
        agreement.sign(Signing(START, START, OWNER, OWNER, OWNER), RULES, NOW)
    assert refused.value.field_name == "focus_areas"


def test_over_a_whole_term_each_evaluation_is_announced_then_settled_or_overdue_once() -> None:
    schedule = SimulatedSchedule(draft(), NOW)
    sign(schedule)
    agreement = schedule.agreement
    first, second = agreement.evaluations[0], agreement.evaluations[1]

    # 14 days before the first due date, in the morning: announced, nothing else.
    fired = schedule.advance(morning_of(date(2027, 6, 17)))
    assert kinds(fired) == ["EvaluationDue"]
    assert isinstance(fired[0], EvaluationDue)
    assert fired[0].due_on == first.due_on
    assert fired[0].partner_contact == agreement.partner_contact

    # Held a day late: it settles the first; no overdue goes out for it.
    assert schedule.advance(datetime(2027, 7, 2, 10, tzinfo=UTC)) == []
    schedule.change(lambda: agreement.hold_evaluation(held(date(2027, 7, 2)), schedule.now))
    assert first.status is EvaluationStatus.held
    assert schedule.advance(datetime(2027, 12, 1, tzinfo=UTC)) == []

    # The second is announced and, never held, escalated to the owner once.
    fired = schedule.advance(datetime(2028, 1, 31, tzinfo=UTC))
    assert kinds(fired) == ["EvaluationDue", "EvaluationOverdue"]
    overdue = fired[1]
    assert isinstance(overdue, EvaluationOverdue)
    assert (overdue.due_on, overdue.owner) == (second.due_on, OWNER)
    assert overdue.detected_at == morning_of(second.due_on + timedelta(days=8))
    assert schedule.advance(datetime(2028, 6, 1, tzinfo=UTC)) == []

    # The rest of the term, none held: each announced and overdue exactly once; the end of
    # the term announced 120 days ahead.
    fired = schedule.advance(datetime(2030, 3, 1, tzinfo=UTC))
    assert kinds(fired).count("EvaluationDue") == 4
    assert kinds(fired).count("EvaluationOverdue") == 4
    expiring = [e for e in fired if isinstance(e, AgreementExpiring)]
    assert len(expiring) == 1
    assert expiring[0].days_left == 120
    assert expiring[0].announced_at == morning_of(date(2029, 9, 2))
    all_due = [e.due_on for e in schedule.fired if isinstance(e, EvaluationDue)]
    assert all_due == [e.due_on for e in agreement.evaluations]
    assert schedule.rows == {}


def test_an_evaluation_held_early_settles_the_earliest_pending_one() -> None:
    schedule = SimulatedSchedule(draft(), datetime(2027, 5, 3, tzinfo=UTC))
    sign(schedule)
    agreement = schedule.agreement
    _, event = agreement.hold_evaluation(held(date(2027, 5, 3)), schedule.now)
    assert event.due_on == date(2027, 7, 1)
    assert event.next_due_on == date(2028, 1, 3)


def test_an_evaluation_is_recorded_once_held_and_not_before_the_agreement() -> None:
    schedule = SimulatedSchedule(draft(), NOW)
    sign(schedule)
    agreement = schedule.agreement
    with pytest.raises(RuleBroken) as future:
        agreement.hold_evaluation(held(date(2027, 2, 1)), NOW)
    assert future.value.field_name == "held_on"
    with pytest.raises(RuleBroken):
        agreement.hold_evaluation(held(date(2026, 12, 1)), NOW)


def test_when_every_evaluation_is_held_none_is_pending() -> None:
    schedule = SimulatedSchedule(draft(), datetime(2030, 1, 1, tzinfo=UTC))
    sign(schedule)
    agreement = schedule.agreement
    for _ in range(6):
        agreement.hold_evaluation(held(date(2029, 12, 31)), schedule.now)
    with pytest.raises(StateConflict):
        agreement.hold_evaluation(held(date(2029, 12, 31)), schedule.now)


def test_renewal_continues_the_schedule_into_a_new_term() -> None:
    schedule = SimulatedSchedule(draft(), NOW)
    sign(schedule)
    agreement = schedule.agreement
    schedule.advance(datetime(2029, 9, 3, tzinfo=UTC))  # the expiry announced
    renewed = schedule.change(lambda: agreement.renew(RULES, schedule.now))
    assert renewed.previous_term.ends_on == date(2029, 12, 31)
    assert (renewed.term.starts_on, renewed.term.ends_on) == (
        date(2030, 1, 1),
        date(2032, 12, 31),
    )
    assert len(agreement.evaluations) == 12
    fired = schedule.advance(datetime(2030, 8, 1, tzinfo=UTC))
    due = [e.due_on for e in fired if isinstance(e, EvaluationDue)]
    assert due == [date(2029, 12, 31), date(2030, 7, 1)]
    assert agreement.year_span(4) == (date(2030, 1, 1), date(2030, 12, 31))
    fired = schedule.advance(datetime(2033, 1, 1, tzinfo=UTC))
    assert [e.term.ends_on for e in fired if isinstance(e, AgreementExpiring)] == [
        date(2032, 12, 31)
    ]


def test_ending_cancels_everything_scheduled_and_allows_nothing_more() -> None:
    schedule = SimulatedSchedule(draft(), NOW)
    sign(schedule)
    agreement = schedule.agreement
    schedule.advance(datetime(2027, 8, 1, tzinfo=UTC))
    ended = schedule.change(
        lambda: agreement.end(
            AgreementEndReason.terminated, date(2027, 8, 1), "merged", schedule.now
        )
    )
    assert isinstance(ended, AgreementEnded)
    assert ended.reason is AgreementEndReason.terminated
    assert schedule.rows == {}
    assert schedule.advance(datetime(2031, 1, 1, tzinfo=UTC)) == []
    assert all(e.status is not EvaluationStatus.pending for e in agreement.evaluations)
    assert agreement.allowed_actions == []
    with pytest.raises(TransitionNotAllowed) as refused:
        agreement.renew(RULES, NOW)
    assert refused.value.state is AgreementStatus.ended


def test_an_agreement_expires_only_at_the_end_of_its_term() -> None:
    schedule = SimulatedSchedule(draft(), NOW)
    sign(schedule)
    agreement: Agreement = schedule.agreement
    with pytest.raises(RuleBroken) as refused:
        agreement.end(AgreementEndReason.expired, date(2029, 6, 1), None, NOW)
    assert refused.value.field_name == "ended_on"
    assert agreement.status is AgreementStatus.active
    agreement.end(AgreementEndReason.expired, date(2029, 12, 31), None, NOW)
    assert agreement.status is AgreementStatus.ended


def test_a_new_contact_person_is_named_in_every_reminder_from_then_on() -> None:
    schedule = SimulatedSchedule(draft(), NOW)
    sign(schedule)
    agreement = schedule.agreement
    previous, successor = agreement.partner_contact, someone()
    changed = schedule.change(
        lambda: agreement.change_contact(AgreementSide.partner, successor, schedule.now)
    )
    assert changed.previous_contact == previous
    assert changed.other_side_contact == agreement.uas_contact
    fired = schedule.advance(datetime(2027, 7, 1, tzinfo=UTC))
    assert [e.partner_contact for e in fired if isinstance(e, EvaluationDue)] == [successor]
    with pytest.raises(StateConflict):
        agreement.change_contact(AgreementSide.partner, successor, NOW)


def test_reminders_whose_time_passed_are_never_scheduled_again() -> None:
    schedule = SimulatedSchedule(draft(), NOW)
    sign(schedule)
    agreement = schedule.agreement
    schedule.advance(datetime(2027, 6, 20, tzinfo=UTC))  # the first announcement went out
    schedule.change(lambda: agreement.change_contact(AgreementSide.uas, someone(), schedule.now))
    fired = schedule.advance(datetime(2027, 7, 2, tzinfo=UTC))
    assert fired == []
