"""HTTP API of prototyping."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from arctic.prototyping import store
from arctic.prototyping.domain import NewPrototypeRequest, PrototypeRequest
from arctic.prototyping.handlers import submit_request
from arctic.runtime.app import resources_of
from arctic.runtime.problems import NotFound
from arctic.runtime.resources import Resources
from arctic.runtime.unit_of_work import transaction

router = APIRouter(tags=["prototype requests"])


@router.post(
    "/prototype-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=PrototypeRequest,
    summary="Submit a company's problem or idea for a prototype",
)
async def create_prototype_request(
    body: NewPrototypeRequest, response: Response, resources: Resources = Depends(resources_of)
) -> PrototypeRequest:
    async with transaction(resources.pool) as tx:
        request = await submit_request(tx, body)
    response.headers["Location"] = f"/prototype-requests/{request.id}"
    return request


@router.get(
    "/prototype-requests/{request_id}",
    response_model=PrototypeRequest,
    summary="Read a prototype request",
)
async def read_prototype_request(
    request_id: UUID, resources: Resources = Depends(resources_of)
) -> PrototypeRequest:
    request = await store.get_request(resources.pool, request_id)
    if request is None:
        raise NotFound(f"no prototype request {request_id}")
    return request
