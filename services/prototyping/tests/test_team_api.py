"""The expert pool and the team over HTTP against the real servers: experts added and revised,
teams within capacity and absences (the 409 naming what is missing and when), no overbooking
under concurrent assembly, the time-box's reminders firing once on the service's clock,
milestones, and delivery freeing the team and cancelling the reminders."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest
from prototyping_support import (
    Prototyping,
    accepted,
    events_of,
    expert_added,
    expert_body,
    published,
    team_taken,
)

from arctic.contracts.events import (
    PrototypeDeadlineApproaching,
    PrototypeDelivered,
    PrototypeMilestoneReached,
    PrototypeOverdue,
    PrototypeTeamAssembled,
)
from arctic.prototyping.timebox import FINLAND

START = "2026-03-02"
BEFORE_START = datetime(2026, 3, 1, 9, tzinfo=UTC)
DELIVERY = {
    "outcome": "working_prototype",
    "outcome_summary": "A wireless snow-load sensor and a phone app that warns the owner.",
    "next_step": {
        "note": "The innovation voucher pays 75 % of a pilot series.",
        "funding_instrument_id": "0195a3b0-0000-7000-8000-000000000001",
    },
    "showcase": {
        "title": "Snow-load sensor",
        "summary": "Warns before a roof gives way.",
        "media_urls": ["https://www.youtube.com/watch?v=tequ-demo"],
    },
}


@pytest.fixture(autouse=True)
def before_the_start(prototyping: Prototyping) -> None:
    """The service's clock stands the day before START, so no reminder is due yet."""
    assert prototyping.clock is not None
    prototyping.clock.set(BEFORE_START)


async def test_an_expert_is_added_revised_and_listed_with_their_details_sealed_for_events(
    prototyping: Prototyping,
) -> None:
    body = expert_body("Aleksi Rautio", "ict", capacity=2)
    created = await prototyping.http.post("/experts", json=body)
    assert created.status_code == 201, created.text
    expert = created.json()
    assert created.headers["Location"] == f"/experts/{expert['id']}"
    assert (expert["name"], expert["capacity"], expert["active_prototypes"]) == (
        "Aleksi Rautio",
        2,
        0,
    )
    away = [{"starts_on": "2026-07-01", "ends_on": "2026-07-31"}]
    revised = await prototyping.http.put(
        f"/experts/{expert['id']}",
        json={**body, "disciplines": ["ict", "energy"], "absences": away},
    )
    assert revised.status_code == 200, revised.text
    assert (revised.json()["disciplines"], revised.json()["absences"]) == (["ict", "energy"], away)
    listed = (await prototyping.http.get("/experts?discipline=energy")).json()
    assert [e["id"] for e in listed["items"]] == [expert["id"]]
    assert (await prototyping.http.get("/experts?discipline=business")).json()["items"] == []
    row = await prototyping.db.fetchrow("SELECT sealed, email FROM experts")
    assert row["email"] == body["email"]
    assert body["email"] not in row["sealed"]


