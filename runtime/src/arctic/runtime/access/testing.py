"""Pytest fixtures for access: a test key pair that services under test trust, and tokens.

settings = ServiceSettings(service="prototyping", ..., **tokens.settings)
await http.get("/things", headers=tokens.headers(Role.staff, org="lapland-uas"))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from arctic.runtime.access.issuing import SigningKey, issue_token
from arctic.runtime.access.roles import Role
from arctic.runtime.access.settings import AccessSettings

TEST_ISSUER = "https://id.arctic-tests.example/realms/arctic"


@dataclass
class Tokens:
    """A signing key, the settings that make a service trust it, and tokens signed with it."""

    key: SigningKey
    public_key_file: Path
    issuer: str = TEST_ISSUER
    access: AccessSettings = field(init=False)

    def __post_init__(self) -> None:
        self.access = AccessSettings(
            auth_public_key_file=self.public_key_file, auth_issuer=self.issuer
        )

    @property
    def settings(self) -> dict[str, Any]:
        """Keyword arguments for a service's settings: trust this key and issuer."""
        return {"auth_public_key_file": self.public_key_file, "auth_issuer": self.issuer}

    def token(
        self,
        role: Role | str | None = None,
        *,
        roles: Iterable[Role | str] = (),
        org: str | None = None,
        business_id: str | None = None,
        sub: str | None = None,
        ttl: float = 600,
        key: SigningKey | None = None,
        kid: str | None = None,
        **claims: Any,
    ) -> str:
        """A token with `role` (and/or `roles`), the organisation or business id it needs;
        signed with `key` (default: the trusted test key) naming `kid`; `claims` add, replace
        or (None) remove claims."""
        every = [*([role] if role is not None else []), *roles]
        return issue_token(
            key or self.key,
            self.access,
            issuer=self.issuer,
            subject=sub or f"test-{'-'.join(str(r) for r in every) or 'nobody'}",
            roles=every,
            organisation=org,
            business_id=business_id,
            ttl_seconds=ttl,
            kid=kid,
            **claims,
        )

    def headers(self, role: Role | str | None = None, **options: Any) -> dict[str, str]:
        """`Authorization: Bearer <token(role, **options)>`."""
        return {"Authorization": f"Bearer {self.token(role, **options)}"}


def write_public_key(key: SigningKey, path: Path) -> Path:
    """Write the public half of `key` as PEM to `path`."""
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


@pytest.fixture(scope="session")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Tokens:
    """A P-256 (ES256) test key that services started with `**tokens.settings` trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    folder = tmp_path_factory.mktemp("token-keys")
    return Tokens(key, write_public_key(key, folder / "public.pem"))
