"""Triage over HTTP: accept and reject change a request once, answer conflicts with its state,
announce each change with the request's version, and survive retries and races."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prototyping_support import Prototyping, published, submitted, valid_request

from arctic.contracts.events import PrototypeAccepted, PrototypeRejected, PrototypeRequested
from arctic.runtime.testing import wait_until

REJECTION = {
    "reason": "A product doing this is already on the market.",
    "suggestions": [
        {"note": "Arctic Power's lab can test the product you buy."},
        {
            "note": "The innovation voucher pays 75 % of adapting it.",
            "funding_instrument_id": "0195a3b0-0000-7000-8000-000000000001",
        },
    ],
}
REQUESTED, ACCEPTED = PrototypeRequested.subject, PrototypeAccepted.subject
VIEW_FIELDS = {
    "id", "status", "company", "title", "problem", "disciplines", "stage", "showcase_consent",
    "origin_inquiry_id", "requested_at", "decided_at", "confirmed_disciplines", "rejection",
    "partner", "team", "starts_on", "due_on", "milestones", "delivery", "delivered_at",
    "allowed_actions",
}  # fmt: skip


async def accept(prototyping: Prototyping, request_id: str, **headers: str) -> Any:
    return await prototyping.http.post(
        f"/prototype-requests/{request_id}/accept",
        json={"disciplines": ["energy", "ict"]},
        headers=headers,
    )


async def outbox_subjects(prototyping: Prototyping) -> list[str]:
    """The events committed so far, in order: the outbox is the truth once answers are in."""
    rows = await prototyping.db.fetch("SELECT subject FROM outbox ORDER BY position")
    return [row["subject"] for row in rows]


async def events_published(prototyping: Prototyping, count: int) -> list[Any]:
    async def enough() -> bool:
        return len(await published(prototyping)) >= count

    await wait_until(enough)
    return await published(prototyping)


async def test_an_accepted_request_is_announced_with_its_new_version(
    prototyping: Prototyping,
) -> None:
    request_id = await submitted(prototyping)
    response = await accept(prototyping, request_id)

    assert response.status_code == 200
    view = response.json()
    assert set(view) == VIEW_FIELDS  # the aggregate's version and storage never leak
    assert (view["status"], view["allowed_actions"]) == ("accepted", ["assemble_team"])
    assert view["confirmed_disciplines"] == ["energy", "ict"]
    assert (await prototyping.http.get(f"/prototype-requests/{request_id}")).json() == view
    [(requested, _), (accepted, event)] = await events_published(prototyping, 2)
    assert (requested.aggregate_version, accepted.aggregate_version) == (1, 2)
    assert isinstance(event, PrototypeAccepted)
    assert event.disciplines == ["energy", "ict"]
    assert accepted.subject == request_id


async def test_a_rejected_request_tells_why_and_where_else_to_go(prototyping: Prototyping) -> None:
    request_id = await submitted(prototyping)
    response = await prototyping.http.post(
        f"/prototype-requests/{request_id}/reject", json=REJECTION
    )

    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["rejection"]["reason"] == REJECTION["reason"]
    [_, (envelope, event)] = await events_published(prototyping, 2)
    assert isinstance(event, PrototypeRejected)
    assert envelope.aggregate_version == 2
    assert [s.note for s in event.suggestions] == [s["note"] for s in REJECTION["suggestions"]]
    assert str(event.suggestions[1].funding_instrument_id).endswith("000000000001")


@pytest.mark.parametrize("second", ["accept", "reject"])
async def test_a_decided_request_refuses_another_decision_with_409_and_its_state(
    prototyping: Prototyping, second: str
) -> None:
    request_id = await submitted(prototyping)
    await accept(prototyping, request_id)
    body = {"disciplines": ["ict"]} if second == "accept" else REJECTION
    response = await prototyping.http.post(f"/prototype-requests/{request_id}/{second}", json=body)

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["state"], problem["allowed_actions"]) == ("accepted", ["assemble_team"])
    assert await outbox_subjects(prototyping) == [REQUESTED, ACCEPTED]


async def test_deciding_on_an_unknown_request_is_404(prototyping: Prototyping) -> None:
    response = await accept(prototyping, "01a224db-0000-7000-8000-000000000000")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("accept", {"disciplines": []}, "disciplines"),
        ("accept", {"disciplines": ["ict"], "priority": "high"}, "priority"),
        ("reject", {"reason": "  "}, "reason"),
        ("reject", {"reason": "no", "suggestions": [{"note": "x", "id": "y"}]}, "suggestions.0.id"),
        ("reject", {"reason": "no", "suggestions": [{"offering_id": "no"}]}, "suggestions.0.note"),
    ],
)  # fmt: skip
async def test_a_bad_decision_is_422_naming_the_field_and_changes_nothing(
    prototyping: Prototyping, action: str, body: dict[str, Any], field: str
) -> None:
    request_id = await submitted(prototyping)
    response = await prototyping.http.post(f"/prototype-requests/{request_id}/{action}", json=body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await prototyping.http.get(f"/prototype-requests/{request_id}")).json()["status"] == (
        "requested"
    )


async def test_of_two_concurrent_decisions_on_one_version_one_wins_and_one_gets_409(
    prototyping: Prototyping,
) -> None:
    request_id = await submitted(prototyping)
    async with prototyping.db.acquire() as blocker, blocker.transaction():
        # Hold the row so both commands read version 1 and queue at their versioned UPDATE.
        await blocker.execute(
            "SELECT 1 FROM prototype_requests WHERE id = $1 FOR UPDATE", request_id
        )
        racing = [
            asyncio.create_task(accept(prototyping, request_id)),
            asyncio.create_task(
                prototyping.http.post(f"/prototype-requests/{request_id}/reject", json=REJECTION)
            ),
        ]

        async def both_waiting() -> bool:
            waiting = await prototyping.db.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'UPDATE prototype_requests%'"
            )
            return bool(waiting == 2)

        await wait_until(both_waiting)
    answers = await asyncio.gather(*racing)

    assert sorted(a.status_code for a in answers) == [200, 409]
    [lost] = [a.json() for a in answers if a.status_code == 409]
    assert "changed by someone else" in lost["detail"]
    [winner] = [a.json() for a in answers if a.status_code == 200]
    decided = {"accepted": PrototypeAccepted, "rejected": PrototypeRejected}[winner["status"]]
    assert await outbox_subjects(prototyping) == [REQUESTED, decided.subject]


async def test_a_retried_submission_with_its_idempotency_key_creates_one_request(
    prototyping: Prototyping,
) -> None:
    key = {"Idempotency-Key": "form-7f3a"}
    first = await prototyping.http.post("/prototype-requests", json=valid_request(), headers=key)
    again = await prototyping.http.post("/prototype-requests", json=valid_request(), headers=key)
    other = await prototyping.http.post(
        "/prototype-requests", json={**valid_request(), "title": "Other"}, headers=key
    )

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert await prototyping.db.fetchval("SELECT count(*) FROM prototype_requests") == 1
    assert await outbox_subjects(prototyping) == [REQUESTED]


async def test_a_retried_acceptance_with_its_key_gets_the_first_answer_not_a_conflict(
    prototyping: Prototyping,
) -> None:
    request_id = await submitted(prototyping)
    first = await accept(prototyping, request_id, **{"Idempotency-Key": "accept-1"})
    retried = await accept(prototyping, request_id, **{"Idempotency-Key": "accept-1"})
    without_key = await accept(prototyping, request_id)

    assert (first.status_code, retried.status_code, without_key.status_code) == (200, 200, 409)
    assert retried.json() == first.json()
    assert await outbox_subjects(prototyping) == [REQUESTED, ACCEPTED]


async def test_the_coordinators_list_runs_newest_first_by_status_page_by_page(
    prototyping: Prototyping,
) -> None:
    ids = [await submitted(prototyping, title=f"Request {i}") for i in range(5)]
    await accept(prototyping, ids[1])
    await accept(prototyping, ids[3])

    first = (await prototyping.http.get("/prototype-requests", params={"limit": 3})).json()
    rest = (
        await prototyping.http.get(
            "/prototype-requests", params={"limit": 3, "cursor": first["next_cursor"]}
        )
    ).json()
    accepted = (await prototyping.http.get("/prototype-requests?status=accepted")).json()

    assert [r["id"] for r in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    assert [r["id"] for r in accepted["items"]] == [ids[3], ids[1]]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "cursor=forged", "status=sleeping"])
async def test_a_bad_list_query_is_422_naming_the_parameter(
    prototyping: Prototyping, query: str
) -> None:
    response = await prototyping.http.get(f"/prototype-requests?{query}")
    assert response.status_code == 422
    assert query.split("=")[0] in [e["field"] for e in response.json()["errors"]]
