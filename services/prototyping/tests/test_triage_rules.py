"""The prototype request's state machine and rules, as plain code: no server, no database."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from arctic.contracts.events import Expert, PrototypeAccepted, PrototypeRejected, Suggestion
from arctic.contracts.examples.parties import AINO, AINO_DETAILS
from arctic.contracts.vocabulary import Company, Discipline, PrototypeOutcome, Stage
from arctic.prototyping.domain import (
    TRANSITIONS,
    Action,
    DecisionIncomplete,
    Delivery,
    PrototypeRequest,
    RequestStatus,
    Submission,
    TransitionNotAllowed,
)
from arctic.prototyping.timebox import MilestoneName, TimeBox

NOW = datetime(2025, 3, 3, 9, tzinfo=UTC)
LATER = NOW + timedelta(days=2)
COMPANY = Company(name="Revontuli Robotics Oy", business_id="2617416-4", contact=AINO)
ICT, ENERGY = Discipline.ict, Discipline.energy
VOUCHER = Suggestion(note="The innovation voucher fits better", funding_instrument_id=uuid4())


def requested(*disciplines: Discipline) -> PrototypeRequest:
    submission = Submission(
        COMPANY,
        AINO_DETAILS,
        "Snow-load sensor",
        "Roofs collapse",
        disciplines or [ICT],
        Stage.concept,
    )
    request, _ = PrototypeRequest.submit(submission, NOW)
    return request


BOX = TimeBox.starting((LATER + timedelta(days=1)).date(), 30)
TEAM = [Expert(**AINO.model_dump(), expert_id=uuid4(), disciplines=[ICT])]
DELIVERY = Delivery(PrototypeOutcome.working_prototype, "A sensor and its app")


def in_status(status: RequestStatus) -> PrototypeRequest:
    """A request brought to `status` the way the state machine allows."""
    request = requested()
    if status is RequestStatus.rejected:
        request.reject("Already on the market", [], NOW)
    if status in (RequestStatus.accepted, RequestStatus.in_progress, RequestStatus.delivered):
        request.accept([ICT], NOW)
    if status in (RequestStatus.in_progress, RequestStatus.delivered):
        request.assemble_team(TEAM, BOX, NOW)
    if status is RequestStatus.delivered:
        request.deliver(DELIVERY, LATER)
    assert request.status is status
    return request


def act(request: PrototypeRequest, action: Action) -> object:
    if action is Action.accept:
        return request.accept([ENERGY], LATER)
    if action is Action.reject:
        return request.reject("Out of scope", [VOUCHER], LATER)
    if action is Action.assemble_team:
        return request.assemble_team(TEAM, BOX, LATER)
    if action is Action.reach_milestone:
        return request.reach_milestone(MilestoneName.demo, LATER)
    return request.deliver(DELIVERY, LATER)


def state_of(request: PrototypeRequest) -> tuple[object, ...]:
    """Everything a change could touch."""
    return (
        request.status,
        request.version,
        request.decided_at,
        list(request.confirmed_disciplines),
        request.rejection,
        list(request.team),
        request.time_box,
        [(m.name, m.reached_at) for m in request.milestones],
        request.delivery,
        request.delivered_at,
    )


def test_a_submitted_request_is_requested_at_version_1_with_each_discipline_once() -> None:
    submission = Submission(COMPANY, AINO_DETAILS, "Sensor", "Snow", [ICT, ENERGY, ICT], Stage.idea)
    request, event = PrototypeRequest.submit(submission, NOW)
    assert (request.status, request.version) == (RequestStatus.requested, 1)
    assert request.disciplines == event.disciplines == [ICT, ENERGY]
    assert (event.request_id, event.requested_at) == (request.id, NOW)
    assert request.allowed_actions == [Action.accept, Action.reject]


def test_accepting_confirms_the_disciplines_and_announces_them() -> None:
    request = requested(ICT)
    event = request.accept([ENERGY, ICT, ENERGY], LATER)
    assert isinstance(event, PrototypeAccepted)
    assert (request.status, request.version, request.decided_at) == (
        RequestStatus.accepted,
        2,
        LATER,
    )
    assert request.confirmed_disciplines == event.disciplines == [ENERGY, ICT]
    assert (event.request_id, event.accepted_at, event.company) == (request.id, LATER, COMPANY)
    assert request.allowed_actions == [Action.assemble_team]


def test_rejecting_keeps_the_reason_and_where_else_to_go() -> None:
    request = requested()
    event = request.reject("  A product doing this exists  ", [VOUCHER], LATER)
    assert isinstance(event, PrototypeRejected)
    assert (request.status, request.version) == (RequestStatus.rejected, 2)
    assert request.rejection is not None
    assert request.rejection.reason == event.reason == "A product doing this exists"
    assert list(request.rejection.suggestions) == event.suggestions == [VOUCHER]
    assert event.rejected_at == LATER


FORBIDDEN = [
    (status, action)
    for status, action in itertools.product(RequestStatus, Action)
    if action not in TRANSITIONS[status]
]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=lambda value: str(value))
def test_a_forbidden_transition_names_the_state_and_what_is_allowed_and_changes_nothing(
    status: RequestStatus, action: Action
) -> None:
    request = in_status(status)
    before = state_of(request)
    with pytest.raises(TransitionNotAllowed) as refused:
        act(request, action)
    assert (refused.value.state, refused.value.action) == (status, action)
    assert refused.value.allowed == request.allowed_actions
    assert state_of(request) == before


@pytest.mark.parametrize(
    ("status", "action"),
    [(s, a) for s, moves in TRANSITIONS.items() for a in moves],
    ids=lambda value: str(value),
)
def test_every_allowed_transition_leads_where_the_state_machine_says_and_bumps_the_version(
    status: RequestStatus, action: Action
) -> None:
    request = in_status(status)
    version = request.version
    act(request, action)
    assert (request.status, request.version) == (TRANSITIONS[status][action], version + 1)


def test_every_status_is_in_the_state_machine_and_every_target_is_a_status() -> None:
    assert set(TRANSITIONS) == set(RequestStatus)
    assert {target for moves in TRANSITIONS.values() for target in moves.values()} <= set(
        RequestStatus
    )


def test_accepting_without_disciplines_is_refused_and_changes_nothing() -> None:
    request = requested()
    with pytest.raises(DecisionIncomplete) as refused:
        request.accept([], LATER)
    assert refused.value.field_name == "disciplines"
    assert (request.status, request.version) == (RequestStatus.requested, 1)


def test_rejecting_without_a_reason_is_refused_and_changes_nothing() -> None:
    request = requested()
    with pytest.raises(DecisionIncomplete) as refused:
        request.reject("   ", [], LATER)
    assert refused.value.field_name == "reason"
    assert (request.status, request.version, request.rejection) == (
        RequestStatus.requested,
        1,
        None,
    )
