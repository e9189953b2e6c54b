"""`arctic token`: real tokens for the local stack, signed by the development key that
`arctic up` makes, trusted by a service only in development."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from pydantic import ValidationError

from arctic.runtime.access.development import development_environment
from arctic.runtime.access.principal import Principal
from arctic.runtime.access.roles import Role
from arctic.runtime.access.tokens import TokenVerifier
from arctic.runtime.settings import ServiceSettings


def arctic_token(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arctic.runtime", "token", *args],
        env=dict(os.environ, ARCTIC_LOCAL_HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def local_service_settings(home: Path) -> ServiceSettings:
    """What a service of `arctic up` reads from the environment the stack gives it."""
    environment = development_environment(home)
    return ServiceSettings(
        environment=environment["ARCTIC_ENVIRONMENT"],
        auth_public_key_file=Path(environment["ARCTIC_AUTH_PUBLIC_KEY_FILE"]),
        auth_issuer=environment["ARCTIC_AUTH_ISSUER"],
    )


async def verified(home: Path, token: str) -> Principal:
    verifier = TokenVerifier.from_settings(local_service_settings(home))
    assert verifier is not None
    return await verifier.verify(token)


async def test_a_token_for_each_role_is_trusted_by_the_local_services(tmp_path: Path) -> None:
    cases = {
        ("--role", "staff", "--org", "lapland-uas"): Principal(
            "dev-staff", frozenset({Role.staff}), organisation="lapland-uas"
        ),
        ("--role", "company", "--business-id", "2617416-4"): Principal(
            "dev-company", frozenset({Role.company}), business_id="2617416-4"
        ),
        ("--role", "coordinator", "--sub", "aino-dev"): Principal(
            "aino-dev", frozenset({Role.coordinator})
        ),
        ("--role", "admin", "--role", "service"): Principal(
            "dev-admin-service", frozenset({Role.admin, Role.service})
        ),
    }
    for args, principal in cases.items():
        done = arctic_token(tmp_path, *args)
        assert done.returncode == 0, done.stderr
        assert await verified(tmp_path, done.stdout.strip()) == principal
    assert (tmp_path / "auth" / "development-key.pem").stat().st_mode & 0o077 == 0


async def test_the_key_is_made_once_and_kept(tmp_path: Path) -> None:
    first = arctic_token(tmp_path, "--role", "admin").stdout.strip()
    development_environment(tmp_path)  # what `arctic up` does at every start
    second = arctic_token(tmp_path, "--role", "admin").stdout.strip()
    assert (await verified(tmp_path, first)).roles == {Role.admin}
    assert (await verified(tmp_path, second)).roles == {Role.admin}


def test_a_token_lives_eight_hours_or_its_ttl(tmp_path: Path) -> None:
    for args, seconds in (
        (("--role", "admin"), 8 * 3600),
        (("--role", "admin", "--ttl", "60"), 60),
    ):
        claims = jwt.decode(
            arctic_token(tmp_path, *args).stdout.strip(), options={"verify_signature": False}
        )
        assert claims["exp"] - claims["iat"] == seconds


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--role", "staff"), "--org"),
        (("--role", "staff", "--org", "Lapland UAS"), "--org"),
        (("--role", "company"), "--business-id"),
        (("--role", "company", "--business-id", "2617416-5"), "--business-id"),
        (("--role", "superuser"), "invalid choice"),
        (("--role", "admin", "--ttl", "0"), "--ttl"),
    ],
)
def test_a_token_that_would_be_refused_is_not_printed(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    done = arctic_token(tmp_path, *args)
    assert done.returncode != 0
    assert done.stdout == ""
    assert says in done.stderr


def test_outside_development_a_service_refuses_the_development_key(tmp_path: Path) -> None:
    environment = development_environment(tmp_path)
    with pytest.raises(ValidationError, match="ARCTIC_ENVIRONMENT=development"):
        ServiceSettings(
            auth_public_key_file=Path(environment["ARCTIC_AUTH_PUBLIC_KEY_FILE"]),
            auth_issuer=environment["ARCTIC_AUTH_ISSUER"],
        )
