"""HTTP API of the agreements and their year: the worklist, signing, renewal, ending,
contact persons, action plans and evaluations."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, status

from arctic.contracts.events import ActionRealisation
from arctic.contracts.vocabulary import Person
from arctic.partnerships import agreement_store, domain, year_handlers
from arctic.partnerships.action_plans import ActionPlan, new_action
from arctic.partnerships.agreements import Agreement, AgreementStatus, HeldEvaluation
from arctic.partnerships.api import (
    CHANGE_ANSWERS,
    PROGRAMME,
    READERS,
    SettingsDep,
    details_of,
    named,
    named_or_none,
)
from arctic.partnerships.handlers import Named
from arctic.partnerships.schemas import (
    ActionPlanBody,
    ActionStatusBody,
    ContactChange,
    EndBody,
    EvaluationBody,
    SignBody,
)
from arctic.partnerships.store import Db
from arctic.partnerships.views import (
    ActionPlanView,
    AgreementView,
)
from arctic.partnerships.working_days import finnish_date
from arctic.runtime.endpoints import ClockDep, Idempotent, PersonsDep, UnitOfWorkDep
from arctic.runtime.pagination import Page, PageDep

router = APIRouter(tags=["agreements and the partnership year"])


async def _view(db: Db, agreement: Agreement) -> AgreementView:
    people = [agreement.uas_contact, agreement.partner_contact, agreement.owner]
    return AgreementView.of(agreement, await details_of(db, people))


@router.get(
    "/agreements",
    response_model=Page[AgreementView],
    dependencies=[Depends(READERS)],
    summary="The programme's worklist: agreements, newest first; `due_within_days` keeps "
    "those with an evaluation due within so many days (or already due), `overdue=true` "
    "those with one whose due date passed with none held",
)
async def list_agreements(
    page: PageDep,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    status: AgreementStatus | None = None,
    partner_id: UUID | None = None,
    due_within_days: Annotated[int | None, Query(ge=0, le=366)] = None,
    overdue: bool = False,
) -> Page[AgreementView]:
    today = finnish_date(clock())
    pending_by = None if due_within_days is None else today + timedelta(days=due_within_days)
    agreements, cursor = await agreement_store.list_agreements(
        uow.pool, page, status, partner_id, pending_by, today if overdue else None
    )
    people = [p for a in agreements for p in (a.uas_contact, a.partner_contact, a.owner) if p]
    details = await details_of(uow.pool, people)
    return Page(items=[AgreementView.of(a, details) for a in agreements], next_cursor=cursor)


@router.get(
    "/agreements/{agreement_id}",
    response_model=AgreementView,
    dependencies=[Depends(READERS)],
    responses={404: CHANGE_ANSWERS[404]},
    summary="Read an agreement with its terms and evaluations",
)
async def read_agreement(agreement_id: UUID, uow: UnitOfWorkDep) -> AgreementView:
    agreement = await agreement_store.get_agreement(uow.pool, agreement_id)
    if agreement is None:
        raise domain.NotFound("agreement", agreement_id)
    return await _view(uow.pool, agreement)


@router.post(
    "/agreements/{agreement_id}/sign",
    response_model=AgreementView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Sign an agreement draft: its term starts, its evaluations are scheduled",
)
async def sign_agreement(
    agreement_id: UUID,
    body: SignBody,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
    settings: SettingsDep,
) -> AgreementView:
    uas = await named_or_none(persons, body.uas_contact)
    partner = await named_or_none(persons, body.partner_contact)
    owner = await named_or_none(persons, body.owner)
    now = clock()
    async with uow.transaction() as tx:
        agreement = await year_handlers.sign_agreement(
            tx,
            agreement_id,
            body.starts_on,
            body.signed_on or finnish_date(now),
            uas,
            partner,
            owner,
            settings.rules,
            now,
        )
        return await _view(tx.conn, agreement)


@router.post(
    "/agreements/{agreement_id}/renew",
    response_model=AgreementView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Renew an agreement for a new term; its evaluations continue",
)
async def renew_agreement(
    agreement_id: UUID, uow: UnitOfWorkDep, clock: ClockDep, settings: SettingsDep
) -> AgreementView:
    async with uow.transaction() as tx:
        agreement = await year_handlers.renew_agreement(tx, agreement_id, settings.rules, clock())
        return await _view(tx.conn, agreement)


@router.post(
    "/agreements/{agreement_id}/end",
    response_model=AgreementView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="End an agreement at term (`expired`) or early (`terminated`); its reminders "
    "are cancelled",
)
async def end_agreement(
    agreement_id: UUID, body: EndBody, uow: UnitOfWorkDep, clock: ClockDep, settings: SettingsDep
) -> AgreementView:
    async with uow.transaction() as tx:
        agreement = await year_handlers.end_agreement(
            tx, agreement_id, body.reason, body.ended_on, body.note, settings.rules, clock()
        )
        return await _view(tx.conn, agreement)


@router.post(
    "/agreements/{agreement_id}/contact",
    response_model=AgreementView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="A side names a new contact person",
)
async def change_contact(
    agreement_id: UUID,
    body: ContactChange,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
    settings: SettingsDep,
) -> AgreementView:
    contact = await named(persons, body.contact)
    async with uow.transaction() as tx:
        agreement = await year_handlers.change_contact(
            tx, agreement_id, body.side, contact, settings.rules, clock()
        )
        return await _view(tx.conn, agreement)


@router.post(
    "/agreements/{agreement_id}/evaluations",
    status_code=status.HTTP_201_CREATED,
    response_model=AgreementView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Record an evaluation meeting; it settles the evaluation that was due",
)
async def hold_evaluation(
    agreement_id: UUID,
    body: EvaluationBody,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
    settings: SettingsDep,
) -> AgreementView:
    attendees = [await named(persons, a) for a in body.attendees]
    held = HeldEvaluation(
        body.held_on,
        body.summary,
        [ActionRealisation.model_validate(r.model_dump()) for r in body.realisation],
        [a.sealed for a in attendees],
    )
    async with uow.transaction() as tx:
        agreement = await year_handlers.hold_evaluation(
            tx, agreement_id, held, attendees, body.evaluation_id, settings.rules, clock()
        )
        return await _view(tx.conn, agreement)


@router.put(
    "/agreements/{agreement_id}/action-plans/{year}",
    response_model=ActionPlanView,
    dependencies=[Depends(PROGRAMME)],
    responses=CHANGE_ANSWERS,
    summary="Agree the actions of an agreement year (1 for the first)",
)
async def agree_action_plan(
    agreement_id: UUID,
    year: Annotated[int, Path(ge=1, le=100)],
    body: ActionPlanBody,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
) -> ActionPlanView:
    owners: list[Named] = []
    actions = []
    for a in body.actions:
        uas, partner = (
            await named_or_none(persons, a.uas_owner),
            await named_or_none(persons, a.partner_owner),
        )
        owners += [n for n in (uas, partner) if n is not None]
        actions.append(
            new_action(
                a.title,
                a.description,
                a.due_on,
                a.status,
                None if uas is None else uas.sealed,
                None if partner is None else partner.sealed,
                a.indicators,
                a.action_id,
            )
        )
    async with uow.transaction() as tx:
        plan = await year_handlers.agree_action_plan(
            tx, agreement_id, year, actions, owners, clock()
        )
        details = await details_of(tx.conn, _owners(plan))
    return ActionPlanView.of(plan, details)


def _owners(plan: ActionPlan) -> list[Person]:
    return [p for a in plan.actions for p in (a.uas_owner, a.partner_owner) if p is not None]


@router.get(
    "/agreements/{agreement_id}/action-plans",
    response_model=list[ActionPlanView],
    dependencies=[Depends(READERS)],
    summary="The action plans of an agreement, by year",
)
async def action_plans(agreement_id: UUID, uow: UnitOfWorkDep) -> list[ActionPlanView]:
    plans = await agreement_store.plans_of(uow.pool, agreement_id)
    details = await details_of(uow.pool, [p for plan in plans for p in _owners(plan)])
    return [ActionPlanView.of(plan, details) for plan in plans]


@router.patch(
    "/agreements/{agreement_id}/action-plans/{year}/actions/{action_id}",
    response_model=ActionPlanView,
    dependencies=[Depends(PROGRAMME)],
    responses=CHANGE_ANSWERS,
    summary="Record how far an action got",
)
async def set_action_status(
    agreement_id: UUID,
    year: int,
    action_id: UUID,
    body: ActionStatusBody,
    uow: UnitOfWorkDep,
    clock: ClockDep,
) -> ActionPlanView:
    async with uow.transaction() as tx:
        plan = await year_handlers.set_action_status(
            tx, agreement_id, year, action_id, body.status, clock()
        )
        details = await details_of(tx.conn, _owners(plan))
    return ActionPlanView.of(plan, details)
