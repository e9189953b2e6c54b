"""HTTP API of the one-stop shop: a company's inquiry, routed with reasons; staff re-route and
answer it; funding instruments matched to a company's situation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, Field

from arctic.catalogue import handlers, inquiry_store, store
from arctic.catalogue.funding import Situation, match
from arctic.catalogue.inquiries import Inquiry, InquiryAction, InquiryNotFound, InquiryStatus
from arctic.catalogue.schemas import CHANGE_ANSWERS_DOC, ContactBody, ShortName, Strict, text
from arctic.catalogue.settings import CatalogueSettings
from arctic.contracts.vocabulary import BusinessId, Company, Language, RouteTarget, Stage, Text
from arctic.runtime.access.principal import Principal, ensure_company_owns
from arctic.runtime.access.requirements import public, require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, Idempotent, PersonsDep, UnitOfWorkDep, settings_of
from arctic.runtime.pagination import Page, PageDep

router = APIRouter(tags=["inquiries"])
ROUTERS = require(Role.staff, Role.coordinator)


class CompanyBody(Strict):
    """The company asking: its name, business id and contact person."""

    name: Text
    business_id: BusinessId
    contact: ContactBody


class NewInquiry(Strict):
    """A company's need as the public web form posts it (in Finnish, English or Swedish)."""

    company: CompanyBody
    need: Annotated[str, text(5000)]
    stage: Stage
    offering_id: UUID | None = None


class RouteBody(Strict):
    """Staff route an inquiry by hand: where, and why."""

    target: RouteTarget
    organisations: list[ShortName] = Field(default=[], max_length=4)
    reason: Annotated[str, text(1000)]


class AnswerBody(Strict):
    """The first answer given to the company."""

    answer: Annotated[str, text(5000)]


class SuggestedOffering(BaseModel):
    """An offering suggested for the need, with its score."""

    offering_id: UUID
    title: str
    organisation: str
    score: float


class SuggestedFunding(BaseModel):
    """A funding instrument that fits the inquiry's stage."""

    funding_instrument_id: UUID
    name: str


class RoutingView(BaseModel):
    """Where the inquiry went and why."""

    target: RouteTarget
    organisations: list[str]
    offerings: list[SuggestedOffering]
    funding_instruments: list[SuggestedFunding]
    reasons: list[str]
    routed_at: datetime | None


class InquiryView(BaseModel):
    """An inquiry as callers see it (the contact person's details are not repeated here)."""

    id: UUID
    status: InquiryStatus
    company: str
    business_id: str
    contact_language: Language
    need: str
    stage: Stage
    offering_id: UUID | None
    received_at: datetime
    respond_by: date
    routing: RoutingView | None
    answer: str | None
    answered_at: datetime | None
    allowed_actions: list[InquiryAction]

    @classmethod
    def of(cls, inquiry: Inquiry) -> InquiryView:
        """The view of an inquiry."""
        route, routing = inquiry.route, None
        if route is not None:
            routing = RoutingView(
                target=route.target,
                organisations=list(route.organisations),
                offerings=[SuggestedOffering(**vars(s)) for s in route.suggestions],
                funding_instruments=[
                    SuggestedFunding(funding_instrument_id=i, name=n) for i, n in route.funding
                ],
                reasons=list(route.reasons),
                routed_at=inquiry.routed_at,
            )
        return cls(
            id=inquiry.id,
            status=inquiry.status,
            company=inquiry.company.name,
            business_id=inquiry.company.business_id,
            contact_language=inquiry.company.contact.language,
            need=inquiry.need,
            stage=inquiry.stage,
            offering_id=inquiry.offering_id,
            received_at=inquiry.received_at,
            respond_by=inquiry.respond_by,
            routing=routing,
            answer=inquiry.answer,
            answered_at=inquiry.answered_at,
            allowed_actions=inquiry.allowed_actions,
        )


class FundingMatchView(BaseModel):
    """A funding instrument, whether it fits the situation, and why (or why not)."""

    id: UUID
    name: str
    provider: str
    description: str
    stages: list[Stage]
    max_amount_eur: Decimal | None
    max_rate_percent: Decimal | None
    buys_research_services: bool
    cross_border: bool
    url: str
    fits: bool
    reasons: list[str]


