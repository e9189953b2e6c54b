"""Structured JSON logging: one object per line on stdout, for every logger in the process."""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

import structlog

_SERVICE = ["arctic"]


def configure_logging(service: str, level: str = "INFO", *, stream: IO[str] | None = None) -> None:
    """Route structlog and the stdlib loggers (uvicorn, asyncpg, nats) through one JSON renderer.

    Every line carries `timestamp` (ISO 8601 UTC), `level`, `event`, `service`, `logger` and
    whatever context is bound with `bind_contextvars` (correlation id, event id, ...).
    Lines go to `stream` (stdout by default; the local stack passes its log printer).
    """
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=False),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncpg", "nats"):
        stdlib_logger = logging.getLogger(name)
        stdlib_logger.handlers[:] = []
        stdlib_logger.propagate = True
    # One access line per request is written by the app's middleware, with its context.
    logging.getLogger("uvicorn.access").disabled = True
    _SERVICE[0] = service


def _add_service(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    event_dict.setdefault("service", _SERVICE[0])
    return event_dict


def get_logger(name: str) -> Any:
    """A structlog logger named `name` (the `logger` field)."""
    return structlog.stdlib.get_logger(name)
