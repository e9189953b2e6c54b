"""Who may do what with prototype requests: the public web form submits without a token
(paced per client address); coordinators and admins list, read and decide on any request, a
company reads only its own; nobody else."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from prototyping_support import Prototyping, published, valid_request

from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.testing import wait_until

OWNER = "2617416-4"  # valid_request()'s company
OTHER = "2934512-5"


@pytest.fixture
async def anonymous(prototyping: Prototyping) -> AsyncIterator[httpx.AsyncClient]:
    """A client without a token (the fixture's own client is a coordinator's)."""
    async with httpx.AsyncClient(base_url=prototyping.http.base_url) as client:
        yield client


@pytest.fixture
async def location(anonymous: httpx.AsyncClient) -> str:
    created = await anonymous.post("/prototype-requests", json=valid_request())
    assert created.status_code == 201
    return created.headers["Location"]


async def test_anyone_submits_a_request_without_a_token(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/prototype-requests", json=valid_request())
    assert response.status_code == 201


@pytest.mark.parametrize(
    "settings_overrides", [{"rate_limit_burst": 3, "rate_limit_per_minute": 1}], indirect=True
)
async def test_a_client_past_its_allowance_is_told_when_to_come_back(
    prototyping: Prototyping, anonymous: httpx.AsyncClient
) -> None:
    answers = [
        (await anonymous.post("/prototype-requests", json=valid_request())).status_code
        for _ in range(3)
    ]
    limited = await anonymous.post("/prototype-requests", json=valid_request())
    assert answers == [201] * 3
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    # One a minute: the next is up to 60 s away (less the time the three took).
    assert 30 <= int(limited.headers["Retry-After"]) <= 60
    assert await prototyping.db.fetchval("SELECT count(*) FROM prototype_requests") == 3


async def test_reading_a_request_without_a_token_is_401(
    anonymous: httpx.AsyncClient, location: str
) -> None:
    response = await anonymous.get(location)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="arctic-rdi-hub"'
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_coordinator_reads_any_request(
    prototyping: Prototyping, tokens: Tokens, location: str
) -> None:
    response = await prototyping.http.get(location, headers=tokens.headers(Role.coordinator))
    assert response.status_code == 200
    assert response.json()["company"]["business_id"] == OWNER


async def test_an_admin_reads_any_request(
    prototyping: Prototyping, tokens: Tokens, location: str
) -> None:
    response = await prototyping.http.get(location, headers=tokens.headers(Role.admin))
    assert response.status_code == 200


async def test_a_company_reads_its_own_request_and_another_company_is_told_there_is_none(
    prototyping: Prototyping, tokens: Tokens, location: str
) -> None:
    own = await prototyping.http.get(
        location, headers=tokens.headers(Role.company, business_id=OWNER)
    )
    other = await prototyping.http.get(
        location, headers=tokens.headers(Role.company, business_id="0737546-2")
    )
    missing = await prototyping.http.get(
        "/prototype-requests/01a224db-0000-7000-8000-000000000000",
        headers=tokens.headers(Role.company, business_id="0737546-2"),
    )
    assert own.status_code == 200
    # 404, not 403: another company's request reads exactly as one that does not exist.
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"] == f"no prototype request {location.rsplit('/', 1)[1]}"


@pytest.mark.parametrize(
    "caller",
    [
        {"role": Role.staff, "org": "lapland-uas"},
        {"role": Role.service},
        {"roles": []},
    ],
    ids=["staff", "service", "no role"],
)
async def test_other_roles_may_not_read_requests(
    prototyping: Prototyping, tokens: Tokens, location: str, caller: dict[str, object]
) -> None:
    response = await prototyping.http.get(location, headers=tokens.headers(**caller))  # type: ignore[arg-type]
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["roles"] == ["admin", "company", "coordinator"]


async def test_coordinators_list_every_request_and_a_company_only_its_own(
    prototyping: Prototyping, anonymous: httpx.AsyncClient, tokens: Tokens, location: str
) -> None:
    other = valid_request()
    other["company"] = {**other["company"], "business_id": OTHER}
    assert (await anonymous.post("/prototype-requests", json=other)).status_code == 201

    async def listed(headers: dict[str, str], query: str = "") -> tuple[int, list[str]]:
        response = await prototyping.http.get(f"/prototype-requests{query}", headers=headers)
        items = response.json().get("items", []) if response.status_code == 200 else []
        return response.status_code, sorted(i["company"]["business_id"] for i in items)

    owner = tokens.headers(Role.company, business_id=OWNER)
    assert await listed(tokens.headers(Role.coordinator)) == (200, [OWNER, OTHER])
    assert await listed(tokens.headers(Role.admin), f"?company={OTHER}") == (200, [OTHER])
    assert await listed(owner) == (200, [OWNER])
    assert await listed(owner, f"?company={OWNER}") == (200, [OWNER])
    assert await listed(owner, f"?company={OTHER}") == (403, [])
    assert await listed(tokens.headers(Role.staff, org="lapland-uas")) == (403, [])
    assert (await anonymous.get("/prototype-requests")).status_code == 401


@pytest.mark.parametrize("decision", ["accept", "reject"])
async def test_only_coordinators_and_admins_decide_and_the_decider_is_on_the_event(
    prototyping: Prototyping,
    anonymous: httpx.AsyncClient,
    tokens: Tokens,
    location: str,
    decision: str,
) -> None:
    path = f"{location}/{decision}"
    body = (
        {"disciplines": ["ict"]}
        if decision == "accept"
        else {"reason": "A product doing this is already on the market."}
    )
    refused = {
        "anonymous": (await anonymous.post(path, json=body)).status_code,
        "owner company": (
            await prototyping.http.post(
                path, json=body, headers=tokens.headers(Role.company, business_id=OWNER)
            )
        ).status_code,
        "staff": (
            await prototyping.http.post(
                path, json=body, headers=tokens.headers(Role.staff, org="lapland-uas")
            )
        ).status_code,
    }
    assert refused == {"anonymous": 401, "owner company": 403, "staff": 403}
    decided = await prototyping.http.post(
        path, json=body, headers=tokens.headers(Role.coordinator, sub="kc-coordinator-7")
    )
    assert decided.status_code == 200

    async def decision_published() -> bool:
        return len(await published(prototyping)) == 2

    await wait_until(decision_published)
    actors = [
        (envelope.type.split(".")[3], envelope.actor)
        for envelope, _ in await published(prototyping)
    ]
    assert actors == [("requested", None), (f"{decision}ed", "kc-coordinator-7")]


async def test_a_refused_caller_leaves_no_idempotency_key_behind(
    prototyping: Prototyping, anonymous: httpx.AsyncClient, tokens: Tokens, location: str
) -> None:
    key = {"Idempotency-Key": "triage-1"}
    body = {"disciplines": ["ict"]}
    refused = await anonymous.post(f"{location}/accept", json=body, headers=key)
    accepted = await prototyping.http.post(
        f"{location}/accept", json=body, headers={**key, **tokens.headers(Role.coordinator)}
    )
    assert refused.status_code == 401
    assert accepted.status_code == 200
    assert "Idempotent-Replayed" not in accepted.headers


async def test_an_idempotency_key_replays_only_to_the_caller_who_first_used_it(
    prototyping: Prototyping, tokens: Tokens, location: str
) -> None:
    key = {"Idempotency-Key": "triage-2"}
    body = {"disciplines": ["ict"]}
    first = tokens.headers(Role.coordinator, sub="kc-coordinator-1")
    second = tokens.headers(Role.coordinator, sub="kc-coordinator-2")
    accepted = await prototyping.http.post(f"{location}/accept", json=body, headers=first | key)
    replayed = await prototyping.http.post(f"{location}/accept", json=body, headers=first | key)
    other = await prototyping.http.post(f"{location}/accept", json=body, headers=second | key)
    assert (accepted.status_code, replayed.status_code) == (200, 200)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422  # not the first caller's answer

    async def decision_published() -> bool:
        return len(await published(prototyping)) == 2

    await wait_until(decision_published)
    [_, (decision, _)] = await published(prototyping)
    assert decision.actor == "kc-coordinator-1"
