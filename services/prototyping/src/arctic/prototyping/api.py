"""HTTP API of prototyping: submit, list and read requests; triage accepts or rejects them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from arctic.prototyping import handlers, store
from arctic.prototyping.domain import (
    DecisionIncomplete,
    RequestNotFound,
    RequestStatus,
    TransitionNotAllowed,
)
from arctic.prototyping.schemas import (
    AcceptDecision,
    NewPrototypeRequest,
    PrototypeRequestView,
    RejectDecision,
)
from arctic.runtime.access.principal import Principal, ensure_company_owns
from arctic.runtime.access.requirements import public, require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, Idempotent, PersonsDep, UnitOfWorkDep
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
        503: {
            "description": "The store of persons' keys cannot be reached: nothing was stored; "
            "try again after `Retry-After` seconds",
            **_PROBLEM,
        }
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
    dependencies=[Depends(TRIAGE)],
    summary="List prototype requests, newest first (the coordinators' list)",
)
async def list_prototype_requests(
    page: PageDep, uow: UnitOfWorkDep, status: RequestStatus | None = None
) -> Page[PrototypeRequestView]:
    requests, next_cursor = await store.list_requests(uow.pool, page, status)
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
