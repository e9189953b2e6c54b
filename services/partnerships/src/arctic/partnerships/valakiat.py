"""Valakiat, the spring partner event: who is invited (the contact persons of every partner
whose agreement is active on the event's day), and when the invitations go out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from arctic.contracts.events import PartnerEventInvitationIssued
from arctic.contracts.vocabulary import Person
from arctic.partnerships.agreements import Agreement, AgreementStatus
from arctic.partnerships.domain import RuleBroken, StateConflict
from arctic.partnerships.programme import Partner
from arctic.partnerships.working_days import finnish_date, morning_of

EVENT_NAME = "Valakiat"


@dataclass(frozen=True)
class PartnerEvent:
    """The year's partner event: when, where, what is on the programme, reply by when."""

    id: UUID
    year: int
    name: str
    held_on: date
    location: str
    programme: str
    reply_by: date | None
    created_at: datetime

    @classmethod
    def announce(
        cls,
        year: int,
        held_on: date,
        location: str,
        programme: str,
        reply_by: date | None,
        now: datetime,
        name: str = EVENT_NAME,
    ) -> PartnerEvent:
        """A new partner event, on a day of its year that has not passed, with replies due
        before it."""
        if held_on.year != year:
            raise RuleBroken("held_on", f"the {year} event is held in {year}")
        if held_on < finnish_date(now):
            raise RuleBroken("held_on", "the event's day has passed")
        if reply_by is not None and reply_by > held_on:
            raise RuleBroken("reply_by", "replies are due before the event")
        return cls(uuid4(), year, name, held_on, location, programme, reply_by, now)


@dataclass(frozen=True)
class Invitation:
    """One contact person invited, on behalf of one agreement; the event to send, and when."""

    id: UUID
    partner_event_id: UUID
    agreement_id: UUID
    partner_id: UUID
    invitee: Person
    send_at: datetime
    event: PartnerEventInvitationIssued


def active_on(agreement: Agreement, day: date) -> bool:
    """Whether the agreement is in force on `day`: signed, not ended, a term covering it."""
    if agreement.status is not AgreementStatus.active:
        return False
    return any(t.starts_on <= day <= t.ends_on for t in agreement.terms)


def invitations(
    event: PartnerEvent,
    agreements: Sequence[Agreement],
    partners: Mapping[UUID, Partner],
    weeks_ahead: int,
    now: datetime,
) -> list[Invitation]:
    """One invitation per contact person of each partner with an agreement active on the
    event's day (the agreement's partner contact and the partner's other contacts, each once
    per partner), sent `weeks_ahead` weeks before the event (at once when that has passed)."""
    send_at = max(now, morning_of(event.held_on - timedelta(weeks=weeks_ahead)))
    issued: list[Invitation] = []
    invited: set[tuple[UUID, UUID]] = set()
    for agreement in agreements:
        if not active_on(agreement, event.held_on):
            continue
        partner_id = agreement.partner.partner_id
        partner = partners.get(partner_id)
        others = [] if partner is None else partner.contacts
        for invitee in [agreement.partner_contact, *others]:
            if (partner_id, invitee.person_id) in invited:
                continue
            invited.add((partner_id, invitee.person_id))
            invitation_id = uuid4()
            issued.append(
                Invitation(
                    invitation_id,
                    event.id,
                    agreement.id,
                    partner_id,
                    invitee,
                    send_at,
                    PartnerEventInvitationIssued(
                        partner_event_id=event.id,
                        invitation_id=invitation_id,
                        event_name=event.name,
                        year=event.year,
                        held_on=event.held_on,
                        location=event.location,
                        agreement_id=agreement.id,
                        partner=agreement.partner,
                        invitee=invitee,
                        reply_by=event.reply_by,
                        issued_at=send_at,
                    ),
                )
            )
    return issued


def check_reply(held_on: date, reply_by: date | None, now: datetime) -> None:
    """Whether a reply can still be given (StateConflict once the event or its reply date
    has passed)."""
    today = finnish_date(now)
    last = reply_by or held_on
    if today > last:
        raise StateConflict(f"replies were due by {last}", "closed")