async def test_bad_experts_are_refused_with_the_field_at_fault(prototyping: Prototyping) -> None:
    body = expert_body("Elina Keskitalo", "ict")
    backwards = {**body, "absences": [{"starts_on": "2026-07-02", "ends_on": "2026-07-01"}]}
    refused = await prototyping.http.post("/experts", json=backwards)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "absences.0"
    for bad in ({"capacity": 0}, {"disciplines": ["cooking"]}, {"email": "nobody"}):
        assert (await prototyping.http.post("/experts", json={**body, **bad})).status_code == 422
    assert (await prototyping.http.post("/experts", json=body)).status_code == 201
    again = await prototyping.http.post("/experts", json=body)
    assert again.status_code == 409
    assert (
        await prototyping.http.get(f"/experts/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    ).status_code == 404


async def test_a_proposal_changes_nothing_and_taking_it_starts_the_time_box(
    prototyping: Prototyping,
) -> None:
    ict = await expert_added(prototyping, "Aleksi Rautio", "ict")
    energy = await expert_added(prototyping, "Lauri Alatalo", "energy", capacity=2)
    await expert_added(prototyping, "Riku Jääskö", "industrial_design")
    request_id = await accepted(prototyping, "ict", "energy")
    path = f"/prototype-requests/{request_id}/team"

    in_the_past = await prototyping.http.post(path, json={"starts_on": "2026-02-27"})
    assert in_the_past.status_code == 422
    assert in_the_past.json()["errors"][0]["field"] == "starts_on"
    proposal = await prototyping.http.post(path, json={"starts_on": START})
    assert proposal.status_code == 200, proposal.text
    assert proposal.json()["confirmed"] is False
    assert proposal.json()["request"]["status"] == "accepted"
    assert await prototyping.db.fetchval("SELECT count(*) FROM assignments") == 0

    taken = await team_taken(prototyping, request_id, starts_on=START)
    assert taken.status_code == 200, taken.text
    answer = taken.json()
    assert {(m["expert_id"], tuple(m["disciplines"])) for m in answer["team"]} == {
        (ict, ("ict",)),
        (energy, ("energy",)),
    }
    view = answer["request"]
    assert (view["status"], view["starts_on"], view["due_on"]) == (
        "in_progress",
        START,
        "2026-04-01",
    )
    assert [(m["name"], m["due_on"]) for m in view["milestones"]] == [
        ("kick_off", START),
        ("demo", "2026-03-22"),
        ("hand_over", "2026-04-01"),
    ]
    [event] = await events_of(prototyping, PrototypeTeamAssembled, 1)
    assert {str(m.expert_id) for m in event.team} == {ict, energy}
    assert (event.starts_on, event.due_on) == (date(2026, 3, 2), date(2026, 4, 1))
    scheduled = await prototyping.db.fetch(
        "SELECT key, due_at FROM scheduled_events ORDER BY due_at"
    )
    assert [(r["key"], r["due_at"]) for r in scheduled] == [
        (f"deadline-approaching:{request_id}", datetime(2026, 3, 25, 8, tzinfo=FINLAND)),
        (f"overdue:{request_id}", datetime(2026, 4, 1, 16, tzinfo=FINLAND)),
    ]
    experts = {e["id"]: e for e in (await prototyping.http.get("/experts")).json()["items"]}
    assert (experts[ict]["active_prototypes"], experts[energy]["active_prototypes"]) == (1, 1)


async def test_uncovered_disciplines_are_a_409_naming_them_and_the_earliest_start(
    prototyping: Prototyping,
) -> None:
    await expert_added(prototyping, "Aleksi Rautio", "ict")
    await expert_added(
        prototyping,
        "Lauri Alatalo",
        "energy",
        absences=[{"starts_on": "2026-03-20", "ends_on": "2026-04-05"}],
    )
    first = await accepted(prototyping, "ict")
    assert (await team_taken(prototyping, first, starts_on=START)).status_code == 200
    second = await accepted(prototyping, "ict", "energy", "business")

    refused = await team_taken(prototyping, second, starts_on=START)

    assert refused.status_code == 409
    problem = refused.json()
    assert problem["missing"] == ["ict", "energy", "business"]  # business: nobody has it
    assert problem["earliest_start"] is None
    without_business = await accepted(prototyping, "ict", "energy")
    refused = await team_taken(prototyping, without_business, starts_on=START)
    problem = refused.json()
    # The ICT expert is booked until 2026-04-01, the energy expert away until 2026-04-05.
    assert (problem["missing"], problem["earliest_start"]) == (["ict", "energy"], "2026-04-06")
    later = await team_taken(prototyping, without_business, starts_on=problem["earliest_start"])
    assert later.status_code == 200, later.text
    assert await prototyping.db.fetchval("SELECT count(*) FROM assignments") == 3


async def test_two_concurrent_assemblies_never_overbook_an_expert(prototyping: Prototyping) -> None:
    only = await expert_added(prototyping, "Aleksi Rautio", "ict", capacity=1)
    requests = [await accepted(prototyping, "ict") for _ in range(2)]

    answers = await asyncio.gather(*(team_taken(prototyping, r, starts_on=START) for r in requests))

    assert sorted(a.status_code for a in answers) == [200, 409]
    assert (
        await prototyping.db.fetchval("SELECT count(*) FROM assignments WHERE expert_id = $1", only)
        == 1
    )
    statuses = [
        (await prototyping.http.get(f"/prototype-requests/{r}")).json()["status"] for r in requests
    ]
    assert sorted(statuses) == ["accepted", "in_progress"]


async def test_the_reminders_fire_once_at_their_times_and_delivery_frees_the_team(
    prototyping: Prototyping,
) -> None:
    clock = prototyping.clock
    assert clock is not None
    clock.set(datetime(2026, 3, 2, 6, tzinfo=UTC))
    expert = await expert_added(prototyping, "Aleksi Rautio", "ict")
    request_id = await accepted(prototyping, "ict")
    assert (await team_taken(prototyping, request_id)).status_code == 200  # starts today

    clock.set(datetime(2026, 3, 25, 8, 1, tzinfo=FINLAND))
    [approaching] = await events_of(prototyping, PrototypeDeadlineApproaching, 1)
    assert (approaching.days_left, approaching.due_on) == (7, date(2026, 4, 1))
    assert [m.expert_id for m in approaching.team] == [approaching.team[0].expert_id]

    done = await prototyping.http.post(f"/prototype-requests/{request_id}/milestones/kick_off/done")
    assert done.status_code == 200, done.text
    again = await prototyping.http.post(
        f"/prototype-requests/{request_id}/milestones/kick_off/done"
    )
    assert again.status_code == 409
    unknown = await prototyping.http.post(f"/prototype-requests/{request_id}/milestones/party/done")
    assert unknown.status_code == 422  # not one of kick_off, demo, hand_over

    clock.set(datetime(2026, 4, 1, 16, 1, tzinfo=FINLAND))
    [overdue] = await events_of(prototyping, PrototypeOverdue, 1)
    assert overdue.due_on == date(2026, 4, 1)

    delivered = await prototyping.http.post(
        f"/prototype-requests/{request_id}/deliver", json=DELIVERY
    )
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["status"] == "delivered"
    [event] = await events_of(prototyping, PrototypeDelivered, 1)
    assert event.next_step is not None
    assert event.showcase is not None
    # Delivery is the control event: by now each reminder fired exactly once.
    kinds = [type(e).__name__ for _, e in await published(prototyping)]
    assert (kinds.count("PrototypeDeadlineApproaching"), kinds.count("PrototypeOverdue")) == (1, 1)
    assert kinds.count("PrototypeMilestoneReached") == 1
    assert (await prototyping.http.get(f"/experts/{expert}")).json()["active_prototypes"] == 0


async def test_delivery_in_time_cancels_the_reminders_and_the_freed_expert_takes_the_next(
    prototyping: Prototyping,
) -> None:
    await expert_added(prototyping, "Aleksi Rautio", "ict")
    first, second = await accepted(prototyping, "ict"), await accepted(prototyping, "ict")
    assert (await team_taken(prototyping, first, starts_on=START)).status_code == 200
    assert (await team_taken(prototyping, second, starts_on=START)).status_code == 409
    assert await prototyping.db.fetchval("SELECT count(*) FROM scheduled_events") == 2

    delivered = await prototyping.http.post(f"/prototype-requests/{first}/deliver", json=DELIVERY)

    assert delivered.status_code == 200, delivered.text
    assert await prototyping.db.fetchval("SELECT count(*) FROM scheduled_events") == 0
    assert (await team_taken(prototyping, second, starts_on=START)).status_code == 200
    await events_of(prototyping, PrototypeTeamAssembled, 2)
    kinds = {type(e) for _, e in await published(prototyping)}
    assert PrototypeDeadlineApproaching not in kinds
    assert PrototypeMilestoneReached not in kinds


async def test_a_showcase_without_consent_is_refused_and_nothing_is_delivered(
    prototyping: Prototyping,
) -> None:
    await expert_added(prototyping, "Aleksi Rautio", "ict")
    request_id = await accepted(prototyping, "ict", showcase_consent=False)
    assert (await team_taken(prototyping, request_id, starts_on=START)).status_code == 200
    path = f"/prototype-requests/{request_id}/deliver"

    refused = await prototyping.http.post(path, json=DELIVERY)

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "showcase"
    no_showcase: dict[str, Any] = {k: v for k, v in DELIVERY.items() if k != "showcase"}
    assert (await prototyping.http.post(path, json=no_showcase)).status_code == 200
    assert (await prototyping.http.post(path, json=no_showcase)).status_code == 409
