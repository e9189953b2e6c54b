"""POST and GET /prototype-requests: stored, announced once, and bad input refused clearly."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from prototyping_support import (
    CONTACT,
    PERSONAL_VALUES,
    Prototyping,
    submitted,
    valid_request,
)
from prototyping_support import published as published_events

from arctic.contracts.envelope import build_message, parse_message
from arctic.contracts.events import PersonalDataErasureRequested, PrototypingPersonalDataErased
from arctic.runtime.testing import SecuredNats, persons_for_tests, stream_messages, wait_until


def with_change(path: str, value: Any) -> dict[str, Any]:
    """The valid request with one field (dotted path) replaced, or removed when value is ..."""
    body = copy.deepcopy(valid_request())
    *parents, leaf = path.split(".")
    target: Any = body
    for key in parents:
        target = target[key]
    if value is ...:
        del target[leaf]
    else:
        target[leaf] = value
    return body


async def test_a_valid_request_is_stored_and_announced_once(prototyping: Prototyping) -> None:
    trace = "0af7651916cd43dd8448eb211c80319c"
    response = await prototyping.http.post(
        "/prototype-requests",
        json=valid_request(),
        headers={"X-Correlation-ID": "corr-42", "traceparent": f"00-{trace}-b7ad6b7169203331-01"},
    )
    assert response.status_code == 201
    created = response.json()
    assert response.headers["Location"] == f"/prototype-requests/{created['id']}"
    assert created["status"] == "requested"
    assert created["company"]["business_id"] == "2617416-4"

    fetched = await prototyping.http.get(response.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.json() == created

    async def published() -> bool:
        return len(await stream_messages(prototyping.nc, "PROTOTYPING")) == 1

    await wait_until(published)
    [msg] = await stream_messages(prototyping.nc, "PROTOTYPING")
    envelope, event = parse_message(msg.subject, msg.headers, msg.data)
    assert envelope.type == "arctic.prototyping.prototype.requested.v1"
    assert envelope.correlation_id == "corr-42"
    assert envelope.traceparent is not None
    assert envelope.traceparent.split("-")[1] == trace
    assert str(envelope.subject) == created["id"]
    assert str(event.request_id) == created["id"]
    assert event.company.contact.language == "fi"


async def test_the_contact_is_stored_in_clear_and_announced_only_sealed(
    prototyping: Prototyping,
) -> None:
    created = (await prototyping.http.post("/prototype-requests", json=valid_request())).json()
    persons = persons_for_tests(prototyping.notifications)
    contact = created["company"]["contact"]
    assert contact == {
        **CONTACT,
        "person_id": str(persons.person_id(str(CONTACT["email"]))),
        "erased": False,
    }

    async def published() -> bool:
        return len(await stream_messages(prototyping.nc, "PROTOTYPING")) == 1

    await wait_until(published)
    [msg] = await stream_messages(prototyping.nc, "PROTOTYPING")
    raw = msg.data.decode()
    for value in (*PERSONAL_VALUES, "Aino", "aino", "765 4321"):
        assert value not in raw
    _, event = parse_message(msg.subject, msg.headers, msg.data)
    assert str(event.company.contact.person_id) == contact["person_id"]
    details = await persons.open(event.company.contact)
    assert details is not None
    assert (details.name, details.email, details.phone) == (
        CONTACT["name"],
        CONTACT["email"],
        CONTACT["phone"],
    )


async def test_while_the_key_store_is_unreachable_a_request_is_503_and_nothing_is_stored(
    prototyping: Prototyping, secured_nats: SecuredNats
) -> None:
    secured_nats.server.stop()

    response = await prototyping.http.post("/prototype-requests", json=valid_request())

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert await prototyping.db.fetchval("SELECT count(*) FROM prototype_requests") == 0
    assert await prototyping.db.fetchval("SELECT count(*) FROM outbox") == 0
    secured_nats.server.start()  # the tests' NATS clients close cleanly


async def test_an_erasure_request_empties_the_contact_and_is_confirmed(
    prototyping: Prototyping,
) -> None:
    created = (await prototyping.http.post("/prototype-requests", json=valid_request())).json()
    other = await submitted(
        prototyping,
        company={**valid_request()["company"], "contact": {**CONTACT, "email": "erik@example.com"}},  # type: ignore[dict-item]
    )
    person_id = uuid.UUID(created["company"]["contact"]["person_id"])
    # She is an expert of the pool as well: the same person, erased there too.
    as_expert = {**CONTACT, "disciplines": ["ict"], "capacity": 1}
    expert = (await prototyping.http.post("/experts", json=as_expert)).json()
    assert expert["person_id"] == str(person_id)

    async def both_published() -> bool:
        unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        return bool(await prototyping.db.fetchval(unpublished) == 0)

    await wait_until(both_published)
    erasure = PersonalDataErasureRequested(
        erasure_id=uuid.uuid4(),
        person_id=person_id,
        requested_at=datetime.now(UTC),
        keys_erased_at=datetime.now(UTC),
    )
    headers, body = build_message(erasure, correlation_id="erase-aino")
    await prototyping.notifications.jetstream().publish(erasure.subject, body, headers=headers)

    async def confirmed() -> bool:
        return any(
            isinstance(event, PrototypingPersonalDataErased)
            for _, event in await published_events(prototyping)
        )

    await wait_until(confirmed)
    [confirmation] = [
        e
        for _, e in await published_events(prototyping)
        if isinstance(e, PrototypingPersonalDataErased)
    ]
    # her request's contact, her expert row, and the published outbox row of its
    # PrototypeRequested
    assert (confirmation.erasure_id, confirmation.records) == (erasure.erasure_id, 3)
    in_pool = (await prototyping.http.get(f"/experts/{expert['id']}")).json()
    assert (in_pool["erased"], in_pool["name"], in_pool["email"]) == (True, None, None)
    erased = (await prototyping.http.get(f"/prototype-requests/{created['id']}")).json()
    assert erased["company"]["contact"] == {
        "person_id": str(person_id),
        "language": "fi",
        "name": None,
        "email": None,
        "phone": None,
        "erased": True,
    }
    kept = (await prototyping.http.get(f"/prototype-requests/{other}")).json()
    assert kept["company"]["contact"]["email"] == "erik@example.com"
    row = await prototyping.db.fetchrow(
        "SELECT * FROM prototype_requests WHERE id = $1", uuid.UUID(created["id"])
    )
    assert not [value for value in PERSONAL_VALUES if value in str(dict(row))]
    expert_row = await prototyping.db.fetchrow("SELECT * FROM experts")
    assert not [value for value in PERSONAL_VALUES if value in str(dict(expert_row))]


async def test_an_unknown_request_is_404_problem(prototyping: Prototyping) -> None:
    response = await prototyping.http.get(
        "/prototype-requests/01a224db-0000-7000-8000-000000000000"
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_second_request_from_one_inquiry_is_a_documented_409(
    prototyping: Prototyping,
) -> None:
    # Found by fuzzing (tests/http/test_fuzzing.py): the 409 was served but not documented.
    body = {**valid_request(), "origin_inquiry_id": str(uuid.uuid4())}
    first = await prototyping.http.post("/prototype-requests", json=body)
    assert first.status_code == 201
    second = await prototyping.http.post("/prototype-requests", json=body)
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    assert body["origin_inquiry_id"] in second.json()["detail"]
    document = (await prototyping.http.get("/openapi.json")).json()
    assert "409" in document["paths"]["/prototype-requests"]["post"]["responses"]


INVALID = [
    ("company.business_id", "2617416-5", "check digit"),
    ("company.business_id", "26174164", "NNNNNNN-C"),
    ("company.business_id", ..., "Field required"),
    ("company.name", "  ", "at least 1"),
    ("company.contact.email", "aino-at-example.com", "email"),
    ("company.contact.language", "de", "fi"),
    ("company.contact.name", "", "at least 1"),
    ("disciplines", ["ict", "chemistry"], "land_surveying"),
    ("disciplines", [], "at least 1"),
    ("stage", "mature", "idea"),
    ("title", "", "at least 1"),
    ("title", "x" * 201, "at most 200"),
    ("problem", "   ", "at least 1"),
    ("problem", "x" * 5001, "at most 5000"),
    ("showcase_consent", "perhaps", "boolean"),
    ("company", ..., "Field required"),
    ("budget", 1000, "Extra inputs"),
]


@pytest.mark.parametrize(("field", "value", "says"), INVALID)
async def test_invalid_input_is_422_naming_the_field_and_nothing_is_stored_or_published(
    prototyping: Prototyping, field: str, value: Any, says: str
) -> None:
    response = await prototyping.http.post("/prototype-requests", json=with_change(field, value))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    [error] = [e for e in problem["errors"] if e["field"].startswith(field)]
    assert says.lower() in error["message"].lower(), error
    assert field in problem["detail"]
    await _nothing_stored_or_published(prototyping)


@pytest.mark.parametrize("body", [b"{not json", b"", b"[]", b'"text"', b'{"company": '], ids=repr)
async def test_a_malformed_body_is_a_client_error_never_a_500(
    prototyping: Prototyping, body: bytes
) -> None:
    response = await prototyping.http.post(
        "/prototype-requests", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"
    await _nothing_stored_or_published(prototyping)


async def _nothing_stored_or_published(prototyping: Prototyping) -> None:
    assert await prototyping.db.fetchval("SELECT count(*) FROM prototype_requests") == 0
    assert await prototyping.db.fetchval("SELECT count(*) FROM outbox") == 0
    # A valid request after it: the relay publishes in commit order, so once the valid one's
    # event is on the stream, anything the refused one had committed would be there too.
    marker = await prototyping.http.post("/prototype-requests", json=valid_request())
    assert marker.status_code == 201

    async def published() -> bool:
        return bool(await stream_messages(prototyping.nc, "PROTOTYPING"))

    await wait_until(published)
    [message] = await stream_messages(prototyping.nc, "PROTOTYPING")
    _, event = parse_message(message.subject, message.headers, message.data)
    assert str(event.request_id) == marker.json()["id"]
