"""Webhooks: events delivered over HTTP to other systems, signed as the Standard Webhooks
specification says (https://www.standardwebhooks.com).

The body is the CloudEvent in structured mode (`application/cloudevents+json`); the headers
`webhook-id` (the delivery's id, the same on every attempt, so a receiver can drop a copy),
`webhook-timestamp` (seconds since the epoch) and `webhook-signature`
(`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the endpoint's secret,
`whsec_<base64 key>`). Only http(s) URLs; an address that resolves to a loopback, private,
link-local or otherwise non-public address is refused (at registration and again at every
send, so a name re-pointed later cannot reach inside) unless `ARCTIC_WEBHOOK_ALLOW_PRIVATE`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from uuid import UUID

import httpx

from arctic.contracts.envelope import Envelope, format_time
from arctic.contracts.events import Event

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not one


class UnsafeDestination(ValueError):
    """The URL is not http(s), or reaches an address that is not public."""


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def valid_secret(secret: str) -> bool:
    """Whether `secret` has the form `whsec_<base64 of 24 to 64 bytes>`."""
    if not secret.startswith(SECRET_PREFIX):
        return False
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except ValueError:
        return False
    return 24 <= len(key) <= 64


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: `v1,` and the base64 HMAC-SHA256 of
    `id.timestamp.body` under the secret's key."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def cloudevent(envelope: Envelope, event: Event) -> str:
    """The event as a CloudEvent in structured mode (JSON), as it was published."""
    document: dict[str, object] = {
        "specversion": envelope.specversion,
        "id": str(envelope.id),
        "source": envelope.source,
        "type": envelope.type,
        "subject": envelope.subject,
        "time": format_time(envelope.time),
        "dataschema": envelope.dataschema,
        "datacontenttype": envelope.datacontenttype,
        "correlationid": envelope.correlation_id,
        "data": event.model_dump(mode="json"),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


async def check_destination(url: str, *, allow_private: bool) -> None:
    """Refuse a URL that is not http(s) with a host, or whose host resolves to an address
    that is not public (unless `allow_private`)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeDestination("only http and https URLs with a host are accepted")
    if allow_private:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeDestination(f"bad port: {error}") from None
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM
        )
    except OSError as error:
        raise UnsafeDestination(f"the host does not resolve: {error}") from None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0])
        if not address.is_global:
            raise UnsafeDestination(
                f"the host resolves to a non-public address ({address}); "
                "set ARCTIC_WEBHOOK_ALLOW_PRIVATE to allow it"
            )


@dataclass(frozen=True)
class Answer:
    """What a webhook answered: accepted, or an error that may be retried (`transient`,
    with the wait the receiver asked for)."""

    accepted: bool
    error: str | None = None
    transient: bool = False
    retry_after: timedelta | None = None


TRANSIENT_STATUSES = frozenset({408, 429})


async def post(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    delivery_id: UUID,
    body: str,
    now: datetime,
) -> Answer:
    """POST one signed delivery and classify the answer: 2xx accepted; 408, 429 and 5xx
    transient (honouring Retry-After); any other status permanent; no answer at all
    (connection refused, timeout) transient. Redirects are not followed (permanent)."""
    payload = body.encode()
    timestamp = int(now.timestamp())
    headers = {
        "content-type": "application/cloudevents+json; charset=utf-8",
        "webhook-id": str(delivery_id),
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, str(delivery_id), timestamp, payload),
    }
    try:
        response = await client.post(url, content=payload, headers=headers)
    except httpx.HTTPError as error:
        return Answer(False, f"{type(error).__name__}: {error}", transient=True)
    if 200 <= response.status_code < 300:
        return Answer(True)
    transient = response.status_code in TRANSIENT_STATUSES or response.status_code >= 500
    return Answer(
        False,
        f"HTTP {response.status_code} {response.reason_phrase}",
        transient=transient,
        retry_after=retry_after(response.headers.get("retry-after"), now),
    )


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds, or an HTTP date) as a wait; None if absent or bad."""
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))
