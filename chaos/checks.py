"""What the run left behind, counted from the databases, the streams, the mail sink and the
webhook receiver, against what the clients were answered.

Every accepted command must have exactly one effect in every service it reaches (an event
announcing it once on its stream, the row or the partnership it makes downstream once), every
event a consumer subscribes to must be in that consumer's inbox, every event of a kind that
notifications tells someone about must have its deliveries, every delivery must have gone out
exactly once (a mail with its delivery id as Message-ID; a webhook call with it as
webhook-id), and per aggregate the events must stand in the stream in version order. The one
allowed repetition is the documented one: a SIGKILL of notifications may repeat the sends it
had in flight (at most `ARCTIC_DELIVERY_CONCURRENCY`, docs/notifications.md).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from typing import Any

import asyncpg

from arctic.contracts.envelope import AGGREGATE_VERSION_HEADER, parse_message
from arctic.contracts.events import (
    AgreementSigned,
    BookingConfirmed,
    BookingRequested,
    EnvironmentUsageRecorded,
    EvaluationDue,
    EvaluationOverdue,
    InquiryReceived,
    InquiryRouted,
    NegotiationStarted,
    PartnershipNeedRaised,
    PrototypeAccepted,
    PrototypeRequested,
)
from arctic.contracts.registry import STREAMS
from arctic.notifications.rules import RULES
from arctic.notifications.settings import NotificationsSettings
from arctic.runtime.testing import stream_messages
from chaos.load import Ledger
from chaos.stack import Stack

IN_FLIGHT_SENDS = NotificationsSettings.model_fields["delivery_concurrency"].default


QUIET_HOURS_WAIT = """UPDATE notifications.deliveries SET next_attempt_at = now()
    WHERE status = 'pending' AND attempts = 0 AND last_error IS NULL
      AND next_attempt_at > now() + interval '1 minute'"""
"""Optional messages planned for the end of their recipients' quiet hours, made due now."""


@dataclass
class Figures:
    """The counts of a run; `problems` names each thing that is not as it must be."""

    events: dict[str, int] = field(default_factory=dict)  # stream -> messages
    effects: Counter[str] = field(default_factory=Counter)  # what -> found once
    duplicates: Counter[str] = field(default_factory=Counter)
    losses: Counter[str] = field(default_factory=Counter)
    out_of_order: int = 0
    dead_letters: int = 0
    mails: int = 0
    webhook_calls: int = 0
    repeated_sends: int = 0
    allowed_repeats: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Nothing lost, nothing twice, nothing out of order, repeats within the bound."""
        return not self.problems


async def settle(stack: Stack, ledger: Ledger, within: float = 900) -> float:
    """Wait until every outbox is published, every consumer has caught up, every delivery
    has ended and every scheduled event made due has fired; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            if await _settled(stack, ledger):
                return time.monotonic() - started
        except (OSError, asyncpg.PostgresError):
            pass
        await asyncio.sleep(1)
    raise TimeoutError(f"the system did not settle within {within} s")


async def _settled(stack: Stack, ledger: Ledger) -> bool:
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        await conn.execute(QUIET_HOURS_WAIT)  # (see `engine._make_due`)
        for name in stack.services:
            if await conn.fetchval(
                f"SELECT count(*) FROM {name}.outbox WHERE published_at IS NULL"
            ):
                return False
        if await conn.fetchval(
            "SELECT count(*) FROM notifications.deliveries WHERE status IN ('pending', 'sending')"
        ):
            return False
        if await conn.fetchval(
            "SELECT count(*) FROM partnerships.scheduled_events WHERE key = ANY($1::text[])",
            ledger.due_keys,
        ):
            return False
    finally:
        await conn.close()
    nc = await stack.connect()
    try:
        js = nc.jetstream()
        for definition in stack.definitions.values():
            for subscription in definition.subscriptions:
                info = await js.consumer_info(subscription.stream, subscription.durable)
                if info.num_pending or info.num_ack_pending:
                    return False
    finally:
        await nc.close()
    return True


