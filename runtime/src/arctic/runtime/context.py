"""The correlation of work in progress: which request or event caused what we do now."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)


def current_correlation_id() -> str:
    """The correlation id of the work in progress, or a new one when none is bound."""
    return correlation_id_var.get() or str(uuid.uuid4())


@contextmanager
def bound(**context: str | None) -> Iterator[None]:
    """Bind log context (and the correlation id, when given) for the duration of a block."""
    token = None
    if context.get("correlation_id"):
        token = correlation_id_var.set(context["correlation_id"])
    with structlog.contextvars.bound_contextvars(**context):
        try:
            yield
        finally:
            if token is not None:
                correlation_id_var.reset(token)
