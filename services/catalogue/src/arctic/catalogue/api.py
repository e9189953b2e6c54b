"""HTTP API of offerings: staff of the owning organisation write, publish and retire them;
everyone searches and reads the published ones. Also the organisations and their contacts."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response, status

from arctic.catalogue import handlers, search, store
from arctic.catalogue.bookings import (
    BookingInvalid,
    BookingNotFound,
    BookingOverlaps,
    BookingTransitionNotAllowed,
)
from arctic.catalogue.inquiries import InquiryNotFound, InquiryTransitionNotAllowed, RouteInvalid
from arctic.catalogue.offerings import (
    OfferingInvalid,
    OfferingNotFound,
    OfferingStatus,
    OfferingTransitionNotAllowed,
)
from arctic.catalogue.schemas import (
    CHANGE_ANSWERS_DOC,
    PROBLEM_DOC,
    NewContact,
    NewOffering,
    OfferingDetailsBody,
    OfferingView,
    OrganisationView,
    RetireBody,
    SearchPage,
    ShortName,
)
from arctic.catalogue.search import Filters
from arctic.contracts.vocabulary import Discipline, Language, OfferingKind, Stage
from arctic.runtime.access.principal import Principal, ensure_organisation_owns
from arctic.runtime.access.requirements import public, require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, Idempotent, PersonsDep, UnitOfWorkDep
from arctic.runtime.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageDep
from arctic.runtime.problems import Conflict, InvalidField, NotFound, ProblemFor, problem_for

router = APIRouter(tags=["offerings"])
STAFF = require(Role.staff)

PROBLEMS: list[ProblemFor[Any]] = [
    problem_for(OfferingNotFound, lambda e: NotFound(str(e))),
    problem_for(InquiryNotFound, lambda e: NotFound(str(e))),
    problem_for(BookingNotFound, lambda e: NotFound(str(e))),
    problem_for(
        OfferingTransitionNotAllowed,
        lambda e: Conflict(str(e), state=e.state, allowed_actions=e.allowed),
    ),
    problem_for(
        InquiryTransitionNotAllowed,
        lambda e: Conflict(str(e), state=e.state, allowed_actions=e.allowed),
    ),
    problem_for(
        BookingTransitionNotAllowed,
        lambda e: Conflict(str(e), state=e.state, allowed_actions=e.allowed),
    ),
    problem_for(
        BookingOverlaps,
        lambda e: Conflict(
            str(e),
            conflicting_booking=None if e.conflicting is None else str(e.conflicting),
            conflicting_period=None if e.period is None else e.period.model_dump(mode="json"),
        ),
    ),
    problem_for(OfferingInvalid, lambda e: InvalidField(e.field_name, str(e))),
    problem_for(RouteInvalid, lambda e: InvalidField(e.field_name, str(e))),
    problem_for(BookingInvalid, lambda e: InvalidField(e.field_name, str(e))),
    problem_for(handlers.OrganisationUnknown, lambda e: InvalidField(e.field_name, str(e))),
]
"""The domain's errors as HTTP answers (ServiceDefinition.problems)."""


async def language(
    lang: Annotated[
        Language | None, Query(description="Language of the snippets (default: Accept-Language)")
    ] = None,
    accept_language: Annotated[str | None, Header(max_length=200)] = None,
) -> Language:
    """The language asked for: `lang`, else the first of fi/en/sv in Accept-Language, else en."""
    if lang is not None:
        return lang
    for tag in (accept_language or "").split(","):
        code = tag.split(";")[0].strip().lower()[:2]
        if code in Language.__members__:
            return Language(code)
    return Language.en


