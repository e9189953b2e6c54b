"""The roles of the network's callers."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a caller may be, from the token's roles claim (other values there are ignored)."""

    company = "company"
    """A company (the token carries its business id): its own requests, inquiries, bookings."""
    staff = "staff"
    """Staff of one organisation (the token carries its short name, e.g. `lapland-uas`)."""
    coordinator = "coordinator"
    """Prototyping triage and teams; partnership programme staff."""
    admin = "admin"
    """Runs the network: admitted wherever any role is (`require` adds it)."""
    service = "service"
    """Another system reading through HTTP."""
