"""Inquiries over HTTP: a company's need arrives, is routed at once with reasons (to
organisations or to prototyping), with its coordinators and assignees sealed; staff re-route
and answer; the company reads only its own."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from catalogue_support import COMPANY, PERSONAL_VALUES, Catalogue, about

from arctic.contracts.events import InquiryOverdue, InquiryReceived, InquiryRouted
from arctic.contracts.vocabulary import RouteTarget
from arctic.runtime.access.roles import Role
from arctic.runtime.testing import persons_for_tests


async def inquire(catalogue: Catalogue, need: str, stage: str, **more: Any) -> dict[str, Any]:
    response = await catalogue.http.post(
        "/inquiries", json={"company": COMPANY, "need": need, "stage": stage, **more}
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/inquiries/{response.json()['id']}"
    body: dict[str, Any] = response.json()
    return body


async def test_a_need_is_routed_to_the_organisation_with_reasons(catalogue: Catalogue) -> None:
    inquiry = await inquire(
        catalogue,
        "We need pilot-scale mineral processing tests for our lithium ore and the tailings.",
        "pilot",
    )
    routing = inquiry["routing"]
    assert (inquiry["status"], routing["target"], routing["organisations"]) == (
        "routed", "organisation", ["gtk"],
    )  # fmt: skip
    assert any("'mineral'" in r and "stage pilot fits" in r for r in routing["reasons"])
    assert routing["offerings"][0]["organisation"] == "gtk"
    assert routing["funding_instruments"]  # matched by the stage
    [(received_env, received), (routed_env, routed)] = await about(catalogue.nc, inquiry["id"], 2)
    assert isinstance(received, InquiryReceived)
    assert isinstance(routed, InquiryRouted)
    assert (received_env.aggregate_version, routed_env.aggregate_version) == (1, 2)
    assert routed.target is RouteTarget.organisation
    assert [o.name for o in routed.organisations] == ["Geological Survey of Finland"]
    persons = persons_for_tests(catalogue.notifications)
    [coordinator] = received.coordinators
    assert (await persons.open(coordinator)) is not None
    [assignee] = routed.assignees
    opened = await persons.open(assignee)
    assert opened is not None
    assert opened.name == "Mikko Mineraali"
    contact = await persons.open(routed.company.contact)
    assert contact is not None
    assert contact.email == COMPANY["contact"]["email"]
    for value in PERSONAL_VALUES:
        assert value not in routed.model_dump_json()


async def test_an_early_idea_to_prototype_goes_to_prototyping(catalogue: Catalogue) -> None:
    inquiry = await inquire(
        catalogue,
        "Idea: a cheap wireless sensor prototype that warns before snow load on a roof "
        "gets dangerous.",
        "concept",
    )
    routing = inquiry["routing"]
    assert (routing["target"], routing["organisations"]) == ("prototyping", ["lapland-uas"])
    assert any("prototyp" in r for r in routing["reasons"])
    [_, (_, routed)] = await about(catalogue.nc, inquiry["id"], 2)
    assert isinstance(routed, InquiryRouted)
    assert routed.target is RouteTarget.prototyping
    assert routed.organisations == []  # prototyping opens a request; the UAS staff follow it
    assert routed.assignees


async def test_the_service_level_counts_finnish_working_days(catalogue: Catalogue) -> None:
    # Tuesday 2026-12-22: Wed 23rd, then Christmas Eve and Day (Thu, Fri) and the weekend,
    # then Mon 28th to Thu 31st are the rest of the five working days.
    catalogue.clock.set(catalogue.clock().replace(year=2026, month=12, day=22, hour=10))
    inquiry = await inquire(catalogue, "Help with welding of ultra-high-strength steel", "pilot")
    assert date.fromisoformat(inquiry["respond_by"]) == date(2026, 12, 31)
    # Thursday before Midsummer 2027 (Eve Fri 25 June): 28, 29, 30 June, 1, 2 July.
    catalogue.clock.set(catalogue.clock().replace(year=2027, month=6, day=24))
    inquiry = await inquire(catalogue, "Help with welding of ultra-high-strength steel", "pilot")
    assert date.fromisoformat(inquiry["respond_by"]) == date(2027, 7, 2)


async def test_staff_re_route_and_answer_and_a_company_sees_only_its_own(
    catalogue: Catalogue,
) -> None:
    inquiry = await inquire(catalogue, "Reindeer pasture study for a wind farm", "concept")
    async with catalogue.client(Role.coordinator) as coordinator:
        rerouted = await coordinator.post(
            f"/inquiries/{inquiry['id']}/route",
            json={
                "target": "organisation",
                "organisations": ["luke", "ulapland"],
                "reason": "Also Arctic law for the land use permit.",
            },
        )
        assert rerouted.status_code == 200, rerouted.text
        assert rerouted.json()["routing"]["organisations"] == ["luke", "ulapland"]
        assert rerouted.json()["routing"]["reasons"] == ["Also Arctic law for the land use permit."]
        bad = await coordinator.post(
            f"/inquiries/{inquiry['id']}/route",
            json={"target": "organisation", "organisations": ["nowhere"], "reason": "x"},
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "organisations"
        answered = await coordinator.post(
            f"/inquiries/{inquiry['id']}/answer", json={"answer": "We will call you."}
        )
        assert answered.json()["status"] == "answered"
        again = await coordinator.post(f"/inquiries/{inquiry['id']}/answer", json={"answer": "x"})
        assert again.status_code == 409
        assert again.json()["state"] == "answered"
    events = await about(catalogue.nc, inquiry["id"], 3)
    assert [type(ev).__name__ for _, ev in events] == [
        "InquiryReceived", "InquiryRouted", "InquiryRouted",
    ]  # fmt: skip
    async with catalogue.client(Role.company, business_id=COMPANY["business_id"]) as own:
        assert (await own.get(f"/inquiries/{inquiry['id']}")).status_code == 200
    async with catalogue.client(Role.company, business_id="0112038-9") as other:
        assert (await other.get(f"/inquiries/{inquiry['id']}")).status_code == 404
    assert (await catalogue.http.get(f"/inquiries/{inquiry['id']}")).status_code == 401


async def test_a_bad_inquiry_is_422_naming_the_field(catalogue: Catalogue) -> None:
    cases = [
        ({"company": COMPANY, "need": " ", "stage": "idea"}, "need"),
        ({"company": COMPANY, "need": "x", "stage": "someday"}, "stage"),
        ({"company": {**COMPANY, "business_id": "123"}, "need": "x", "stage": "idea"},
         "company.business_id"),
        ({"company": COMPANY, "need": "x", "stage": "idea", "budget": 5}, "budget"),
    ]  # fmt: skip
    for body, field in cases:
        response = await catalogue.http.post("/inquiries", json=body)
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]]
    unknown = await catalogue.http.post(
        "/inquiries",
        json={"company": COMPANY, "need": "x", "stage": "idea",
              "offering_id": "01a224db-0000-7000-8000-000000000000"},
    )  # fmt: skip
    assert unknown.status_code == 404


async def test_funding_is_matched_to_the_situation_with_reasons(catalogue: Catalogue) -> None:
    response = await catalogue.http.get(
        "/funding-instruments/match",
        params={"stage": "concept", "company_age_years": 2, "employees": 4, "cross_border": "true"},
    )
    assert response.status_code == 200
    matches = response.json()
    fitting = [m["name"] for m in matches if m["fits"]]
    assert "Innovation voucher" in fitting
    assert "Interreg Aurora" in fitting
    assert "EIC Accelerator" not in fitting
    eic = next(m for m in matches if m["name"] == "EIC Accelerator")
    assert any("does not fit" in r for r in eic["reasons"])
    assert matches[: len(fitting)] == [m for m in matches if m["fits"]]
    bad = await catalogue.http.get("/funding-instruments/match", params={"stage": "x"})
    assert bad.status_code == 422


async def test_an_unanswered_inquiry_is_overdue_once_and_an_answered_one_never(
    catalogue: Catalogue,
) -> None:
    late = await inquire(catalogue, "Flotation tests of our ore at pilot scale", "pilot")
    answered = await inquire(catalogue, "Flotation tests of our gold ore", "pilot")
    async with catalogue.client(Role.coordinator) as coordinator:
        await coordinator.post(f"/inquiries/{answered['id']}/answer", json={"answer": "Yes."})
    catalogue.clock.advance(timedelta(days=10))  # past five working days, whatever the weekday

    [*_, (_, overdue)] = await about(catalogue.nc, late["id"], 3)
    assert isinstance(overdue, InquiryOverdue)
    assert overdue.respond_by == date.fromisoformat(late["respond_by"])
    assert [o.name for o in overdue.organisations] == ["Geological Survey of Finland"]
    assert overdue.assignees
    assert overdue.coordinators
    # The late one's due row was taken: it cannot fire again; the answered one's was cancelled.
    keys = await catalogue.db.fetch("SELECT key FROM scheduled_events")
    assert keys == []
    events = await about(catalogue.nc, answered["id"], 2)
    assert [type(ev).__name__ for _, ev in events] == ["InquiryReceived", "InquiryRouted"]


async def test_a_retried_inquiry_with_its_idempotency_key_is_taken_once(
    catalogue: Catalogue,
) -> None:
    body = {"company": COMPANY, "need": "Soil samples analysed for nutrients", "stage": "pilot"}
    headers = {"Idempotency-Key": "web-form-submission-42"}
    first = await catalogue.http.post("/inquiries", json=body, headers=headers)
    again = await catalogue.http.post("/inquiries", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    received = await catalogue.db.fetchval(
        "SELECT count(*) FROM outbox WHERE subject = $1", InquiryReceived.subject
    )
    assert received == 1
