"""The registry holds exactly the 32 events of the catalogue (docs/events.md) and the 5 of
erasure, each in its service's stream."""

from __future__ import annotations

import pytest

from arctic.contracts.errors import UnknownEventType, UnknownStream
from arctic.contracts.events import PrototypeRequested
from arctic.contracts.registry import (
    EVENTS,
    STREAMS,
    SUBJECT_PATTERN,
    events_of_service,
    model_for,
    stream_for_subject,
    stream_of_service,
)

CATALOGUE_OF_EVENTS_MD = {
    "arctic.catalogue.offering.published.v1",
    "arctic.catalogue.offering.retired.v1",
    "arctic.catalogue.inquiry.received.v1",
    "arctic.catalogue.inquiry.routed.v1",
    "arctic.catalogue.inquiry.overdue.v1",
    "arctic.catalogue.booking.requested.v1",
    "arctic.catalogue.booking.confirmed.v1",
    "arctic.catalogue.booking.cancelled.v1",
    "arctic.catalogue.environment.usage_recorded.v1",
    "arctic.prototyping.prototype.requested.v1",
    "arctic.prototyping.prototype.accepted.v1",
    "arctic.prototyping.prototype.rejected.v1",
    "arctic.prototyping.prototype.team_assembled.v1",
    "arctic.prototyping.prototype.milestone_reached.v1",
    "arctic.prototyping.prototype.deadline_approaching.v1",
    "arctic.prototyping.prototype.overdue.v1",
    "arctic.prototyping.prototype.delivered.v1",
    "arctic.partnerships.need.raised.v1",
    "arctic.partnerships.negotiation.started.v1",
    "arctic.partnerships.agreement.signed.v1",
    "arctic.partnerships.agreement.contact_changed.v1",
    "arctic.partnerships.action_plan.agreed.v1",
    "arctic.partnerships.evaluation.due.v1",
    "arctic.partnerships.evaluation.held.v1",
    "arctic.partnerships.evaluation.overdue.v1",
    "arctic.partnerships.agreement.expiring.v1",
    "arctic.partnerships.agreement.renewed.v1",
    "arctic.partnerships.agreement.ended.v1",
    "arctic.partnerships.partner_event.invitation_issued.v1",
    "arctic.partnerships.handprint.recorded.v1",
    "arctic.notifications.notification.delivered.v1",
    "arctic.notifications.notification.failed.v1",
}
ERASURE = {
    "arctic.notifications.personal_data.erasure_requested.v1",
    "arctic.catalogue.personal_data.erased.v1",
    "arctic.prototyping.personal_data.erased.v1",
    "arctic.partnerships.personal_data.erased.v1",
    "arctic.notifications.personal_data.erased.v1",
}


def test_the_registry_has_exactly_the_subjects_of_the_event_catalogue() -> None:
    assert set(EVENTS) == CATALOGUE_OF_EVENTS_MD | ERASURE
    assert len(EVENTS) == 37


@pytest.mark.parametrize("subject", sorted(EVENTS))
def test_each_subject_follows_the_naming_rule_and_names_its_service(subject: str) -> None:
    match = SUBJECT_PATTERN.fullmatch(subject)

    assert match is not None
    assert match["service"] == EVENTS[subject].service


@pytest.mark.parametrize("subject", sorted(EVENTS))
def test_each_subject_belongs_to_its_services_stream(subject: str) -> None:
    stream = stream_for_subject(subject)

    assert stream.service == EVENTS[subject].service
    assert stream is stream_of_service(EVENTS[subject].service)


def test_there_is_one_stream_per_producing_service() -> None:
    assert [(s.name, s.subjects) for s in STREAMS] == [
        ("CATALOGUE", ("arctic.catalogue.>",)),
        ("PROTOTYPING", ("arctic.prototyping.>",)),
        ("PARTNERSHIPS", ("arctic.partnerships.>",)),
        ("NOTIFICATIONS", ("arctic.notifications.>",)),
    ]


def test_streams_keep_history_and_deduplicate_for_at_least_two_minutes() -> None:
    for stream in STREAMS:
        assert stream.max_age.days >= 400
        assert stream.duplicate_window.total_seconds() >= 120


def test_each_service_publishes_its_share_of_the_events() -> None:
    counts = {s.service: len(events_of_service(s.service)) for s in STREAMS}

    assert counts == {"catalogue": 10, "prototyping": 9, "partnerships": 14, "notifications": 4}


def test_model_for_finds_the_model_of_a_subject() -> None:
    assert model_for("arctic.prototyping.prototype.requested.v1") is PrototypeRequested


def test_model_for_refuses_an_unknown_major_version() -> None:
    with pytest.raises(UnknownEventType, match=r"requested\.v2"):
        model_for("arctic.prototyping.prototype.requested.v2")


def test_a_subject_outside_the_product_has_no_stream() -> None:
    with pytest.raises(UnknownStream):
        stream_for_subject("other.prototyping.prototype.requested.v1")


def test_a_bare_service_prefix_is_not_in_its_stream() -> None:
    with pytest.raises(UnknownStream):
        stream_for_subject("arctic.prototyping")


def test_an_unknown_service_has_no_stream() -> None:
    with pytest.raises(UnknownStream, match="billing"):
        stream_of_service("billing")
