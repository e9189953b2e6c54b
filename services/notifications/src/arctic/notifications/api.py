"""HTTP API of notifications: what was delivered, to whom, after how many attempts; and the
erasure of a person's personal data from every service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, model_validator

from arctic.contracts.examples import EXAMPLES
from arctic.contracts.examples.parties import EXAMPLE_PEOPLE
from arctic.contracts.registry import STREAMS
from arctic.contracts.vocabulary import PERSONAL, Email, Language, PersonDetails
from arctic.notifications import handlers, rendering, rules, store
from arctic.notifications.domain import Delivery, DeliveryStatus
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.access.requirements import require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, PersonsDep, UnitOfWorkDep, settings_of
from arctic.runtime.pagination import Page, PageDep
from arctic.runtime.problems import NotFound

Settings = Annotated[NotificationsSettings, Depends(settings_of(NotificationsSettings))]

router = APIRouter(tags=["deliveries"])
_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


class DeliveryView(BaseModel):
    """A delivery as callers see it."""

    id: UUID
    source_event_id: UUID
    source_event_type: str
    source_subject: str | None
    recipient: str | None
    """The address; null once the recipient's personal data was erased."""
    recipient_person_id: UUID | None
    """The person it is for (none for a role address)."""
    channel: str
    kind: str
    """The notification kind (the rule it was made by)."""
    mandatory: bool
    """Whether it went whatever the recipient's preferences."""
    template: str
    language: str
    subject: str | None
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    erased_at: datetime | None
    """When the personal data it held was erased."""

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryView:
        """The view of a stored delivery."""
        return cls.model_validate(delivery, from_attributes=True)


@router.get(
    "/deliveries",
    response_model=Page[DeliveryView],
    dependencies=[Depends(require(Role.staff, Role.coordinator))],
    summary="List deliveries, newest first, narrowed by any of the filters",
)
async def list_deliveries(
    page: PageDep,
    uow: UnitOfWorkDep,
    event_id: Annotated[
        UUID | None, Query(description="the event the messages were for (its ce-id)")
    ] = None,
    correlation_id: Annotated[
        str | None, Query(max_length=200, description="the flow they belong to")
    ] = None,
    subject: Annotated[
        str | None,
        Query(
            max_length=200,
            description="what the messages are about: the ce-subject of their event, e.g. a "
            "prototype request's id",
        ),
    ] = None,
    recipient: Annotated[str | None, Query(max_length=254, description="to whom")] = None,
    status: Annotated[DeliveryStatus | None, Query(description="where they stand")] = None,
    kind: Annotated[
        NotificationKind | None,
        Query(description="the notification kind, e.g. prototype_requested (GET /templates)"),
    ] = None,
) -> Page[DeliveryView]:
    filters = store.DeliveryFilters(
        event_id, correlation_id, subject, recipient, status, None if kind is None else kind.value
    )
    found, next_cursor = await store.list_deliveries(uow.pool, filters, page)
    return Page(items=[DeliveryView.of(d) for d in found], next_cursor=next_cursor)


NotificationKind = StrEnum(  # type: ignore[misc]
    "NotificationKind", {rule.kind: rule.kind for rule in rules.RULES}
)
"""Every notification kind, as the API names them."""


class PreviewFormat(StrEnum):
    """How a preview is rendered."""

    text = "text"
    html = "html"


class KindView(BaseModel):
    """A notification kind: its event, whether it is mandatory, its templates."""

    kind: str
    event_type: str
    mandatory: bool
    templates: list[str]


@router.get(
    "/templates",
    response_model=list[KindView],
    dependencies=[Depends(require(Role.staff, Role.coordinator))],
    summary="Every notification kind, its event and its templates",
)
async def list_kinds() -> list[KindView]:
    return [
        KindView(
            kind=rule.kind,
            event_type=rule.event.subject,
            mandatory=rule.mandatory,
            templates=list(rule.templates),
        )
        for rule in rules.RULES
    ]


