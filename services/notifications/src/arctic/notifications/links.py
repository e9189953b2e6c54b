"""Signed links in every mail to a person: their preferences, and (for an optional kind) a
one-click unsubscribe (RFC 8058). A link carries a token signed with a key derived from the
personal-data pepper, naming the person by id only: the link works without a login, and
holds no address."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import jwt

from arctic.contracts.vocabulary import Channel
from arctic.notifications.settings import NotificationsSettings

PREFERENCES, UNSUBSCRIBE = "preferences", "unsubscribe"


class BadLink(ValueError):
    """The token is forged, expired or for something else."""


@dataclass(frozen=True)
class Grant:
    """What a valid token allows: a person's preferences, or switching off one kind."""

    person_id: UUID
    use: str
    kind: str | None = None
    channel: Channel | None = None


def _key(settings: NotificationsSettings) -> bytes:
    pepper = settings.personal_data_pepper
    secret = pepper.get_secret_value().encode() if pepper else b"arctic development links"
    return hmac.new(secret, b"arctic notifications links v1", hashlib.sha256).digest()


def token(
    settings: NotificationsSettings,
    person_id: UUID,
    use: str,
    now: datetime,
    *,
    kind: str | None = None,
    channel: Channel | None = None,
) -> str:
    """A token for `use` by the person, valid `link_days`."""
    claims: dict[str, object] = {
        "sub": str(person_id),
        "use": use,
        "exp": now + timedelta(days=settings.link_days),
    }
    if kind is not None and channel is not None:
        claims |= {"kind": kind, "channel": channel.value}
    return jwt.encode(claims, _key(settings), algorithm="HS256")


def verify(settings: NotificationsSettings, value: str, use: str) -> Grant:
    """The grant of a token for `use`; BadLink otherwise."""
    try:
        claims = jwt.decode(
            value, _key(settings), algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError as error:
        raise BadLink(str(error)) from None
    if claims.get("use") != use:
        raise BadLink("the link is for something else")
    channel = claims.get("channel")
    return Grant(
        UUID(claims["sub"]),
        use,
        claims.get("kind"),
        Channel(channel) if channel else None,
    )


def preferences_url(settings: NotificationsSettings, person_id: UUID, now: datetime) -> str:
    """The person's preferences page."""
    signed = token(settings, person_id, PREFERENCES, now)
    return f"{settings.links_base}/recipients/{person_id}/preferences?token={signed}"


def unsubscribe_url(
    settings: NotificationsSettings, person_id: UUID, kind: str, now: datetime
) -> str:
    """The one-click unsubscribe from one kind's e-mail (List-Unsubscribe)."""
    signed = token(settings, person_id, UNSUBSCRIBE, now, kind=kind, channel=Channel.email)
    return f"{settings.links_base}/unsubscribe?token={signed}"
