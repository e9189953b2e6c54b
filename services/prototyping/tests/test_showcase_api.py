"""The public showcase: only delivered prototypes whose company consented, public fields only,
newest first, as JSON Feed 1.1 and as Atom 1.0 that a real feed parser reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import httpx
from prototyping_support import CONTACT, Prototyping, accepted, expert_added, team_taken

SHOWCASE = {
    "title": "Frost-proof weld rig",
    "summary": "Tests a weld at -40 °C and shows the welder the result on site.",
    "media_urls": ["https://www.instagram.com/p/tequ-weld-rig"],
}


async def delivered(prototyping: Prototyping, title: str, consent: bool, **body: Any) -> str:
    request_id = await accepted(prototyping, "ict", title=title, showcase_consent=consent)
    assert (await team_taken(prototyping, request_id)).status_code == 200
    answer = await prototyping.http.post(
        f"/prototype-requests/{request_id}/deliver",
        json={"outcome": "proof_of_concept", "outcome_summary": "A rig and its report", **body},
    )
    assert answer.status_code == 200, answer.text
    return request_id


async def test_the_feeds_show_consenting_companies_only_newest_first(
    prototyping: Prototyping,
) -> None:
    assert prototyping.clock is not None
    prototyping.clock.set(datetime(2026, 3, 2, 9, tzinfo=UTC))
    await expert_added(prototyping, "Aleksi Rautio", "ict", capacity=3)
    first = await delivered(prototyping, "Weld rig", True, showcase=SHOWCASE)
    prototyping.clock.advance(timedelta(days=1))
    await delivered(prototyping, "Secret sauce", False)  # no consent: never shown
    prototyping.clock.advance(timedelta(days=1))
    newest = await delivered(
        prototyping, "Igloo tour", True, showcase={"title": "Igloo tour", "summary": "A 360° tour"}
    )
    await delivered(prototyping, "Quiet one", True)  # consented, but no entry was given

    async with httpx.AsyncClient(base_url=prototyping.http.base_url) as anonymous:
        as_json = await anonymous.get("/showcase.json")
        as_atom = await anonymous.get("/showcase.atom")

    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/feed+json"
    feed = as_json.json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["id"] for i in feed["items"]] == [f"urn:uuid:{newest}", f"urn:uuid:{first}"]
    assert feed["items"][1]["external_url"] == SHOWCASE["media_urls"][0]
    assert as_atom.status_code == 200
    assert as_atom.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(as_atom.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.id for e in parsed.entries] == [f"urn:uuid:{newest}", f"urn:uuid:{first}"]
    assert [e.title for e in parsed.entries] == ["Igloo tour", SHOWCASE["title"]]
    assert parsed.entries[1].summary == SHOWCASE["summary"]
    for text in (as_json.text, as_atom.text):
        assert "Secret sauce" not in text
        for personal in (CONTACT["name"], CONTACT["email"], CONTACT["phone"]):
            assert str(personal) not in text

    report = (await prototyping.http.get("/reports/prototyping?year=2026")).json()
    overall = report["figures"][0]
    assert (overall["key"], overall["requests"], overall["delivered"]) == ("all", 4, 4)
    assert overall["on_time_percent"] == 100.0
    as_csv = await prototyping.http.get("/reports/prototyping?year=2026&format=csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    header, first = as_csv.text.splitlines()[:2]
    assert header.startswith("group,key,requests,accepted,rejected,delivered")
    assert first.startswith("all,all,4,4,0,4,100.0,")
    assert (await prototyping.http.get("/reports/prototyping?year=1999")).status_code == 422
