"""The delivery loop: takes due deliveries, sends each, records the outcome and its event.

`ARCTIC_DELIVERY_CONCURRENCY` lanes each hold one claimed delivery at a time: a lane sends
it, then records its outcome and claims its next delivery in one transaction (one commit per
delivery), and never waits for another lane's send. Once the SMTP server has accepted a mail,
its lane keeps trying to record that for as long as the database is away, and claims
nothing new meanwhile: a database outage sends no mail twice. Only a process killed between
the server's acceptance and the record sends it again, once its claim has gone stale; so a
kill repeats at most the sends in flight, `delivery_concurrency`. A lane that is told to stop
finishes and records its send in flight and gives back a delivery it claimed but did not send.

Every attempt ends in a recorded outcome: delivered (NotificationDelivered), or a failure
with its error and either a retry at a later time or, when no attempt is left or the mail
cannot even be composed, `failed` with NotificationFailed. Each is logged with the delivery
id and the event id. A delivery whose recipient was erased while it waited or was being sent
ends `failed` with the reason, never sent (again). No error text names the recipient.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from arctic.contracts.events import NotificationDelivered, NotificationFailed
from arctic.contracts.vocabulary import Channel
from arctic.notifications import store, webhooks
from arctic.notifications.domain import ERASED_RECIPIENT, Delivery, RetryPolicy
from arctic.notifications.mailer import MailRefused, SmtpSessions, compose, send_mail, withheld
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.context import bound
from arctic.runtime.faults import is_infrastructure_fault
from arctic.runtime.logs import get_logger
from arctic.runtime.resources import Resources
from arctic.runtime.unit_of_work import Transaction, transaction

log = get_logger(__name__)
RECORD_RETRY_CAP_SECONDS = 5.0


@dataclass(frozen=True)
class Sent:
    """The SMTP server accepted the mail."""

    at: datetime


@dataclass(frozen=True)
class NotSent:
    """The message did not go out; `final` when trying again cannot help (a permanent
    refusal); `retry_after` the least wait the receiver asked for."""

    error: str
    final: bool = False
    retry_after: timedelta | None = None


def retry_policy(settings: NotificationsSettings) -> RetryPolicy:
    """The pacing of attempts from the settings."""
    return RetryPolicy(
        settings.delivery_max_attempts,
        timedelta(seconds=settings.delivery_retry_base_seconds),
        timedelta(seconds=settings.delivery_retry_max_seconds),
    )


async def deliver_due(
    resources: Resources,
    settings: NotificationsSettings,
    stopping: asyncio.Event | None = None,
) -> int:
    """Attempt the due deliveries, each once, in `delivery_concurrency` lanes, until none is
    due or `stopping` is set (the sends in flight are then finished and recorded); return how
    many were attempted. A lane that fails (the database away when it claims) ends; its error
    is raised once every other lane has recorded its send in flight, so that no round starts
    beside a lane still recording."""
    claims = Claims(stopping)
    lanes = (_lane(resources, settings, claims) for _ in range(settings.delivery_concurrency))
    ended = await asyncio.gather(*lanes, return_exceptions=True)
    for lane in ended:
        if isinstance(lane, BaseException):
            raise lane
    return sum(lane for lane in ended if isinstance(lane, int))


class Claims:
    """Whether the lanes may claim another delivery: not once told to stop, and not while
    any lane holds an outcome it could not record yet (the database away): the process
    claims nothing new meanwhile, or a lane could take the other's row once it went stale."""

    def __init__(self, stopping: asyncio.Event | None = None) -> None:
        self.stopping = stopping
        self.unrecorded = 0
        """Lanes waiting out a database outage to record an outcome."""

    def stopped(self) -> bool:
        """Whether the loop was told to stop."""
        return self.stopping is not None and self.stopping.is_set()

    def allowed(self, *, recording_mine: bool = False) -> bool:
        """Whether a claim may be made now (by a lane that is itself waiting out an outage
        to record, `recording_mine`: as soon as no other lane is)."""
        others = self.unrecorded - (1 if recording_mine else 0)
        return not self.stopped() and others == 0


