"""The time-box as plain code: milestones, the reminders' times and payloads, milestones done
once, delivery with a showcase only with consent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from arctic.contracts.events import (
    Expert,
    PrototypeDeadlineApproaching,
    PrototypeOverdue,
    Showcase,
    Suggestion,
)
from arctic.contracts.examples.parties import AINO, AINO_DETAILS
from arctic.contracts.vocabulary import Company, Discipline, PrototypeOutcome, Stage
from arctic.prototyping.domain import (
    DecisionIncomplete,
    Delivery,
    MilestoneAlreadyReached,
    MilestoneNotFound,
    PrototypeRequest,
    RequestStatus,
    Submission,
)
from arctic.prototyping.timebox import FINLAND, MilestoneName, TimeBox, finnish_date

NOW = datetime(2026, 3, 2, 7, tzinfo=UTC)
BOX = TimeBox.starting(date(2026, 3, 2), 30)
TEAM = [Expert(**AINO.model_dump(), expert_id=uuid4(), disciplines=[Discipline.ict])]
COMPANY = Company(name="Revontuli Robotics Oy", business_id="2617416-4", contact=AINO)
SHOWCASE = Showcase(title="Snow-load sensor", summary="Warns before roofs give way")


def in_progress(consent: bool = True) -> PrototypeRequest:
    submission = Submission(
        COMPANY, AINO_DETAILS, "Sensor", "Snow", [Discipline.ict], Stage.concept, consent
    )
    request, _ = PrototypeRequest.submit(submission, NOW)
    request.accept([Discipline.ict], NOW)
    request.assemble_team(TEAM, BOX, NOW)
    return request


def test_the_time_box_is_due_thirty_days_after_the_start_with_three_milestones() -> None:
    assert BOX.due_on == date(2026, 4, 1)
    assert BOX.milestone_dates() == {
        MilestoneName.kick_off: date(2026, 3, 2),
        MilestoneName.demo: date(2026, 3, 22),
        MilestoneName.hand_over: date(2026, 4, 1),
    }


def test_assembling_the_team_starts_the_time_box_and_plans_the_milestones() -> None:
    submission = Submission(COMPANY, AINO_DETAILS, "S", "P", [Discipline.ict], Stage.idea)
    request, _ = PrototypeRequest.submit(submission, NOW)
    request.accept([Discipline.ict], NOW)
    event = request.assemble_team(TEAM, BOX, NOW)
    assert (request.status, request.version) == (RequestStatus.in_progress, 3)
    assert (event.starts_on, event.due_on, event.team) == (BOX.starts_on, BOX.due_on, TEAM)
    assert [(m.name, m.due_on, m.reached_at) for m in request.milestones] == [
        (name, day, None) for name, day in BOX.milestone_dates().items()
    ]


def test_the_reminders_go_out_seven_days_ahead_in_the_morning_and_at_the_end_of_due_on() -> None:
    approaching, overdue = in_progress().reminders(7, NOW)
    assert approaching.due_at == datetime(2026, 3, 25, 8, tzinfo=FINLAND)
    assert overdue.due_at == datetime(2026, 4, 1, 16, tzinfo=FINLAND)
    assert isinstance(approaching.event, PrototypeDeadlineApproaching)
    assert (approaching.event.days_left, approaching.event.team) == (7, TEAM)
    assert isinstance(overdue.event, PrototypeOverdue)
    assert overdue.event.due_on == BOX.due_on


def test_the_reminder_keys_name_the_request() -> None:
    request = in_progress()
    assert [r.key for r in request.reminders(7, NOW)] == list(request.reminder_keys())
    assert all(str(request.id) in key for key in request.reminder_keys())


def test_a_reminder_of_a_short_time_box_is_never_before_its_start() -> None:
    box = TimeBox.starting(date(2026, 3, 2), 3)
    assert finnish_date(box.approaching_at(7)) == box.starts_on


def test_a_milestone_is_reached_once_and_announced() -> None:
    request = in_progress()
    event = request.reach_milestone(MilestoneName.kick_off, NOW)
    assert (event.milestone, event.due_on, request.version) == (
        "Kick-off: the team and the company agree on the goal",
        BOX.due_on,
        4,
    )
    with pytest.raises(MilestoneAlreadyReached):
        request.reach_milestone(MilestoneName.kick_off, NOW + timedelta(hours=1))
    with pytest.raises(MilestoneNotFound):
        request.reach_milestone("party", NOW)
    assert request.version == 4


def test_delivery_hands_over_the_outcome_the_next_step_and_the_showcase() -> None:
    request = in_progress()
    voucher = Suggestion(
        note="Innovation voucher for the next version", funding_instrument_id=uuid4()
    )
    delivery = Delivery(PrototypeOutcome.working_prototype, " A sensor ", voucher, SHOWCASE)
    event = request.deliver(delivery, NOW + timedelta(days=20))
    assert (request.status, event.showcase, event.next_step) == (
        RequestStatus.delivered,
        SHOWCASE,
        voucher,
    )
    assert (event.outcome_summary, event.started_on, event.due_on) == (
        "A sensor",
        BOX.starts_on,
        BOX.due_on,
    )


def test_a_showcase_without_the_company_s_consent_is_refused() -> None:
    request = in_progress(consent=False)
    with pytest.raises(DecisionIncomplete) as refused:
        request.deliver(Delivery(PrototypeOutcome.proof_of_concept, "x", None, SHOWCASE), NOW)
    assert refused.value.field_name == "showcase"
    assert request.status is RequestStatus.in_progress
    event = request.deliver(Delivery(PrototypeOutcome.proof_of_concept, "x"), NOW)
    assert (event.showcase_consent, event.showcase) == (False, None)


def test_a_time_box_cannot_start_before_today_in_finland() -> None:
    submission = Submission(COMPANY, AINO_DETAILS, "S", "P", [Discipline.ict], Stage.idea)
    request, _ = PrototypeRequest.submit(submission, NOW)
    request.accept([Discipline.ict], NOW)
    yesterday = TimeBox.starting(date(2026, 3, 1), 30)
    with pytest.raises(DecisionIncomplete) as refused:
        request.assemble_team(TEAM, yesterday, NOW)
    assert refused.value.field_name == "starts_on"
    assert (request.status, request.team) == (RequestStatus.accepted, [])
    # 23:30 UTC on 1 March is already 2 March in Finland: a box starting on 1 March is late.
    late_evening = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    with pytest.raises(DecisionIncomplete):
        request.assemble_team(TEAM, yesterday, late_evening)
