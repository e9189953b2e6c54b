"""The rules of an offering's life, without servers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from arctic.catalogue.offerings import (
    BookableUnit,
    EnvironmentDetails,
    Offering,
    OfferingDetails,
    OfferingInvalid,
    OfferingStatus,
    OfferingTransitionNotAllowed,
    Pricing,
)
from arctic.contracts.vocabulary import OfferingKind, Organisation, Stage

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
GTK = Organisation(
    organisation_id="0193a1b0-0000-7000-8000-000000000003", name="Geological Survey of Finland"
)
DETAILS = OfferingDetails(
    title_fi="Rikastuskokeet",
    title_en="Beneficiation tests",
    description_fi="Kokeita.",
    description_en="Tests.",
    stages=(Stage.pilot, Stage.concept, Stage.pilot),
    trl_min=3,
    trl_max=8,
    pricing=Pricing.commercial,
    lead_time_days=10,
    contact_email="mintec@example.org",
    keywords=("ore", " ", "ore", "flotation"),
)


def draft() -> Offering:
    return Offering.draft(OfferingKind.service, GTK, "gtk", DETAILS, NOW)


def test_a_draft_keeps_each_stage_and_keyword_once() -> None:
    offering = draft()
    assert (offering.status, offering.version) == (OfferingStatus.draft, 1)
    assert offering.details.stages == (Stage.pilot, Stage.concept)
    assert offering.details.keywords == ("ore", "flotation")


def test_publishing_then_retiring_each_counts_a_version_and_says_so() -> None:
    offering = draft()
    published = offering.publish(NOW)
    assert (offering.status, offering.version, published.published_at) == (
        OfferingStatus.published, 2, NOW,
    )  # fmt: skip
    assert published.name.en == "Beneficiation tests"
    assert published.stages == [Stage.pilot, Stage.concept]
    retired = offering.retire("closed", NOW + timedelta(days=1))
    assert (offering.status, offering.version, retired.reason) == (
        OfferingStatus.retired, 3, "closed",
    )  # fmt: skip


def test_a_retired_offering_allows_nothing() -> None:
    offering = draft()
    offering.retire(None, NOW)
    assert offering.allowed_actions == []
    for act in (lambda: offering.publish(NOW), lambda: offering.edit(DETAILS)):
        with pytest.raises(OfferingTransitionNotAllowed) as refused:
            act()
        assert refused.value.state is OfferingStatus.retired
    assert offering.version == 2


def test_a_published_offering_cannot_be_published_again_but_edited_is_announced() -> None:
    offering = draft()
    offering.publish(NOW)
    with pytest.raises(OfferingTransitionNotAllowed):
        offering.publish(NOW)
    event = offering.edit(replace(DETAILS, title_en="Flotation tests"))
    assert event is not None
    assert event.name.en == "Flotation tests"
    assert draft().edit(DETAILS) is None  # a draft's edit is nobody else's business


@pytest.mark.parametrize(
    ("kind", "details", "field"),
    [
        (OfferingKind.service, replace(DETAILS, stages=()), "stages"),
        (OfferingKind.service, replace(DETAILS, trl_min=7, trl_max=2), "trl_max"),
        (OfferingKind.environment, DETAILS, "environment"),
        (
            OfferingKind.service,
            replace(
                DETAILS, environment=EnvironmentDetails("Kemi", BookableUnit.day, 1, True, False)
            ),
            "environment",
        ),
    ],
)
def test_details_that_break_a_rule_name_the_field(
    kind: OfferingKind, details: OfferingDetails, field: str
) -> None:
    with pytest.raises(OfferingInvalid) as refused:
        Offering.draft(kind, GTK, "gtk", details, NOW)
    assert refused.value.field_name == field
