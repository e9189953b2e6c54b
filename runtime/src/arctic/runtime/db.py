"""The database: a pool bound to the service's own schema, and its numbered SQL migrations."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from arctic.runtime.logs import get_logger

log = get_logger(__name__)
RUNTIME_SQL = Path(__file__).parent / "sql"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


_UNAVAILABLE = (
    asyncpg.exceptions.PostgresConnectionError,  # class 08: the connection failed or is gone
    asyncpg.exceptions.OperatorInterventionError,  # 57: shutting down, starting up, crashed
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,  # the connection or the pool was closed under us
    OSError,  # refused, reset, unreachable
)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached now (worth a retry later), as
    opposed to a statement's own failure. `InternalClientError: cannot switch to state` is
    what asyncpg raises when the server goes away in the middle of a protocol exchange."""
    if isinstance(error, _UNAVAILABLE):
        return True
    return isinstance(error, asyncpg.exceptions.InternalClientError) and (
        "cannot switch to state" in str(error)
    )


async def create_pool(dsn: str, schema: str, *, size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see only `schema` (and pg_catalog) by default."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=size,
        server_settings={"search_path": schema, "application_name": f"arctic-{schema}"},
    )
    assert pool is not None
    return pool


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file of a component (the runtime's own tables, or a service's)."""

    component: str
    version: int
    name: str
    sql: str


def load_migrations(component: str, directory: Path) -> list[Migration]:
    """The migrations in `directory`, named `NNNN_what_it_does.sql`, in order."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file name {path.name!r} is not NNNN_name.sql")
        found.append(Migration(component, int(match[1]), match[2], path.read_text()))
    return found


async def migrate(dsn: str, schema: str, service_migrations: Path) -> list[Migration]:
    """Apply the runtime's and then the service's pending migrations to `schema`.

    Runs under an advisory lock, so concurrent migrate jobs apply each file once; each file
    and its record in `schema_migrations` commit together. The schema must exist and be
    owned by the connecting role (the role can touch nothing else).
    """
    migrations = load_migrations("runtime", RUNTIME_SQL)
    migrations += load_migrations(schema, service_migrations)
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        lock_key = zlib.crc32(f"arctic-migrate-{schema}".encode())
        await conn.execute("SELECT pg_advisory_lock($1)", lock_key)
        try:
            return await _apply_pending(conn, migrations)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", lock_key)
    finally:
        await conn.close()


async def _apply_pending(conn: asyncpg.Connection, migrations: list[Migration]) -> list[Migration]:
    await conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
               component text NOT NULL,
               version integer NOT NULL,
               name text NOT NULL,
               applied_at timestamptz NOT NULL DEFAULT now(),
               PRIMARY KEY (component, version))"""
    )
    done = {
        (r["component"], r["version"]) for r in await conn.fetch("SELECT * FROM schema_migrations")
    }
    applied = []
    for migration in migrations:
        if (migration.component, migration.version) in done:
            continue
        async with conn.transaction():
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)",
                migration.component,
                migration.version,
                migration.name,
            )
        log.info("migration applied", component=migration.component, version=migration.version)
        applied.append(migration)
    return applied


async def ensure_service_schema(
    admin_dsn: str, service: str, password: str, extensions: Sequence[str] = ()
) -> None:
    """Create the service's login role, a schema it owns and the PostgreSQL `extensions` it
    needs, installed in that schema (local stack and tests).

    In Kubernetes the database operator does this (deploy/); the effect is the same: the role
    owns its schema and has no rights on any other service's schema, and the extensions are
    created with the operator's rights, which the service's role does not have.
    """
    conn = await asyncpg.connect(admin_dsn)
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('arctic-roles'))")
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", service)
            quoted = _identifier(service)
            literal = password.replace("'", "''")
            verb = "ALTER" if exists else "CREATE"
            await conn.execute(f"{verb} ROLE {quoted} LOGIN PASSWORD '{literal}'")
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted} AUTHORIZATION {quoted}")
            await conn.execute(f"REVOKE ALL ON SCHEMA public FROM {quoted}")
            for extension in extensions:
                await conn.execute(
                    f"CREATE EXTENSION IF NOT EXISTS {_identifier(extension)} WITH SCHEMA {quoted}"
                )
    finally:
        await conn.close()


def _identifier(name: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"{name!r} is not a plain lower-case identifier")
    return f'"{name}"'
