"""The mixed load: careful clients driving every cross-service flow over HTTP.

A flow is a few commands (POSTs) in the order a user gives them. Each command is sent with an
Idempotency-Key; a command that fails (refused or reset connection, timeout, 5xx) is sent
again with the same key and body until it is answered, so a command whose commit went
through is taken once however often its answer was lost. What was accepted goes into the
`Ledger`, against which the checks count effects.

- **prototype**: a company's prototype request (`POST /prototype-requests`); every second
  one is accepted by a coordinator (`/accept`).
- **inquiry**: a company's inquiry to the one-stop shop (`POST /inquiries`); half of them
  early ideas that routing sends to prototyping (which opens a request from it), half
  routed to an organisation.
- **booking**: staff book an environment for a partner company, its owner confirms, and
  completes it once the period has begun (`EnvironmentUsageRecorded`, which joins the
  partner's history in partnerships).
- **partnership**: a partner, a need, a negotiation, its conclusion and the signing
  (`AgreementSigned`, which prototyping keeps as the company's partnership). The first
  evaluation's two reminders are then made due (see `Ledger.due_keys`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from arctic.runtime.access.roles import Role
from chaos.stack import Stack

PROTOTYPING_NEED = (
    "Idea: a sensor that warns before snow load on the roof gets dangerous; we need a prototype."
)
ORGANISATION_NEED = "Tarvitsemme rikastuskokeita litiummalmille pilot-mittakaavassa."
BOOKING_SECONDS = 36  # 0.01 h: the shortest period whose hours the catalogue counts
FLOWS = ("prototype", "inquiry", "booking", "partnership")
WEIGHTS = (0.30, 0.25, 0.25, 0.20)
TOKEN_SECONDS = 7 * 24 * 3600.0
COMMAND_DEADLINE = 900.0  # a command is given up after this long (longer than any outage)


class Refused(Exception):
    """A command answered 4xx: the run's own fault, or the system's; counted as failed."""


def business_id(number: int) -> str:
    """A valid Finnish business id (Y-tunnus) for company `number` (some numbers have none)."""
    digits = f"{(3_000_000 + number * 7) % 10_000_000:07d}"
    remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    if remainder == 1:
        return business_id(number + 1_000_000)
    return f"{digits}-{0 if remainder == 0 else 11 - remainder}"


def person(number: int, role: str) -> dict[str, str]:
    """A person of company (or staff) `number`, with an address of their own."""
    return {"name": f"Chaos {role.title()} {number}", "email": f"{role}-{number}@chaos.example",
            "language": "fi"}  # fmt: skip


@dataclass
class Ledger:
    """What the clients were answered, and what they expect of the system."""

    accepted: Counter[str] = field(default_factory=Counter)  # command kind -> accepted
    requests: dict[str, str] = field(default_factory=dict)  # request id -> title
    accepted_requests: set[str] = field(default_factory=set)
    inquiries: dict[str, str | None] = field(default_factory=dict)  # id -> routing target
    bookings: dict[str, str | None] = field(default_factory=dict)  # id -> customer bid
    completed: set[str] = field(default_factory=set)
    partners: dict[str, str] = field(default_factory=dict)  # business id -> partner id
    needs: set[str] = field(default_factory=set)
    negotiations: set[str] = field(default_factory=set)
    agreements: dict[str, str] = field(default_factory=dict)  # agreement id -> business id
    evaluations: dict[str, str] = field(default_factory=dict)  # first evaluation -> agreement
    due_keys: list[str] = field(default_factory=list)  # scheduled keys to make due
    retried: int = 0  # sends of a command beyond its first
    replanned: int = 0  # bookings whose period passed while the system was down
    failed: list[str] = field(default_factory=list)  # commands never accepted

    @property
    def commands(self) -> int:
        """Commands accepted so far."""
        return sum(self.accepted.values())


@dataclass
class Setup:
    """What the flows use that the run creates first (not counted as commands)."""

    environments: list[str]
    competence_groups: list[str]
    slots: dict[str, datetime] = field(default_factory=dict)  # environment -> next free


class Load:
    """`commands` commands by `clients` concurrent clients, flows chosen at random."""

    def __init__(
        self, stack: Stack, ledger: Ledger, commands: int, clients: int, seed: int
    ) -> None:
        self.stack, self.ledger, self.target, self.clients = stack, ledger, commands, clients
        self.random = random.Random(seed)  # noqa: S311 (a repeatable run, no secret)
        self.planned = 0
        self.numbers = iter(range(10**9))
        self.completions: asyncio.Queue[tuple[datetime, str] | None] = asyncio.Queue()
        self.setup: Setup | None = None
        self.deadline: float | None = None  # a soak: flows until then (monotonic)
        self.pause = 0.0  # a soak: each client's pause after a flow
        self.more: Callable[[], bool] = lambda: False  # go on past `commands` while true
        tokens = stack.tokens
        # Tokens for the whole run (a run or a soak outlasts the tests' ten minutes).
        self.coordinator = tokens.headers(Role.coordinator, ttl=TOKEN_SECONDS)
        self.user_staff = tokens.headers(Role.staff, org="lapland-uas", ttl=TOKEN_SECONDS)
        self.owner_staff = tokens.headers(Role.staff, org="gtk", ttl=TOKEN_SECONDS)

    async def run(self) -> None:
        """Prepare, then drive flows until `commands` are planned and all are answered."""
        async with httpx.AsyncClient(timeout=30) as http:
            # Enough environments that bookings rarely wait for a free period (each 36 s).
            self.setup = await prepare(self.stack, http, min(40, max(20, self.target // 100)))
            completer = asyncio.create_task(self._complete_bookings(http))
            await asyncio.gather(*(self._client(http) for _ in range(self.clients)))
            await self.completions.put(None)
            await completer

    async def _client(self, http: httpx.AsyncClient) -> None:
        while (self.planned < self.target or self.more()) and (
            self.deadline is None or time.monotonic() < self.deadline
        ):
            if self.pause:
                await asyncio.sleep(self.random.uniform(0, 2 * self.pause))
            [flow] = self.random.choices(FLOWS, WEIGHTS)
            number = next(self.numbers)
            if flow == "prototype":
                self.planned += 1 + (number % 2)
                await self._prototype(http, number)
            elif flow == "inquiry":
                self.planned += 1
                await self._inquiry(http, number)
            elif flow == "booking":
                self.planned += 3
                await self._booking(http, number)
            else:
                self.planned += 5
                await self._partnership(http, number)

    async def command(
        self,
        http: httpx.AsyncClient,
        kind: str,
        url: str,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
        *,
        key: str,
    ) -> dict[str, Any]:
        """POST until answered 2xx (same body, same Idempotency-Key); raise `Refused` for a
        4xx."""
        headers = {**(headers or {}), "Idempotency-Key": f"chaos-{key}"}
        deadline = time.monotonic() + COMMAND_DEADLINE
        first = True
        while time.monotonic() < deadline:
            if not first:
                self.ledger.retried += 1
            first = False
            try:
                answer = await http.post(url, json=body, headers=headers)
            except httpx.HTTPError:  # down, or the answer was lost: the same again
                await asyncio.sleep(0.5)
                continue
            if answer.status_code < 300:
                self.ledger.accepted[kind] += 1
                result: dict[str, Any] = answer.json() if answer.content else {}
                return result
            if answer.status_code >= 500 or answer.status_code == 429:
                await asyncio.sleep(1)  # something is down: give it a moment
                continue
            raise Refused(f"{kind}: {answer.status_code} {answer.text[:300]}")
        raise Refused(f"{kind}: not answered within {COMMAND_DEADLINE} s")

    async def _guarded(self, what: str, flow: Any) -> None:
        try:
            await flow
        except Refused as refused:
            self.ledger.failed.append(f"{what}: {refused}")

    async def _prototype(self, http: httpx.AsyncClient, number: int) -> None:
        await self._guarded(f"prototype {number}", self._prototype_flow(http, number))

    async def _prototype_flow(self, http: httpx.AsyncClient, number: int) -> None:
        title = f"Chaos request {number}"
        body = {
            "company": {"name": f"Chaos Company {number} Oy", "business_id": business_id(number),
                        "contact": person(number, "contact")},
            "title": title,
            "problem": "A sensor that keeps working whatever fails around it.",
            "disciplines": ["ict"],
            "stage": "concept",
            "showcase_consent": False,
        }  # fmt: skip
        url = f"{self.stack.url('prototyping')}/prototype-requests"
        made = await self.command(http, "prototype_request", url, body, key=f"request-{number}")
        self.ledger.requests[made["id"]] = title
        if number % 2:
            accept = f"{url}/{made['id']}/accept"
            await self.command(
                http, "prototype_accept", accept, {"disciplines": ["ict"]}, self.coordinator,
                key=f"accept-{number}",
            )  # fmt: skip
            self.ledger.accepted_requests.add(made["id"])

    async def _inquiry(self, http: httpx.AsyncClient, number: int) -> None:
        await self._guarded(f"inquiry {number}", self._inquiry_flow(http, number))

    async def _inquiry_flow(self, http: httpx.AsyncClient, number: int) -> None:
        early = number % 2 == 0
        body = {
            "company": {"name": f"Chaos Inquirer {number} Oy", "business_id": business_id(number),
                        "contact": person(number, "inquirer")},
            "need": PROTOTYPING_NEED if early else ORGANISATION_NEED,
            "stage": "concept" if early else "pilot",
        }  # fmt: skip
        url = f"{self.stack.url('catalogue')}/inquiries"
        made = await self.command(http, "inquiry", url, body, key=f"inquiry-{number}")
        routing = made.get("routing") or {}
        self.ledger.inquiries[made["id"]] = routing.get("target")

    async def _booking(self, http: httpx.AsyncClient, number: int) -> None:
        await self._guarded(f"booking {number}", self._booking_flow(http, number))

    def _slot(self) -> tuple[str, datetime]:
        """The environment free soonest, and a period start at least 30 s ahead."""
        assert self.setup is not None
        slots = self.setup.slots
        never = datetime.min.replace(tzinfo=UTC)
        environment = min(self.setup.environments, key=lambda e: slots.get(e, never))
        soonest = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=30)
        start = max(soonest, slots.get(environment, soonest))
        slots[environment] = start + timedelta(seconds=BOOKING_SECONDS + 1)
        return environment, start

    async def _booking_flow(self, http: httpx.AsyncClient, number: int) -> None:
        partners = list(self.ledger.partners)
        customer = self.random.choice(partners) if partners else None
        catalogue = self.stack.url("catalogue")
        attempt = 0
        while True:
            environment, start = self._slot()
            end = start + timedelta(seconds=BOOKING_SECONDS)
            body: dict[str, Any] = {
                "period": {"starts_at": start.isoformat(), "ends_at": end.isoformat()},
                "purpose": f"Chaos test run {number}",
                "user_organisation": "lapland-uas",
                "contact": person(number, "booker"),
            }
            if customer is not None:
                body["customer"] = {"name": f"Partner {customer}", "business_id": customer}
            try:
                made = await self.command(
                    http, "booking_request", f"{catalogue}/environments/{environment}/bookings",
                    body, self.user_staff, key=f"booking-{number}-{attempt}",
                )  # fmt: skip
                break
            except Refused as refused:
                # The period began while the system was down: nothing was stored (the key
                # would have answered the first 201); book a later period under a new key.
                if "starts_at" not in str(refused) or attempt > 20:
                    raise
                attempt += 1
                self.ledger.replanned += 1
        booking = made["id"]
        self.ledger.bookings[booking] = customer
        await self.command(
            http, "booking_confirm", f"{catalogue}/bookings/{booking}/confirm", {},
            self.owner_staff, key=f"confirm-{number}",
        )  # fmt: skip
        await self.completions.put((start, booking))

    async def _complete_bookings(self, http: httpx.AsyncClient) -> None:
        """Complete each confirmed booking once its period has begun (in parallel)."""
        pending: set[asyncio.Task[None]] = set()
        while (item := await self.completions.get()) is not None:
            task = asyncio.create_task(self._complete(http, *item))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)

    async def _complete(self, http: httpx.AsyncClient, start: datetime, booking: str) -> None:
        wait = (start - datetime.now(UTC)).total_seconds() + 2
        if wait > 0:
            await asyncio.sleep(wait)
        url = f"{self.stack.url('catalogue')}/bookings/{booking}/complete"
        await self._guarded(
            f"complete {booking}",
            self.command(
                http, "booking_complete", url, {"hours_used": "0.01"}, self.owner_staff,
                key=f"complete-{booking}",
            ),
        )  # fmt: skip
        self.ledger.completed.add(booking)

    async def _partnership(self, http: httpx.AsyncClient, number: int) -> None:
        await self._guarded(f"partnership {number}", self._partnership_flow(http, number))

    async def _partnership_flow(self, http: httpx.AsyncClient, number: int) -> None:
        assert self.setup is not None
        url, headers = self.stack.url("partnerships"), self.coordinator
        company = business_id(number)
        contact = person(number, "partner")
        partner = await self.command(
            http, "partner", f"{url}/partners",
            {"name": f"Chaos Partner {number} Oy", "business_id": company,
             "sector": "electronics", "focus_areas": ["arctic testing"], "contacts": [contact]},
            headers, key=f"partner-{number}",
        )  # fmt: skip
        self.ledger.partners[company] = partner["id"]
        group = self.setup.competence_groups[number % len(self.setup.competence_groups)]
        need = await self.command(
            http, "need", f"{url}/needs",
            {"partner_id": partner["id"], "competence_group_id": group,
             "description": f"Winter field tests {number}"},
            headers, key=f"need-{number}",
        )  # fmt: skip
        self.ledger.needs.add(need["id"])
        negotiation = await self.command(
            http, "negotiation", f"{url}/negotiations",
            {"need_id": need["id"], "focus_areas": ["arctic testing"],
             "goals": ["a winter test campaign a year"],
             "uas_contact": person(number, "uas"), "partner_contact": contact},
            headers, key=f"negotiation-{number}",
        )  # fmt: skip
        self.ledger.negotiations.add(negotiation["id"])
        draft = await self.command(
            http, "conclude", f"{url}/negotiations/{negotiation['id']}/conclude", {}, headers,
            key=f"conclude-{number}",
        )  # fmt: skip
        today = datetime.now(UTC).date().isoformat()
        signed = await self.command(
            http, "sign", f"{url}/agreements/{draft['id']}/sign", {"starts_on": today}, headers,
            key=f"sign-{number}",
        )  # fmt: skip
        self.ledger.agreements[draft["id"]] = company
        first = min(signed["evaluations"], key=lambda e: str(e["due_on"]))
        self.ledger.evaluations[first["id"]] = draft["id"]
        self.ledger.due_keys += [f"evaluation-{when}:{first['id']}" for when in ("due", "overdue")]


async def prepare(stack: Stack, http: httpx.AsyncClient, labs: int) -> Setup:
    """`labs` environments to book (GTK's, published), competence groups, the webhook; once the
    catalogue's network is loaded."""
    catalogue, tokens = stack.url("catalogue"), stack.tokens

    async def network_loaded() -> bool:
        found = await http.get(f"{catalogue}/offerings", params={"q": "prototype"})
        return found.status_code == 200 and bool(found.json()["items"])

    deadline = time.monotonic() + 120
    while not await network_loaded():
        if time.monotonic() > deadline:
            raise RuntimeError("the catalogue's demo network was not loaded within 120 s")
        await asyncio.sleep(0.5)
    gtk = tokens.headers(Role.staff, org="gtk")
    environments = []
    for number in range(labs):
        offering = await _post(http, f"{catalogue}/offerings", _environment(number), gtk)
        await _post(http, f"{catalogue}/offerings/{offering['id']}/publish", {}, gtk)
        environments.append(str(offering["id"]))
    coordinator = tokens.headers(Role.coordinator)
    groups = [
        str((await _post(http, f"{stack.url('partnerships')}/competence-groups",
                         {"name": f"Chaos group {n}", "owner": person(n, "owner")},
                         coordinator))["id"])
        for n in range(3)
    ]  # fmt: skip
    await _post(
        http,
        f"{stack.url('notifications')}/webhooks",
        {"url": stack.receiver.url, "description": "chaos run",
         "event_types": ["arctic.partnerships.agreement.signed.v1",
                         "arctic.catalogue.booking.confirmed.v1"]},
        tokens.headers(Role.service),
    )  # fmt: skip
    return Setup(environments, groups)


async def _post(
    http: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    answer = await http.post(url, json=body, headers=headers)
    if answer.status_code >= 300:
        raise RuntimeError(f"setup: {url}: {answer.status_code} {answer.text[:300]}")
    result: dict[str, Any] = answer.json() if answer.content else {}
    return result


def _environment(number: int) -> dict[str, Any]:
    return {
        "kind": "environment",
        "organisation": "gtk",
        "title": {"fi": f"Kaaoslaboratorio {number}", "en": f"Chaos laboratory {number}"},
        "description": {"fi": "Laboratorio kaaosajoa varten.", "en": "A lab for the chaos run."},
        "keywords": ["chaos"],
        "stages": ["prototype"],
        "trl_min": 3,
        "trl_max": 6,
        "pricing": "commercial",
        "prices": {"company": "100.00"},
        "lead_time_days": 0,
        "contact_email": "lab@chaos.example",
        "environment": {"location": "Rovaniemi", "bookable_unit": "hour", "capacity": 1,
                        "owner_approves": True, "training_required": False},
    }  # fmt: skip
