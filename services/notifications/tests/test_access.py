"""Who may read the delivery log: staff of any organisation (it is the network's shared
log), coordinators and admins; not companies or other systems."""

from __future__ import annotations

import httpx
import pytest
from notifications_support import ServiceRunner

from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens


async def test_reading_deliveries_without_a_token_is_401(
    run_notifications: ServiceRunner,
) -> None:
    async with (
        run_notifications() as service,
        httpx.AsyncClient(base_url=service.http.base_url) as anonymous,
    ):
        response = await anonymous.get("/deliveries")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="arctic-rdi-hub"'


@pytest.mark.parametrize(
    "caller",
    [
        {"role": Role.staff, "org": "lapland-uas"},
        {"role": Role.staff, "org": "luke"},
        {"role": Role.coordinator},
        {"role": Role.admin},
    ],
    ids=["staff of lapland-uas", "staff of luke", "coordinator", "admin"],
)
async def test_staff_coordinators_and_admins_read_deliveries(
    run_notifications: ServiceRunner, tokens: Tokens, caller: dict[str, object]
) -> None:
    async with run_notifications() as service:
        response = await service.http.get("/deliveries", headers=tokens.headers(**caller))  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    "caller",
    [{"role": Role.company, "business_id": "2617416-4"}, {"role": Role.service}, {"roles": []}],
    ids=["company", "service", "no role"],
)
async def test_companies_and_other_systems_may_not_read_deliveries(
    run_notifications: ServiceRunner, tokens: Tokens, caller: dict[str, object]
) -> None:
    async with run_notifications() as service:
        response = await service.http.get("/deliveries", headers=tokens.headers(**caller))  # type: ignore[arg-type]
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["roles"] == ["admin", "coordinator", "staff"]
