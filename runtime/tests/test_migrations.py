"""Numbered SQL migrations: applied once, in order, under a lock, each in its own schema."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from pathlib import Path

import asyncpg
import pytest

from arctic.runtime.db import RUNTIME_SQL, ensure_service_schema, load_migrations, migrate


def folder(*files: tuple[str, str]) -> Path:
    path = Path(tempfile.mkdtemp())
    for name, sql in files:
        (path / name).write_text(sql)
    return path


async def new_service(admin_dsn: str) -> tuple[str, str]:
    name = f"m_{uuid.uuid4().hex[:10]}"
    await ensure_service_schema(admin_dsn, name, "pw")
    return name, admin_dsn.replace("postgres@", f"{name}:pw@", 1)


async def test_concurrent_migrators_apply_each_file_once_in_order(postgres_admin_dsn: str) -> None:
    schema, dsn = await new_service(postgres_admin_dsn)
    migrations = folder(
        ("0001_log.sql", "CREATE TABLE log (step text)"),
        ("0002_first.sql", "INSERT INTO log VALUES ('first')"),
        ("0003_second.sql", "INSERT INTO log VALUES ('second')"),
    )
    results = await asyncio.gather(*(migrate(dsn, schema, migrations) for _ in range(3)))
    runtime_versions = [m.version for m in load_migrations("runtime", RUNTIME_SQL)]
    assert sorted(len(applied) for applied in results) == [0, 0, len(runtime_versions) + 3]
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        assert [r["step"] for r in await conn.fetch("SELECT step FROM log")] == ["first", "second"]
        versions = await conn.fetch(
            "SELECT component, version FROM schema_migrations ORDER BY component, version"
        )
    finally:
        await conn.close()
    assert [tuple(v) for v in versions] == [
        (schema, 1),
        (schema, 2),
        (schema, 3),
        *(("runtime", version) for version in runtime_versions),
    ]


async def test_a_failing_migration_leaves_no_trace_and_stops_the_run(
    postgres_admin_dsn: str,
) -> None:
    schema, dsn = await new_service(postgres_admin_dsn)
    broken = folder(
        ("0001_ok.sql", "CREATE TABLE ok (id int)"),
        ("0002_broken.sql", "CREATE TABLE half (id int); SELECT no_such_function()"),
    )
    with pytest.raises(asyncpg.UndefinedFunctionError):
        await migrate(dsn, schema, broken)
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        assert await conn.fetchval("SELECT to_regclass('half')") is None
        assert await conn.fetchval("SELECT to_regclass('ok')") is not None
    finally:
        await conn.close()


async def test_a_service_role_cannot_touch_another_services_schema(
    postgres_admin_dsn: str,
) -> None:
    _, my_dsn = await new_service(postgres_admin_dsn)
    theirs, their_dsn = await new_service(postgres_admin_dsn)
    await migrate(their_dsn, theirs, folder(("0001_secret.sql", "CREATE TABLE secret (x int)")))
    conn = await asyncpg.connect(my_dsn)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetch(f'SELECT * FROM "{theirs}".secret')
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(f'CREATE TABLE "{theirs}".intruder (x int)')
    finally:
        await conn.close()


def test_a_misnamed_migration_file_is_refused() -> None:
    with pytest.raises(ValueError, match=r"NNNN_name\.sql"):
        load_migrations("x", folder(("1_first.sql", "SELECT 1")))
