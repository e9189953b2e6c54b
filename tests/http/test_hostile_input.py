"""Hand-made hostile input against every service's writable endpoints, running for real.

What schemathesis does not make on purpose: bodies of 5 MB, JSON nested a hundred thousand
deep, NUL bytes and lone surrogates (as JSON escapes and as raw bytes), SQL and header
injection in every text field. Each is either refused clearly - 413, 400 or a 422 naming the
field, always problem+json - or stored verbatim (what reads back equals what was sent) and
harmless: the service's tables are all still there, no answer carries an injected header, and
a mail made of the text has no header the text tried to add.
"""

from __future__ import annotations

import copy
import email
import email.policy
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from catalogue_support import new_offering

from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.servers import free_port
from arctic.runtime.service import installed_services
from arctic.runtime.testing import (
    TEST_PEPPER,
    SecuredNats,
    ServiceUrl,
    prepare_service_database,
    provision,
    serving,
    wait_until,
)

pytestmark = pytest.mark.slow
WRITES = ("post", "put", "patch")
PROBLEM_JSON = "application/problem+json"
LIMIT = 1024 * 1024  # ARCTIC_HTTP_MAX_BODY_BYTES' default
FIVE_MB = 5 * 1024 * 1024
DEPTH = 100_000
UNLIMITED = {"rate_limit_per_minute": 1e9, "rate_limit_burst": 1_000_000}
"""The public forms' rate limit out of the way: these tests send hundreds of requests."""
INJECTED = ("bcc", "x-injected")

HOSTILE_TEXT = {
    "nul": "Oy\u0000Ab",
    "lone surrogate": "Oy\ud800Ab",
    "sql drop": "Oy'); DROP TABLE outbox; --",
    "sql or": "' OR '1'='1",
    "sql comment": "x' UNION SELECT password FROM pg_shadow --",
    "crlf bcc": "Oy Ab\r\nBcc: victim@example.com",
    "crlf header": "Oy Ab\r\nX-Injected: yes",
    "lf header": "Oy Ab\nX-Injected: yes",
}
"""What goes into each text field in turn (NUL and lone surrogates travel as JSON escapes)."""

CONTACT = {"name": "Aino Testaaja", "email": "aino@example.com", "language": "fi"}
COMPANY = {"name": "Revontuli Robotics Oy", "business_id": "2617416-4", "contact": CONTACT}


def business_id(number: int) -> str:
    """A valid Finnish business id (Y-tunnus) made of `number`, for bodies that must differ."""
    for candidate in range(number * 10 + 1_000_000, 10_000_000):
        digits = f"{candidate:07d}"
        weighted = zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)
        remainder = sum(int(digit) * weight for digit, weight in weighted) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"
    raise ValueError(number)


@dataclass(frozen=True)
class Creation:
    """A command that stores text, a valid body for it, and where what it stored reads back
    (`{id}`: the id it answered): `read` through the API (after the command `then`, if any),
    and what the API does not show (a contact person's name) from the row in `table`.
    `unique`: the fields that must differ from one stored thing to the next, each with the
    value the n-th body gets."""

    path: str
    body: dict[str, Any]
    read: str
    unique: dict[str, Any] = field(default_factory=dict)
    then: str | None = None
    table: str | None = None

    def made(self, number: int) -> dict[str, Any]:
        """The valid body, its unique fields made for the `number`-th request."""
        return {**self.body, **{key: make(number) for key, make in self.unique.items()}}


