"""A recipient's preferences: the language to write in, the optional kinds they switched off
per channel, and quiet hours (Finnish time) during which optional messages wait.

Mandatory kinds (a deadline, an escalation) ignore both: they go at once, to everyone named.
Pure rules; the store keeps them per person id, so that they hold no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from arctic.contracts.vocabulary import Channel, Language
from arctic.notifications.words import HELSINKI

DEFAULT_QUIET = (time(21, 0), time(7, 0))
"""21:00-07:00 in Finland, unless a recipient says otherwise."""


@dataclass(frozen=True)
class Preferences:
    """What one recipient asked for (the defaults for anyone who has not)."""

    language: Language | None = None
    """Write in this language instead of the one the event gives."""
    opted_out: frozenset[tuple[str, Channel]] = field(default_factory=frozenset)
    """(kind, channel) pairs of optional kinds switched off."""
    quiet_hours: tuple[time, time] | None = DEFAULT_QUIET
    """Start and end in Finnish time (may span midnight); None: no quiet hours."""
    digest: bool = False
    """Optional kinds in one mail a day (at DIGEST_AT Finnish time) instead of one each."""

    def wants(self, kind: str, channel: Channel, *, mandatory: bool) -> bool:
        """Whether a message of `kind` goes to this recipient on `channel` at all."""
        return mandatory or (kind, channel) not in self.opted_out

    def send_at(self, now: datetime, *, mandatory: bool) -> datetime:
        """When a message made `now` may go: at once, or, for an optional one, with the next
        digest (if they take it) or when the quiet hours end."""
        if mandatory:
            return now
        if self.digest:
            return next_digest(now)
        if self.quiet_hours is None:
            return now
        return quiet_until(now, *self.quiet_hours) or now

    def in_digest(self, *, mandatory: bool) -> bool:
        """Whether a message waits for the daily digest."""
        return self.digest and not mandatory


DIGEST_AT = time(8, 0)
"""The daily digest goes at 08:00 Finnish time."""


def next_digest(now: datetime) -> datetime:
    """The first digest time after `now`: today's 08:00 in Finland if it is still ahead,
    else tomorrow's."""
    local = now.astimezone(HELSINKI)
    today = datetime.combine(local.date(), DIGEST_AT, tzinfo=HELSINKI)
    at = (
        today
        if local < today
        else datetime.combine(local.date() + timedelta(days=1), DIGEST_AT, tzinfo=HELSINKI)
    )
    return at.astimezone(now.tzinfo)


def quiet_until(now: datetime, start: time, end: time) -> datetime | None:
    """The end of the quiet hours `start`-`end` (Finnish time) that `now` falls in; None
    when it falls in none. A window may span midnight (21:00-07:00); start == end is none."""
    local = now.astimezone(HELSINKI)
    clock = local.time().replace(tzinfo=None)
    today = local.date()
    if start == end:
        return None
    if start < end:
        inside = start <= clock < end
        ends_on = today
    else:
        inside = clock >= start or clock < end
        ends_on = today + timedelta(days=1) if clock >= start else today
    if not inside:
        return None
    return datetime.combine(ends_on, end, tzinfo=HELSINKI).astimezone(now.tzinfo)
