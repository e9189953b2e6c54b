"""HTTP API of webhooks: other systems register an endpoint for a set of event types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from arctic.notifications import handlers, rules, store, webhooks
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.access.principal import Principal
from arctic.runtime.access.requirements import require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, UnitOfWorkDep, settings_of
from arctic.runtime.problems import InvalidField, NotFound

Settings = Annotated[NotificationsSettings, Depends(settings_of(NotificationsSettings))]
Caller = Annotated[Principal, Depends(require(Role.service, Role.admin))]

webhook_router = APIRouter(tags=["webhooks"])
_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

EVENT_TYPES = sorted(rule.event.subject for rule in rules.RULES)
"""What a webhook may receive: the event types notifications consumes."""


class WebhookBody(BaseModel):
    """An endpoint to register: an http(s) URL, the event types it wants (ce-type, e.g.
    `arctic.prototyping.prototype.requested.v1`), and optionally its own secret
    (`whsec_` and 24 to 64 bytes in base64; one is made when none is given)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=len(EVENT_TYPES))
    secret: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=500)

    @field_validator("event_types")
    @classmethod
    def _known(cls, types: list[str]) -> list[str]:
        unknown = sorted(set(types) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"not an event type notifications delivers: {', '.join(unknown)}")
        return types

    @field_validator("secret")
    @classmethod
    def _secret_form(cls, secret: str | None) -> str | None:
        if secret is not None and not webhooks.valid_secret(secret):
            raise ValueError("a secret is whsec_ and 24 to 64 bytes in base64")
        return secret


class WebhookView(BaseModel):
    """A registered endpoint (its secret only in the answer to its registration)."""

    id: UUID
    url: str
    event_types: list[str]
    description: str | None
    created_by: str | None
    created_at: datetime
    secret: str | None = None

    @classmethod
    def of(cls, webhook: store.Webhook, *, with_secret: bool = False) -> WebhookView:
        """The view of a stored endpoint."""
        return cls(
            id=webhook.id,
            url=webhook.url,
            event_types=webhook.event_types,
            description=webhook.description,
            created_by=webhook.created_by,
            created_at=webhook.created_at,
            secret=webhook.secret if with_secret else None,
        )


@webhook_router.post(
    "/webhooks",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookView,
    summary="Register an endpoint that receives the given event types, signed",
)
async def register_webhook(
    body: WebhookBody,
    response: Response,
    caller: Caller,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    settings: Settings,
) -> WebhookView:
    """Each event of the types is POSTed as a CloudEvent (structured mode), signed as the
    Standard Webhooks specification says, with retries. A URL that is not http(s), or whose
    host is a loopback or private address, is refused (422)."""
    try:
        await webhooks.check_destination(body.url, allow_private=settings.webhook_allow_private)
    except webhooks.UnsafeDestination as error:
        raise InvalidField("url", str(error)) from None
    async with uow.transaction() as tx:
        webhook = await handlers.register_webhook(
            tx,
            body.url,
            body.event_types,
            body.secret or webhooks.new_secret(),
            body.description,
            caller.subject,
            clock(),
        )
    response.headers["Location"] = f"/webhooks/{webhook.id}"
    return WebhookView.of(webhook, with_secret=True)


@webhook_router.get(
    "/webhooks",
    response_model=list[WebhookView],
    dependencies=[Depends(require(Role.service, Role.admin))],
    summary="The registered endpoints (without their secrets)",
)
async def list_webhooks(uow: UnitOfWorkDep) -> list[WebhookView]:
    return [WebhookView.of(webhook) for webhook in await store.list_webhooks(uow.pool)]


@webhook_router.delete(
    "/webhooks/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(require(Role.service, Role.admin))],
    responses={404: {"description": "No such endpoint", **_PROBLEM}},
    summary="Remove an endpoint; what it has not received yet is not sent",
)
async def remove_webhook(webhook_id: UUID, uow: UnitOfWorkDep) -> Response:
    async with uow.transaction() as tx:
        if not await store.delete_webhook(tx.conn, webhook_id):
            raise NotFound(f"no webhook {webhook_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
