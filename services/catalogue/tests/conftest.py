"""The catalogue running behind real HTTP on a fresh database and a fresh NATS, with the demo
network loaded as `make up` loads it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from catalogue_support import Catalogue

from arctic.catalogue.demo import DEMO_DATA
from arctic.catalogue.service import definition
from arctic.catalogue.settings import CatalogueSettings
from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.clock import SettableClock
from arctic.runtime.db import create_pool
from arctic.runtime.testing import (
    TEST_PEPPER,
    SecuredNats,
    prepare_service_database,
    provision,
    serving,
    wait_until,
)


@pytest.fixture
async def catalogue(
    fresh_database: str, secured_nats: SecuredNats, tokens: Tokens, clock: SettableClock
) -> AsyncIterator[Catalogue]:
    dsn = await prepare_service_database(fresh_database, definition)
    await provision(secured_nats, definition)
    settings = CatalogueSettings(
        service="catalogue",
        database_dsn=dsn,
        relay_sweep_seconds=0.1,
        personal_data_pepper=TEST_PEPPER,
        demo_data=True,
        rate_limit_burst=1000,  # the routing test set posts more than a web form would
        **tokens.settings,
        **secured_nats.settings_for("catalogue"),
    )
    async with serving(definition, settings, clock=clock) as url:
        pool = await create_pool(dsn, "catalogue", size=4)

        async def demo_loaded() -> bool:
            loaded = await pool.fetchval("SELECT count(*) FROM demo_data_loads")
            return bool(loaded == len(DEMO_DATA))

        await wait_until(demo_loaded)
        ops = await secured_nats.connect("ops")
        notifications = await secured_nats.connect("notifications")

        def client(role: Role | None = None, **options: Any) -> httpx.AsyncClient:
            headers = tokens.headers(role, **options) if role is not None else {}
            return httpx.AsyncClient(base_url=url, headers=headers)

        async with client() as anonymous:
            yield Catalogue(anonymous, client, pool, ops, notifications, clock, dsn)
        await notifications.close()
        await ops.close()
        await pool.close()
