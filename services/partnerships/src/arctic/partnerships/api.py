"""HTTP API of the programme: partners and their contacts, competence groups, needs,
negotiations and each partner's history. Coordinators (programme staff) run it; staff
(competence-group owners) raise needs and read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Response, status

from arctic.contracts.vocabulary import ContactPerson, Person
from arctic.partnerships import domain, handlers, store
from arctic.partnerships.handlers import Named
from arctic.partnerships.programme import NeedStatus, NegotiationStatus
from arctic.partnerships.schemas import (
    AgreementView,
    CompetenceGroupView,
    ContactBody,
    Details,
    HistoryEntry,
    NeedView,
    NegotiationUpdate,
    NegotiationView,
    NewCompetenceGroup,
    NewNeed,
    NewNegotiation,
    NewPartner,
    PartnerView,
)
from arctic.partnerships.settings import PartnershipsSettings
from arctic.runtime.access.requirements import require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, Idempotent, PersonsDep, UnitOfWorkDep, settings_of
from arctic.runtime.pagination import Page, PageDep
from arctic.runtime.personal_data import PersonalData
from arctic.runtime.problems import Conflict, InvalidField, NotFound, ProblemFor, problem_for

router = APIRouter(tags=["programme"])
PROGRAMME = require(Role.coordinator)
"""Programme staff run the programme."""
READERS = require(Role.coordinator, Role.staff)
"""Competence-group owners (staff) read it and raise needs."""
SettingsDep = Annotated[PartnershipsSettings, Depends(settings_of(PartnershipsSettings))]

PROBLEMS: list[ProblemFor[Any]] = [
    problem_for(domain.NotFound, lambda error: NotFound(str(error))),
    problem_for(
        domain.TransitionNotAllowed,
        lambda error: Conflict(str(error), state=error.state, allowed_actions=error.allowed),
    ),
    problem_for(domain.StateConflict, lambda error: Conflict(str(error), state=error.state)),
    problem_for(domain.RuleBroken, lambda error: InvalidField(error.field_name, str(error))),
]
"""The domain's errors as HTTP answers (ServiceDefinition.problems)."""

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
CHANGE_ANSWERS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such thing", **_PROBLEM},
    409: {
        "description": "The current state does not allow this (`state`, `allowed_actions`), "
        "or it was changed concurrently",
        **_PROBLEM,
    },
    503: {
        "description": "The store of persons' keys cannot be reached: nothing was stored; "
        "try again after `Retry-After` seconds",
        **_PROBLEM,
    },
}


async def named(persons: PersonalData, contact: ContactBody) -> Named:
    """A person given in clear, sealed for events."""
    clear = ContactPerson.model_validate(contact.model_dump())
    return Named(await persons.seal(clear), clear)


async def named_or_none(persons: PersonalData, contact: ContactBody | None) -> Named | None:
    """`named`, for an optional person."""
    return None if contact is None else await named(persons, contact)


async def details_of(db: store.Db, people: Iterable[Person | None]) -> Details:
    """The details in clear of the persons named, those not erased."""
    return await store.details(db, [p.person_id for p in people if p is not None])


@router.post(
    "/partners",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Register a partner (or a prospect) with its contact persons",
)
async def register_partner(
    body: NewPartner, response: Response, uow: UnitOfWorkDep, clock: ClockDep, persons: PersonsDep
) -> PartnerView:
    contacts = [await named(persons, c) for c in body.contacts]
    async with uow.transaction() as tx:
        partner = await handlers.register_partner(
            tx, body.name, body.business_id, body.sector, body.focus_areas, contacts, clock()
        )
    response.headers["Location"] = f"/partners/{partner.id}"
    return PartnerView.of(partner, {c.sealed.person_id: c.clear for c in contacts})


@router.get(
    "/partners",
    response_model=Page[PartnerView],
    dependencies=[Depends(READERS)],
    summary="List partners, newest first",
)
async def list_partners(page: PageDep, uow: UnitOfWorkDep) -> Page[PartnerView]:
    partners, cursor = await store.list_partners(uow.pool, page)
    details = await details_of(uow.pool, [c for p in partners for c in p.contacts])
    return Page(items=[PartnerView.of(p, details) for p in partners], next_cursor=cursor)


