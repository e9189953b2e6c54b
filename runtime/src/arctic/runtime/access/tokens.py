"""Bearer tokens checked with PyJWT: the keys (an identity provider's JWKS, or one public key
file), the allowed algorithms, issuer, audience, expiry and not-before, and the principal the
claims describe. Nothing here parses a token or checks a signature by hand."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt import PyJWK, PyJWKClient, PyJWKSet
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWKSetError

from arctic.runtime.access.principal import ClaimsRefused, Principal, principal_from_claims
from arctic.runtime.access.settings import AccessSettings
from arctic.runtime.logs import get_logger

log = get_logger(__name__)
# How long a JWKS endpoint that failed is left alone: requests meanwhile use the keys fetched
# before, or get 503 at once instead of each waiting for a timeout.
JWKS_RETRY_SECONDS = 10.0


class InvalidToken(Exception):
    """A token that does not verify; the message is the RFC 6750 error description."""


class KeysUnavailable(Exception):
    """The keys to check a token cannot be fetched now; retry after `retry_after` seconds."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class TokenKeys(Protocol):
    """Where the key that checks a token's signature comes from."""

    async def key_for(self, header: dict[str, Any]) -> Any:
        """The key for a token with this (unverified) header; raises `InvalidToken` or
        `KeysUnavailable`."""
        ...


class PublicKeyFile:
    """One PEM public key (RSA, EC, Ed25519 or Ed448), read once at start."""

    def __init__(self, path: Path, allowed: tuple[str, ...]) -> None:
        try:
            self.key = load_pem_public_key(path.read_bytes())
        except (OSError, ValueError) as error:
            raise ValueError(
                f"ARCTIC_AUTH_PUBLIC_KEY_FILE={path}: no PEM public key ({error})"
            ) from None
        self.algorithms = _family(self.key) & set(allowed)
        if not self.algorithms:
            raise ValueError(
                f"ARCTIC_AUTH_PUBLIC_KEY_FILE={path}: ARCTIC_AUTH_ALGORITHMS allows none of the "
                f"algorithms its key type signs with ({', '.join(sorted(_family(self.key)))})"
            )

    async def key_for(self, header: dict[str, Any]) -> Any:
        """The key, for a token signed with an algorithm of its family (PyJWT checks the
        curve; a key of another family would reach it as a non-key)."""
        if header.get("alg") not in self.algorithms:
            raise InvalidToken("the token's signature algorithm does not fit the key")
        return self.key


def _family(key: Any) -> set[str]:
    if isinstance(key, rsa.RSAPublicKey):
        return {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"ES256", "ES384", "ES512"}
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return {"EdDSA"}
    return set()


class _JwksClient(PyJWKClient):
    """PyJWKClient that treats an unusable answer (not JSON, no usable key) as unreachable and
    remembers the last good key set."""

    last_good: PyJWKSet | None = None

    def fetch_data(self) -> Any:
        try:
            data = super().fetch_data()
            key_set = PyJWKSet.from_dict(data)
        except (ValueError, PyJWKSetError) as error:  # json.JSONDecodeError is a ValueError
            raise PyJWKClientConnectionError(f"the JWKS answer is unusable: {error}") from error
        except PyJWKClientConnectionError:
            raise
        except PyJWKClientError as error:  # e.g. a JSON value that is not an object
            raise PyJWKClientConnectionError(str(error)) from error
        self.last_good = key_set
        return data

    def cached_key(self, kid: str) -> PyJWK | None:
        """The key `kid` from a fresh cached key set, without any I/O."""
        key_set = self.jwk_set_cache.get() if self.jwk_set_cache is not None else None
        return _find(key_set, kid)


def _find(key_set: PyJWKSet | None, kid: str) -> PyJWK | None:
    if key_set is None:
        return None
    return next((key for key in key_set.keys if key.key_id == kid), None)


