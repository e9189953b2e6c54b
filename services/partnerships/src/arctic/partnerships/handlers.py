"""Use cases of the programme: load, decide, save, emit, in the caller's one transaction.

Persons arrive already sealed (the endpoint seals them before the transaction: sealing may
ask NATS) together with their details in clear, which are kept where erasure finds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from arctic.contracts.events import Event
from arctic.contracts.vocabulary import ContactPerson, Person
from arctic.partnerships import agreement_store, needs_store, store
from arctic.partnerships.agreements import Agreement
from arctic.partnerships.domain import NotFound, StateConflict
from arctic.partnerships.programme import (
    CompetenceGroup,
    Need,
    NeedAction,
    Negotiation,
    Partner,
)
from arctic.runtime.logs import get_logger
from arctic.runtime.unit_of_work import Transaction

log = get_logger(__name__)


@dataclass(frozen=True)
class Named:
    """A person as events carry them (sealed) and in clear (kept erasable)."""

    sealed: Person
    clear: ContactPerson


async def keep(tx: Transaction, people: Sequence[Named | None], now: datetime) -> None:
    """Keep persons in clear, where erasure finds them."""
    for named in people:
        if named is not None:
            await store.keep_person(tx.conn, named.sealed, named.clear, now)


async def emit(
    tx: Transaction, event: Event, what: str, thing_id: UUID, version: int | None
) -> None:
    """Emit an event about an aggregate at its new version, and log it by ids."""
    event_id = await tx.emit(event, aggregate_version=version)
    log.info(f"{what} changed", id=str(thing_id), version=version, event_id=str(event_id))


async def register_partner(
    tx: Transaction,
    name: str,
    business_id: str,
    sector: str,
    focus_areas: Sequence[str],
    contacts: Sequence[Named],
    now: datetime,
) -> Partner:
    """A new partner with its contact persons (no event: partners become public when an
    agreement is signed)."""
    partner = Partner.register(
        name, business_id, sector, focus_areas, [c.sealed for c in contacts], now
    )
    if not await store.insert_partner(tx.conn, partner):
        raise StateConflict(f"a partner with business id {business_id} exists", "registered")
    await keep(tx, contacts, now)
    return partner


async def name_partner_contact(
    tx: Transaction, partner_id: UUID, contact: Named, now: datetime
) -> Partner:
    """Add a contact person to a partner (or refresh one)."""
    partner = await load_partner(tx, partner_id)
    partner.name_contact(contact.sealed)
    await store.update_partner(tx.conn, partner)
    await keep(tx, [contact], now)
    return partner


async def create_group(tx: Transaction, name: str, owner: Named, now: datetime) -> CompetenceGroup:
    """A new competence group with its owner."""
    group = CompetenceGroup(uuid4(), name, owner.sealed, now)
    if not await store.insert_group(tx.conn, group):
        raise StateConflict(f"a competence group named {name!r} exists", "exists")
    await keep(tx, [owner], now)
    return group


async def raise_need(
    tx: Transaction,
    partner_id: UUID,
    group_id: UUID,
    description: str,
    coordinators: Sequence[Named],
    now: datetime,
) -> Need:
    """A competence group raises a need with a partner (PartnershipNeedRaised)."""
    partner = await load_partner(tx, partner_id)
    group = await store.get_group(tx.conn, group_id)
    if group is None:
        raise NotFound("competence group", group_id)
    need, raised = Need.raise_need(
        partner, group, description, [c.sealed for c in coordinators], now
    )
    await needs_store.insert_need(tx.conn, need)
    await keep(tx, coordinators, now)
    await emit(tx, raised, "need", need.id, need.version)
    await store.add_history(
        tx.conn,
        partner.id,
        now,
        "need",
        f"need:{need.id}",
        f"Need raised by {group.name}",
        {"need_id": str(need.id), "description": need.description},
    )
    return need


async def decline_need(tx: Transaction, need_id: UUID) -> Need:
    """Decline a need nobody negotiates."""
    need = await load_need(tx, need_id)
    need.act(NeedAction.decline)
    await needs_store.update_need(tx.conn, need)
    return need


async def start_negotiation(
    tx: Transaction,
    need_id: UUID | None,
    partner_id: UUID | None,
    focus_areas: Sequence[str],
    goals: Sequence[str],
    uas_contact: Named,
    partner_contact: Named,
    now: datetime,
) -> Negotiation:
    """Open a negotiation, from a need or directly with a partner (NegotiationStarted)."""
    need = None if need_id is None else await load_need(tx, need_id)
    if need is not None:
        partner_id = need.partner.partner_id
    if partner_id is None:
        raise NotFound("partner", None)
    partner = await load_partner(tx, partner_id)
    negotiation, started = Negotiation.start(
        need, partner.ref, focus_areas, goals, uas_contact.sealed, partner_contact.sealed, now
    )
    if need is not None:
        await needs_store.update_need(tx.conn, need)
    await needs_store.insert_negotiation(tx.conn, negotiation)
    await keep(tx, [uas_contact, partner_contact], now)
    await emit(tx, started, "negotiation", negotiation.id, negotiation.version)
    await store.add_history(
        tx.conn,
        partner.id,
        now,
        "negotiation",
        f"negotiation:{negotiation.id}",
        "Negotiation started",
        {"negotiation_id": str(negotiation.id), "focus_areas": negotiation.focus_areas},
    )
    return negotiation


async def update_negotiation(
    tx: Transaction,
    negotiation_id: UUID,
    focus_areas: Sequence[str] | None,
    goals: Sequence[str] | None,
    now: datetime,
) -> Negotiation:
    """Record how far the sides have come."""
    negotiation = await load_negotiation(tx, negotiation_id)
    negotiation.update(focus_areas, goals, now)
    await needs_store.update_negotiation(tx.conn, negotiation)
    return negotiation


async def conclude_negotiation(tx: Transaction, negotiation_id: UUID, now: datetime) -> Agreement:
    """The sides agree: an agreement draft, to be signed; the need is concluded."""
    negotiation = await load_negotiation(tx, negotiation_id)
    agreement = Agreement.draft(
        negotiation.partner,
        negotiation.id,
        negotiation.focus_areas,
        negotiation.goals,
        negotiation.uas_contact,
        negotiation.partner_contact,
        now,
    )
    negotiation.conclude(agreement.id, now)
    await _settle_need(tx, negotiation, NeedAction.conclude)
    await needs_store.update_negotiation(tx.conn, negotiation)
    await agreement_store.insert_agreement(tx.conn, agreement)
    return agreement


async def abandon_negotiation(tx: Transaction, negotiation_id: UUID, now: datetime) -> Negotiation:
    """The sides part; the need is open again."""
    negotiation = await load_negotiation(tx, negotiation_id)
    negotiation.abandon(now)
    await _settle_need(tx, negotiation, NeedAction.reopen)
    await needs_store.update_negotiation(tx.conn, negotiation)
    return negotiation


async def _settle_need(tx: Transaction, negotiation: Negotiation, action: NeedAction) -> None:
    if negotiation.need_id is None:
        return
    need = await load_need(tx, negotiation.need_id)
    need.act(action)
    await needs_store.update_need(tx.conn, need)


async def load_partner(tx: Transaction, partner_id: UUID) -> Partner:
    """A partner, or NotFound."""
    partner = await store.get_partner(tx.conn, partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    return partner


async def load_need(tx: Transaction, need_id: UUID) -> Need:
    """A need, or NotFound."""
    need = await needs_store.get_need(tx.conn, need_id)
    if need is None:
        raise NotFound("need", need_id)
    return need


async def load_negotiation(tx: Transaction, negotiation_id: UUID) -> Negotiation:
    """A negotiation, or NotFound."""
    negotiation = await needs_store.get_negotiation(tx.conn, negotiation_id)
    if negotiation is None:
        raise NotFound("negotiation", negotiation_id)
    return negotiation
