"""Prototyping running behind real HTTP on a fresh database and a fresh NATS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prototyping_support import Prototyping, RealTimeUntilSet

from arctic.prototyping.service import definition
from arctic.prototyping.settings import PrototypingSettings
from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.db import create_pool
from arctic.runtime.testing import (
    TEST_PEPPER,
    SecuredNats,
    prepare_service_database,
    provision,
    serving,
)


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings a test gives the service: `@pytest.mark.parametrize("settings_overrides",
    [{...}], indirect=True)`."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
async def prototyping(
    fresh_database: str,
    secured_nats: SecuredNats,
    tokens: Tokens,
    settings_overrides: dict[str, Any],
) -> AsyncIterator[Prototyping]:
    clock = RealTimeUntilSet()
    dsn = await prepare_service_database(fresh_database, definition)
    await provision(secured_nats, definition)
    settings = PrototypingSettings(
        service="prototyping",
        database_dsn=dsn,
        relay_sweep_seconds=0.1,
        scheduler_interval_seconds=0.1,
        personal_data_pepper=TEST_PEPPER,
        **tokens.settings,
        **secured_nats.settings_for("prototyping"),
        **settings_overrides,
    )
    async with serving(definition, settings, clock=clock) as url:
        pool = await create_pool(dsn, "prototyping", size=2)
        # The coordinators' client: triage is theirs (test_access.py: who else may do what).
        coordinator = tokens.headers(Role.coordinator)
        ops = await secured_nats.connect("ops")  # the tests read the stream as ops, read-only
        notifications = await secured_nats.connect("notifications")
        async with httpx.AsyncClient(base_url=url, headers=coordinator) as http:
            yield Prototyping(http, pool, ops, notifications, secured_nats, clock)
        await notifications.close()
        await ops.close()
        await pool.close()
