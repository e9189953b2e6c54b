"""What every aggregate of partnerships shares: its errors, and the state-machine check.

Plain code, no I/O: the aggregates' methods check the rules, change their state, bump their
`version` and return the events the change causes; the handlers save and emit them in one
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class NotFound(Exception):
    """No such thing (a partner, need, negotiation, agreement...) has this id."""

    def __init__(self, what: str, thing_id: object) -> None:
        super().__init__(f"no {what} {thing_id}")
        self.what, self.thing_id = what, thing_id


class TransitionNotAllowed(Exception):
    """The aggregate's status does not allow the action: `state` and `allowed` say what is
    possible now."""

    def __init__(self, what: str, action: StrEnum, state: StrEnum, allowed: list[str]) -> None:
        self.action, self.state, self.allowed = action, state, allowed
        names = ", ".join(allowed) or "nothing"
        super().__init__(f"a {what} that is {state} cannot {action}: allowed now: {names}")


class RuleBroken(Exception):
    """A command breaks a rule about one of its fields (answered 422 naming the field)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


class StateConflict(Exception):
    """A command conflicts with the aggregate's current state in a way no action fixes
    (answered 409 with `state`)."""

    def __init__(self, message: str, state: str) -> None:
        super().__init__(message)
        self.state = state


def target(what: str, transitions: Mapping[S, Mapping[A, S]], state: S, action: A) -> S:
    """Where `action` leads from `state`, or TransitionNotAllowed."""
    goal = transitions[state].get(action)
    if goal is None:
        raise TransitionNotAllowed(what, action, state, sorted(transitions[state]))
    return goal


def allowed(transitions: Mapping[S, Mapping[A, S]], state: S) -> list[A]:
    """The actions allowed from `state`, sorted."""
    return sorted(transitions[state])


def once_each(values: list[str]) -> list[str]:
    """Values stripped, blank ones dropped, each once in the order given."""
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))