CREATIONS: dict[str, list[Creation]] = {
    "prototyping": [
        Creation(
            "/prototype-requests",
            {
                "company": COMPANY,
                "title": "Snow-load sensor for roof trusses",
                "problem": "A cheap wireless sensor that warns before snow load gets dangerous.",
                "disciplines": ["ict", "construction"],
                "stage": "concept",
                "showcase_consent": True,
            },
            "/prototype-requests/{id}",
        ),
        Creation(
            "/experts",
            {
                "name": "Eero Asiantuntija",
                "email": "eero@tequ.example",
                "language": "fi",
                "disciplines": ["ict"],
                "capacity": 1,
            },
            "/experts/{id}",
            {"email": lambda n: f"eero.{n}@tequ.example"},
        ),
    ],
    "catalogue": [
        Creation(
            "/offerings",
            new_offering(),
            "/offerings/{id}",
            then="/offerings/{id}/publish",  # a draft is its organisation's to read
        ),
        Creation(
            "/inquiries",
            {"company": COMPANY, "need": "Testing of a lithium ore sample.", "stage": "concept"},
            "/inquiries/{id}",
            table="inquiries",
        ),
    ],
    "partnerships": [
        Creation(
            "/partners",
            {
                "name": "Revontuli Robotics Oy",
                "business_id": "2617416-4",
                "sector": "robotics",
                "focus_areas": ["automation"],
                "contacts": [{**CONTACT, "phone": "+358 40 111 2233"}],
            },
            "/partners/{id}",
            {"business_id": business_id},
        ),
    ],
    "notifications": [
        Creation(
            "/webhooks",
            {
                "url": "http://127.0.0.1:9/arctic",
                "event_types": ["arctic.prototyping.prototype.requested.v1"],
                "description": "Our CRM",
            },
            "/webhooks",
        ),
    ],
}
"""Per service, its commands that store free text."""
SETTINGS: dict[str, dict[str, Any]] = {"notifications": {"webhook_allow_private": True}}
"""What a service needs besides to take the bodies above (a webhook on loopback)."""


@dataclass
class Running:
    """A service under test: its URL, an admin's client (recording every answer's headers),
    and its database as superuser."""

    name: str
    url: ServiceUrl
    http: httpx.AsyncClient
    admin_dsn: str
    header_names: set[str] = field(default_factory=set)

    async def tables(self) -> set[str]:
        """The tables of the service's schema."""
        connection = await asyncpg.connect(self.admin_dsn)
        try:
            rows = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1", self.name
            )
        finally:
            await connection.close()
        return {row["tablename"] for row in rows}

    async def stored(self, creation: Creation, created: dict[str, Any]) -> list[str]:
        """Every string that reads back of what `creation` stored (`created`: its answer)."""
        found: list[str] = []
        if creation.then is not None:
            done = await self.http.post(creation.then.format(id=created["id"]))
            assert done.status_code < 300, done.text
        read = await self.http.get(creation.read.format(id=created["id"]))
        assert read.status_code == 200, read.text
        answer = read.json()
        if isinstance(answer, dict) and "items" in answer:
            answer = answer["items"]
        if isinstance(answer, list):
            answer = [item for item in answer if item.get("id") == created["id"]]
        found += strings(answer)
        if creation.table is not None:
            connection = await asyncpg.connect(self.admin_dsn)
            try:
                rows = await connection.fetch(
                    f'SELECT to_jsonb(t)::text AS row FROM "{self.name}"."{creation.table}" t',
                )
            finally:
                await connection.close()
            for row in rows:
                stored = json.loads(row["row"])
                if created["id"] in stored.values():
                    found += strings(stored)
        return found


@asynccontextmanager
async def running(
    name: str, admin_dsn: str, nats: SecuredNats, tokens: Tokens, **overrides: Any
) -> AsyncIterator[Running]:
    """The service `name` on its own schema of `admin_dsn`, NATS with the production
    permissions, the public forms' rate limit out of the way."""
    definition = installed_services()[name]
    dsn = await prepare_service_database(admin_dsn, definition)
    settings = definition.settings_class(
        service=name,
        database_dsn=dsn,
        personal_data_pepper=TEST_PEPPER,
        **nats.settings_for(name),
        **tokens.settings,
        **UNLIMITED,
        **overrides,
    )
    names: set[str] = set()

    async def record(response: httpx.Response) -> None:
        names.update(key.lower() for key in response.headers)

    async with (
        serving(definition, settings) as url,
        httpx.AsyncClient(
            base_url=url,
            headers=tokens.headers(Role.admin),
            timeout=60,
            event_hooks={"response": [record]},
        ) as http,
    ):
        yield Running(name, url, http, admin_dsn, names)


def filled(path: str) -> str:
    """`path` with each of its parameters a new id."""
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
    return path


