"""Action plans, the spring partner event's invitations and the handprint's sums, as plain
code."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from partnership_rules import NOW, draft, partner, signed, someone

from arctic.contracts.vocabulary import ActionStatus, AgreementEndReason
from arctic.partnerships.action_plans import ActionPlan, new_action
from arctic.partnerships.domain import NotFound, RuleBroken, StateConflict, TransitionNotAllowed
from arctic.partnerships.handprint import Handprint, HandprintReport
from arctic.partnerships.valakiat import PartnerEvent, check_reply, invitations
from arctic.partnerships.working_days import morning_of


def test_an_action_plan_covers_one_agreement_year_of_an_active_agreement() -> None:
    agreement = signed()
    owner = someone()
    action = new_action(
        "Two theses", due_on=date(2027, 11, 30), uas_owner=owner, indicators=["theses", "theses"]
    )
    plan, agreed = ActionPlan.agree(agreement, 1, [action], NOW)
    assert (plan.starts_on, plan.ends_on) == (date(2027, 1, 1), date(2027, 12, 31))
    assert agreed.actions[0].uas_owner == owner
    assert agreed.actions[0].indicators == ["theses"]
    assert agreed.partner_contact == agreement.partner_contact
    again, _ = ActionPlan.agree(agreement, 1, [action, new_action("A pilot")], NOW, plan)
    assert again is plan
    assert plan.version == 2
    assert len(plan.actions) == 2
    assert plan.set_status(action.id, ActionStatus.done, NOW).status is ActionStatus.done
    with pytest.raises(NotFound):
        plan.set_status(uuid4(), ActionStatus.done, NOW)


def test_an_action_plan_refuses_years_and_dates_outside_the_agreement() -> None:
    agreement = signed()
    with pytest.raises(RuleBroken) as beyond:
        ActionPlan.agree(agreement, 4, [new_action("x")], NOW)
    assert beyond.value.field_name == "year"
    with pytest.raises(RuleBroken) as late:
        ActionPlan.agree(
            agreement, 1, [new_action("x"), new_action("y", due_on=date(2028, 1, 5))], NOW
        )
    assert late.value.field_name == "actions.1.due_on"
    with pytest.raises(TransitionNotAllowed):
        ActionPlan.agree(draft(), 1, [new_action("x")], NOW)


def event_on(held_on: date) -> PartnerEvent:
    return PartnerEvent.announce(held_on.year, held_on, "Rovaniemi", "New openings", None, NOW)


def test_invitations_go_to_each_contact_of_partners_active_on_the_events_day() -> None:
    active, ended, later = signed(), signed(), signed(starts_on=date(2027, 6, 1))
    ended.end(AgreementEndReason.terminated, date(2027, 2, 1), None, NOW)
    the_partner = partner(contacts=2)
    the_partner.id = active.partner.partner_id
    event = event_on(date(2027, 4, 22))
    issued = invitations(event, [active, ended, later], {the_partner.id: the_partner}, 6, NOW)
    assert {i.agreement_id for i in issued} == {active.id}
    invitees = [i.invitee for i in issued]
    assert invitees == [active.partner_contact, *the_partner.contacts]
    assert all(i.send_at == morning_of(date(2027, 3, 11)) for i in issued)
    assert issued[0].event.invitee == active.partner_contact
    assert issued[0].event.partner == active.partner


def test_invitations_to_an_event_sooner_than_the_notice_go_out_at_once() -> None:
    event = event_on(date(2027, 1, 20))
    issued = invitations(event, [signed()], {}, 6, NOW)
    assert [i.send_at for i in issued] == [NOW]


def test_a_partner_event_is_held_in_its_year_and_replies_close_on_time() -> None:
    with pytest.raises(RuleBroken):
        PartnerEvent.announce(2028, date(2027, 4, 22), "Rovaniemi", "x", None, NOW)
    with pytest.raises(RuleBroken):
        PartnerEvent.announce(2026, date(2026, 4, 22), "Rovaniemi", "x", None, NOW)
    with pytest.raises(RuleBroken):
        PartnerEvent.announce(2027, date(2027, 4, 22), "Rovaniemi", "x", date(2027, 5, 1), NOW)
    check_reply(date(2027, 4, 22), date(2027, 4, 8), datetime(2027, 4, 8, 12, tzinfo=UTC))
    with pytest.raises(StateConflict):
        check_reply(date(2027, 4, 22), date(2027, 4, 8), datetime(2027, 4, 9, 12, tzinfo=UTC))


def test_handprint_records_one_event_per_counted_indicator_and_check_their_sense() -> None:
    ref = partner().ref
    record, events = Handprint.record(
        ref,
        2027,
        None,
        {"traineeships": 3, "employed": 2, "employed_underrepresented": 1},
        None,
        NOW,
    )
    assert [(e.indicator, e.value, e.unit) for e in events] == [
        ("traineeships offered", Decimal(3), "traineeships"),
        ("people employed", Decimal(2), "people"),
        ("people employed from groups under-represented in work", Decimal(1), "people"),
    ]
    assert {e.record_id for e in events} == {record.id}
    with pytest.raises(RuleBroken) as more_than_employed:
        Handprint.record(
            ref, 2027, None, {"employed": 1, "employed_underrepresented": 2}, None, NOW
        )
    assert more_than_employed.value.field_name == "employed_underrepresented"
    with pytest.raises(RuleBroken) as empty:
        Handprint.record(ref, 2027, None, {"theses": 0}, "  ", NOW)
    assert empty.value.field_name == "impact"


def test_the_handprint_report_sums_per_partner_and_for_the_programme() -> None:
    one, other = partner().ref, partner().ref
    records = [
        Handprint.record(one, 2027, None, {"traineeships": 2, "theses": 1}, "Summer jobs", NOW)[0],
        Handprint.record(one, 2027, uuid4(), {"traineeships": 1, "employed": 4}, None, NOW)[0],
        Handprint.record(other, 2027, None, {"procurement_criteria": 3}, None, NOW)[0],
        Handprint.record(other, 2026, None, {"theses": 9}, None, NOW - timedelta(days=400))[0],
    ]
    report = HandprintReport.of(2027, records)
    first = report.partners[one.partner_id][1]
    assert (first.counts["traineeships"], first.counts["theses"], first.counts["employed"]) == (
        3,
        1,
        4,
    )
    assert first.impacts == ["Summer jobs"]
    assert report.partners[other.partner_id][1].counts["theses"] == 0
    assert report.programme.counts == {
        "traineeships": 3,
        "theses": 1,
        "employed": 4,
        "employed_underrepresented": 0,
        "procurement_criteria": 3,
    }
