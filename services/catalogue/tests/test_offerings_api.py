"""Offerings over HTTP: staff of the owning organisation draft, publish and retire them, each
change announced with the offering's version; others are refused; bad input is 422."""

from __future__ import annotations

from datetime import timedelta

from catalogue_support import Catalogue, about, new_offering, outbox_subjects

from arctic.contracts.events import OfferingPublished, OfferingRetired
from arctic.runtime.access.roles import Role


async def test_an_offering_is_drafted_published_and_retired_by_its_organisation(
    catalogue: Catalogue,
) -> None:
    async with catalogue.staff("gtk") as gtk:
        created = await gtk.post("/offerings", json=new_offering())
        assert created.status_code == 201, created.text
        offering = created.json()
        assert created.headers["location"] == f"/offerings/{offering['id']}"
        assert (offering["status"], offering["allowed_actions"]) == (
            "draft",
            ["edit", "publish", "retire"],
        )
        assert (await catalogue.http.get(f"/offerings/{offering['id']}")).status_code == 404

        published_now = await gtk.post(f"/offerings/{offering['id']}/publish")
        assert published_now.json()["status"] == "published"
        assert (await catalogue.http.get(f"/offerings/{offering['id']}")).status_code == 200

        retired = await gtk.post(f"/offerings/{offering['id']}/retire", json={"reason": "moved"})
        assert retired.json()["status"] == "retired"
        again = await gtk.post(f"/offerings/{offering['id']}/publish")
        assert again.status_code == 409
        assert (again.json()["state"], again.json()["allowed_actions"]) == ("retired", [])

    [(first, publication), (second, retirement)] = await about(catalogue.nc, offering["id"], 2)
    assert isinstance(publication, OfferingPublished)
    assert isinstance(retirement, OfferingRetired)
    assert (first.aggregate_version, second.aggregate_version) == (2, 3)
    assert publication.name.en == "Battery mineral beneficiation"
    assert retirement.reason == "moved"


async def test_staff_of_another_organisation_and_companies_are_refused(
    catalogue: Catalogue,
) -> None:
    async with (
        catalogue.staff("luke") as luke,
        catalogue.client(Role.company, business_id="2617416-4") as company,
    ):
        assert (await luke.post("/offerings", json=new_offering())).status_code == 403
        assert (await company.post("/offerings", json=new_offering())).status_code == 403
    assert (await catalogue.http.post("/offerings", json=new_offering())).status_code == 401
    async with catalogue.staff("gtk") as gtk:
        offering = (await gtk.post("/offerings", json=new_offering())).json()
    async with catalogue.staff("luke") as luke:
        # Another organisation's draft is not there for them at all.
        assert (await luke.post(f"/offerings/{offering['id']}/publish")).status_code == 404
        listing = await luke.get("/organisations/gtk/offerings")
        assert listing.status_code == 403


async def test_a_bad_offering_is_422_naming_the_field_and_stores_nothing(
    catalogue: Catalogue,
) -> None:
    before = await outbox_subjects(catalogue.db)
    cases = [
        (new_offering(stages=[]), "stages"),
        (new_offering(trl_min=7, trl_max=3), "trl_max"),
        (new_offering(kind="environment"), "environment"),
        (new_offering(title={"fi": "x"}), "title.en"),
        (new_offering(colour="red"), "colour"),
        (new_offering(organisation="nowhere"), "organisation"),
    ]
    async with catalogue.client(Role.admin) as admin:
        for body, field in cases:
            response = await admin.post("/offerings", json=body)
            assert response.status_code == 422, (field, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert await outbox_subjects(catalogue.db) == before


async def test_editing_a_published_offering_announces_it_again(catalogue: Catalogue) -> None:
    catalogue.clock.advance(timedelta(minutes=1))  # newer than the demo data
    async with catalogue.staff("gtk") as gtk:
        offering = (await gtk.post("/offerings", json=new_offering())).json()
        await gtk.post(f"/offerings/{offering['id']}/publish")
        body = new_offering()
        del body["kind"], body["organisation"]
        body["title"] = {"fi": "Akkumineraalit", "en": "Battery minerals"}
        edited = await gtk.put(f"/offerings/{offering['id']}", json=body)
        assert edited.status_code == 200, edited.text
        own = (await gtk.get("/organisations/gtk/offerings")).json()["items"]
    assert own[0]["title"]["en"] == "Battery minerals"
    events = [ev for _, ev in await about(catalogue.nc, offering["id"], 2)]
    assert [type(ev).__name__ for ev in events] == ["OfferingPublished", "OfferingPublished"]
    assert isinstance(events[1], OfferingPublished)
    assert events[1].name.en == "Battery minerals"
