"""HTTP API of Valakiat, the spring partner event: announcing it (the invitations are
scheduled), reading it with its replies, and the invited partner's reply."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from arctic.contracts.vocabulary import Person
from arctic.partnerships import domain, year_handlers, year_store
from arctic.partnerships.api import (
    CHANGE_ANSWERS,
    PROGRAMME,
    READERS,
    SettingsDep,
    details_of,
)
from arctic.partnerships.schemas import (
    PartnerEventBody,
    RsvpBody,
)
from arctic.partnerships.store import Db
from arctic.partnerships.valakiat import PartnerEvent
from arctic.partnerships.views import (
    InvitationView,
    PartnerEventView,
    PersonView,
)
from arctic.runtime.access.principal import Principal, ensure_company_owns
from arctic.runtime.access.requirements import require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, Idempotent, UnitOfWorkDep

router = APIRouter(tags=["the spring partner event"])


async def _event_view(db: Db, event: PartnerEvent) -> PartnerEventView:
    rows = await year_store.invitations_of(db, event.id)
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
    event = await year_store.get_partner_event(uow.pool, event_id)
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
        event = await year_store.get_partner_event(tx.conn, event_id)
        invitation = await year_store.get_invitation(tx.conn, body.invitation_id)
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