def writable_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, bool]]:
    """(method, path with every parameter filled, whether it takes a body) of each write."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in WRITES:
                yield method, filled(path), "requestBody" in operation


def text_queries(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(path with every parameter filled, query parameter) of each GET's query parameter
    that may be text."""
    for path, operations in document["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schemas = [parameter.get("schema", {}), *parameter.get("schema", {}).get("anyOf", [])]
            if parameter["in"] == "query" and any(s.get("type") == "string" for s in schemas):
                yield filled(path), parameter["name"]


def problem(response: httpx.Response, *statuses: int) -> str | None:
    """Why `response` is not a problem+json answer of one of `statuses` (None if it is)."""
    media_type = response.headers.get("content-type", "").split(";")[0]
    if response.status_code not in statuses or media_type != PROBLEM_JSON:
        return f"{response.status_code} {media_type}: {response.text[:200]}"
    if response.json().get("status") != response.status_code:
        return f"problem without its status: {response.text[:200]}"
    return None


async def chunks(size: int) -> AsyncIterator[bytes]:
    """A JSON body of about `size` bytes in pieces, so that it travels chunked."""
    yield b'{"title": "'
    for _ in range(size // 65536):
        yield b"x" * 65536
    yield b'"}'


HOSTILE_BODIES: dict[str, tuple[bytes, tuple[int, ...]]] = {
    "deep arrays": (b"[" * DEPTH + b"]" * DEPTH, (400, 422)),
    "deep objects": (b'{"a":' * DEPTH + b"1" + b"}" * DEPTH, (400, 422)),
    "deep in a field": (b'{"title": ' + b"[" * DEPTH + b"]" * DEPTH + b"}", (400, 422)),
    "raw NUL byte": (b'{"title": "Oy\x00Ab", "name": "Oy\x00Ab"}', (400, 422)),
    "raw lone surrogate": (b'{"title": "\xed\xa0\x80", "name": "\xed\xa0\x80"}', (400, 422)),
    "not UTF-8": (b'{"title": "\xff\xfe"}', (400,)),
    "5 MB": (b'{"title": "' + b"x" * FIVE_MB + b'"}', (413,)),
}
"""Bodies no endpoint takes, and the answers each may get."""


@pytest.mark.parametrize("name", sorted(CREATIONS))
async def test_hostile_bodies_get_a_clear_refusal_on_every_writable_endpoint(
    name: str, fresh_database: str, secured_nats: SecuredNats, tokens: Tokens
) -> None:
    await provision(secured_nats, *installed_services().values())
    async with running(name, fresh_database, secured_nats, tokens) as service:
        tables = await service.tables()
        document = (await service.http.get("/openapi.json")).json()
        wrong = []
        for method, path, has_body in writable_operations(document):
            for kind, (body, statuses) in HOSTILE_BODIES.items():
                if not has_body and kind != "5 MB":
                    continue  # no body to read: the limit still holds, the rest is not parsed
                response = await service.http.request(
                    method, path, content=body, headers={"Content-Type": "application/json"}
                )
                if (why := problem(response, *statuses)) is not None:
                    wrong.append(f"{method.upper()} {path} {kind}: {why}")
        # Of undeclared length (chunked), read up to the limit by the middleware: once
        chunked = await service.http.request(
            method, path, content=chunks(FIVE_MB), headers={"Content-Type": "application/json"}
        )
        if (why := problem(chunked, 413)) is not None:
            wrong.append(f"{method.upper()} {path} 5 MB chunked: {why}")
        # Searches and filters: an answer, or a refusal (never a 500)
        for path, parameter in text_queries(document):
            for kind, text in HOSTILE_TEXT.items():
                # percent-encoded from UTF-8, a lone surrogate as its 3 bytes
                encoded = quote(text.encode("utf-8", "surrogatepass"), safe="")
                response = await service.http.get(f"{path}?{parameter}={encoded}")
                if response.status_code != 200 and problem(response, 400, 401, 403, 404, 422):
                    wrong.append(f"GET {path}?{parameter}= {kind}: {response.text[:300]}")
        assert not wrong, "\n".join(wrong)
        assert (await service.http.get(service.url.ops + "/healthz")).status_code == 200
        assert await service.tables() == tables
        assert not service.header_names & set(INJECTED)


def text_fields(value: Any, location: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The location of every string in a JSON value (dict keys and list indexes)."""
    if isinstance(value, str):
        yield location
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from text_fields(item, (*location, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from text_fields(item, (*location, str(index)))


def replaced(body: dict[str, Any], location: tuple[str, ...], text: str) -> dict[str, Any]:
    """`body` with the string at `location` replaced by `text`."""
    changed = copy.deepcopy(body)
    target: Any = changed
    for key in location[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = location[-1]
    if isinstance(target, list):
        target[int(last)] = text
    else:
        target[last] = text
    return changed


def names(field: str, location: tuple[str, ...]) -> bool:
    """Whether an error's `field` names the text at `location` (or inside it; or the list
    that holds it, where a rule is about the whole list)."""
    dotted = ".".join(location)
    if field == dotted or field.startswith(f"{dotted}."):
        return True
    return location[-1].isdigit() and field == ".".join(location[:-1])


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize("name", sorted(CREATIONS))
async def test_hostile_text_is_refused_naming_its_field_or_stored_verbatim(
    name: str, fresh_database: str, secured_nats: SecuredNats, tokens: Tokens
) -> None:
    await provision(secured_nats, *installed_services().values())
    settings = SETTINGS.get(name, {})
    async with running(name, fresh_database, secured_nats, tokens, **settings) as service:
        tables = await service.tables()
        wrong, stored, refused = [], 0, 0
        for creation in CREATIONS[name]:
            for location in text_fields(creation.body):
                dotted = ".".join(location)
                for kind, text in HOSTILE_TEXT.items():
                    sent = replaced(creation.made(stored + refused), location, text)
                    response = await service.http.post(
                        creation.path,
                        content=json.dumps(sent),  # escapes: \u0000, \ud800
                        headers={"Content-Type": "application/json"},
                    )
                    where = f"POST {creation.path} {dotted} {kind}"
                    if response.status_code == 422:
                        refused += 1
                        fields = {e["field"] for e in response.json().get("errors", [])}
                        if problem(response, 422) or not any(names(f, location) for f in fields):
                            wrong.append(f"{where}: 422 not naming the field: {response.text}")
                    elif response.status_code == 201:
                        stored += 1
                        if text not in await service.stored(creation, response.json()):
                            wrong.append(f"{where}: not read back verbatim: {response.text}")
                    else:
                        wrong.append(f"{where}: {response.status_code} {response.text[:300]}")
        assert not wrong, "\n".join(wrong)
        assert stored, "nothing was stored: the bodies are not valid"
        assert refused
        assert await service.tables() == tables
        assert not service.header_names & set(INJECTED)


class RecordingSink:
    """An SMTP server keeping each mail with the recipients its envelope named (a `Bcc`
    header never shows in the mail itself: only the envelope tells who else got it)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[list[str], EmailMessage]] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), mail))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def __enter__(self) -> RecordingSink:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()


