"""Signing tokens, for the local stack's development key and the tests' key (PyJWT): the
claims laid out as the settings say a service reads them."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from arctic.runtime.access.roles import Role
from arctic.runtime.access.settings import AccessSettings

SigningKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def algorithm_of(key: SigningKey) -> str:
    """The JWS algorithm a key signs with here: EdDSA, ES256 (P-256) or RS256."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "ES256"
    return "RS256"


def issue_token(
    key: SigningKey,
    settings: AccessSettings,
    *,
    issuer: str,
    subject: str,
    roles: Iterable[Role | str],
    organisation: str | None = None,
    business_id: str | None = None,
    ttl_seconds: float = 3600,
    now: float | None = None,
    kid: str | None = None,
    **claims: Any,
) -> str:
    """A signed JWT for `subject` with `roles` (and the organisation or business id they
    need), valid from `now` for `ttl_seconds`, naming key `kid` when given; `claims` add or
    replace claims, and remove those given as None."""
    issued = int(time.time() if now is None else now)
    body: dict[str, Any] = {
        "iss": issuer,
        "aud": settings.auth_audience,
        "sub": subject,
        "iat": issued,
        "nbf": issued,
        "exp": issued + int(ttl_seconds),
    }
    _put(body, settings.auth_roles_claim, [Role(role).value for role in roles])
    if organisation is not None:
        body[settings.auth_organisation_claim] = organisation
    if business_id is not None:
        body[settings.auth_business_id_claim] = business_id
    body.update(claims)
    body = {name: value for name, value in body.items() if value is not None}
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(body, key, algorithm=algorithm_of(key), headers=headers)


def _put(claims: dict[str, Any], path: str, value: Any) -> None:
    # The roles claim may be nested (Keycloak: realm_access.roles), as the verifier reads it.
    *parents, leaf = path.split(".")
    for part in parents:
        claims = claims.setdefault(part, {})
    claims[leaf] = value