@router.get(
    "/offerings",
    response_model=SearchPage,
    dependencies=[Depends(public())],
    summary="Search the published offerings",
    description="Full text in Finnish, English and Swedish (stemmed; Finnish compounds found "
    "by their parts), ranked title > keywords > description, filters combined with the text, "
    "facet counts; a typo-tolerant fallback when full text finds nothing (`fuzzy`).",
)
async def search_offerings(
    uow: UnitOfWorkDep,
    lang: Annotated[Language, Depends(language)],
    q: Annotated[str | None, Query(max_length=500)] = None,
    org: ShortName | None = None,
    kind: OfferingKind | None = None,
    stage: Stage | None = None,
    discipline: Discipline | None = None,
    trl: Annotated[int | None, Query(ge=1, le=9)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> SearchPage:
    filters = Filters(org, kind, stage, discipline, trl)
    text = q.strip() if q else None
    results = await search.search(uow.pool, text or None, filters, lang, limit, cursor)
    return SearchPage.of(results)


@router.post(
    "/offerings",
    status_code=status.HTTP_201_CREATED,
    response_model=OfferingView,
    dependencies=[Depends(STAFF), Idempotent],
    responses={403: {"description": "Not staff of that organisation", **PROBLEM_DOC}},
    summary="Draft a new offering of the caller's organisation",
)
async def create_offering(
    body: NewOffering,
    response: Response,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    caller: Principal = Depends(STAFF),
) -> OfferingView:
    ensure_organisation_owns(caller, body.organisation, what=f"organisation {body.organisation}")
    async with uow.transaction() as tx:
        offering = await handlers.create_offering(
            tx, body.kind, body.organisation, body.details(), clock()
        )
    response.headers["Location"] = f"/offerings/{offering.id}"
    return OfferingView.of(offering)


@router.get(
    "/offerings/{offering_id}",
    response_model=OfferingView,
    dependencies=[Depends(public())],
    responses={404: CHANGE_ANSWERS_DOC[404]},
    summary="Read a published offering",
    description="Drafts and retired offerings are read by their organisation's staff through "
    "`GET /organisations/{organisation}/offerings`; here they are 404.",
)
async def read_offering(offering_id: UUID, uow: UnitOfWorkDep) -> OfferingView:
    offering = await store.get_offering(uow.pool, offering_id)
    if offering is None or offering.status is not OfferingStatus.published:
        raise OfferingNotFound(offering_id)
    return OfferingView.of(offering)


@router.get(
    "/organisations/{organisation}/offerings",
    response_model=Page[OfferingView],
    responses={403: {"description": "Not staff of that organisation", **PROBLEM_DOC}},
    summary="An organisation's offerings in every status, newest first (its staff's list)",
)
async def list_own_offerings(
    organisation: ShortName,
    page: PageDep,
    uow: UnitOfWorkDep,
    status: OfferingStatus | None = None,
    caller: Principal = Depends(STAFF),
) -> Page[OfferingView]:
    ensure_organisation_owns(caller, organisation, what=f"organisation {organisation}")
    offerings, next_cursor = await store.list_offerings(uow.pool, organisation, page, status)
    return Page(items=[OfferingView.of(o) for o in offerings], next_cursor=next_cursor)


@router.put(
    "/offerings/{offering_id}",
    response_model=OfferingView,
    dependencies=[Depends(STAFF), Idempotent],
    responses=CHANGE_ANSWERS_DOC,
    summary="Replace an offering's details (a published one is announced again)",
)
async def edit_offering(
    offering_id: UUID,
    body: OfferingDetailsBody,
    uow: UnitOfWorkDep,
    caller: Principal = Depends(STAFF),
) -> OfferingView:
    async with uow.transaction() as tx:
        offering = await _owned(tx, offering_id, caller)
        await handlers.edit_offering(tx, offering, body.details())
    return OfferingView.of(offering)


@router.post(
    "/offerings/{offering_id}/publish",
    response_model=OfferingView,
    dependencies=[Depends(STAFF), Idempotent],
    responses=CHANGE_ANSWERS_DOC,
    summary="Publish a draft offering (OfferingPublished)",
)
async def publish_offering(
    offering_id: UUID, uow: UnitOfWorkDep, clock: ClockDep, caller: Principal = Depends(STAFF)
) -> OfferingView:
    async with uow.transaction() as tx:
        offering = await _owned(tx, offering_id, caller)
        await handlers.publish_offering(tx, offering, clock())
    return OfferingView.of(offering)


@router.post(
    "/offerings/{offering_id}/retire",
    response_model=OfferingView,
    dependencies=[Depends(STAFF), Idempotent],
    responses=CHANGE_ANSWERS_DOC,
    summary="Withdraw an offering for good (OfferingRetired)",
)
async def retire_offering(
    offering_id: UUID,
    body: RetireBody,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    caller: Principal = Depends(STAFF),
) -> OfferingView:
    async with uow.transaction() as tx:
        offering = await _owned(tx, offering_id, caller)
        await handlers.retire_offering(tx, offering, body.reason, clock())
    return OfferingView.of(offering)


async def _owned(tx: Any, offering_id: UUID, caller: Principal) -> Any:
    offering = await handlers.load_offering(tx, offering_id)
    ensure_organisation_owns(
        caller,
        offering.organisation_short_name,
        what=f"offering {offering_id}",
        hide=offering.status is not OfferingStatus.published,
    )
    return offering


@router.get(
    "/organisations",
    response_model=list[OrganisationView],
    dependencies=[Depends(public())],
    summary="The network's organisations",
)
async def list_organisations(uow: UnitOfWorkDep) -> list[OrganisationView]:
    rows = await store.organisations(uow.pool)
    return [OrganisationView(**dict(r)) for r in rows]


@router.post(
    "/contacts",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(require(Role.admin)), Idempotent],
    summary="Name a person for a duty (coordinator; an organisation's inquiries or bookings)",
)
async def add_contact(body: NewContact, uow: UnitOfWorkDep, persons: PersonsDep) -> None:
    if (body.duty == handlers.COORDINATOR) != (body.organisation is None):
        raise InvalidField(
            "organisation", "coordinators belong to no organisation; other duties to one"
        )
    person = await persons.seal(body.person)
    async with uow.transaction() as tx:
        organisation_id = None
        if body.organisation is not None:
            found = await handlers.organisation(tx, body.organisation, "organisation")
            organisation_id = found.organisation_id
        await store.add_contact(tx.conn, organisation_id, body.duty, person, body.person)
