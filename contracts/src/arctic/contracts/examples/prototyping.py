"""Example prototyping events."""

from __future__ import annotations

from datetime import date

from arctic.contracts.events import (
    PrototypeAccepted,
    PrototypeDeadlineApproaching,
    PrototypeDelivered,
    PrototypeMilestoneReached,
    PrototypeOverdue,
    PrototypeRejected,
    PrototypeRequested,
    PrototypeTeamAssembled,
    Showcase,
    Suggestion,
)
from arctic.contracts.examples.catalogue import INQUIRY_ID
from arctic.contracts.examples.parties import REVONTULI, REVONTULI_REF, TEAM, at, example_id
from arctic.contracts.vocabulary import Discipline, PrototypeOutcome, Stage

REQUEST_ID = example_id("prototype/snow-sensor")
TITLE = "Snow-load sensor for roofs"
DISCIPLINES = [Discipline.ict, Discipline.construction]
DUE_ON = date(2025, 4, 4)


def prototype_requested() -> PrototypeRequested:
    """A request opened from an inquiry routed to prototyping."""
    return PrototypeRequested(
        request_id=REQUEST_ID,
        company=REVONTULI,
        title=TITLE,
        problem="Warehouse roofs collapse under snow; we need an early warning.",
        disciplines=DISCIPLINES,
        stage=Stage.concept,
        showcase_consent=True,
        origin_inquiry_id=INQUIRY_ID,
        requested_at=at(4, 10),
    )


def prototype_accepted() -> PrototypeAccepted:
    """Triage accepts the request of a partner."""
    return PrototypeAccepted(
        request_id=REQUEST_ID,
        company=REVONTULI,
        title=TITLE,
        disciplines=DISCIPLINES,
        stage=Stage.concept,
        partner=True,
        accepted_at=at(4, 12),
    )


def prototype_rejected() -> PrototypeRejected:
    """Triage rejects the request."""
    return PrototypeRejected(
        request_id=REQUEST_ID,
        company=REVONTULI,
        title=TITLE,
        reason="A product doing this is already on the market.",
        suggestions=[
            Suggestion(
                note="The innovation voucher can fund adapting the existing product to you.",
                funding_instrument_id=example_id("funding/innovation-voucher"),
            )
        ],
        rejected_at=at(4, 12),
    )


def prototype_team_assembled() -> PrototypeTeamAssembled:
    """The team is set and the 30-day time-box starts."""
    return PrototypeTeamAssembled(
        request_id=REQUEST_ID,
        company=REVONTULI,
        title=TITLE,
        team=TEAM,
        starts_on=date(2025, 3, 5),
        due_on=DUE_ON,
        assembled_at=at(5),
    )


def prototype_milestone_reached() -> PrototypeMilestoneReached:
    """The first milestone is done."""
    return PrototypeMilestoneReached(
        request_id=REQUEST_ID,
        company=REVONTULI,
        title=TITLE,
        milestone_id=example_id("milestone/sensor-bench"),
        milestone="Sensor reads load on the bench",
        team=TEAM,
        due_on=DUE_ON,
        reached_at=at(14),
    )


def prototype_deadline_approaching() -> PrototypeDeadlineApproaching:
    """A week before the due date."""
    return PrototypeDeadlineApproaching(
        request_id=REQUEST_ID,
        company=REVONTULI_REF,
        title=TITLE,
        team=TEAM,
        due_on=DUE_ON,
        days_left=7,
        announced_at=at(28, 6),
    )


def prototype_overdue() -> PrototypeOverdue:
    """Not delivered on the due date."""
    return PrototypeOverdue(
        request_id=REQUEST_ID,
        company=REVONTULI,
        title=TITLE,
        team=TEAM,
        due_on=DUE_ON,
        detected_at=at(4, 6, month=4),
    )


def prototype_delivered() -> PrototypeDelivered:
    """Handed over, with a public showcase."""
    return PrototypeDelivered(
        request_id=REQUEST_ID,
        company=REVONTULI,
        title=TITLE,
        disciplines=DISCIPLINES,
        team=TEAM,
        outcome=PrototypeOutcome.working_prototype,
        outcome_summary="A radio sensor warns when the roof load passes 80 % of its rating.",
        showcase_consent=True,
        showcase=Showcase(
            title="Roofs that warn of snow",
            summary="In a month, a sensor that tells when to clear the roof.",
        ),
        started_on=date(2025, 3, 5),
        delivered_at=at(2, 14, month=4),
    )
