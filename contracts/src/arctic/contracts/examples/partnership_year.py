"""Example events of the partnership year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from arctic.contracts.events import (
    ActionPlanAgreed,
    ActionRealisation,
    EvaluationDue,
    EvaluationHeld,
    EvaluationOverdue,
    HandprintRecorded,
    PartnerEventInvitationIssued,
    PlannedAction,
)
from arctic.contracts.examples.parties import AINO, JUHANI, MAYA, PARTNER, at, example_id
from arctic.contracts.examples.partnerships import AGREEMENT_ID
from arctic.contracts.vocabulary import ActionStatus

EVALUATION_ID = example_id("evaluation/revontuli-1")
PILOT = PlannedAction(
    action_id=example_id("action/pilot-1"),
    title="Pilot a snow-clearing robot on campus",
    due_on=date(2025, 12, 15),
)


def action_plan_agreed() -> ActionPlanAgreed:
    """The first year's actions are agreed."""
    return ActionPlanAgreed(
        action_plan_id=example_id("action-plan/revontuli-1"),
        agreement_id=AGREEMENT_ID,
        partner=PARTNER,
        agreement_year=1,
        starts_on=date(2025, 4, 1),
        ends_on=date(2026, 3, 31),
        actions=[PILOT],
        uas_contact=JUHANI,
        partner_contact=AINO,
        agreed_at=at(25),
    )


def evaluation_due() -> EvaluationDue:
    """Fourteen days before the evaluation."""
    return EvaluationDue(
        evaluation_id=EVALUATION_ID,
        agreement_id=AGREEMENT_ID,
        partner=PARTNER,
        due_on=date(2025, 10, 1),
        uas_contact=JUHANI,
        partner_contact=AINO,
        announced_at=at(17, month=9),
    )


def evaluation_held() -> EvaluationHeld:
    """The evaluation meeting is recorded."""
    return EvaluationHeld(
        evaluation_id=EVALUATION_ID,
        agreement_id=AGREEMENT_ID,
        partner=PARTNER,
        due_on=date(2025, 10, 1),
        held_on=date(2025, 9, 29),
        realisation=[
            ActionRealisation(
                action_id=PILOT.action_id, title=PILOT.title, status=ActionStatus.in_progress
            )
        ],
        summary="The pilot is on track; the robot needs better tyres.",
        next_due_on=date(2026, 4, 1),
        uas_contact=JUHANI,
        partner_contact=AINO,
        recorded_at=at(29, 15, month=9),
    )


def evaluation_overdue() -> EvaluationOverdue:
    """The due date passed with no evaluation."""
    return EvaluationOverdue(
        evaluation_id=EVALUATION_ID,
        agreement_id=AGREEMENT_ID,
        partner=PARTNER,
        due_on=date(2025, 10, 1),
        owner=MAYA,
        uas_contact=JUHANI,
        partner_contact=AINO,
        detected_at=at(2, 6, month=10),
    )


def partner_event_invitation_issued() -> PartnerEventInvitationIssued:
    """The spring event invitation to one partner contact."""
    return PartnerEventInvitationIssued(
        partner_event_id=example_id("partner-event/valakiat-2026"),
        invitation_id=example_id("invitation/valakiat-2026-revontuli"),
        event_name="Valakiat 2026",
        year=2026,
        held_on=date(2026, 4, 23),
        location="Rovaniemi",
        agreement_id=AGREEMENT_ID,
        partner=PARTNER,
        invitee=AINO,
        reply_by=date(2026, 4, 9),
        issued_at=at(2, month=2),
    )


def handprint_recorded() -> HandprintRecorded:
    """An indicator of the social handprint for a partner and year."""
    return HandprintRecorded(
        handprint_id=example_id("handprint/revontuli-2025-employment"),
        partner=PARTNER,
        year=2025,
        indicator="People employed from outside the labour market",
        value=Decimal("3"),
        unit="persons",
        recorded_at=at(15, month=12),
    )
