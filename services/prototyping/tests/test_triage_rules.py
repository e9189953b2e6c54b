"""The prototype request's state machine and rules, as plain code: no server, no database."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from arctic.contracts.events import PrototypeAccepted, PrototypeRejected, Suggestion
from arctic.contracts.examples.parties import AINO, AINO_DETAILS
from arctic.contracts.vocabulary import Company, Discipline, Stage
from arctic.prototyping.domain import (
    TRANSITIONS,
    Action,
    DecisionIncomplete,
    PrototypeRequest,
    RequestStatus,
    Submission,
    TransitionNotAllowed,
)

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


def in_status(status: RequestStatus) -> PrototypeRequest:
    request = requested()
    if status is RequestStatus.accepted:
        request.accept([ICT], NOW)
    elif status is RequestStatus.rejected:
        request.reject("Already on the market", [], NOW)
    return request


def act(request: PrototypeRequest, action: Action) -> object:
    if action is Action.accept:
        return request.accept([ENERGY], LATER)
    return request.reject("Out of scope", [VOUCHER], LATER)


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
    assert request.allowed_actions == []


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
    before = (request.status, request.version, request.decided_at, request.confirmed_disciplines)
    with pytest.raises(TransitionNotAllowed) as refused:
        act(request, action)
    assert (refused.value.state, refused.value.action) == (status, action)
    assert refused.value.allowed == request.allowed_actions
    assert (
        request.status,
        request.version,
        request.decided_at,
        request.confirmed_disciplines,
    ) == before


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
