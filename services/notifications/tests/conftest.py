"""Notifications running behind real HTTP, with a real SMTP sink the test can stop."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from notifications_support import COORDINATORS, Notifications, ServiceRunner

from arctic.notifications.service import definition
from arctic.notifications.settings import NotificationsSettings
from arctic.prototyping.service import definition as prototyping
from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.clock import Clock, system_clock
from arctic.runtime.db import create_pool
from arctic.runtime.mailsink import MailSink
from arctic.runtime.servers import LocalPostgres, free_port
from arctic.runtime.testing import (
    TEST_PEPPER,
    SecuredNats,
    create_database,
    prepare_service_database,
    provision,
    serving,
)


@asynccontextmanager
async def runner(
    admin_dsn: str, secured_nats: SecuredNats, tokens: Tokens
) -> AsyncIterator[ServiceRunner]:
    """Start notifications (again, on the same data) with its sink running or not; NATS with
    the production permissions, the test publishing as prototyping and reading as ops."""
    dsn = await prepare_service_database(admin_dsn, definition)
    await provision(secured_nats, prototyping, definition)
    as_prototyping = await secured_nats.connect("prototyping")
    producers = {
        "catalogue": await secured_nats.connect("catalogue"),
        "prototyping": as_prototyping,
        "partnerships": await secured_nats.connect("partnerships"),
    }
    as_ops = await secured_nats.connect("ops")
    sink = MailSink(Path(tempfile.mkdtemp()) / "mail", free_port())

    @asynccontextmanager
    async def run(
        *, sink_up: bool = True, clock: Clock = system_clock, **overrides: object
    ) -> AsyncIterator[Notifications]:
        values: dict[str, object] = {
            "service": "notifications",
            "database_dsn": dsn,
            "smtp_port": sink.port,
            "prototyping_coordinators_email": COORDINATORS,
            "delivery_retry_base_seconds": 0.3,
            "delivery_poll_seconds": 0.05,
            "relay_sweep_seconds": 0.1,
            "personal_data_pepper": TEST_PEPPER,
            **tokens.settings,
            **secured_nats.settings_for("notifications"),
        }
        settings = NotificationsSettings.model_validate({**values, **overrides})
        if sink_up:
            sink.start()
        db = await create_pool(dsn, "notifications", size=2)
        try:
            async with (
                serving(definition, settings, clock=clock) as url,
                # The tests read /deliveries as the staff it is for (test_access.py: who else).
                httpx.AsyncClient(
                    base_url=url, headers=tokens.headers(Role.staff, org="lapland-uas")
                ) as http,
            ):
                yield Notifications(http, sink, as_prototyping, db, as_ops, secured_nats, producers)
        finally:
            sink.stop()
            await db.close()

    try:
        yield run
    finally:
        for connection in producers.values():
            await connection.close()
        await as_ops.close()


@pytest.fixture
async def run_notifications(
    fresh_database: str, secured_nats: SecuredNats, tokens: Tokens
) -> AsyncIterator[ServiceRunner]:
    """Notifications on a fresh database of the shared PostgreSQL."""
    async with runner(fresh_database, secured_nats, tokens) as run:
        yield run


@pytest.fixture
async def run_notifications_on_restartable(
    restartable_postgres: LocalPostgres, secured_nats: SecuredNats, tokens: Tokens
) -> AsyncIterator[ServiceRunner]:
    """Notifications on a fresh database of a PostgreSQL the test may stop."""
    database = await create_database(restartable_postgres.admin_dsn)
    async with runner(database, secured_nats, tokens) as run:
        yield run