async def _lane(resources: Resources, settings: NotificationsSettings, claims: Claims) -> int:
    """One delivery in flight at a time: send it; record it and claim the next together."""
    attempted = 0
    sessions = SmtpSessions(settings)
    try:
        delivery = await _claim(resources, settings) if claims.allowed() else None
        while delivery is not None:
            if claims.stopped():  # claimed together with the last record, just before the stop
                await _give_back(resources, delivery)
                break
            delivery = await attempt(resources, settings, delivery, claims, sessions)
            attempted += 1
    finally:
        await sessions.close()
    return attempted


async def _claim(resources: Resources, settings: NotificationsSettings) -> Delivery | None:
    async with resources.pool.acquire() as conn, conn.transaction():
        due = await store.claim_due(conn, 1, settings.delivery_stale_sending_seconds)
    return due[0] if due else None


async def _give_back(resources: Resources, delivery: Delivery) -> None:
    """Release a claim that was not sent; should the database be away, the claim goes stale
    and the delivery is sent later, once, all the same."""
    try:
        async with resources.pool.acquire() as conn:
            await store.release_claim(conn, delivery.id)
    except Exception as error:
        if not is_infrastructure_fault(error):
            raise
        log.warning("claim not given back; it is taken again once stale", error=repr(error))


async def attempt(
    resources: Resources,
    settings: NotificationsSettings,
    delivery: Delivery,
    claims: Claims | None = None,
    sessions: SmtpSessions | None = None,
) -> Delivery | None:
    """Send one delivery and record the outcome with its event, in one transaction; when
    `claims` allows, that transaction also claims the next due delivery, returned, and the
    SMTP session of the next mail is opened meanwhile."""
    with bound(
        correlation_id=delivery.correlation_id,
        event_id=str(delivery.source_event_id),
        delivery_id=str(delivery.id),
    ):
        outcome = await send_one(resources, delivery, settings, sessions)
        if claims is not None and claims.allowed() and sessions is not None:
            sessions.open_next()
        return await record(resources, settings, delivery, outcome, claims)


async def send_one(
    resources: Resources,
    delivery: Delivery,
    settings: NotificationsSettings,
    sessions: SmtpSessions | None = None,
) -> Sent | NotSent:
    """One attempt at a delivery on its channel; never raises."""
    if delivery.erased_at is not None:  # erased while an earlier attempt was under way
        return NotSent(ERASED_RECIPIENT, True)
    if delivery.channel is Channel.webhook:
        try:
            return await _post(resources, delivery, settings)
        except Exception as error:  # unforeseen (the database away): recorded and retried
            return NotSent(f"{type(error).__name__}: {error}")
    try:
        mail = compose(delivery, settings)
    except Exception as error:  # the same data will not compose better next time
        text = withheld(f"{type(error).__name__}: {error}")
        return NotSent(f"the mail cannot be composed: {text}", True)
    try:
        await send_mail(mail, settings, sessions)
    except MailRefused as error:
        return NotSent(str(error), error.permanent)
    except Exception as error:  # unforeseen: recorded and retried, never left in `sending`
        text = withheld(f"{type(error).__name__}: {error}")
        log.error("sending failed unexpectedly", template=delivery.template, error=text)
        return NotSent(text)
    return Sent(datetime.now(UTC))


async def _post(
    resources: Resources, delivery: Delivery, settings: NotificationsSettings
) -> Sent | NotSent:
    """One signed POST of a webhook delivery."""
    url, body = delivery.recipient, delivery.body
    secret = (
        None
        if delivery.webhook_id is None
        else (await store.webhook_secret(resources.pool, delivery.webhook_id))
    )
    if url is None or body is None or secret is None:
        return NotSent("the webhook was removed", True)
    try:
        await webhooks.check_destination(url, allow_private=settings.webhook_allow_private)
    except webhooks.UnsafeDestination as error:
        return NotSent(str(error), True)
    async with httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds, follow_redirects=False
    ) as client:
        answer = await webhooks.post(client, url, secret, delivery.id, body, datetime.now(UTC))
    if answer.accepted:
        return Sent(datetime.now(UTC))
    return NotSent(answer.error or "refused", not answer.transient, answer.retry_after)


