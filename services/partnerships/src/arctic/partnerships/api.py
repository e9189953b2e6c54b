"""HTTP API of the programme: partners and their contacts, competence groups, each
partner's history; and what every router of the service shares (roles, answers, persons).
Coordinators (programme staff) run the programme; staff (competence-group owners) raise
needs and read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Response, status

from arctic.contracts.vocabulary import ContactPerson, Person
from arctic.partnerships import domain, handlers, store
from arctic.partnerships.handlers import Named
from arctic.partnerships.schemas import (
    ContactBody,
    NewCompetenceGroup,
    NewPartner,
)
from arctic.partnerships.settings import PartnershipsSettings
from arctic.partnerships.views import (
    CompetenceGroupView,
    Details,
    HistoryEntry,
    PartnerView,
)
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
