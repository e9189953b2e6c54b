"""Use cases of prototyping: load, decide, save, emit, in one transaction."""

from __future__ import annotations

from arctic.prototyping import store
from arctic.prototyping.domain import (
    NewPrototypeRequest,
    PrototypeRequest,
    requested_event,
    take_in,
)
from arctic.runtime.logs import get_logger
from arctic.runtime.unit_of_work import Transaction

log = get_logger(__name__)


async def submit_request(tx: Transaction, new: NewPrototypeRequest) -> PrototypeRequest:
    """Take in a company's request and announce it (PrototypeRequested)."""
    request = take_in(new)
    await store.insert_request(tx.conn, request)
    event_id = await tx.emit(requested_event(request))
    log.info("prototype requested", request_id=str(request.id), event_id=str(event_id))
    return request