async def count(stack: Stack, ledger: Ledger, notification_kills: int) -> Figures:
    """The figures of the run (call after `settle`)."""
    figures = Figures(allowed_repeats=IN_FLIGHT_SENDS * notification_kills)
    nc = await stack.connect()
    try:
        streams = {s.name: await stream_messages(nc, s.name) for s in STREAMS}
    finally:
        await nc.close()
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        await _count(stack, ledger, figures, streams, conn)
    finally:
        await conn.close()
    return figures


async def _count(
    stack: Stack,
    ledger: Ledger,
    figures: Figures,
    streams: dict[str, list[Any]],
    conn: asyncpg.Connection,
) -> None:
    ids: Counter[str] = Counter()
    by_type: dict[type, list[Any]] = defaultdict(list)
    subjects_of: dict[str, set[str]] = defaultdict(set)  # stream -> ids per subject below
    ids_by_subject: dict[str, list[str]] = defaultdict(list)
    versions: dict[tuple[str, str], list[int]] = defaultdict(list)
    for stream, messages in streams.items():
        figures.events[stream] = len(messages)
        for message in messages:
            envelope, event = parse_message(message.subject, message.headers or {}, message.data)
            ids[str(envelope.id)] += 1
            by_type[type(event)].append(event)
            subjects_of[stream].add(message.subject)
            ids_by_subject[message.subject].append(str(envelope.id))
            version = (message.headers or {}).get(AGGREGATE_VERSION_HEADER)
            if version is not None:
                versions[(stream, str(envelope.subject))].append(int(version))
    published_twice = sum(n - 1 for n in ids.values() if n > 1)
    _tally(figures, "events published twice (same ce-id)", 0, published_twice)
    for (stream, aggregate), seen in versions.items():
        for before, after in itertools.pairwise(seen):
            if after <= before:
                figures.out_of_order += 1
                figures.problems.append(f"{stream} {aggregate}: version {after} after {before}")

    def once(what: str, expected: set[str], event: type, attribute: str) -> None:
        found = Counter(str(getattr(e, attribute)) for e in by_type[event])
        for key in expected:
            _tally(figures, what, 1, found[key])

    once("PrototypeRequested per request", set(ledger.requests), PrototypeRequested, "request_id")
    once("PrototypeAccepted per acceptance", ledger.accepted_requests, PrototypeAccepted,
         "request_id")  # fmt: skip
    once("InquiryReceived per inquiry", set(ledger.inquiries), InquiryReceived, "inquiry_id")
    routed = {i for i, target in ledger.inquiries.items() if target is not None}
    once("InquiryRouted per routed inquiry", routed, InquiryRouted, "inquiry_id")
    to_prototyping = {i for i, target in ledger.inquiries.items() if target == "prototyping"}
    once("PrototypeRequested per inquiry routed to prototyping", to_prototyping,
         PrototypeRequested, "origin_inquiry_id")  # fmt: skip
    once("BookingRequested per booking", set(ledger.bookings), BookingRequested, "booking_id")
    once("BookingConfirmed per booking", set(ledger.bookings), BookingConfirmed, "booking_id")
    once("EnvironmentUsageRecorded per completion", ledger.completed, EnvironmentUsageRecorded,
         "booking_id")  # fmt: skip
    once("PartnershipNeedRaised per need", ledger.needs, PartnershipNeedRaised, "need_id")
    once("NegotiationStarted per negotiation", ledger.negotiations, NegotiationStarted,
         "negotiation_id")  # fmt: skip
    once("AgreementSigned per agreement", set(ledger.agreements), AgreementSigned, "agreement_id")
    once("EvaluationDue fired per evaluation made due", set(ledger.evaluations), EvaluationDue,
         "evaluation_id")  # fmt: skip
    once("EvaluationOverdue fired per evaluation made due", set(ledger.evaluations),
         EvaluationOverdue, "evaluation_id")  # fmt: skip

    # Effects downstream, in the services' own tables.
    stored = Counter(
        r["title"] for r in await conn.fetch("SELECT title FROM prototyping.prototype_requests")
    )
    for title in ledger.requests.values():
        _tally(figures, "prototype request stored per accepted form", 1, stored[title])
    origins = Counter(
        str(r["origin_inquiry_id"])
        for r in await conn.fetch(
            "SELECT origin_inquiry_id FROM prototyping.prototype_requests"
            " WHERE origin_inquiry_id IS NOT NULL"
        )
    )
    for inquiry in to_prototyping:
        _tally(figures, "prototype request opened per inquiry routed to prototyping", 1,
               origins[inquiry])  # fmt: skip
    partnerships = Counter(
        str(r["agreement_id"])
        for r in await conn.fetch("SELECT agreement_id FROM prototyping.partner_agreements")
    )
    for agreement in ledger.agreements:
        _tally(figures, "partnership known to prototyping per agreement", 1,
               partnerships[agreement])  # fmt: skip
    history = Counter(
        r["source_key"]
        for r in await conn.fetch("SELECT source_key FROM partnerships.partner_history")
    )
    for booking in ledger.completed:
        if ledger.bookings.get(booking) is not None:
            _tally(figures, "usage in the partner's history per completed booking", 1,
                   history[f"environment-usage:{booking}"])  # fmt: skip

    # Every event a consumer subscribes to is in its inbox; nothing dead-lettered.
    for name, definition in stack.definitions.items():
        figures.dead_letters += await conn.fetchval(f"SELECT count(*) FROM {name}.dead_letters")
        for subscription in definition.subscriptions:
            wanted = {i for s in subscription.subjects for i in ids_by_subject.get(s, [])}
            applied = {
                str(r["event_id"])
                for r in await conn.fetch(
                    f"SELECT event_id FROM {name}.inbox WHERE consumer = $1",
                    subscription.durable,
                )
            }
            figures.effects[f"events applied by {subscription.durable}"] += len(wanted & applied)
            _tally(figures, f"events missing from {subscription.durable}'s inbox", 0,
                   len(wanted - applied), loss=True)  # fmt: skip
    _tally(figures, "dead letters", 0, figures.dead_letters)
    await _deliveries(stack, figures, ids_by_subject, conn)


