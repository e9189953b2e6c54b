"""The demo data: 62 partners with agreements at every stage, loaded once."""

from __future__ import annotations

from datetime import UTC, datetime

from arctic.partnerships.demo import DEMO_DATA
from arctic.partnerships.service import definition
from arctic.partnerships.settings import PartnershipsSettings
from arctic.runtime.clock import SettableClock
from arctic.runtime.db import create_pool
from arctic.runtime.demo import load_demo_data
from arctic.runtime.testing import (
    TEST_PEPPER,
    SecuredNats,
    persons_for_tests,
    prepare_service_database,
    provision,
)


async def test_the_demo_shows_every_stage_of_the_year_and_loads_once(
    fresh_database: str, secured_nats: SecuredNats
) -> None:
    dsn = await prepare_service_database(fresh_database, definition)
    await provision(secured_nats, definition)
    nc = await secured_nats.connect("partnerships")
    pool = await create_pool(dsn, "partnerships", size=2)
    clock = SettableClock(datetime(2027, 3, 10, 10, tzinfo=UTC))
    settings = PartnershipsSettings(service="partnerships", personal_data_pepper=TEST_PEPPER)
    try:
        persons = persons_for_tests(nc)
        assert await load_demo_data(pool, DEMO_DATA, settings, clock, persons) == ["programme-v1"]
        assert await load_demo_data(pool, DEMO_DATA, settings, clock, persons) == []
        assert await pool.fetchval("SELECT count(*) FROM partners") == 62
        assert await pool.fetchval("SELECT count(DISTINCT business_id) FROM partners") == 62
        statuses = dict(await pool.fetch("SELECT status, count(*) FROM agreements GROUP BY 1"))
        assert statuses == {"active": 58}
        assert await pool.fetchval("SELECT count(*) FROM negotiations") == 2
        overdue = await pool.fetchval(
            "SELECT count(*) FROM evaluations WHERE status = 'pending' AND due_on < '2027-03-10'"
        )
        assert overdue == 1
        due_this_month = await pool.fetchval(
            """SELECT count(*) FROM evaluations WHERE status = 'pending'
               AND due_on BETWEEN '2027-03-10' AND '2027-03-31'"""
        )
        assert due_this_month >= 3
        expiring = await pool.fetchval(
            "SELECT count(*) FROM agreements WHERE ends_on BETWEEN '2027-03-10' AND '2027-07-08'"
        )
        assert expiring >= 3
        renewed = await pool.fetchval(
            "SELECT count(*) FROM agreements WHERE jsonb_array_length(terms) = 2"
        )
        assert renewed == 1
        assert await pool.fetchval("SELECT count(*) FROM scheduled_events") > 58 * 2
        subjects = dict(await pool.fetch("SELECT subject, count(*) FROM outbox GROUP BY 1"))
        assert subjects["arctic.partnerships.agreement.signed.v1"] == 58
        assert subjects["arctic.partnerships.evaluation.overdue.v1"] == 1
        assert subjects["arctic.partnerships.agreement.renewed.v1"] == 1
        assert subjects["arctic.partnerships.agreement.expiring.v1"] >= 3
    finally:
        await pool.close()
        await nc.close()
