"""Partnerships running behind real HTTP on a fresh database and a fresh NATS with the
production permissions, on a clock the tests move."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from partnerships_support import Partnerships

from arctic.partnerships.service import definition
from arctic.partnerships.settings import PartnershipsSettings
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
)

START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
"""Where the tests' clock starts: a Monday morning in January 2027."""


@pytest.fixture
async def partnerships(
    fresh_database: str, secured_nats: SecuredNats, tokens: Tokens, clock: SettableClock
) -> AsyncIterator[Partnerships]:
    dsn = await prepare_service_database(fresh_database, definition)
    await provision(secured_nats, definition)
    settings = PartnershipsSettings(
        service="partnerships",
        database_dsn=dsn,
        relay_sweep_seconds=0.1,
        scheduler_interval_seconds=0.1,
        personal_data_pepper=TEST_PEPPER,
        **tokens.settings,
        **secured_nats.settings_for("partnerships"),
    )
    clock.set(START)
    async with serving(definition, settings, clock=clock) as url:
        pool = await create_pool(dsn, "partnerships", size=2)
        ops = await secured_nats.connect("ops")  # the tests read the stream as ops, read-only
        prototyping = await secured_nats.connect("prototyping")
        catalogue = await secured_nats.connect("catalogue")
        notifications = await secured_nats.connect("notifications")  # asks for erasures
        # The programme staff's client; test_access.py shows who else may do what.
        async with httpx.AsyncClient(
            base_url=url, headers=tokens.headers(Role.coordinator)
        ) as http:
            yield Partnerships(
                http, pool, ops, prototyping, catalogue, notifications, clock, tokens, url
            )
        for nc in (notifications, catalogue, prototyping, ops):
            await nc.close()
        await pool.close()