async def record(
    resources: Resources,
    settings: NotificationsSettings,
    delivery: Delivery,
    outcome: Sent | NotSent,
    claims: Claims | None = None,
) -> Delivery | None:
    """Record the outcome, waiting out a database outage: above all a mail the server has
    accepted must be marked delivered, or it would be sent again. When `claims` allows, the
    same transaction claims the next due delivery, which is returned."""
    pause, waiting = 0.2, False
    try:
        while True:
            claim_next = claims is not None and claims.allowed(recording_mine=waiting)
            try:
                if isinstance(outcome, Sent):
                    return await _delivered(resources, settings, delivery, outcome.at, claim_next)
                return await _not_sent(resources, settings, delivery, outcome, claim_next)
            except Exception as error:
                if not is_infrastructure_fault(error):
                    log.exception("delivery outcome not recorded", outcome=type(outcome).__name__)
                    raise
                log.warning(
                    "database unavailable, delivery outcome not recorded yet; trying again",
                    outcome=type(outcome).__name__,
                    error=repr(error),
                    retry_in=pause,
                )
                if claims is not None and not waiting:
                    waiting, claims.unrecorded = True, claims.unrecorded + 1
                await asyncio.sleep(pause)
                pause = min(pause * 2, RECORD_RETRY_CAP_SECONDS)
    finally:
        if claims is not None and waiting:
            claims.unrecorded -= 1


async def _delivered(
    resources: Resources,
    settings: NotificationsSettings,
    delivery: Delivery,
    at: datetime,
    claim_next: bool,
) -> Delivery | None:
    async with _outcome_transaction(resources, delivery) as tx:
        following = None
        if claim_next:
            stale = settings.delivery_stale_sending_seconds
            following = await store.mark_delivered_and_claim(tx.conn, delivery.id, at, stale)
        else:
            await store.mark_delivered(tx.conn, delivery.id, at)
        await tx.emit(NotificationDelivered(**delivery.outcome(), delivered_at=at))
    log.info("notification delivered", template=delivery.template, attempts=delivery.attempts)
    return following


async def _not_sent(
    resources: Resources,
    settings: NotificationsSettings,
    delivery: Delivery,
    outcome: NotSent,
    claim_next: bool,
) -> Delivery | None:
    now = datetime.now(UTC)
    retry_at = (
        None
        if outcome.final
        else retry_policy(settings).after_failure(
            delivery.attempts,
            now,
            jitter=random.random(),  # noqa: S311 - spreading retries, not a secret
            retry_after=outcome.retry_after,
        )
    )
    error = outcome.error
    async with _outcome_transaction(resources, delivery) as tx:
        if retry_at is not None:
            erased = await store.mark_retry(tx.conn, delivery.id, error, retry_at, ERASED_RECIPIENT)
            if erased:  # its recipient was erased while it was being sent: no retry
                retry_at, error = None, ERASED_RECIPIENT
        else:
            await store.mark_failed(tx.conn, delivery.id, error)
        if retry_at is None:
            await tx.emit(NotificationFailed(**delivery.outcome(), last_error=error, failed_at=now))
        following = await _next(tx, settings, claim_next)
    if retry_at is not None:
        log.warning(
            "delivery attempt failed, will retry",
            attempts=delivery.attempts,
            retry_at=retry_at.isoformat(),
            error=error,
        )
    else:
        log.error("notification failed", attempts=delivery.attempts, error=error)
    return following


async def _next(
    tx: Transaction, settings: NotificationsSettings, claim_next: bool
) -> Delivery | None:
    """The next due delivery, claimed in the transaction recording the last one's outcome."""
    if not claim_next:
        return None
    due = await store.claim_due(tx.conn, 1, settings.delivery_stale_sending_seconds)
    return due[0] if due else None


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
    """The worker: deliver due messages until cancelled. At shutdown the sends in flight are
    finished and recorded (within the SMTP timeout and a little more) before it ends."""
    settings = resources.settings
    assert isinstance(settings, NotificationsSettings)
    stopping = asyncio.Event()
    while True:
        round_ = asyncio.ensure_future(deliver_due(resources, settings, stopping))
        try:
            attempted = await asyncio.shield(round_)
        except asyncio.CancelledError:
            stopping.set()  # no lane claims another delivery
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(round_, settings.smtp_timeout_seconds + 5)
            if not round_.done():
                log.error("shutdown before the sends in flight were recorded; they may repeat")
            raise
        except Exception as error:
            if not is_infrastructure_fault(error):
                raise  # a defect: the runtime restarts the loop and reports it
            log.warning("delivery round failed", error=repr(error))
            attempted = 0
        if attempted == 0:
            await asyncio.sleep(settings.delivery_poll_seconds)