@router.post(
    "/inquiries",
    status_code=status.HTTP_201_CREATED,
    response_model=InquiryView,
    dependencies=[Depends(public(rate_limited=True)), Idempotent],
    responses={404: {"description": "No such published offering (`offering_id`)"}},
    summary="Send a company's need to the one-stop shop",
    description="What the public web form posts; the inquiry is routed at once when its need "
    "matches published offerings, otherwise the coordinators route it.",
)
async def create_inquiry(
    body: NewInquiry,
    response: Response,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
    settings: Annotated[CatalogueSettings, Depends(settings_of(CatalogueSettings))],
) -> InquiryView:
    contact = await persons.seal(body.company.contact)
    company = Company(name=body.company.name, business_id=body.company.business_id, contact=contact)
    async with uow.transaction() as tx:
        inquiry = await handlers.receive_inquiry(
            tx, company, body.company.contact, body.need, body.stage, body.offering_id,
            settings, clock(),
        )  # fmt: skip
    response.headers["Location"] = f"/inquiries/{inquiry.id}"
    return InquiryView.of(inquiry)


@router.get(
    "/inquiries",
    response_model=Page[InquiryView],
    dependencies=[Depends(ROUTERS)],
    summary="List inquiries, newest first",
)
async def list_inquiries(
    page: PageDep, uow: UnitOfWorkDep, status: InquiryStatus | None = None
) -> Page[InquiryView]:
    inquiries, next_cursor = await inquiry_store.list_inquiries(uow.pool, page, status)
    return Page(items=[InquiryView.of(i) for i in inquiries], next_cursor=next_cursor)


@router.get(
    "/inquiries/{inquiry_id}",
    response_model=InquiryView,
    responses={404: CHANGE_ANSWERS_DOC[404]},
    summary="Read an inquiry with its routing",
    description="Staff and coordinators read any; a company only its own (another company's "
    "is 404, as one that does not exist).",
)
async def read_inquiry(
    inquiry_id: UUID,
    uow: UnitOfWorkDep,
    caller: Principal = Depends(require(Role.staff, Role.coordinator, Role.company)),
) -> InquiryView:
    inquiry = await inquiry_store.get_inquiry(uow.pool, inquiry_id)
    if inquiry is None:
        raise InquiryNotFound(inquiry_id)
    ensure_company_owns(
        caller,
        inquiry.company.business_id,
        what=f"inquiry {inquiry_id}",
        overseers=[Role.staff, Role.coordinator],
        hide=True,
    )
    return InquiryView.of(inquiry)


@router.post(
    "/inquiries/{inquiry_id}/route",
    response_model=InquiryView,
    dependencies=[Depends(ROUTERS), Idempotent],
    responses=CHANGE_ANSWERS_DOC,
    summary="Route an inquiry by hand, with the reason (InquiryRouted)",
)
async def route_inquiry(
    inquiry_id: UUID, body: RouteBody, uow: UnitOfWorkDep, clock: ClockDep
) -> InquiryView:
    async with uow.transaction() as tx:
        inquiry = await handlers.load_inquiry(tx, inquiry_id)
        await handlers.reroute_inquiry(
            tx, inquiry, body.target, list(dict.fromkeys(body.organisations)), body.reason,
            clock(),
        )  # fmt: skip
    return InquiryView.of(inquiry)


@router.post(
    "/inquiries/{inquiry_id}/answer",
    response_model=InquiryView,
    dependencies=[Depends(ROUTERS), Idempotent],
    responses=CHANGE_ANSWERS_DOC,
    summary="Record the first answer to the company (the service level is met)",
)
async def answer_inquiry(
    inquiry_id: UUID, body: AnswerBody, uow: UnitOfWorkDep, clock: ClockDep
) -> InquiryView:
    async with uow.transaction() as tx:
        inquiry = await handlers.load_inquiry(tx, inquiry_id)
        await handlers.answer_inquiry(tx, inquiry, body.answer, clock())
    return InquiryView.of(inquiry)


@router.get(
    "/funding-instruments/match",
    response_model=list[FundingMatchView],
    dependencies=[Depends(public())],
    tags=["funding"],
    summary="Funding instruments ranked for a company's situation, each with its reasons",
)
async def match_funding(
    uow: UnitOfWorkDep,
    stage: Stage,
    company_age_years: Annotated[int | None, Query(ge=0, le=200)] = None,
    employees: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
    cross_border: Literal["true", "false"] | None = None,
) -> list[FundingMatchView]:
    situation = Situation(
        stage,
        company_age_years,
        employees,
        None if cross_border is None else cross_border == "true",
    )
    matches = match(await store.funding_instruments(uow.pool), situation)
    return [
        FundingMatchView(
            **{k: v for k, v in vars(m.instrument).items() if k in FundingMatchView.model_fields},
            fits=m.fits,
            reasons=list(m.reasons),
        )
        for m in matches
    ]
