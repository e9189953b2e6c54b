"""Errors raised when a message on the wire does not honour the contract.

Every error that `parse_message` and `parse_headers` raise is an `InvalidMessage`, so a
consumer can treat the whole family as one poison-message case (dead letter, never retry).
"""

from __future__ import annotations


class InvalidMessage(Exception):
    """A message that cannot be read as one of the contracted events."""


class MissingHeader(InvalidMessage):
    """A required CloudEvents header is absent."""

    def __init__(self, header: str) -> None:
        super().__init__(f"missing required header {header!r}")
        self.header = header


class InvalidHeader(InvalidMessage):
    """A header is present but its value breaks the contract."""

    def __init__(self, header: str, reason: str) -> None:
        super().__init__(f"invalid header {header!r}: {reason}")
        self.header = header
        self.reason = reason


class UnknownEventType(InvalidMessage, LookupError):
    """The event type (subject) is not in the registry, e.g. an unknown major version."""

    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class InvalidBody(InvalidMessage):
    """The body is not JSON, or not valid for the event's model.

    `problems` lists one line per failing field, `location: message`.
    """

    def __init__(self, event_type: str, problems: list[str]) -> None:
        detail = "; ".join(problems)
        super().__init__(f"invalid body for {event_type!r}: {detail}")
        self.event_type = event_type
        self.problems = problems


class UnknownStream(LookupError):
    """No stream holds the given subject or belongs to the given service."""