COORDINATORS = "prototyping@arctic-rdi.example"


async def test_line_breaks_in_a_request_make_no_header_in_the_mails_it_causes(
    fresh_database: str, secured_nats: SecuredNats, tokens: Tokens
) -> None:
    await provision(secured_nats, *installed_services().values())
    body = copy.deepcopy(CREATIONS["prototyping"][0].body)
    body["title"] = "Snow-load sensor\r\nBcc: victim@example.com\r\nX-Injected: yes"
    body["company"]["name"] = "Revontuli Oy\r\nX-Injected: yes"
    body["company"]["contact"] = {**CONTACT, "name": "Aino\r\nBcc: victim@example.com"}
    with RecordingSink() as sink:
        async with (
            running(
                "notifications",
                fresh_database,
                secured_nats,
                tokens,
                smtp_port=sink.port,
                prototyping_coordinators_email=COORDINATORS,
                delivery_poll_seconds=0.05,
            ),
            running("prototyping", fresh_database, secured_nats, tokens) as prototyping,
        ):
            created = await prototyping.http.post("/prototype-requests", json=body)
            assert created.status_code == 201, created.text
            read = await prototyping.http.get(f"/prototype-requests/{created.json()['id']}")
            assert read.json()["title"] == body["title"]  # stored verbatim

            async def both_mails() -> bool:
                return len(sink.received) >= 2

            await wait_until(both_mails, within=30)
    recipients = sorted(address for rcpt_tos, _ in sink.received for address in rcpt_tos)
    assert recipients == sorted(["aino@example.com", COORDINATORS])
    for _, mail in sink.received:
        assert not {key.lower() for key in mail} & set(INJECTED), mail.items()
        for key, value in mail.items():
            assert not {"\r", "\n"} & set(str(value)), (key, value)
    assert not prototyping.header_names & set(INJECTED)
