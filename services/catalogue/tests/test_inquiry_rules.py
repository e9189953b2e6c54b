"""Routing decisions and the service level of inquiries, without servers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from arctic.catalogue.inquiries import (
    PROTOTYPING_KEYWORD,
    Candidate,
    Inquiry,
    InquiryStatus,
    InquiryTransitionNotAllowed,
    RouteInvalid,
    decide_route,
    title_of,
)
from arctic.catalogue.working_days import add_working_days, end_of_day, is_working_day
from arctic.contracts.vocabulary import (
    Company,
    ContactPerson,
    Organisation,
    Person,
    RouteTarget,
    Stage,
)

GTK = Organisation(organisation_id=uuid4(), name="Geological Survey of Finland")
LUKE = Organisation(organisation_id=uuid4(), name="Natural Resources Institute Finland")
UAS = Organisation(organisation_id=uuid4(), name="Lapland University of Applied Sciences")
PERSON = Person(person_id=uuid4(), language="fi", sealed_details="A" * 64)


def candidate(
    org: Organisation, short: str, score: float, *matched: str, stages: tuple[Stage, ...] = (),
    keywords: tuple[str, ...] = (),
) -> Candidate:  # fmt: skip
    return Candidate(uuid4(), f"Offering of {short}", org, short, stages, keywords, score, matched)


def test_nothing_matched_is_left_to_the_coordinators() -> None:
    assert decide_route(Stage.idea, []) is None


def test_the_best_match_and_those_close_to_it_are_routed_to_with_reasons() -> None:
    route = decide_route(
        Stage.pilot,
        [
            candidate(GTK, "gtk", 0.5, "ore", "flotation", stages=(Stage.pilot,)),
            candidate(LUKE, "luke", 0.6, "soil", stages=(Stage.pilot,)),
            candidate(UAS, "lapland-uas", 0.1, "test"),
        ],
    )
    assert route is not None
    assert route.target is RouteTarget.organisation
    assert list(route.organisations) == [
        "gtk",
        "luke",
    ]  # 0.5 x 2 words > 0.6 x 1, within 60 % of it
    assert route.reasons[0] == (
        "matched 'ore', 'flotation' in Offering of gtk (gtk); stage pilot fits"
    )
    assert [s.organisation for s in route.suggestions] == ["gtk", "luke", "lapland-uas"]


def test_a_stage_that_fits_outweighs_a_slightly_better_text_match() -> None:
    route = decide_route(
        Stage.market,
        [
            candidate(GTK, "gtk", 0.5, "data", stages=(Stage.concept,)),
            candidate(LUKE, "luke", 0.4, "data", stages=(Stage.market,)),
        ],
    )
    assert route is not None
    assert next(iter(route.organisations)) == "luke"
    assert "stage market is outside its stages (concept)" in route.reasons[1]


@pytest.mark.parametrize(
    ("stage", "target"),
    [(Stage.idea, RouteTarget.prototyping), (Stage.prototype, RouteTarget.prototyping),
     (Stage.pilot, RouteTarget.organisation)],
)  # fmt: skip
def test_an_early_need_matching_the_prototyping_offering_goes_to_prototyping(
    stage: Stage, target: RouteTarget
) -> None:
    route = decide_route(
        stage,
        [
            candidate(GTK, "gtk", 0.3, "sensor"),
            candidate(UAS, "lapland-uas", 0.25, "prototype", keywords=(PROTOTYPING_KEYWORD,)),
        ],
    )
    assert route is not None
    assert route.target is target


def test_a_far_weaker_prototyping_match_does_not_take_the_need() -> None:
    route = decide_route(
        Stage.idea,
        [
            candidate(GTK, "gtk", 1.0, "ore", "tailings"),
            candidate(UAS, "lapland-uas", 0.1, "idea", keywords=(PROTOTYPING_KEYWORD,)),
        ],
    )
    assert route is not None
    assert route.target is RouteTarget.organisation


def test_an_inquiry_is_routed_then_answered_once() -> None:
    company = Company(name="Oy Ab", business_id="2617416-4", contact=PERSON)
    contact = ContactPerson(name="Aino", email="aino@example.com", language="fi")
    inquiry, received = Inquiry.receive(
        company, contact, "  Need\nmore text", Stage.idea, None, [PERSON],
        datetime(2026, 12, 22, 10, tzinfo=UTC), 5,
    )  # fmt: skip
    assert received.respond_by == date(2026, 12, 31)
    assert received.inquiry.title == "Need"
    with pytest.raises(InquiryTransitionNotAllowed):
        inquiry.answered("yes", datetime.now(UTC))
    route = decide_route(Stage.idea, [candidate(GTK, "gtk", 0.5, "need")])
    assert route is not None
    routed = inquiry.route_to(route, [PERSON], datetime.now(UTC))
    assert (routed.organisations, inquiry.version) == ([GTK], 2)
    with pytest.raises(RouteInvalid):
        inquiry.answered("  ", datetime.now(UTC))
    inquiry.answered("We call you.", datetime.now(UTC))
    assert (inquiry.status, inquiry.version, inquiry.allowed_actions) == (
        InquiryStatus.answered, 3, [],
    )  # fmt: skip


def test_a_long_need_is_titled_by_its_first_words() -> None:
    title = title_of("word " * 40)
    assert len(title) <= 81
    assert title.endswith("…")


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 12, 22), 5, date(2026, 12, 31)),  # Christmas Eve and Day, a weekend
        (date(2027, 6, 24), 5, date(2027, 7, 2)),  # Midsummer Eve (Fri), Midsummer Day (Sat)
        (date(2027, 3, 24), 3, date(2027, 3, 31)),  # Good Friday 26 March, Easter Monday 29
        (date(2026, 4, 30), 1, date(2026, 5, 4)),  # May Day on a Friday
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday to Monday
    ],
)
def test_working_days_skip_weekends_and_finnish_public_holidays(
    start: date, days: int, due: date
) -> None:
    assert add_working_days(start, days) == due


def test_a_service_level_ends_at_midnight_in_helsinki() -> None:
    assert not is_working_day(date(2027, 12, 6))  # Independence Day, a Monday
    assert end_of_day(date(2026, 12, 31)) == datetime(2026, 12, 31, 22, tzinfo=UTC)
