"""HTTP API of prototyping: submit, list and read requests; triage accepts or rejects them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from arctic.contracts.vocabulary import BusinessId
from arctic.prototyping import handlers, store
from arctic.prototyping.domain import (
    DecisionIncomplete,
    MilestoneAlreadyReached,
    MilestoneNotFound,
    RequestNotFound,
    RequestStatus,
    TransitionNotAllowed,
)
from arctic.prototyping.handlers import InquiryAlreadyOpened
from arctic.prototyping.pool import DisciplinesNotCovered
from arctic.prototyping.schemas import (
    AcceptDecision,
    DeliveryBody,
    NewPrototypeRequest,
    ProposedMemberView,
    PrototypeRequestView,
    RejectDecision,
    TeamProposalView,
    TeamRequest,
    TriageItemView,
    TriageQueue,
)
from arctic.prototyping.settings import PrototypingSettings
from arctic.prototyping.timebox import MilestoneName, finnish_date
from arctic.runtime.access.principal import Principal, ensure_company_owns
from arctic.runtime.access.requirements import public, require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import (
    ClockDep,
    Idempotent,
    PersonsDep,
    UnitOfWorkDep,
    settings_of,
)
from arctic.runtime.pagination import Page, PageDep
from arctic.runtime.problems import Conflict, InvalidField, NotFound, ProblemFor, problem_for

router = APIRouter(tags=["prototype requests"])
TRIAGE = require(Role.coordinator)

PROBLEMS: list[ProblemFor[Any]] = [
    problem_for(RequestNotFound, lambda error: NotFound(str(error))),
    problem_for(
        TransitionNotAllowed,
        lambda error: Conflict(str(error), state=error.state, allowed_actions=error.allowed),
    ),
    problem_for(DecisionIncomplete, lambda error: InvalidField(error.field_name, str(error))),
    problem_for(MilestoneNotFound, lambda error: NotFound(str(error))),
    problem_for(
        MilestoneAlreadyReached,
        lambda error: Conflict(
            str(error), milestone=error.name, reached_at=error.reached_at.isoformat()
        ),
    ),
    problem_for(
        DisciplinesNotCovered,
        lambda error: Conflict(
            str(error),
            missing=error.missing,
            earliest_start=None if error.earliest_start is None else str(error.earliest_start),
            starts_on=str(error.box.starts_on),
            due_on=str(error.box.due_on),
        ),
    ),
    problem_for(InquiryAlreadyOpened, lambda error: Conflict(str(error))),
]
"""The domain's errors as HTTP answers (ServiceDefinition.problems)."""

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
_CHANGE_ANSWERS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such request", **_PROBLEM},
    409: {
        "description": "The request's status does not allow this (`state`, "
        "`allowed_actions`), or it was changed concurrently",
        **_PROBLEM,
    },
}


@router.post(
    "/prototype-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=PrototypeRequestView,
    dependencies=[Depends(public(rate_limited=True)), Idempotent],
    responses={
        409: {
            "description": "A prototype request was opened from `origin_inquiry_id` already",
            **_PROBLEM,
        },
        503: {
            "description": "The store of persons' keys cannot be reached: nothing was stored; "
            "try again after `Retry-After` seconds",
            **_PROBLEM,
        },
    },
    summary="Submit a company's problem or idea for a prototype",
    description="What the public web form posts.",
)
async def create_prototype_request(
    body: NewPrototypeRequest,
    response: Response,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
) -> PrototypeRequestView:
    contact = await persons.seal(body.company.contact)
    async with uow.transaction() as tx:
        request = await handlers.submit_request(tx, body.submission(contact), clock())
    response.headers["Location"] = f"/prototype-requests/{request.id}"
    return PrototypeRequestView.of(request)


@router.get(
    "/prototype-requests",
    response_model=Page[PrototypeRequestView],
    summary="List prototype requests, newest first, by status and company",
    description="Coordinators list every company's requests (`company` filters by business "
    "id); a company lists only its own (another company's business id is 403).",
)
async def list_prototype_requests(
    page: PageDep,
    uow: UnitOfWorkDep,
    status: RequestStatus | None = None,
    company: Annotated[BusinessId | None, Query(description="business id")] = None,
    caller: Principal = Depends(require(Role.coordinator, Role.company)),
) -> Page[PrototypeRequestView]:
    if company is not None:
        ensure_company_owns(
            caller, company, what=f"the requests of {company}", overseers=[Role.coordinator]
        )
    elif not caller.has_any([Role.coordinator]):
        company = caller.business_id
    requests, next_cursor = await store.list_requests(uow.pool, page, status, company)
    return Page(items=[PrototypeRequestView.of(r) for r in requests], next_cursor=next_cursor)


@router.get(
    "/prototype-requests/{request_id}",
    response_model=PrototypeRequestView,
    responses={404: _CHANGE_ANSWERS[404]},
    summary="Read a prototype request",
    description="Coordinators read any request; a company reads only its own (another "
    "company's is answered 404, as one that does not exist).",
)
async def read_prototype_request(
    request_id: UUID,
    uow: UnitOfWorkDep,
    caller: Principal = Depends(require(Role.coordinator, Role.company)),
) -> PrototypeRequestView:
    request = await store.get_request(uow.pool, request_id)
    if request is None:
        raise RequestNotFound(request_id)
    ensure_company_owns(
        caller,
        request.company.business_id,
        what=f"prototype request {request_id}",  # the same 404 as RequestNotFound's
        overseers=[Role.coordinator],
        hide=True,
    )
    return PrototypeRequestView.of(request)


