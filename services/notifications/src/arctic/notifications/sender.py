"""The delivery loop: takes due deliveries, sends each, records the outcome and its event."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta

from arctic.contracts.events import NotificationDelivered, NotificationFailed
from arctic.notifications import store
from arctic.notifications.domain import Delivery, RetryPolicy
from arctic.notifications.mailer import MailRefused, compose, send_mail
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.context import bound
from arctic.runtime.logs import get_logger
from arctic.runtime.resources import Resources
from arctic.runtime.unit_of_work import Transaction, transaction

log = get_logger(__name__)


def retry_policy(settings: NotificationsSettings) -> RetryPolicy:
    """The pacing of attempts from the settings."""
    return RetryPolicy(
        settings.delivery_max_attempts,
        timedelta(seconds=settings.delivery_retry_base_seconds),
        timedelta(seconds=settings.delivery_retry_max_seconds),
    )


async def deliver_due(resources: Resources, settings: NotificationsSettings) -> int:
    """One round: attempt every due delivery once; return how many were attempted."""
    async with resources.pool.acquire() as conn, conn.transaction():
        due = await store.claim_due(conn, 20, settings.delivery_stale_sending_seconds)
    await asyncio.gather(*(attempt(resources, settings, delivery) for delivery in due))
    return len(due)


async def attempt(
    resources: Resources, settings: NotificationsSettings, delivery: Delivery
) -> None:
    """Send one delivery and record the outcome with its event, in one transaction."""
    with bound(correlation_id=delivery.correlation_id, event_id=str(delivery.source_event_id)):
        try:
            await send_mail(compose(delivery, settings), settings)
        except MailRefused as error:
            await _failed_attempt(resources, settings, delivery, str(error))
            return
        now = datetime.now(UTC)
        async with _outcome_transaction(resources, delivery) as tx:
            await store.mark_delivered(tx.conn, delivery.id, now)
            await tx.emit(NotificationDelivered(**delivery.outcome(), delivered_at=now))
        log.info("notification delivered", template=delivery.template, attempts=delivery.attempts)


async def _failed_attempt(
    resources: Resources, settings: NotificationsSettings, delivery: Delivery, error: str
) -> None:
    now = datetime.now(UTC)
    retry_at = retry_policy(settings).after_failure(delivery.attempts, now)
    async with _outcome_transaction(resources, delivery) as tx:
        if retry_at is not None:
            await store.mark_retry(tx.conn, delivery.id, error, retry_at)
            log.warning("delivery attempt failed", attempts=delivery.attempts, error=error)
            return
        await store.mark_failed(tx.conn, delivery.id, error)
        await tx.emit(NotificationFailed(**delivery.outcome(), last_error=error, failed_at=now))
    log.error("notification failed, no attempt left", attempts=delivery.attempts, error=error)


def _outcome_transaction(
    resources: Resources, delivery: Delivery
) -> AbstractAsyncContextManager[Transaction]:
    """The transaction recording an attempt's outcome, caused by the delivery's source event."""
    return transaction(
        resources.pool,
        correlation_id=delivery.correlation_id,
        causation_id=str(delivery.source_event_id),
    )


async def run_deliveries(resources: Resources) -> None:
    """The worker: deliver due messages until cancelled."""
    settings = resources.settings
    assert isinstance(settings, NotificationsSettings)
    while True:
        try:
            attempted = await deliver_due(resources, settings)
        except Exception as error:
            log.warning("delivery round failed", error=repr(error))
            attempted = 0
        if attempted == 0:
            await asyncio.sleep(settings.delivery_poll_seconds)
