"""HTTP API of the expert pool: coordinators add, revise and list experts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from arctic.contracts.vocabulary import Discipline
from arctic.prototyping import expert_store, handlers
from arctic.prototyping.expert_schemas import AbsenceView, ExpertBody, ExpertView
from arctic.prototyping.expert_store import ExpertAlreadyInPool
from arctic.prototyping.experts import ExpertNotFound, ExpertRecord, Profile
from arctic.prototyping.pool import InvalidAbsence, absences_of
from arctic.runtime.access.requirements import require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, Idempotent, PersonsDep, UnitOfWorkDep
from arctic.runtime.pagination import Page, PageDep
from arctic.runtime.problems import Conflict, InvalidField, NotFound, ProblemFor, problem_for

router = APIRouter(tags=["experts"])
POOL = require(Role.coordinator)

PROBLEMS: list[ProblemFor[Any]] = [
    problem_for(ExpertNotFound, lambda error: NotFound(str(error))),
    problem_for(ExpertAlreadyInPool, lambda error: Conflict(str(error))),
    problem_for(InvalidAbsence, lambda error: InvalidField(f"absences.{error.index}", str(error))),
]
"""The pool's errors as HTTP answers."""

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
_ANSWERS: dict[int | str, dict[str, Any]] = {
    409: {"description": "Another expert has this e-mail address", **_PROBLEM},
    503: {"description": "The store of persons' keys cannot be reached", **_PROBLEM},
}


def _profile(body: ExpertBody) -> Profile:
    absences = absences_of((a.starts_on, a.ends_on) for a in body.absences)
    return Profile(body.disciplines, body.capacity, body.permanent_staff, absences)


def _view(expert: ExpertRecord) -> ExpertView:
    details = expert.details
    return ExpertView(
        id=expert.id,
        person_id=expert.person.person_id,
        name=None if details is None else details.name,
        email=None if details is None else details.email,
        phone=None if details is None else details.phone,
        language=expert.person.language,
        erased=details is None,
        disciplines=expert.disciplines,
        capacity=expert.capacity,
        permanent_staff=expert.permanent_staff,
        absences=[AbsenceView(starts_on=a.starts_on, ends_on=a.ends_on) for a in expert.absences],
        active_prototypes=expert.active_prototypes,
        created_at=expert.created_at,
        updated_at=expert.updated_at,
    )


@router.post(
    "/experts",
    status_code=status.HTTP_201_CREATED,
    response_model=ExpertView,
    dependencies=[Depends(POOL), Idempotent],
    responses=_ANSWERS,
    summary="Add an expert to the pool",
)
async def add_expert(
    body: ExpertBody, response: Response, uow: UnitOfWorkDep, clock: ClockDep, persons: PersonsDep
) -> ExpertView:
    profile, details = _profile(body), body.details()
    person = await persons.seal(details)
    async with uow.transaction() as tx:
        expert = await handlers.add_expert(tx, person, details, profile, clock())
    response.headers["Location"] = f"/experts/{expert.id}"
    return _view(expert)


@router.put(
    "/experts/{expert_id}",
    response_model=ExpertView,
    dependencies=[Depends(POOL)],
    responses={404: {"description": "No such expert", **_PROBLEM}, **_ANSWERS},
    summary="Replace what is known of an expert (details, disciplines, capacity, absences)",
)
async def revise_expert(
    expert_id: UUID, body: ExpertBody, uow: UnitOfWorkDep, clock: ClockDep, persons: PersonsDep
) -> ExpertView:
    profile, details = _profile(body), body.details()
    person = await persons.seal(details)
    async with uow.transaction() as tx:
        expert = await handlers.revise_expert(tx, expert_id, person, details, profile, clock())
    return _view(expert)


@router.get(
    "/experts",
    response_model=Page[ExpertView],
    dependencies=[Depends(POOL)],
    summary="List the pool, newest first, or one discipline's experts",
)
async def list_experts(
    page: PageDep, uow: UnitOfWorkDep, discipline: Discipline | None = None
) -> Page[ExpertView]:
    experts, next_cursor = await expert_store.list_experts(uow.pool, page, discipline)
    return Page(items=[_view(e) for e in experts], next_cursor=next_cursor)


@router.get(
    "/experts/{expert_id}",
    response_model=ExpertView,
    dependencies=[Depends(POOL)],
    responses={404: {"description": "No such expert", **_PROBLEM}},
    summary="Read an expert of the pool",
)
async def read_expert(expert_id: UUID, uow: UnitOfWorkDep) -> ExpertView:
    expert = await expert_store.get_expert(uow.pool, expert_id)
    if expert is None:
        raise ExpertNotFound(expert_id)
    return _view(expert)