@router.get(
    "/partners/{partner_id}",
    response_model=PartnerView,
    dependencies=[Depends(READERS)],
    responses={404: CHANGE_ANSWERS[404]},
    summary="Read a partner",
)
async def read_partner(partner_id: UUID, uow: UnitOfWorkDep) -> PartnerView:
    partner = await store.get_partner(uow.pool, partner_id)
    if partner is None:
        raise domain.NotFound("partner", partner_id)
    return PartnerView.of(partner, await details_of(uow.pool, partner.contacts))


@router.post(
    "/partners/{partner_id}/contacts",
    response_model=PartnerView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Name a contact person of a partner (or refresh one)",
)
async def name_partner_contact(
    partner_id: UUID, body: ContactBody, uow: UnitOfWorkDep, clock: ClockDep, persons: PersonsDep
) -> PartnerView:
    contact = await named(persons, body)
    async with uow.transaction() as tx:
        partner = await handlers.name_partner_contact(tx, partner_id, contact, clock())
        details = await details_of(tx.conn, partner.contacts)
    return PartnerView.of(partner, details)


@router.get(
    "/partners/{partner_id}/history",
    response_model=Page[HistoryEntry],
    dependencies=[Depends(READERS)],
    responses={404: CHANGE_ANSWERS[404]},
    summary="A partner's history: needs, agreements, plans, evaluations, prototypes "
    "delivered, environments used, the partner event (`order=oldest` for time order)",
)
async def partner_history(
    partner_id: UUID, page: PageDep, uow: UnitOfWorkDep
) -> Page[HistoryEntry]:
    if await store.get_partner(uow.pool, partner_id) is None:
        raise domain.NotFound("partner", partner_id)
    rows, cursor = await store.history(uow.pool, partner_id, page)
    return Page(
        items=[
            HistoryEntry(
                id=r["id"],
                occurred_at=r["occurred_at"],
                kind=r["kind"],
                title=r["title"],
                details=orjson.loads(r["details"]),
            )
            for r in rows
        ],
        next_cursor=cursor,
    )


@router.post(
    "/competence-groups",
    status_code=status.HTTP_201_CREATED,
    response_model=CompetenceGroupView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Create a competence group with its owner",
)
async def create_group(
    body: NewCompetenceGroup,
    response: Response,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
) -> CompetenceGroupView:
    owner = await named(persons, body.owner)
    async with uow.transaction() as tx:
        group = await handlers.create_group(tx, body.name, owner, clock())
    response.headers["Location"] = f"/competence-groups/{group.id}"
    return CompetenceGroupView.of(group, {owner.sealed.person_id: owner.clear})


@router.get(
    "/competence-groups",
    response_model=Page[CompetenceGroupView],
    dependencies=[Depends(READERS)],
    summary="List competence groups",
)
async def list_groups(page: PageDep, uow: UnitOfWorkDep) -> Page[CompetenceGroupView]:
    groups, cursor = await store.list_groups(uow.pool, page)
    details = await details_of(uow.pool, [g.owner for g in groups])
    return Page(items=[CompetenceGroupView.of(g, details) for g in groups], next_cursor=cursor)


