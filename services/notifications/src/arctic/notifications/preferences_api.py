"""HTTP API of recipients' preferences: the person through the signed link of any of their
mails, or staff; and the one-click unsubscribe of RFC 8058.

A recipient is named by their person id (as `GET /deliveries` shows it), never by address:
a path is logged, an address is personal data."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, Self
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from arctic.contracts.vocabulary import Channel, Language
from arctic.notifications import links, rules, store
from arctic.notifications.preferences import Preferences
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.access.problems import NotAuthenticated
from arctic.runtime.access.requirements import bearer, public, require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import ClockDep, UnitOfWorkDep, settings_of

Settings = Annotated[NotificationsSettings, Depends(settings_of(NotificationsSettings))]
Token = Annotated[
    str | None,
    Query(max_length=2000, description="the signed token of a mail's link (instead of a bearer)"),
]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

preferences_router = APIRouter(tags=["preferences"])
_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
OPTIONAL_KINDS = sorted(rule.kind for rule in rules.RULES if not rule.mandatory)
STAFF = require(Role.staff, Role.coordinator)


class OptOut(BaseModel):
    """An optional kind switched off on a channel."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=100, description=f"one of {', '.join(OPTIONAL_KINDS)}")
    channel: Channel = Channel.email

    @model_validator(mode="after")
    def _optional(self) -> Self:
        if self.kind not in OPTIONAL_KINDS:
            raise ValueError(
                f"{self.kind} cannot be switched off: only optional kinds can "
                f"({', '.join(OPTIONAL_KINDS)})"
            )
        return self


LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _local_time(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if not re.fullmatch(LOCAL_TIME, value):
        raise ValueError("a time of day in Finland, HH:MM or HH:MM:SS, with no offset")
    return time.fromisoformat(value)  # a time already: strict validation takes no text


LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    WithJsonSchema({"type": "string", "pattern": LOCAL_TIME, "examples": ["21:00"]}),
]
"""A time of day on Finnish clocks: no offset, which changes with summer time (OpenAPI's
`format: time` would promise one, and answers `21:00:00` would break that promise)."""


class QuietHours(BaseModel):
    """Finnish time; the window may span midnight (21:00-07:00)."""

    model_config = ConfigDict(extra="forbid")

    start: LocalTime
    end: LocalTime


class PreferencesView(BaseModel):
    """A recipient's preferences. `language` null: the one each event gives;
    `quiet_hours` null: none (optional messages go at once)."""

    model_config = ConfigDict(extra="forbid")

    language: Language | None = None
    opted_out: list[OptOut] = Field(default=[], max_length=len(OPTIONAL_KINDS) * 2)
    quiet_hours: QuietHours | None = None
    digest: bool = False
    """Optional kinds in one mail a day, at 08:00 Finnish time, instead of one each."""

    @classmethod
    def of(cls, preferences: Preferences) -> PreferencesView:
        """The view of stored (or default) preferences."""
        quiet = preferences.quiet_hours
        return cls(
            language=preferences.language,
            opted_out=[OptOut(kind=k, channel=c) for k, c in sorted(preferences.opted_out)],
            quiet_hours=None if quiet is None else QuietHours(start=quiet[0], end=quiet[1]),
            digest=preferences.digest,
        )

    def preferences(self) -> Preferences:
        """As the rules read them."""
        quiet = None if self.quiet_hours is None else (self.quiet_hours.start, self.quiet_hours.end)
        return Preferences(
            self.language,
            frozenset((o.kind, o.channel) for o in self.opted_out),
            quiet,
            self.digest,
        )


async def _authorise(
    request: Request,
    person_id: UUID,
    token: str | None,
    credentials: HTTPAuthorizationCredentials | None,
    settings: NotificationsSettings,
) -> None:
    """The person's own signed link, or a staff member's bearer token."""
    if token is not None:
        try:
            grant = links.verify(settings, token, links.PREFERENCES)
        except links.BadLink as error:
            raise NotAuthenticated(f"the link is not valid: {error}") from None
        if grant.person_id != person_id:
            raise NotAuthenticated("the link is for another recipient")
        return
    await STAFF(request, credentials)


_ACCESS = {
    401: {"description": "Neither a valid link nor a bearer token", **_PROBLEM},
    403: {"description": "A bearer token without the staff or coordinator role", **_PROBLEM},
}


@preferences_router.get(
    "/recipients/{person_id}/preferences",
    response_model=PreferencesView,
    dependencies=[Depends(public(rate_limited=True))],
    responses=_ACCESS,  # type: ignore[arg-type]
    summary="A recipient's preferences: by their mail's signed link, or as staff",
)
async def read_preferences(
    request: Request,
    person_id: UUID,
    uow: UnitOfWorkDep,
    settings: Settings,
    credentials: Credentials,
    token: Token = None,
) -> PreferencesView:
    await _authorise(request, person_id, token, credentials, settings)
    stored = await store.preferences_of(uow.pool, [person_id])
    return PreferencesView.of(stored.get(person_id, Preferences()))


@preferences_router.put(
    "/recipients/{person_id}/preferences",
    response_model=PreferencesView,
    dependencies=[Depends(public(rate_limited=True))],
    responses=_ACCESS,  # type: ignore[arg-type]
    summary="Set a recipient's preferences whole",
)
async def write_preferences(
    request: Request,
    person_id: UUID,
    body: PreferencesView,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    settings: Settings,
    credentials: Credentials,
    token: Token = None,
) -> PreferencesView:
    """Mandatory kinds cannot be switched off (422 naming the kind)."""
    await _authorise(request, person_id, token, credentials, settings)
    async with uow.transaction() as tx:
        await store.put_preferences(tx.conn, person_id, body.preferences(), clock())
    return body


@preferences_router.post(
    "/unsubscribe",
    response_class=PlainTextResponse,
    dependencies=[Depends(public(rate_limited=True))],
    responses={401: {"description": "The link is not valid", **_PROBLEM}},
    summary="One-click unsubscribe (RFC 8058): the List-Unsubscribe link of a mail",
)
async def unsubscribe(
    uow: UnitOfWorkDep,
    clock: ClockDep,
    settings: Settings,
    token: Annotated[str, Query(max_length=2000, description="the link's signed token")],
) -> PlainTextResponse:
    """Switches the mail's kind off on its channel for its recipient; the body
    (`List-Unsubscribe=One-Click`) is not needed. Asking again changes nothing."""
    try:
        grant = links.verify(settings, token, links.UNSUBSCRIBE)
    except links.BadLink as error:
        raise NotAuthenticated(f"the link is not valid: {error}") from None
    if grant.kind is None or grant.channel is None:
        raise NotAuthenticated("the link names no kind")
    async with uow.transaction() as tx:
        await store.opt_out(tx.conn, grant.person_id, grant.kind, grant.channel, clock())
    return PlainTextResponse("Unsubscribed.\n")
