"""The local servers start wherever the caller is, without loosening anyone's permissions."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import tempfile
from pathlib import Path

import asyncpg
import pytest

from arctic.runtime.servers import LocalPostgres, free_port

pytestmark = pytest.mark.slow


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="PostgreSQL runs as another OS user only for root")
def test_root_runs_postgresql_from_a_folder_no_other_user_can_enter() -> None:
    closed = Path(tempfile.mkdtemp(prefix="arctic-closed-"))  # mode 0700, as mktemp -d makes
    data = closed / "home" / "postgres"
    server = LocalPostgres(data, free_port())
    try:
        server.start(durable=False)

        async def ask() -> int:
            conn = await asyncpg.connect(server.admin_dsn)
            try:
                return int(await conn.fetchval("SELECT 41 + 1"))
            finally:
                await conn.close()

        assert asyncio.run(ask()) == 42
        assert _mode(closed) == 0o700, "the caller's folder was loosened"
        assert (data / "pgdata").is_symlink(), "the data live in PostgreSQL's own folder"
        server.stop()
        server.start(durable=False)  # and the cluster is found again
        assert asyncio.run(ask()) == 42
    finally:
        server.stop()
        relocated = (data / "pgdata").resolve().parent
        if relocated.parent.name == "clusters":
            shutil.rmtree(relocated, ignore_errors=True)
        shutil.rmtree(closed, ignore_errors=True)
