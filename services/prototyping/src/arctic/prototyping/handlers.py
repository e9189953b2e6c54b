"""Use cases of prototyping: load, decide, save, emit, in the caller's one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from arctic.contracts.events import PersonalDataErasureRequested, PrototypingEvent, Suggestion
from arctic.contracts.vocabulary import ContactPerson, Discipline, Person
from arctic.prototyping import expert_store, store
from arctic.prototyping.domain import (
    Action,
    Delivery,
    PrototypeRequest,
    RequestNotFound,
    Submission,
)
from arctic.prototyping.experts import ExpertNotFound, ExpertRecord, Profile
from arctic.prototyping.pool import TeamMember, choose_team
from arctic.prototyping.settings import PrototypingSettings
from arctic.prototyping.timebox import TimeBox, finnish_date
from arctic.runtime.logs import get_logger
from arctic.runtime.subscriptions import Context
from arctic.runtime.unit_of_work import Transaction

log = get_logger(__name__)


class InquiryAlreadyOpened(Exception):
    """A prototype request was opened from this inquiry before."""

    def __init__(self, inquiry_id: UUID) -> None:
        super().__init__(f"a prototype request was opened from inquiry {inquiry_id} already")
        self.inquiry_id = inquiry_id


@dataclass(frozen=True)
class TeamProposal:
    """The team that would be taken for a request, and its time-box."""

    request: PrototypeRequest
    team: list[TeamMember]
    time_box: TimeBox
    confirmed: bool


async def submit_request(
    tx: Transaction, submission: Submission, now: datetime
) -> PrototypeRequest:
    """Take in a company's request and announce it (PrototypeRequested); InquiryAlreadyOpened
    when it comes from an inquiry that has its request already."""
    request, requested = PrototypeRequest.submit(submission, now)
    if not await store.insert_request(tx.conn, request):
        assert submission.origin_inquiry_id is not None
        raise InquiryAlreadyOpened(submission.origin_inquiry_id)
    await _announce(tx, request, requested)
    return request


async def accept_request(
    tx: Transaction, request_id: UUID, disciplines: Sequence[Discipline], now: datetime
) -> PrototypeRequest:
    """Triage accepts a request (PrototypeAccepted, saying whether the company is a partner)."""
    request = await _load(tx, request_id)
    partner = await store.is_partner(tx.conn, request.company.business_id, finnish_date(now))
    accepted = request.accept(disciplines, now, partner=partner)
    await _save(tx, request, accepted)
    return request


async def assemble_team(
    tx: Transaction,
    request_id: UUID,
    starts_on: date | None,
    confirm: bool,
    settings: PrototypingSettings,
    now: datetime,
) -> TeamProposal:
    """Choose a team free in the time-box from `starts_on` (today in Finland by default);
    with `confirm`, take it: the experts are booked (the pool locked meanwhile, so that
    concurrent assemblies never overbook anyone), the time-box starts, the reminders are
    scheduled (PrototypeTeamAssembled). DisciplinesNotCovered when no team can be made."""
    request = await _load(tx, request_id)
    request.check(Action.assemble_team)
    box = TimeBox.starting(starts_on or finnish_date(now), settings.prototype_time_box_days)
    request.check_time_box(box, now)
    pool = await expert_store.pool_for_assembly(tx.conn, lock=confirm)
    team = choose_team(pool, request.confirmed_disciplines, box)
    if confirm:
        assembled = request.assemble_team([m.as_expert() for m in team], box, now)
        await expert_store.assign(
            tx.conn, request.id, [m.expert.id for m in team], (box.starts_on, box.due_on)
        )
        await _save(tx, request, assembled)
        for reminder in request.reminders(settings.prototype_reminder_days, now):
            await tx.schedule(reminder.key, reminder.event, due_at=reminder.due_at)
    return TeamProposal(request, team, box, confirm)


async def reach_milestone(
    tx: Transaction, request_id: UUID, name: str, now: datetime
) -> PrototypeRequest:
    """A milestone is done (PrototypeMilestoneReached)."""
    request = await _load(tx, request_id)
    reached = request.reach_milestone(name, now)
    await _save(tx, request, reached)
    return request


async def deliver(
    tx: Transaction, request_id: UUID, delivery: Delivery, now: datetime
) -> PrototypeRequest:
    """The prototype is handed over (PrototypeDelivered): the team's capacity is freed and
    the deadline reminders that have not fired are cancelled."""
    request = await _load(tx, request_id)
    delivered = request.deliver(delivery, now)
    await _save(tx, request, delivered)
    freed = await expert_store.release(tx.conn, request.id, now)
    for key in request.reminder_keys():
        await tx.cancel_schedule(key)
    log.info("team released", request_id=str(request.id), experts=freed)
    return request


async def reject_request(
    tx: Transaction,
    request_id: UUID,
    reason: str,
    suggestions: Sequence[Suggestion],
    now: datetime,
) -> PrototypeRequest:
    """Triage rejects a request (PrototypeRejected)."""
    request = await _load(tx, request_id)
    rejected = request.reject(reason, suggestions, now)
    await _save(tx, request, rejected)
    return request


async def add_expert(
    tx: Transaction, person: Person, details: ContactPerson, profile: Profile, now: datetime
) -> ExpertRecord:
    """A new expert joins the pool."""
    expert = ExpertRecord.join(person, details, profile, now)
    await expert_store.insert_expert(tx.conn, expert)
    log.info("expert added", expert_id=str(expert.id), person_id=str(person.person_id))
    return expert


async def revise_expert(
    tx: Transaction,
    expert_id: UUID,
    person: Person,
    details: ContactPerson,
    profile: Profile,
    now: datetime,
) -> ExpertRecord:
    """What is known of an expert is replaced (their current teams stay as they are)."""
    expert = await expert_store.get_expert(tx.conn, expert_id)
    if expert is None:
        raise ExpertNotFound(expert_id)
    expert.revise(person, details, profile, now)
    await expert_store.update_expert(tx.conn, expert)
    log.info("expert revised", expert_id=str(expert.id), version=expert.version)
    return expert


async def erase_person(
    ctx: Context[PrototypingSettings], erasure: PersonalDataErasureRequested
) -> int:
    """Erase a person from the requests they are the contact of and from the expert pool
    (ServiceDefinition.erase_person); how many rows were touched."""
    contacts = await store.erase_contact(ctx.tx.conn, erasure.person_id, ctx.clock())
    return contacts + await expert_store.erase_expert(ctx.tx.conn, erasure.person_id, ctx.clock())


async def _load(tx: Transaction, request_id: UUID) -> PrototypeRequest:
    request = await store.get_request(tx.conn, request_id)
    if request is None:
        raise RequestNotFound(request_id)
    return request


async def _save(tx: Transaction, request: PrototypeRequest, event: PrototypingEvent) -> None:
    await store.update_request(tx.conn, request)
    await _announce(tx, request, event)


async def _announce(tx: Transaction, request: PrototypeRequest, event: PrototypingEvent) -> None:
    event_id = await tx.emit(event, aggregate_version=request.version)
    log.info(
        "prototype request changed",
        request_id=str(request.id),
        status=request.status.value,
        version=request.version,
        event_id=str(event_id),
    )
