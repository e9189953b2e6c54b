"""The public showcase: delivered prototypes whose company consented, as JSON Feed 1.1 and
Atom 1.0, newest first, for the people who post them to social media. Public fields only:
no contact person, no problem statement, no team."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]  # no stubs

from arctic.prototyping import store
from arctic.prototyping.domain import PrototypeRequest
from arctic.runtime.access.requirements import public
from arctic.runtime.endpoints import UnitOfWorkDep

router = APIRouter(tags=["showcase"])
FEED_TITLE = "Arctic RDI Hub: prototypes delivered"
JSON_FEED = "application/feed+json"
ATOM = "application/atom+xml"
Limit = Annotated[int, Query(ge=1, le=200)]


def _entries(requests: list[PrototypeRequest]) -> list[dict[str, Any]]:
    entries = []
    for request in requests:
        delivery, delivered_at = request.delivery, request.delivered_at
        assert delivery is not None, "a showcased request is delivered"
        assert delivery.showcase is not None, "and has its showcase"
        assert delivered_at is not None
        showcase = delivery.showcase
        entries.append(
            {
                "id": f"urn:uuid:{request.id}",
                "title": showcase.title,
                "summary": showcase.summary,
                "published": delivered_at,
                "company": request.company.name,
                "disciplines": [d.value for d in request.confirmed_disciplines],
                "media_urls": list(showcase.media_urls),
            }
        )
    return entries


@router.get(
    "/showcase.json",
    response_class=Response,
    dependencies=[Depends(public())],
    responses={200: {"content": {JSON_FEED: {}}, "description": "A JSON Feed 1.1 document"}},
    summary="The showcase as JSON Feed 1.1 (public)",
)
async def showcase_json(request: Request, uow: UnitOfWorkDep, limit: Limit = 50) -> Response:
    entries = _entries(await store.showcased(uow.pool, limit))
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": FEED_TITLE,
        "feed_url": str(request.url_for("showcase_json")),
        "language": "en",
        "items": [
            {
                "id": entry["id"],
                "title": entry["title"],
                "content_text": entry["summary"],
                "date_published": entry["published"].isoformat(),
                "authors": [{"name": entry["company"]}],
                "tags": entry["disciplines"],
                **({"external_url": entry["media_urls"][0]} if entry["media_urls"] else {}),
                "_arctic": {"media_urls": entry["media_urls"]},
            }
            for entry in entries
        ],
    }
    return Response(orjson.dumps(feed), media_type=JSON_FEED)


@router.get(
    "/showcase.atom",
    response_class=Response,
    dependencies=[Depends(public())],
    responses={200: {"content": {ATOM: {}}, "description": "An Atom 1.0 feed"}},
    summary="The showcase as Atom 1.0 (public)",
)
async def showcase_atom(request: Request, uow: UnitOfWorkDep, limit: Limit = 50) -> Response:
    entries = _entries(await store.showcased(uow.pool, limit))
    feed = FeedGenerator()
    url = str(request.url_for("showcase_atom"))
    feed.id(url)
    feed.title(FEED_TITLE)
    feed.author({"name": "Arctic RDI Hub"})
    feed.link(href=url, rel="self")
    feed.language("en")
    if entries:
        feed.updated(entries[0]["published"])
    for entry in entries:
        item = feed.add_entry(order="append")
        item.id(entry["id"])
        item.title(entry["title"])
        item.summary(entry["summary"])
        item.content(entry["summary"], type="text")  # Atom: content or an alternate link
        item.published(entry["published"])
        item.updated(entry["published"])
        item.author({"name": entry["company"]})
        for term in entry["disciplines"]:
            item.category(term=term)
        for media in entry["media_urls"]:
            item.link(href=media, rel="related")
    return Response(feed.atom_str(pretty=True), media_type=ATOM)