@router.get(
    "/templates/{kind}/preview",
    response_class=PlainTextResponse,
    dependencies=[Depends(require(Role.staff, Role.coordinator))],
    responses={
        200: {"content": {"text/plain": {}, "text/html": {}}},
        404: {"description": "No such template of the kind", **_PROBLEM},
    },
    summary="A kind's message rendered with the contracts' example event",
)
async def preview(
    kind: NotificationKind,
    settings: Settings,
    lang: Annotated[Language, Query(description="the recipient's language")] = Language.fi,
    format: Annotated[PreviewFormat, Query(description="plain text or HTML")] = PreviewFormat.text,
    template: Annotated[
        str | None,
        Query(max_length=100, description="one of the kind's templates; its first by default"),
    ] = None,
) -> Response:
    """Renders the message as its first audience gets it (or `template`'s), for an example
    person, from the example event of the contracts. Plain text starts with its subject."""
    rule = rules.BY_KIND[kind.value]
    name = template or rule.templates[0]
    if name not in rule.templates:
        raise NotFound(f"kind {kind.value} has no template {name}")
    event = EXAMPLES[rule.event]()
    people = {
        person.person_id: PersonDetails.model_validate(details.model_dump())
        for person, details in EXAMPLE_PEOPLE.items()
    }
    rendered = rendering.render(
        name,
        lang,
        event,
        people,
        rendering.Recipient("Aino Korhonen", rendering.Links("https://…/preferences", None)),
        reference=rules.reference(rule, event),
        organisation=settings.organisation,
    )
    if format is PreviewFormat.html:
        return HTMLResponse(rendered.html)
    return PlainTextResponse(f"Subject: {rendered.subject}\n\n{rendered.text}")


erasure_router = APIRouter(tags=["personal data"])


class ErasureBody(BaseModel):
    """Whom to erase: by e-mail address (their person id is derived from it; the address is
    neither stored nor logged) or by person id. Exactly one."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[Email | None, PERSONAL] = None
    person_id: UUID | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.email is None) == (self.person_id is None):
            raise ValueError("give either email or person_id")
        return self


class ConfirmationView(BaseModel):
    """A service's confirmation that it erased the person from its own tables."""

    service: str
    records: int
    """How many rows it erased or redacted."""
    confirmed_at: datetime


class ErasureView(BaseModel):
    """An erasure and how far it got: the key is erased at once, each service erases its
    copies after `services_erase_after` and confirms."""

    id: UUID
    person_id: UUID
    requested_at: datetime
    keys_erased_at: datetime
    services_erase_after: datetime
    confirmed: list[ConfirmationView]
    waiting_for: list[str]
    """The services that have not confirmed yet."""
    complete: bool

    @classmethod
    def of(cls, erasure: store.Erasure) -> ErasureView:
        """The view of an erasure; every service owning a stream must confirm."""
        services = [stream.service for stream in STREAMS]
        confirmed = [
            ConfirmationView(service=service, records=records, confirmed_at=at)
            for service, (records, at) in sorted(erasure.confirmations.items())
        ]
        waiting = [service for service in services if service not in erasure.confirmations]
        return cls(
            id=erasure.id,
            person_id=erasure.person_id,
            requested_at=erasure.requested_at,
            keys_erased_at=erasure.keys_erased_at,
            services_erase_after=erasure.erase_after,
            confirmed=confirmed,
            waiting_for=waiting,
            complete=not waiting,
        )


@erasure_router.post(
    "/personal-data/erasure",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ErasureView,
    dependencies=[Depends(require(Role.admin))],
    responses={
        503: {
            "description": "The store of persons' keys cannot be reached: nothing was erased "
            "or recorded; try again after `Retry-After` seconds",
            **_PROBLEM,
        }
    },
    summary="Erase a person's personal data from every service, the streams included",
)
async def erase_personal_data(
    body: ErasureBody,
    response: Response,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    persons: PersonsDep,
    settings: Settings,
) -> ErasureView:
    """Erases the person's key at once (every sealed copy of their details, in every event,
    becomes unreadable), then has every service erase what it holds of them and confirm.
    Asking again is harmless: it erases again (without Idempotency-Key: its stored answer
    would name the very person the erasure removes)."""
    person_id = body.person_id or persons.person_id(str(body.email))
    requested_at = clock()
    await persons.erase(person_id)
    async with uow.transaction() as tx:
        erasure = await handlers.request_erasure(
            tx, person_id, requested_at, clock(), settings.personal_data_cache_seconds
        )
    response.headers["Location"] = f"/personal-data/erasure/{erasure.id}"
    return ErasureView.of(erasure)


@erasure_router.get(
    "/personal-data/erasure/{erasure_id}",
    response_model=ErasureView,
    dependencies=[Depends(require(Role.admin))],
    responses={404: {"description": "No such erasure", **_PROBLEM}},
    summary="How far an erasure got: which services confirmed it",
)
async def read_erasure(erasure_id: UUID, uow: UnitOfWorkDep) -> ErasureView:
    erasure = await store.get_erasure(uow.pool, erasure_id)
    if erasure is None:
        raise NotFound(f"no erasure {erasure_id}")
    return ErasureView.of(erasure)
