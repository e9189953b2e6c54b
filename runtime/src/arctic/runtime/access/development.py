"""Real tokens for local development, without an identity provider: `arctic up` makes a key
pair under the stack's home (`.arctic/auth/`) and has the services trust its public half, and
`arctic token --role ...` signs tokens with the private half.

Those tokens name the issuer `arctic-development`, which a service accepts only when
`ARCTIC_ENVIRONMENT=development` (the local stack sets it; the default is production).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arctic.runtime.access.roles import Role

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519

# The `arctic` command registers `token` at every start: this module imports the token
# libraries only when a key or a token is wanted.
DEVELOPMENT_ISSUER = "arctic-development"
"""The issuer of the tokens that `arctic token` signs with the local stack's development key."""
ROLES = tuple(role.value for role in Role)
PRIVATE_KEY = "development-key.pem"
PUBLIC_KEY = "development-key.pub.pem"
EXAMPLE = (
    'TOKEN=$(uv run arctic token --role coordinator), then curl -H "Authorization: Bearer $TOKEN"'
)


def development_key(home: Path) -> ed25519.Ed25519PrivateKey:
    """The stack's development signing key (Ed25519), made on first use under `home/auth/`
    with its public half beside it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    folder = home / "auth"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = folder / PRIVATE_KEY
    if not private.exists():
        pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Linked into place whole, once: `arctic up` and `arctic token` may race to make it.
        with tempfile.NamedTemporaryFile(dir=folder, delete=False) as draft:
            draft.write(pem)
        try:
            os.link(draft.name, private)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft.name)
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SystemExit(f"{private} is not the stack's Ed25519 development key: remove it")
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if not (folder / PUBLIC_KEY).exists() or (folder / PUBLIC_KEY).read_bytes() != public_pem:
        with tempfile.NamedTemporaryFile(dir=folder, delete=False) as draft:
            draft.write(public_pem)
        os.replace(draft.name, folder / PUBLIC_KEY)
    return key


def development_environment(home: Path) -> dict[str, str]:
    """The settings under which a local service trusts the development key (making the key
    when it does not exist yet)."""
    development_key(home)
    return {
        "ARCTIC_ENVIRONMENT": "development",
        "ARCTIC_AUTH_PUBLIC_KEY_FILE": str(home / "auth" / PUBLIC_KEY),
        "ARCTIC_AUTH_ISSUER": DEVELOPMENT_ISSUER,
    }


def add_token_command(commands: Any) -> None:
    """Register `arctic token` on the `arctic` command's subcommands."""
    token = commands.add_parser(
        "token",
        help="print a development token for the local stack (make up)",
        description="Print a JWT signed with the local stack's development key, for "
        'curl -H "Authorization: Bearer $TOKEN". Local services trust it; no other does.',
    )
    token.add_argument(
        "--role", action="append", required=True, choices=ROLES, help=", ".join(ROLES)
    )
    token.add_argument("--org", help="staff: the organisation's short name, e.g. lapland-uas")
    token.add_argument("--business-id", help="company: its business id, e.g. 2617416-4")
    token.add_argument("--sub", help="the subject (default: dev-<role>)")
    token.add_argument("--ttl", type=int, default=8 * 3600, help="seconds valid (8 h)")
    token.set_defaults(func=_print_token)


def _print_token(args: argparse.Namespace) -> None:
    from pydantic import TypeAdapter, ValidationError

    from arctic.contracts.vocabulary import BusinessId
    from arctic.runtime.access.issuing import issue_token
    from arctic.runtime.access.principal import ORGANISATION
    from arctic.runtime.access.settings import AccessSettings, Environment
    from arctic.runtime.localstack import LocalStackSettings

    roles = [Role(name) for name in dict.fromkeys(args.role)]
    if Role.staff in roles and not (args.org and ORGANISATION.match(args.org)):
        raise SystemExit("--role staff needs --org, the organisation's short name (lapland-uas)")
    if Role.company in roles:
        try:
            TypeAdapter(BusinessId).validate_python(args.business_id)
        except ValidationError:
            raise SystemExit(
                "--role company needs --business-id, a valid one (2617416-4)"
            ) from None
    if args.ttl <= 0:
        raise SystemExit("--ttl must be a positive number of seconds")
    key = development_key(LocalStackSettings().home.resolve())
    print(
        issue_token(
            key,
            AccessSettings(environment=Environment.development, auth_issuer=DEVELOPMENT_ISSUER),
            issuer=DEVELOPMENT_ISSUER,
            subject=args.sub or "dev-" + "-".join(roles),
            roles=roles,
            organisation=args.org if Role.staff in roles else None,
            business_id=args.business_id if Role.company in roles else None,
            ttl_seconds=args.ttl,
        ),
        file=sys.stdout,
    )
