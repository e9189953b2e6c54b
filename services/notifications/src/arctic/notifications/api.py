"""HTTP API of notifications: what was delivered, to whom, after how many attempts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from arctic.notifications import store
from arctic.runtime.app import resources_of
from arctic.runtime.resources import Resources

router = APIRouter(tags=["deliveries"])


class DeliveryView(BaseModel):
    """A delivery as callers see it."""

    id: UUID
    source_event_id: UUID
    source_event_type: str
    recipient: str
    channel: str
    template: str
    language: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@router.get("/deliveries", response_model=list[DeliveryView], summary="List deliveries")
async def list_deliveries(
    event_id: UUID | None = Query(default=None, description="the event the messages were for"),
    resources: Resources = Depends(resources_of),
) -> list[DeliveryView]:
    found = await store.deliveries_for_event(resources.pool, event_id)
    return [DeliveryView.model_validate(d, from_attributes=True) for d in found]
