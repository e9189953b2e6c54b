"""The roles and schemas of deploy/k8s/base/database.yaml keep each service in its schema.

A local PostgreSQL gets the roles, the database and the schemas that CloudNativePG creates
from the rendered prod overlay: CREATE ROLE with each DatabaseRole's attributes, the
bootstrap owner and database of the Cluster, CREATE SCHEMA ... AUTHORIZATION <owner> for
each schema of the Database. Then every service's role is tried against every other's.
"""

from __future__ import annotations

import itertools
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest

from arctic.runtime.db import migrate
from arctic.runtime.servers import LocalPostgres, free_port
from arctic.runtime.service import installed_services

pytestmark = pytest.mark.slow
Doc = dict[str, Any]
ATTRIBUTES = {
    "login": ("LOGIN", "NOLOGIN"),
    "superuser": ("SUPERUSER", "NOSUPERUSER"),
    "createdb": ("CREATEDB", "NOCREATEDB"),
    "createrole": ("CREATEROLE", "NOCREATEROLE"),
    "inherit": ("INHERIT", "NOINHERIT"),
    "replication": ("REPLICATION", "NOREPLICATION"),
    "bypassrls": ("BYPASSRLS", "NOBYPASSRLS"),
}


def create_role_sql(role: Doc, password: str) -> str:
    """CREATE ROLE as CloudNativePG issues it for a DatabaseRole's spec."""
    flags = [
        yes if role.get(key, key == "inherit") else no for key, (yes, no) in ATTRIBUTES.items()
    ]
    limit = role.get("connectionLimit", -1)
    name = role["name"]
    return (
        f"CREATE ROLE \"{name}\" {' '.join(flags)} CONNECTION LIMIT {limit} PASSWORD '{password}'"
    )


@pytest.fixture(scope="module")
def server() -> Iterator[LocalPostgres]:
    data = Path(tempfile.mkdtemp(prefix="arctic-pg-roles-"))
    postgres = LocalPostgres(data, free_port())
    postgres.start(durable=False)
    yield postgres
    postgres.stop()
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="module")
async def dsns(
    server: LocalPostgres, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> dict[str, str]:
    """Each service's DSN to database `arctic`, after the roles and schemas exist."""
    docs = rendered["prod"]
    (cluster,) = helpers.of_kind(docs, "Cluster")
    (database,) = helpers.of_kind(docs, "Database")
    roles = [doc["spec"] for doc in helpers.of_kind(docs, "DatabaseRole")]
    passwords = {role["name"]: secrets.token_hex(16) for role in roles}
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    admin = await asyncpg.connect(server.admin_dsn)
    try:
        await admin.execute(f'CREATE ROLE "{initdb["owner"]}" LOGIN')
        await admin.execute(f'CREATE DATABASE "{initdb["database"]}" OWNER "{initdb["owner"]}"')
        for role in roles:
            await admin.execute(create_role_sql(role, passwords[role["name"]]))
    finally:
        await admin.close()
    name = database["spec"]["name"]
    admin = await asyncpg.connect(server.admin_dsn.rsplit("/", 1)[0] + f"/{name}")
    try:
        await admin.execute(f'ALTER DATABASE "{name}" OWNER TO "{database["spec"]["owner"]}"')
        for schema in database["spec"]["schemas"]:
            await admin.execute(
                f'CREATE SCHEMA IF NOT EXISTS "{schema["name"]}" AUTHORIZATION "{schema["owner"]}"'
            )
        for extension in database["spec"].get("extensions", []):
            await admin.execute(
                f'CREATE EXTENSION IF NOT EXISTS "{extension["name"]}" '
                f'WITH SCHEMA "{extension["schema"]}"'
            )
    finally:
        await admin.close()
    return {user: server.dsn(user, password, name) for user, password in passwords.items()}


@pytest.fixture(scope="module")
async def owned_tables(dsns: dict[str, str]) -> dict[str, str]:
    """Each service creates a table the way its migrations do (unqualified) and a row."""
    tables = {}
    for service, dsn in dsns.items():
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("CREATE TABLE records (id int PRIMARY KEY, note text)")
            await conn.execute("INSERT INTO records VALUES (1, 'mine')")
            schema = await conn.fetchval("SELECT current_schema()")
        finally:
            await conn.close()
        tables[service] = f"{schema}.records"
    return tables


async def _as(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn)


async def test_each_service_works_in_its_own_schema_by_default(
    dsns: dict[str, str], owned_tables: dict[str, str], helpers: SimpleNamespace
) -> None:
    assert owned_tables == {service: f"{service}.records" for service in helpers.SERVICES}
    for service, dsn in dsns.items():
        conn = await _as(dsn)
        try:
            await conn.execute(f"INSERT INTO {service}.records VALUES (2, 'also mine')")
            assert await conn.fetchval(f"SELECT count(*) FROM {service}.records") == 2
            await conn.execute(f"DELETE FROM {service}.records WHERE id = 2")
        finally:
            await conn.close()


PAIRS = list(
    itertools.permutations(["catalogue", "prototyping", "partnerships", "notifications"], 2)
)


@pytest.mark.parametrize(("service", "other"), PAIRS)
async def test_a_service_can_neither_read_nor_write_another_services_schema(
    service: str, other: str, dsns: dict[str, str], owned_tables: dict[str, str]
) -> None:
    conn = await _as(dsns[service])
    try:
        for statement in (
            f"SELECT * FROM {other}.records",
            f"INSERT INTO {other}.records VALUES (9, 'not yours')",
            f"UPDATE {other}.records SET note = 'not yours'",
            f"DELETE FROM {other}.records",
            f"CREATE TABLE {other}.intruder (id int)",
            f"DROP TABLE {other}.records",
            f"GRANT USAGE ON SCHEMA {other} TO {service}",
            f"ALTER SCHEMA {other} OWNER TO {service}",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()


@pytest.mark.parametrize("service", ["catalogue", "notifications"])
async def test_a_service_role_has_no_power_beyond_its_schema(
    service: str, dsns: dict[str, str], owned_tables: dict[str, str]
) -> None:
    conn = await _as(dsns[service])
    try:
        for statement in (
            "CREATE TABLE public.shared (id int)",
            "CREATE DATABASE elsewhere",
            "CREATE ROLE accomplice LOGIN",
            "CREATE SCHEMA sideline",
            "SET ROLE prototyping",
            "ALTER ROLE prototyping PASSWORD 'taken'",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(statement)
    finally:
        await conn.close()


async def test_every_service_migrates_with_the_extensions_the_database_declares(
    dsns: dict[str, str], rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    """A service's migrations run as its role, which cannot create extensions: the Database
    must declare, in that service's schema, every extension the service's code names."""
    (database,) = helpers.of_kind(rendered["prod"], "Database")
    declared = {(e["schema"], e["name"]) for e in database["spec"].get("extensions", [])}
    for name, definition in installed_services().items():
        assert {(name, e) for e in definition.extensions} <= declared, name
        await migrate(dsns[name], name, definition.migrations)
