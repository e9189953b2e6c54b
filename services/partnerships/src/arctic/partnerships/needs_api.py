"""HTTP API of the programme before an agreement: needs raised by competence groups and
the negotiations that follow, concluded into agreement drafts."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from arctic.partnerships import domain, handlers, needs_store
from arctic.partnerships.api import (
    CHANGE_ANSWERS,
    PROGRAMME,
    READERS,
    SettingsDep,
    details_of,
    named,
)
from arctic.partnerships.handlers import Named
from arctic.partnerships.programme import NeedStatus, Negotiation, NegotiationStatus
from arctic.partnerships.schemas import (
    NegotiationUpdate,
    NewNeed,
    NewNegotiation,
)
from arctic.partnerships.store import Db
from arctic.partnerships.views import (
    AgreementView,
    NeedView,
    NegotiationView,
)
from arctic.runtime.endpoints import ClockDep, Idempotent, PersonsDep, UnitOfWorkDep
from arctic.runtime.pagination import Page, PageDep
from arctic.runtime.problems import InvalidField

router = APIRouter(tags=["needs and negotiations"])


async def _view(db: Db, negotiation: Negotiation) -> NegotiationView:
    people = [negotiation.uas_contact, negotiation.partner_contact]
    return NegotiationView.of(negotiation, await details_of(db, people))


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
    needs, cursor = await needs_store.list_needs(uow.pool, page, status)
    return Page(items=[NeedView.of(n) for n in needs], next_cursor=cursor)


@router.get(
    "/needs/{need_id}",
    response_model=NeedView,
    dependencies=[Depends(READERS)],
    responses={404: CHANGE_ANSWERS[404]},
    summary="Read a need",
)
async def read_need(need_id: UUID, uow: UnitOfWorkDep) -> NeedView:
    need = await needs_store.get_need(uow.pool, need_id)
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
    negotiations, cursor = await needs_store.list_negotiations(uow.pool, page, status)
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
    negotiation = await needs_store.get_negotiation(uow.pool, negotiation_id)
    if negotiation is None:
        raise domain.NotFound("negotiation", negotiation_id)
    return await _view(uow.pool, negotiation)


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
        return await _view(tx.conn, negotiation)


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
        return await _view(tx.conn, negotiation)