async def _deliveries(
    stack: Stack, figures: Figures, ids_by_subject: dict[str, list[str]], conn: asyncpg.Connection
) -> None:
    rows = await conn.fetch(
        "SELECT id::text, source_event_id::text, channel, status FROM notifications.deliveries"
    )
    statuses = Counter(r["status"] for r in rows)
    _tally(figures, "deliveries not delivered", 0, len(rows) - statuses["delivered"], loss=True)
    told = {r["source_event_id"] for r in rows}
    kinds = {rule.event.subject for rule in RULES}
    for subject in kinds:
        for event_id in ids_by_subject.get(subject, []):
            _tally(figures, "events of a kind with no delivery", 0, int(event_id not in told),
                   loss=True)  # fmt: skip
    parser = BytesHeaderParser()
    mails: Counter[str] = Counter()
    for path in stack.sink.mails():
        with path.open("rb") as file:
            headers = parser.parse(file)
        mails[str(headers["Message-ID"]).strip("<>").split("@")[0]] += 1
    figures.mails = sum(mails.values())
    figures.webhook_calls = sum(stack.receiver.received.values())
    for channel, sent in (("email", mails), ("webhook", stack.receiver.received)):
        delivered = {
            r["id"] for r in rows if r["channel"] == channel and r["status"] == "delivered"
        }
        for delivery in delivered:
            copies = sent.get(delivery, 0)
            if copies == 0:
                _tally(figures, f"{channel} deliveries never received", 0, 1, loss=True)
            else:
                figures.effects[f"{channel} deliveries received"] += 1
                figures.repeated_sends += copies - 1
        unknown = set(sent) - delivered
        _tally(figures, f"{channel} messages no delivery was recorded for", 0, len(unknown))
    if figures.repeated_sends > figures.allowed_repeats:
        figures.duplicates["sends repeated beyond the in-flight bound"] += (
            figures.repeated_sends - figures.allowed_repeats
        )
        figures.problems.append(
            f"{figures.repeated_sends} sends repeated; the bound is {figures.allowed_repeats}"
        )


def _tally(figures: Figures, what: str, expected: int, found: int, *, loss: bool = False) -> None:
    """Count one expectation: `found` against `expected` (one effect, or none of a fault)."""
    if found == expected:
        if expected:
            figures.effects[what] += 1
        return
    if loss or (expected == 1 and found == 0):
        figures.losses[what] += expected - found if expected else found
    else:
        figures.duplicates[what] += found - expected
    figures.problems.append(f"{what}: expected {expected}, found {found}")
