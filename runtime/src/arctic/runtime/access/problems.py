"""The answers of the access check, as problem+json (RFC 9457) with the headers RFC 6750
(`WWW-Authenticate`) and RFC 9110 (`Retry-After`) ask for."""

from __future__ import annotations

import math
from collections.abc import Iterable

from arctic.runtime.problems import Problem

REALM = "arctic-rdi-hub"


def _challenge(error: str | None = None, description: str | None = None) -> str:
    # RFC 6750 3: no error attributes when the request carried no token at all. The
    # descriptions are this module's own fixed sentences, so they need no quoting.
    challenge = f'Bearer realm="{REALM}"'
    if error is not None:
        challenge += f', error="{error}", error_description="{description}"'
    return challenge


class NotAuthenticated(Problem):
    """401: no bearer token, or one that does not verify (`reason` says why, for the caller)."""

    status = 401
    title = "Unauthorized"

    def __init__(self, reason: str | None = None) -> None:
        if reason is None:
            super().__init__("This operation needs a bearer token (Authorization: Bearer ...).")
            self.headers = {"WWW-Authenticate": _challenge()}
        else:
            super().__init__(f"The bearer token was refused: {reason}.")
            self.headers = {"WWW-Authenticate": _challenge("invalid_token", reason)}


class Forbidden(Problem):
    """403: the caller is known but may not do this."""

    status = 403
    title = "Forbidden"


class MissingRole(Forbidden):
    """403 for a token without any of the roles an operation needs (RFC 6750
    `insufficient_scope`)."""

    def __init__(self, needed: Iterable[str]) -> None:
        roles = ", ".join(sorted(needed))
        super().__init__(f"This operation needs one of the roles: {roles}.", roles=sorted(needed))
        self.headers = {
            "WWW-Authenticate": _challenge("insufficient_scope", f"needs one of: {roles}")
        }


class RateLimited(Problem):
    """429: a client sent more public commands than its allowance; `Retry-After` says when
    the next one is accepted."""

    status = 429
    title = "Too many requests"

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(f"Too many requests from this address; try again in {seconds} s.")
        self.headers = {"Retry-After": str(seconds)}


class TokenKeysUnavailable(Problem):
    """503: the identity provider's keys cannot be fetched, so a token that may well be valid
    cannot be checked; the caller should retry rather than log in again."""

    status = 503
    title = "Service unavailable"

    def __init__(self, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            "The keys to check the bearer token cannot be fetched from the identity provider "
            f"now; try again in {seconds} s."
        )
        self.headers = {"Retry-After": str(seconds)}
