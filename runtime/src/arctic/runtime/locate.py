"""How the `arctic` command finds NATS and PostgreSQL, and says so when it cannot reach them.

The `ARCTIC_*` settings come first; where they say nothing, the stack file that a running
`arctic up` wrote (`stackfile`); then the code's defaults. A command that cannot reach a
server names the address it tried, where that address came from and the setting that
changes it, and exits non-zero within seconds: an operator's command never retries forever.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

import asyncpg
import nats
from nats.aio.client import Client as NATS
from pydantic import SecretStr

from arctic.runtime.db import create_pool
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.stackfile import read_stack_file, stack_file_path

CONNECT_TIMEOUT_SECONDS = 5


class Unreachable(SystemExit):
    """A server could not be reached; the message says which, from where, and what to set."""

    def __init__(self, message: str) -> None:
        super().__init__(f"arctic: {message}")


@dataclass(frozen=True)
class Located:
    """A command's settings, and where its database and NATS addresses came from."""

    settings: ServiceSettings
    database_origin: str
    nats_origin: str


def locate(settings: ServiceSettings, *, as_operator: bool = False) -> Located:
    """`settings` completed from the running stack's file where no `ARCTIC_*` setting is
    given. `as_operator` connects to NATS as the stack's read-only `ops` user."""
    stack = read_stack_file()
    from_stack = f"{stack_file_path()}, written by `arctic up`"
    update: dict[str, object] = {}
    database_origin = nats_origin = "the default"
    if "ARCTIC_DATABASE_DSN" in os.environ:
        database_origin = "ARCTIC_DATABASE_DSN"
    elif stack is not None and settings.service in stack.services:
        update["database_dsn"] = SecretStr(stack.services[settings.service].database_dsn)
        database_origin = from_stack
    if "ARCTIC_NATS_URL" in os.environ:
        nats_origin = "ARCTIC_NATS_URL"
    elif stack is not None:
        update["nats_url"], nats_origin = stack.nats_url, from_stack
        if "ARCTIC_NATS_USER" not in os.environ:
            address = stack.services.get(settings.service)
            if as_operator or address is None:
                user, password = stack.ops_nats_user, stack.ops_nats_password
            else:
                user, password = address.nats_user, address.nats_password
            update["nats_user"], update["nats_password"] = user, SecretStr(password)
    return Located(settings.model_copy(update=update), database_origin, nats_origin)


def _where(dsn: str) -> str:
    """host:port/database of a DSN, without its credentials."""
    return dsn.rsplit("@", 1)[-1].removeprefix("postgresql://")


async def open_pool(located: Located, size: int = 2) -> asyncpg.Pool:
    """A pool on the service's schema, or `Unreachable` within seconds."""
    settings = located.settings
    dsn = settings.database_dsn.get_secret_value()
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            return await create_pool(dsn, settings.service, size=size)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        reason = str(error) or type(error).__name__
        raise Unreachable(
            f"cannot reach PostgreSQL at {_where(dsn)} as {settings.service!r} ({reason}); "
            f"the address came from {located.database_origin}. Is `make up` running? "
            "Set ARCTIC_DATABASE_DSN to use another database."
        ) from None


async def connect_nats(located: Located, closed: asyncio.Event | None = None) -> NATS:
    """A NATS connection that does not reconnect (`closed` is set when it ends), or
    `Unreachable` within seconds."""
    settings = located.settings

    async def quiet(error: Exception) -> None:
        pass  # the failure is reported once, below

    async def on_closed() -> None:
        if closed is not None:
            closed.set()

    password = settings.nats_password.get_secret_value() if settings.nats_password else None
    try:
        return await nats.connect(
            settings.nats_url,
            user=settings.nats_user,
            password=password,
            name=f"arctic-cli-{settings.service}",
            allow_reconnect=False,
            # nats-py tries a server again until it has failed this many times more
            max_reconnect_attempts=1,
            reconnect_time_wait=0.2,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            error_cb=quiet,
            closed_cb=on_closed,
        )
    except (OSError, TimeoutError, nats.errors.Error) as error:
        reason = str(error) or type(error).__name__
        user = f" as {settings.nats_user!r}" if settings.nats_user else " without a user"
        raise Unreachable(
            f"cannot reach NATS at {settings.nats_url}{user} ({reason}); the address came "
            f"from {located.nats_origin}. Is `make up` running? Set ARCTIC_NATS_URL (and "
            "ARCTIC_NATS_USER, ARCTIC_NATS_PASSWORD) to use another server."
        ) from None
