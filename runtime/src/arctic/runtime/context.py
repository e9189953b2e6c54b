"""The correlation of work in progress: which request or event caused what we do now."""

from __future__ import annotations

import contextvars
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from arctic.contracts.ids import is_valid_traceparent, new_traceparent

correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
traceparent_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "traceparent", default=None
)
actor_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("actor", default=None)


CORRELATION_ID_PATTERN = re.compile(r"[A-Za-z0-9._:/@+=-]{1,128}")
"""What a caller's correlation id may be: up to 128 printable characters of this set, so that
it is safe in a log line, a NATS header and a URL, and small in every event it travels with."""


def accepted_correlation_id(given: str | None) -> str:
    """The caller's correlation id when it is one (`CORRELATION_ID_PATTERN`), else a new one.

    A bad or oversized id is replaced rather than refused: correlation is a courtesy to the
    caller, and a request is not worth failing for it. The answer carries the id in use.
    """
    if given is not None and CORRELATION_ID_PATTERN.fullmatch(given):
        return given
    return str(uuid.uuid4())


def current_correlation_id() -> str:
    """The correlation id of the work in progress, or a new one when none is bound."""
    return correlation_id_var.get() or str(uuid.uuid4())


def current_actor() -> str | None:
    """The subject (a token's `sub`) of the caller whose command is being handled, if any.

    Set for a request by the access check (`arctic.runtime.access`); events the request's
    transactions emit carry it as `ce-actor`.
    """
    return actor_var.get()


def child_traceparent(parent: str | None = None) -> str:
    """A W3C traceparent in the trace of `parent` (or of the work in progress), new span id.

    Without a valid parent it starts a new trace.
    """
    parent = parent or traceparent_var.get()
    if parent is None or not is_valid_traceparent(parent):
        return new_traceparent()
    version, trace_id, _, flags = parent.split("-")
    return f"{version}-{trace_id}-{secrets.token_hex(8)}-{flags}"


@contextmanager
def bound(*, traceparent: str | None = None, **context: str | None) -> Iterator[None]:
    """Bind log context for the duration of a block: the correlation id and trace (when
    given) also become the context that emitted events carry."""
    tokens = []
    if context.get("correlation_id"):
        tokens.append((correlation_id_var, correlation_id_var.set(context["correlation_id"])))
    if traceparent is not None and is_valid_traceparent(traceparent):
        tokens.append((traceparent_var, traceparent_var.set(traceparent)))
        context["trace_id"] = traceparent.split("-")[1]
    # bind/reset directly: bound_contextvars() copies the whole context twice per use
    bound_tokens = structlog.contextvars.bind_contextvars(**context)
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**bound_tokens)
        for var, token in reversed(tokens):
            var.reset(token)
