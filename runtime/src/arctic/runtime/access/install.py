"""Access on a service's app: the verifier and rate limits its requirements use, a refusal to
start that could never admit anyone, and the OpenAPI description."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import RouteContext

from arctic.runtime.access.openapi import (
    api_routes,
    document_access,
    operation_name,
    requirement_of,
    requirements_in,
)
from arctic.runtime.access.ratelimit import TokenBuckets
from arctic.runtime.access.requirements import Access
from arctic.runtime.access.settings import AccessSettings
from arctic.runtime.access.tokens import TokenVerifier
from arctic.runtime.idempotency import idempotency_key


class AccessMisconfigured(RuntimeError):
    """The service's access settings cannot work; the message says what to set."""


class RolesAfterIdempotency(ValueError):
    """An operation would claim an Idempotency-Key (and replay its answer) before checking the
    caller: its roles must come first in `dependencies=[...]`."""


def install_access(app: FastAPI, settings: AccessSettings) -> None:
    """Give `app`'s requirements their verifier and rate limits; call it once every route is
    added. Raises `AccessMisconfigured` when an operation needs a token and no key source is
    set (every such request would be refused: better not to start)."""
    try:
        verifier = TokenVerifier.from_settings(settings)
    except ValueError as error:
        raise AccessMisconfigured(str(error)) from None
    protected = [
        operation_name(route)
        for route in api_routes(app)
        if (requirement := requirement_of(route)) is not None and not requirement.public
    ]
    if protected and verifier is None:
        raise AccessMisconfigured(
            f"no key checks the bearer tokens that {', '.join(protected)} need: set "
            "ARCTIC_AUTH_JWKS_URL or ARCTIC_AUTH_PUBLIC_KEY_FILE, and ARCTIC_AUTH_ISSUER"
        )
    for route in api_routes(app):
        _roles_before_idempotency(route)
    app.state.access = Access(
        verifier, TokenBuckets(settings.rate_limit_per_minute, settings.rate_limit_burst)
    )
    document_access(app)


def _roles_before_idempotency(route: RouteContext) -> None:
    dependencies = route.dependant.dependencies
    claims = [i for i, dependency in enumerate(dependencies) if dependency.call is idempotency_key]
    requirement = requirement_of(route)
    if not claims or requirement is None or requirement.public:
        return
    checks = [
        i
        for i, dependency in enumerate(dependencies)
        if dependency.call is requirement or requirement in requirements_in(dependency)
    ]
    if checks[0] > claims[0]:
        raise RolesAfterIdempotency(
            f"{operation_name(route)}: put Depends(require(...)) before Idempotent in "
            "dependencies=[...], so that no answer is replayed to a caller without the role"
        )