class JwksKeys:
    """An identity provider's published keys (JWKS, as Keycloak or Entra ID serve them):
    fetched with a timeout, cached for `cache_seconds`, fetched again for an unknown `kid` (at
    most once per tenth of that, 30 s at most, so unknown kids cannot flood the provider), and
    kept in use while the endpoint is down."""

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float,
        timeout_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = _JwksClient(
            url,
            lifespan=cache_seconds,
            timeout=timeout_seconds,
            cooldown_duration=min(30.0, cache_seconds / 10),
        )
        self.clock = clock
        self._fetching = asyncio.Lock()
        self._retry_at = 0.0

    async def key_for(self, header: dict[str, Any]) -> PyJWK:
        """The key the token's `kid` names."""
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token names no key (kid)")
        key = self.client.cached_key(kid)
        if key is not None:
            return key
        # One fetch at a time: the others wait for it and find its keys in the cache.
        async with self._fetching:
            key = self.client.cached_key(kid)
            if key is not None:
                return key
            if self.clock() < self._retry_at:
                return self._fetched_before(kid)
            try:
                return await asyncio.to_thread(self.client.get_signing_key, kid)
            except PyJWKClientConnectionError as error:
                self._retry_at = self.clock() + JWKS_RETRY_SECONDS
                log.warning("JWKS endpoint unreachable", url=self.client.uri, error=str(error))
                return self._fetched_before(kid)
            except PyJWKClientError:
                raise InvalidToken("the token's key (kid) is unknown") from None

    def _fetched_before(self, kid: str) -> PyJWK:
        key = _find(self.client.last_good, kid)
        if key is None:
            raise KeysUnavailable(
                "the identity provider's keys cannot be fetched", self._retry_at - self.clock()
            )
        return key


# What a caller is told for each way a token fails (RFC 6750 error_description).
_REASONS: list[tuple[type[jwt.PyJWTError], str]] = [
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidAudienceError, "the token is meant for another audience"),
    (jwt.InvalidIssuerError, "the token is from another issuer"),
    (jwt.InvalidAlgorithmError, "the token's signature algorithm is not accepted"),
    (jwt.InvalidSignatureError, "the token's signature does not verify"),
    (jwt.InvalidKeyError, "the token's signature algorithm does not fit the key"),
    (jwt.DecodeError, "the token is malformed"),
]


class TokenVerifier:
    """Checks a bearer token and tells who the caller is."""

    def __init__(self, settings: AccessSettings, keys: TokenKeys) -> None:
        self.settings = settings
        self.keys = keys

    @classmethod
    def from_settings(cls, settings: AccessSettings) -> TokenVerifier | None:
        """The verifier the settings describe, or None when they name no key source."""
        if settings.auth_jwks_url is not None:
            keys: TokenKeys = JwksKeys(
                str(settings.auth_jwks_url),
                cache_seconds=settings.auth_jwks_cache_seconds,
                timeout_seconds=settings.auth_jwks_timeout_seconds,
            )
        elif settings.auth_public_key_file is not None:
            keys = PublicKeyFile(settings.auth_public_key_file, settings.auth_algorithms)
        else:
            return None
        return cls(settings, keys)

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token; raises `InvalidToken` (with the reason a caller may
        read) or `KeysUnavailable`."""
        settings = self.settings
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in settings.auth_algorithms:
                raise InvalidToken("the token's signature algorithm is not accepted")
            key = await self.keys.key_for(header)
            claims = jwt.decode(
                token,
                key,
                algorithms=list(settings.auth_algorithms),
                audience=settings.auth_audience,
                issuer=settings.auth_issuer,
                leeway=settings.auth_leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
            return principal_from_claims(claims, settings)
        except jwt.MissingRequiredClaimError as error:
            raise InvalidToken(f"the token lacks the {error.claim} claim") from None
        except jwt.PyJWTError as error:
            raise InvalidToken(_reason(error)) from None
        except ClaimsRefused as error:
            raise InvalidToken(str(error)) from None


def _reason(error: jwt.PyJWTError) -> str:
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason
    return "the token is invalid"


__all__ = ["InvalidToken", "JwksKeys", "KeysUnavailable", "PublicKeyFile", "TokenVerifier"]
