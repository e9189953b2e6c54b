"""How an operation says who may call it, in one visible place next to its route:

    @router.get("/things/{id}")
    async def read_thing(id: UUID, caller: Principal = Depends(require(Role.staff))) -> Thing:

    @router.post("/inquiries", dependencies=[Depends(public(rate_limited=True))])

`require` checks the bearer token and the roles (admin is always admitted) and gives the
endpoint the caller; `public` admits anyone, optionally paced per client address. The
OpenAPI document shows both (`arctic.runtime.access.openapi`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from arctic.runtime.access.principal import Principal
from arctic.runtime.access.problems import (
    MissingRole,
    NotAuthenticated,
    RateLimited,
    TokenKeysUnavailable,
)
from arctic.runtime.access.ratelimit import TokenBuckets
from arctic.runtime.access.roles import Role
from arctic.runtime.access.tokens import InvalidToken, KeysUnavailable, TokenVerifier
from arctic.runtime.context import actor_var
from arctic.runtime.logs import get_logger

log = get_logger("arctic.access")
bearer = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="A JWT from the identity provider (locally: `uv run arctic token --role ...`).",
    auto_error=False,
)


@dataclass
class Access:
    """What the access checks of one running app share: its verifier and rate limits."""

    verifier: TokenVerifier | None
    buckets: TokenBuckets


def access_of(request: Request) -> Access:
    """The access state of the app serving `request` (set by `install_access`)."""
    access: Access = request.app.state.access
    return access


class Requirement:
    """What an operation declares: the roles it needs (none when public)."""

    roles: frozenset[Role] = frozenset()
    rate_limited: bool = False

    @property
    def public(self) -> bool:
        """Whether anyone may call the operation, token or not."""
        return not self.roles


class RoleRequirement(Requirement):
    """A bearer token with one of `roles` (or admin); the endpoint gets the caller."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles | {Role.admin}

    async def __call__(
        self,
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    ) -> Principal:
        verifier = access_of(request).verifier
        if credentials is None:
            raise NotAuthenticated()
        if verifier is None:  # install_access refuses to start like this; never trust a token
            raise NotAuthenticated("this service has no keys to check tokens")
        try:
            principal = await verifier.verify(credentials.credentials)
        except InvalidToken as error:
            log.info("token refused", reason=str(error))
            raise NotAuthenticated(str(error)) from None
        except KeysUnavailable as error:
            raise TokenKeysUnavailable(error.retry_after) from None
        # Each request runs in a task of its own, so what is set here stays with this request:
        # its log lines name the caller, and the events its transactions emit carry the actor.
        request.state.principal = principal
        structlog.contextvars.bind_contextvars(**principal.log_fields())
        actor_var.set(principal.subject)
        if not principal.has_any(self.roles):
            log.info("role missing", needed=sorted(self.roles))
            raise MissingRole(self.roles)
        return principal


class PublicAccess(Requirement):
    """Anyone; with `rate_limited`, at most the settings' allowance per client address."""

    def __init__(self, rate_limited: bool) -> None:
        self.rate_limited = rate_limited

    async def __call__(self, request: Request) -> None:
        if not self.rate_limited:
            return
        client = request.client.host if request.client is not None else "unknown"
        wait = access_of(request).buckets.take(client)
        if wait > 0:
            raise RateLimited(wait)


def require(*roles: Role | str) -> RoleRequirement:
    """The operation needs a bearer token with one of `roles`; admin is always admitted.
    Use as `caller: Principal = Depends(require(Role.coordinator, Role.company))`."""
    if not roles:
        raise ValueError("require() needs at least one role (Role.admin for admins only)")
    return RoleRequirement(frozenset(Role(role) for role in roles))


def public(*, rate_limited: bool = False) -> PublicAccess:
    """The operation needs no token. `rate_limited` for public commands (the web forms' POSTs):
    each client address gets `ARCTIC_RATE_LIMIT_BURST` at once, refilled at
    `ARCTIC_RATE_LIMIT_PER_MINUTE`, then 429 with `Retry-After`."""
    return PublicAccess(rate_limited)


def caller_log_fields(request: Request) -> dict[str, Any]:
    """The caller's ids for a log line written outside the endpoint (the access log line)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal.log_fields() if principal is not None else {}