@router.post(
    "/prototype-requests/{request_id}/accept",
    response_model=PrototypeRequestView,
    dependencies=[Depends(TRIAGE), Idempotent],
    responses=_CHANGE_ANSWERS,
    summary="Accept a request in triage, with the disciplines it needs",
)
async def accept_prototype_request(
    request_id: UUID, body: AcceptDecision, uow: UnitOfWorkDep, clock: ClockDep
) -> PrototypeRequestView:
    async with uow.transaction() as tx:
        request = await handlers.accept_request(tx, request_id, body.disciplines, clock())
    return PrototypeRequestView.of(request)


@router.post(
    "/prototype-requests/{request_id}/reject",
    response_model=PrototypeRequestView,
    dependencies=[Depends(TRIAGE), Idempotent],
    responses=_CHANGE_ANSWERS,
    summary="Reject a request in triage, with a reason and where else to go",
)
async def reject_prototype_request(
    request_id: UUID, body: RejectDecision, uow: UnitOfWorkDep, clock: ClockDep
) -> PrototypeRequestView:
    suggestions = [s.suggestion() for s in body.suggestions]
    async with uow.transaction() as tx:
        request = await handlers.reject_request(tx, request_id, body.reason, suggestions, clock())
    return PrototypeRequestView.of(request)


@router.get(
    "/triage",
    response_model=TriageQueue,
    dependencies=[Depends(TRIAGE)],
    summary="The triage queue: partners' requests first, then the longest waiting",
)
async def triage_queue(
    uow: UnitOfWorkDep, clock: ClockDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> TriageQueue:
    today = finnish_date(clock())
    waiting = await store.triage_queue(uow.pool, today, limit)
    return TriageQueue(
        items=[
            TriageItemView(
                id=request.id,
                company_name=request.company.name,
                business_id=request.company.business_id,
                title=request.title,
                stage=request.stage,
                disciplines=request.disciplines,
                partner=partner,
                requested_at=request.requested_at,
                days_waiting=(today - finnish_date(request.requested_at)).days,
                origin_inquiry_id=request.origin_inquiry_id,
            )
            for request, partner in waiting
        ]
    )


@router.post(
    "/prototype-requests/{request_id}/team",
    response_model=TeamProposalView,
    dependencies=[Depends(TRIAGE), Idempotent],
    responses={
        404: _CHANGE_ANSWERS[404],
        409: {
            "description": "The request is not accepted (`state`, `allowed_actions`), or no "
            "team is free in the time-box: `missing` names the disciplines nobody free has, "
            "`earliest_start` the first day a whole team could start (null: none within a year)",
            **_PROBLEM,
        },
    },
    summary="Propose a team for an accepted request, or take it with `confirm`",
    description="The team covers every confirmed discipline with experts free for the whole "
    "time-box (below capacity, not absent), the least loaded first. With `confirm: true` the "
    "experts are booked, the time-box starts (`due_on` = `starts_on` + "
    "ARCTIC_PROTOTYPE_TIME_BOX_DAYS), the milestones are planned and the deadline reminders "
    "scheduled (PrototypeTeamAssembled).",
)
async def assemble_team(
    request_id: UUID,
    body: TeamRequest,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    settings: Annotated[PrototypingSettings, Depends(settings_of(PrototypingSettings))],
) -> TeamProposalView:
    async with uow.transaction() as tx:
        proposal = await handlers.assemble_team(
            tx, request_id, body.starts_on, body.confirm, settings, clock()
        )
    box = proposal.time_box
    return TeamProposalView(
        confirmed=proposal.confirmed,
        starts_on=box.starts_on,
        due_on=box.due_on,
        team=[
            ProposedMemberView(
                expert_id=member.expert.id,
                person_id=member.as_expert().person_id,
                disciplines=list(member.covers),
                load=member.expert.load(box),
            )
            for member in proposal.team
        ],
        request=PrototypeRequestView.of(proposal.request),
    )


@router.post(
    "/prototype-requests/{request_id}/milestones/{name}/done",
    response_model=PrototypeRequestView,
    dependencies=[Depends(TRIAGE), Idempotent],
    responses=_CHANGE_ANSWERS,
    summary="Mark a milestone of a request in progress done (kick_off, demo, hand_over)",
)
async def reach_milestone(
    request_id: UUID, name: MilestoneName, uow: UnitOfWorkDep, clock: ClockDep
) -> PrototypeRequestView:
    async with uow.transaction() as tx:
        request = await handlers.reach_milestone(tx, request_id, name, clock())
    return PrototypeRequestView.of(request)


@router.post(
    "/prototype-requests/{request_id}/deliver",
    response_model=PrototypeRequestView,
    dependencies=[Depends(TRIAGE), Idempotent],
    responses=_CHANGE_ANSWERS,
    summary="Hand the prototype over: outcome, what was built, the next step, the showcase",
    description="A `showcase` is refused (422) unless the company consented to one. The "
    "team's capacity is freed and the deadline reminders not yet sent are cancelled.",
)
async def deliver_prototype(
    request_id: UUID, body: DeliveryBody, uow: UnitOfWorkDep, clock: ClockDep
) -> PrototypeRequestView:
    async with uow.transaction() as tx:
        request = await handlers.deliver(tx, request_id, body.delivery(), clock())
    return PrototypeRequestView.of(request)
