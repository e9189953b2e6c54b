"""HTTP API of notifications: what was delivered, to whom, after how many attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from arctic.notifications import store
from arctic.notifications.domain import Delivery, DeliveryStatus
from arctic.runtime.access.requirements import require
from arctic.runtime.access.roles import Role
from arctic.runtime.endpoints import UnitOfWorkDep
from arctic.runtime.pagination import Page, PageDep

router = APIRouter(tags=["deliveries"])


class DeliveryView(BaseModel):
    """A delivery as callers see it."""

    id: UUID
    source_event_id: UUID
    source_event_type: str
    source_subject: str | None
    recipient: str
    channel: str
    template: str
    language: str
    subject: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryView:
        """The view of a stored delivery."""
        return cls.model_validate(delivery, from_attributes=True)


@router.get(
    "/deliveries",
    response_model=Page[DeliveryView],
    dependencies=[Depends(require(Role.staff, Role.coordinator))],
    summary="List deliveries, newest first, narrowed by any of the filters",
)
async def list_deliveries(
    page: PageDep,
    uow: UnitOfWorkDep,
    event_id: Annotated[
        UUID | None, Query(description="the event the messages were for (its ce-id)")
    ] = None,
    correlation_id: Annotated[
        str | None, Query(max_length=200, description="the flow they belong to")
    ] = None,
    subject: Annotated[
        str | None,
        Query(
            max_length=200,
            description="what the messages are about: the ce-subject of their event, e.g. a "
            "prototype request's id",
        ),
    ] = None,
    recipient: Annotated[str | None, Query(max_length=254, description="to whom")] = None,
    status: Annotated[DeliveryStatus | None, Query(description="where they stand")] = None,
) -> Page[DeliveryView]:
    filters = store.DeliveryFilters(event_id, correlation_id, subject, recipient, status)
    found, next_cursor = await store.list_deliveries(uow.pool, filters, page)
    return Page(items=[DeliveryView.of(d) for d in found], next_cursor=next_cursor)
