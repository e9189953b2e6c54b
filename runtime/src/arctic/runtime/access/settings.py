"""Where a service's token keys come from, what a token must say, and how public commands are
paced: `ARCTIC_AUTH_*`, `ARCTIC_ENVIRONMENT` and `ARCTIC_RATE_LIMIT_*`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import AnyHttpUrl, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from arctic.runtime.access.development import DEVELOPMENT_ISSUER

SIGNATURE_ALGORITHMS = (
    *("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    *("ES256", "ES384", "ES512", "EdDSA"),
)
"""The algorithms a service may be told to accept: public-key signatures only. `none` and the
shared-secret HS* family never verify a token here (a secret that verifies also signs)."""


class Environment(StrEnum):
    """Where a service runs; only `development` trusts the local stack's development key."""

    development = "development"
    production = "production"


class AccessSettings(BaseSettings):
    """How a service checks the bearer tokens of its callers.

    Keys come from exactly one of `auth_jwks_url` (an identity provider's JWKS: fetched, cached,
    fetched again for an unknown `kid`) or `auth_public_key_file` (one PEM public key). The
    issuer must then be named: a token from any other issuer, or for another audience, is
    refused. A service with protected operations and no key source refuses to start.
    """

    model_config = SettingsConfigDict(env_prefix="ARCTIC_", extra="ignore")

    environment: Environment = Environment.production
    auth_jwks_url: AnyHttpUrl | None = None
    auth_public_key_file: Path | None = None
    auth_issuer: str | None = None
    auth_audience: str = Field(default="arctic-rdi-hub", min_length=1)
    auth_algorithms: Annotated[tuple[str, ...], NoDecode] = ("RS256", "ES256", "EdDSA")
    auth_leeway_seconds: float = Field(default=30.0, ge=0, le=300)
    auth_roles_claim: str = Field(default="roles", min_length=1)
    auth_organisation_claim: str = Field(default="org", min_length=1)
    auth_business_id_claim: str = Field(default="business_id", min_length=1)
    auth_jwks_cache_seconds: float = Field(default=300.0, gt=0)
    auth_jwks_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    rate_limit_per_minute: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=10, ge=1)

    @field_validator("auth_algorithms", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("auth_algorithms")
    @classmethod
    def _public_key_algorithms_only(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        refused = [name for name in value if name not in SIGNATURE_ALGORITHMS]
        if refused or not value:
            raise ValueError(
                f"not accepted: {', '.join(refused) or '(none given)'}; "
                f"choose from {', '.join(SIGNATURE_ALGORITHMS)}"
            )
        return value

    @model_validator(mode="after")
    def _one_key_source_and_a_fitting_issuer(self) -> Self:
        if self.auth_jwks_url is not None and self.auth_public_key_file is not None:
            raise ValueError("set ARCTIC_AUTH_JWKS_URL or ARCTIC_AUTH_PUBLIC_KEY_FILE, not both")
        if self.has_token_keys and not self.auth_issuer:
            raise ValueError("ARCTIC_AUTH_ISSUER must name the issuer whose tokens are accepted")
        if (
            self.auth_issuer == DEVELOPMENT_ISSUER
            and self.environment is not Environment.development
        ):
            raise ValueError(
                f"the development issuer {DEVELOPMENT_ISSUER!r} (the local stack's key) is "
                "accepted only with ARCTIC_ENVIRONMENT=development"
            )
        return self

    @property
    def has_token_keys(self) -> bool:
        """Whether a key source is configured (else no token can be verified)."""
        return self.auth_jwks_url is not None or self.auth_public_key_file is not None
