"""Which failures are the infrastructure's (wait and try again) rather than the work's own.

An unreachable or restarting database, a pool that cannot hand out a connection, a dropped
NATS connection: none of these says anything about the message or row being worked on, so
none of them may count toward giving it up. The loops of the runtime wait for the
infrastructure to come back and then try again, for as long as it takes.
"""

from __future__ import annotations

import asyncpg
import nats.errors

DATABASE_FAULTS: tuple[type[BaseException], ...] = (
    asyncpg.InterfaceError,  # the connection is closed, the pool is closing
    asyncpg.InternalClientError,  # the protocol broke off mid-way (a server shutting down)
    asyncpg.PostgresConnectionError,  # class 08: connection failures
    asyncpg.exceptions.AdminShutdownError,  # 57P01: the server is shutting down
    asyncpg.exceptions.CrashShutdownError,  # 57P02
    asyncpg.exceptions.CannotConnectNowError,  # 57P03: starting up or recovering
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: too many connections, disk full
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a standby after a failover
)
"""Errors that say the database cannot be used now, whatever the statement was."""

NETWORK_FAULTS: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable; TimeoutError is one too
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.ConnectionDrainingError,
    nats.errors.NoServersError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    nats.errors.UnexpectedEOF,
    nats.errors.TimeoutError,
)
"""Errors of reaching a server at all (PostgreSQL, NATS)."""


def _chain(error: BaseException) -> list[BaseException]:
    """The error and the errors it was raised from (`raise ... from ...`), innermost last."""
    found = [error]
    while found[-1].__cause__ is not None and len(found) < 10:
        found.append(found[-1].__cause__)
    return found


def is_database_fault(error: BaseException) -> bool:
    """Whether `error` (or what it was raised from) says the database is unusable now."""
    return any(isinstance(e, DATABASE_FAULTS) for e in _chain(error))


def is_infrastructure_fault(error: BaseException) -> bool:
    """Whether `error` says the database or NATS cannot be reached or used now.

    For the runtime's own statements and NATS calls. A handler's own `OSError` (its
    downstream is unreachable) is the handler's failure; use `is_database_fault` there.
    """
    return any(isinstance(e, DATABASE_FAULTS + NETWORK_FAULTS) for e in _chain(error))


def connection_lost(conn: asyncpg.Connection) -> bool:
    """Whether a pooled connection is closed (the pool may have taken it back already)."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True
