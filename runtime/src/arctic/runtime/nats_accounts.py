"""The NATS users of `deploy/nats/permissions.conf`, for servers started on this machine.

`arctic up` and the test fixtures that run the services start nats-server with that file
itself (the one production loads) so that a service publishing outside its own subjects
fails locally exactly as in production. The file names each user's password as an
environment variable of the server (`$PROTOTYPING_NATS_PASSWORD` ...); these helpers read
which, and give the server and the clients matching passwords.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from arctic.runtime.checkout import REPOSITORY

PERMISSIONS_FILE = REPOSITORY / "deploy" / "nats" / "permissions.conf"
"""The checkout's permissions.conf (the runtime runs from a checkout wherever this is used)."""
OPERATOR_USER = "ops"
_USER = re.compile(r"user:\s*(?P<user>[A-Za-z0-9_-]+)\s+password:\s*\$(?P<variable>\w+)")


@dataclass(frozen=True)
class NatsAccounts:
    """The users of a permissions file, each with a password."""

    file: Path
    passwords: dict[str, str]
    variables: dict[str, str]

    @classmethod
    def of(cls, file: Path = PERMISSIONS_FILE, *, local: bool = True) -> NatsAccounts:
        """The users of `file`; `local` passwords are `<user>-local` (the local stack listens
        on loopback only), else random ones (tests)."""
        if not file.is_file():
            raise FileNotFoundError(f"{file} not found: the NATS permissions come from it")
        found = {m["user"]: m["variable"] for m in _USER.finditer(file.read_text())}
        if not found:
            raise ValueError(f"{file} names no user with a password variable")
        passwords = {user: f"{user}-local" if local else secrets.token_hex(16) for user in found}
        return cls(file, passwords, found)

    def server_environment(self) -> dict[str, str]:
        """The environment variables nats-server reads the passwords from."""
        return {self.variables[user]: password for user, password in self.passwords.items()}

    def password(self, user: str) -> str:
        """The password of `user`; KeyError for a user the file does not have."""
        return self.passwords[user]
