"""Notifications end to end through `arctic up`: a prototype request becomes mails in the
contact's language (multipart, Reply-To, signed links) and a signed webhook call to another
system; the contact follows the link in their mail to choose English, and their next
acknowledgement is in English. No name, address or phone reaches a log."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from standardwebhooks import Webhook
from test_first_flow import REQUEST, SUBMITTED, Stack, home, stack_ports

from arctic.runtime.testing import assert_no_personal_data, wait_until

pytestmark = pytest.mark.slow
__all__ = ["home"]  # the fixture of the first flow: a fresh home folder for the stack
REQUESTED = "arctic.prototyping.prototype.requested.v1"


class Calls(BaseHTTPRequestHandler):
    """Another system's webhook endpoint: keeps each call, answers 204."""

    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        del format, args


@pytest.fixture
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Calls)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/arctic-events"
    server.shutdown()


def mails_to(home: Path, address: str) -> list[EmailMessage]:
    found = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted((home / "mail").glob("*.eml"))
    ]
    return [m for m in found if m["To"] == address]  # type: ignore[misc]


async def test_requests_reach_the_contact_in_their_language_and_a_signed_webhook(
    home: Path, receiver: str
) -> None:
    stack = Stack(
        home, stack_ports(), ARCTIC_WEBHOOK_ALLOW_PRIVATE="true", ARCTIC_DEMO_DATA="false"
    )
    try:
        stack.wait_for("all 4 services ready")
        notifications = stack.url("notifications")
        async with httpx.AsyncClient() as http:
            hook = await http.post(
                f"{notifications}/webhooks",
                json={"url": receiver, "event_types": [REQUESTED], "description": "CRM"},
                headers=stack.token("--role", "service"),
            )
            assert hook.status_code == 201, hook.text
            first = await http.post(f"{stack.url('prototyping')}/prototype-requests", json=REQUEST)
            assert first.status_code == 201, first.text

            async def acknowledged(count: int) -> bool:
                return len(mails_to(home, "aino@example.com")) >= count

            await wait_until(lambda: acknowledged(1), within=20)
            await wait_until(lambda: _called(), within=20)
            [mail] = mails_to(home, "aino@example.com")
            assert mail["Content-Language"] == "sv"
            assert mail["Reply-To"] == "prototyping@arctic-rdi.fi"
            assert mail.get_content_type() == "multipart/alternative"
            text = mail.get_body(("plain",)).get_content()
            assert text.startswith("Hej Aino Testaaja,")
            assert "Utvecklingsskede" not in text  # the staff's details are the staff's
            [link] = [w for w in text.split() if "/preferences?token=" in w]
            assert link.startswith(notifications)
            [note] = mails_to(home, "prototyping@arctic-rdi.fi")
            assert note["Reply-To"] == "Aino Testaaja <aino@example.com>"
            assert "Kehitysvaihe: konsepti" in note.get_body(("plain",)).get_content()

            page = urlsplit(link)
            mine = await http.get(link)
            chosen = await http.put(
                f"{notifications}{page.path}?{page.query}",
                json={**mine.json(), "language": "en"},
            )
            assert chosen.status_code == 200, chosen.text
            second = await http.post(
                f"{stack.url('prototyping')}/prototype-requests",
                json={**REQUEST, "title": "Ice-load sensor for power lines"},
            )
            assert second.status_code == 201, second.text
            await wait_until(lambda: acknowledged(2), within=20)
            listed = await http.get(
                f"{notifications}/deliveries",
                params={"kind": "prototype_requested", "status": "delivered"},
                headers=stack.token("--role", "coordinator"),
            )
    finally:
        stack.stop()
    english = mails_to(home, "aino@example.com")[1]
    assert english["Content-Language"] == "en"
    assert str(english["Subject"]).startswith("We have received your prototype request")
    headers, body = Calls.received[0]
    event = Webhook(hook.json()["secret"]).verify(body, headers)
    assert (event["type"], event["data"]["request_id"]) == (REQUESTED, first.json()["id"])
    assert {d["channel"] for d in listed.json()["items"]} == {"email", "webhook"}
    assert_no_personal_data(stack.whole_output(), SUBMITTED)


async def _called() -> bool:
    return bool(Calls.received)