@router.post(
    "/needs",
    status_code=status.HTTP_201_CREATED,
    response_model=NeedView,
    dependencies=[Depends(READERS), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="A competence group raises a need with a partner or a prospect",
)
async def raise_need(
    body: NewNeed,
    response: Response,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
    settings: SettingsDep,
) -> NeedView:
    coordinators = [Named(await persons.seal(c), c) for c in settings.programme_coordinators]
    async with uow.transaction() as tx:
        need = await handlers.raise_need(
            tx,
            body.partner_id,
            body.competence_group_id,
            body.description,
            coordinators,
            clock(),
        )
    response.headers["Location"] = f"/needs/{need.id}"
    return NeedView.of(need)


@router.get(
    "/needs",
    response_model=Page[NeedView],
    dependencies=[Depends(READERS)],
    summary="List needs, newest first, of one status or all",
)
async def list_needs(
    page: PageDep, uow: UnitOfWorkDep, status: NeedStatus | None = None
) -> Page[NeedView]:
    needs, cursor = await store.list_needs(uow.pool, page, status)
    return Page(items=[NeedView.of(n) for n in needs], next_cursor=cursor)


@router.get(
    "/needs/{need_id}",
    response_model=NeedView,
    dependencies=[Depends(READERS)],
    responses={404: CHANGE_ANSWERS[404]},
    summary="Read a need",
)
async def read_need(need_id: UUID, uow: UnitOfWorkDep) -> NeedView:
    need = await store.get_need(uow.pool, need_id)
    if need is None:
        raise domain.NotFound("need", need_id)
    return NeedView.of(need)


@router.post(
    "/needs/{need_id}/decline",
    response_model=NeedView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Decline a need nobody negotiates",
)
async def decline_need(need_id: UUID, uow: UnitOfWorkDep) -> NeedView:
    async with uow.transaction() as tx:
        need = await handlers.decline_need(tx, need_id)
    return NeedView.of(need)


@router.post(
    "/negotiations",
    status_code=status.HTTP_201_CREATED,
    response_model=NegotiationView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Start negotiating focus areas and goals, from a need or with a partner",
)
async def start_negotiation(
    body: NewNegotiation,
    response: Response,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
) -> NegotiationView:
    if (body.need_id is None) == (body.partner_id is None):
        raise InvalidField("need_id", "name either the need or the partner")
    uas, partner = (
        await named(persons, body.uas_contact),
        await named(persons, body.partner_contact),
    )
    async with uow.transaction() as tx:
        negotiation = await handlers.start_negotiation(
            tx, body.need_id, body.partner_id, body.focus_areas, body.goals, uas, partner, clock()
        )
    response.headers["Location"] = f"/negotiations/{negotiation.id}"
    details = {n.sealed.person_id: n.clear for n in (uas, partner)}
    return NegotiationView.of(negotiation, details)


@router.get(
    "/negotiations",
    response_model=Page[NegotiationView],
    dependencies=[Depends(READERS)],
    summary="List negotiations, newest first, of one status or all",
)
async def list_negotiations(
    page: PageDep, uow: UnitOfWorkDep, status: NegotiationStatus | None = None
) -> Page[NegotiationView]:
    negotiations, cursor = await store.list_negotiations(uow.pool, page, status)
    details = await details_of(
        uow.pool, [p for n in negotiations for p in (n.uas_contact, n.partner_contact)]
    )
    return Page(items=[NegotiationView.of(n, details) for n in negotiations], next_cursor=cursor)


@router.get(
    "/negotiations/{negotiation_id}",
    response_model=NegotiationView,
    dependencies=[Depends(READERS)],
    responses={404: CHANGE_ANSWERS[404]},
    summary="Read a negotiation",
)
async def read_negotiation(negotiation_id: UUID, uow: UnitOfWorkDep) -> NegotiationView:
    negotiation = await store.get_negotiation(uow.pool, negotiation_id)
    if negotiation is None:
        raise domain.NotFound("negotiation", negotiation_id)
    details = await details_of(uow.pool, [negotiation.uas_contact, negotiation.partner_contact])
    return NegotiationView.of(negotiation, details)


@router.patch(
    "/negotiations/{negotiation_id}",
    response_model=NegotiationView,
    dependencies=[Depends(PROGRAMME)],
    responses=CHANGE_ANSWERS,
    summary="Record the focus areas and goals negotiated so far",
)
async def update_negotiation(
    negotiation_id: UUID, body: NegotiationUpdate, uow: UnitOfWorkDep, clock: ClockDep
) -> NegotiationView:
    async with uow.transaction() as tx:
        negotiation = await handlers.update_negotiation(
            tx, negotiation_id, body.focus_areas, body.goals, clock()
        )
        details = await details_of(tx.conn, [negotiation.uas_contact, negotiation.partner_contact])
    return NegotiationView.of(negotiation, details)


@router.post(
    "/negotiations/{negotiation_id}/conclude",
    status_code=status.HTTP_201_CREATED,
    response_model=AgreementView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Conclude a negotiation into an agreement draft, to be signed",
)
async def conclude_negotiation(
    negotiation_id: UUID, response: Response, uow: UnitOfWorkDep, clock: ClockDep
) -> AgreementView:
    async with uow.transaction() as tx:
        agreement = await handlers.conclude_negotiation(tx, negotiation_id, clock())
        details = await details_of(tx.conn, [agreement.uas_contact, agreement.partner_contact])
    response.headers["Location"] = f"/agreements/{agreement.id}"
    return AgreementView.of(agreement, details)


@router.post(
    "/negotiations/{negotiation_id}/abandon",
    response_model=NegotiationView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Abandon a negotiation (its need is open again)",
)
async def abandon_negotiation(
    negotiation_id: UUID, uow: UnitOfWorkDep, clock: ClockDep
) -> NegotiationView:
    async with uow.transaction() as tx:
        negotiation = await handlers.abandon_negotiation(tx, negotiation_id, clock())
        details = await details_of(tx.conn, [negotiation.uas_contact, negotiation.partner_contact])
    return NegotiationView.of(negotiation, details)
