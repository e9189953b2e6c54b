"""Needs and negotiations: their state machines and rules, as plain code."""

from __future__ import annotations

import pytest
from partnership_rules import NOW, group, partner, someone

from arctic.partnerships.domain import RuleBroken, TransitionNotAllowed
from arctic.partnerships.programme import (
    Need,
    NeedAction,
    NeedStatus,
    Negotiation,
    NegotiationStatus,
)


def raised() -> Need:
    need, _ = Need.raise_need(partner(), group(), "Joint winter-testing theses", [someone()], NOW)
    return need


def test_a_need_is_raised_by_the_groups_owner_and_tells_the_coordinators() -> None:
    owners_group, coordinator = group(), someone()
    need, event = Need.raise_need(partner(), owners_group, "  Winter tests  ", [coordinator], NOW)
    assert need.status is NeedStatus.raised
    assert need.version == 1
    assert event.raised_by == owners_group.owner
    assert event.coordinators == [coordinator]
    assert event.description == "Winter tests"
    assert need.allowed_actions == [NeedAction.decline, NeedAction.negotiate]


def test_a_need_says_what_is_needed() -> None:
    with pytest.raises(RuleBroken) as refused:
        Need.raise_need(partner(), group(), "   ", [], NOW)
    assert refused.value.field_name == "description"


def test_a_negotiation_takes_up_a_need_and_announces_both_contacts() -> None:
    need, uas, theirs = raised(), someone(), someone()
    negotiation, started = Negotiation.start(
        need, need.partner, ["arctic testing", "arctic testing"], ["theses"], uas, theirs, NOW
    )
    assert need.status is NeedStatus.negotiating
    assert need.version == 2
    assert negotiation.focus_areas == ["arctic testing"]
    assert (started.need_id, started.uas_contact, started.partner_contact) == (need.id, uas, theirs)


def test_a_need_under_negotiation_cannot_be_negotiated_again_or_declined() -> None:
    need = raised()
    Negotiation.start(need, need.partner, [], [], someone(), someone(), NOW)
    for action in (NeedAction.negotiate, NeedAction.decline):
        with pytest.raises(TransitionNotAllowed) as refused:
            need.act(action)
        assert refused.value.state is NeedStatus.negotiating
        assert refused.value.allowed == [NeedAction.conclude, NeedAction.reopen]


def test_concluded_and_declined_needs_allow_nothing() -> None:
    declined = raised()
    declined.act(NeedAction.decline)
    assert declined.allowed_actions == []
    with pytest.raises(TransitionNotAllowed):
        declined.act(NeedAction.negotiate)
    concluded = raised()
    concluded.act(NeedAction.negotiate)
    concluded.act(NeedAction.conclude)
    with pytest.raises(TransitionNotAllowed):
        concluded.act(NeedAction.reopen)


def test_a_negotiation_is_updated_while_open_then_concluded_once() -> None:
    negotiation, _ = Negotiation.start(None, partner().ref, [], [], someone(), someone(), NOW)
    with pytest.raises(RuleBroken) as refused:
        negotiation.conclude(negotiation.id, NOW)
    assert refused.value.field_name == "focus_areas"
    negotiation.update(["cold-climate materials"], None, NOW)
    negotiation.update(None, ["a pilot a year"], NOW)
    assert (negotiation.focus_areas, negotiation.goals) == (
        ["cold-climate materials"],
        ["a pilot a year"],
    )
    agreement_id = negotiation.id
    negotiation.conclude(agreement_id, NOW)
    assert negotiation.status is NegotiationStatus.concluded
    assert negotiation.version == 4
    for forbidden in (
        lambda: negotiation.update(["x"], None, NOW),
        lambda: negotiation.conclude(agreement_id, NOW),
        lambda: negotiation.abandon(NOW),
    ):
        with pytest.raises(TransitionNotAllowed) as refused_now:
            forbidden()
        assert refused_now.value.state is NegotiationStatus.concluded
        assert refused_now.value.allowed == []


def test_an_abandoned_negotiation_allows_nothing() -> None:
    negotiation, _ = Negotiation.start(None, partner().ref, ["x"], [], someone(), someone(), NOW)
    negotiation.abandon(NOW)
    with pytest.raises(TransitionNotAllowed):
        negotiation.conclude(negotiation.id, NOW)
    assert negotiation.allowed_actions == []


def test_a_partners_contacts_are_named_once_each() -> None:
    the_partner = partner(contacts=0)
    contact = someone()
    the_partner.name_contact(contact)
    the_partner.name_contact(contact.model_copy(update={"language": "en"}))
    assert [c.language for c in the_partner.contacts] == ["en"]
    assert the_partner.contact(contact.person_id) is not None
