"""Use cases of prototyping: load, decide, save, emit, in the caller's one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from arctic.contracts.events import PersonalDataErasureRequested, PrototypingEvent, Suggestion
from arctic.contracts.vocabulary import Discipline
from arctic.prototyping import store
from arctic.prototyping.domain import PrototypeRequest, RequestNotFound, Submission
from arctic.runtime.logs import get_logger
from arctic.runtime.settings import ServiceSettings
from arctic.runtime.subscriptions import Context
from arctic.runtime.unit_of_work import Transaction

log = get_logger(__name__)


async def submit_request(
    tx: Transaction, submission: Submission, now: datetime
) -> PrototypeRequest:
    """Take in a company's request and announce it (PrototypeRequested)."""
    request, requested = PrototypeRequest.submit(submission, now)
    await store.insert_request(tx.conn, request)
    await _announce(tx, request, requested)
    return request


async def accept_request(
    tx: Transaction, request_id: UUID, disciplines: Sequence[Discipline], now: datetime
) -> PrototypeRequest:
    """Triage accepts a request (PrototypeAccepted)."""
    request = await _load(tx, request_id)
    accepted = request.accept(disciplines, now)
    await _save(tx, request, accepted)
    return request


async def reject_request(
    tx: Transaction,
    request_id: UUID,
    reason: str,
    suggestions: Sequence[Suggestion],
    now: datetime,
) -> PrototypeRequest:
    """Triage rejects a request (PrototypeRejected)."""
    request = await _load(tx, request_id)
    rejected = request.reject(reason, suggestions, now)
    await _save(tx, request, rejected)
    return request


async def erase_contact(
    ctx: Context[ServiceSettings], erasure: PersonalDataErasureRequested
) -> int:
    """Erase a person from the requests they are the contact of (ServiceDefinition.erase_person)."""
    return await store.erase_contact(ctx.tx.conn, erasure.person_id, ctx.clock())


async def _load(tx: Transaction, request_id: UUID) -> PrototypeRequest:
    request = await store.get_request(tx.conn, request_id)
    if request is None:
        raise RequestNotFound(request_id)
    return request


async def _save(tx: Transaction, request: PrototypeRequest, event: PrototypingEvent) -> None:
    await store.update_request(tx.conn, request)
    await _announce(tx, request, event)


async def _announce(tx: Transaction, request: PrototypeRequest, event: PrototypingEvent) -> None:
    event_id = await tx.emit(event, aggregate_version=request.version)
    log.info(
        "prototype request changed",
        request_id=str(request.id),
        status=request.status.value,
        version=request.version,
        event_id=str(event_id),
    )
