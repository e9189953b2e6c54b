"""HTTP API of the agreements and their year: the worklist, signing, renewal, ending,
contact persons, action plans, evaluations, the spring partner event and the social
handprint report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.responses import PlainTextResponse

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
from arctic.partnerships.handprint import INDICATORS, HandprintReport, HandprintTotals
from arctic.partnerships.schemas import (
    ActionPlanBody,
    ActionPlanView,
    ActionStatusBody,
    AgreementView,
    ContactChange,
    EndBody,
    EvaluationBody,
    HandprintBody,
    HandprintFigures,
    HandprintReportView,
    InvitationView,
    PartnerEventBody,
    PartnerEventView,
    PartnerHandprint,
    PersonView,
    RsvpBody,
    SignBody,
)
from arctic.partnerships.store import Db
from arctic.partnerships.valakiat import PartnerEvent
from arctic.partnerships.working_days import finnish_date
from arctic.runtime.access.principal import Principal, ensure_company_owns
from arctic.runtime.access.requirements import require
from arctic.runtime.access.roles import Role
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


async def _event_view(db: Db, event: PartnerEvent) -> PartnerEventView:
    rows = await agreement_store.invitations_of(db, event.id)
    invitees = [Person.model_validate_json(r["invitee"]) for r in rows]
    details = await details_of(db, invitees)
    return PartnerEventView(
        id=event.id,
        year=event.year,
        name=event.name,
        held_on=event.held_on,
        location=event.location,
        programme=event.programme,
        reply_by=event.reply_by,
        invitations=[
            InvitationView(
                id=r["id"],
                agreement_id=r["agreement_id"],
                partner_id=r["partner_id"],
                partner_name=r["partner_name"],
                invitee=PersonView.of(invitee, details),
                send_at=r["send_at"],
                attending=r["attending"],
            )
            for r, invitee in zip(rows, invitees, strict=True)
        ],
    )


@router.post(
    "/partner-events",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerEventView,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Announce the year's partner event (Valakiat): an invitation to the contact "
    "persons of every partner with an agreement active on its day, sent ahead",
)
async def announce_partner_event(
    body: PartnerEventBody,
    response: Response,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> PartnerEventView:
    now = clock()
    event = PartnerEvent.announce(
        body.year, body.held_on, body.location, body.programme, body.reply_by, now, body.name
    )
    async with uow.transaction() as tx:
        await year_handlers.announce_partner_event(tx, event, settings.invitation_weeks_ahead, now)
        view = await _event_view(tx.conn, event)
    response.headers["Location"] = f"/partner-events/{event.id}"
    return view


@router.get(
    "/partner-events/{event_id}",
    response_model=PartnerEventView,
    dependencies=[Depends(READERS)],
    responses={404: CHANGE_ANSWERS[404]},
    summary="A partner event with its invitations and replies",
)
async def read_partner_event(event_id: UUID, uow: UnitOfWorkDep) -> PartnerEventView:
    event = await agreement_store.get_partner_event(uow.pool, event_id)
    if event is None:
        raise domain.NotFound("partner event", event_id)
    return await _event_view(uow.pool, event)


@router.post(
    "/partner-events/{event_id}/rsvp",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=CHANGE_ANSWERS,
    summary="Reply to an invitation: the invited partner (a company token with its business "
    "id) or programme staff on its behalf",
    description="Another partner's invitation is answered 404, as one that does not exist.",
)
async def reply_to_invitation(
    event_id: UUID,
    body: RsvpBody,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    caller: Principal = Depends(require(Role.coordinator, Role.company)),
) -> Response:
    async with uow.transaction() as tx:
        event = await agreement_store.get_partner_event(tx.conn, event_id)
        invitation = await agreement_store.get_invitation(tx.conn, body.invitation_id)
        if event is None:
            raise domain.NotFound("partner event", event_id)
        if invitation is None:
            raise domain.NotFound("invitation", body.invitation_id)
        ensure_company_owns(
            caller,
            invitation["business_id"],
            what=f"invitation {body.invitation_id}",
            overseers=[Role.coordinator],
            hide=True,
        )
        await year_handlers.reply_to_invitation(
            tx, event, body.invitation_id, body.attending, clock()
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/handprints",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(PROGRAMME), Idempotent],
    responses=CHANGE_ANSWERS,
    summary="Record a partner's social-handprint indicators for a year (and maybe one action)",
)
async def record_handprint(
    body: HandprintBody, uow: UnitOfWorkDep, clock: ClockDep
) -> dict[str, str]:
    async with uow.transaction() as tx:
        record = await year_handlers.record_handprint(
            tx, body.partner_id, body.year, body.action_id, body.counts(), body.impact, clock()
        )
    return {"id": str(record.id)}


def _figures(totals: HandprintTotals) -> HandprintFigures:
    return HandprintFigures(**totals.counts, impacts=totals.impacts)


@router.get(
    "/reports/handprint",
    response_model=HandprintReportView,
    dependencies=[Depends(require(Role.coordinator, Role.service))],
    responses={200: {"content": {"text/csv": {}}}},
    summary="The year's social handprint per partner and for the whole programme, as JSON "
    "or (`format=csv`) CSV for the regional council",
)
async def handprint_report(
    uow: UnitOfWorkDep,
    year: Annotated[int, Query(ge=2000, le=2999)],
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> HandprintReportView | PlainTextResponse:
    report = HandprintReport.of(year, await agreement_store.handprints_of(uow.pool, year))
    view = HandprintReportView(
        year=year,
        partners=[
            PartnerHandprint(
                partner_id=partner.partner_id,
                name=partner.name,
                business_id=partner.business_id,
                figures=_figures(totals),
            )
            for partner, totals in sorted(report.partners.values(), key=lambda p: p[0].name)
        ],
        programme=_figures(report.programme),
    )
    if format == "json":
        return view
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["year", "partner", "business_id", *INDICATORS])
    for row in view.partners:
        counts = row.figures.model_dump(exclude={"impacts"})
        writer.writerow([year, row.name, row.business_id, *(counts[i] for i in INDICATORS)])
    totals = view.programme.model_dump(exclude={"impacts"})
    writer.writerow([year, "programme", "", *(totals[i] for i in INDICATORS)])
    return PlainTextResponse(out.getvalue(), media_type="text/csv")
