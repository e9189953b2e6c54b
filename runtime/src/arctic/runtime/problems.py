"""RFC 9457 problem details: every error answer of every service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Generic, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from arctic.runtime.db import database_unavailable
from arctic.runtime.logs import get_logger
from arctic.runtime.personal_keys import PersonalKeysUnavailable

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 5
"""What a 503 asks the caller to wait before trying again (`Retry-After`)."""


class Problem(Exception):
    """A caller-facing error with its HTTP status; subclass it for domain errors."""

    status = 400
    title = "Bad request"
    headers: Mapping[str, str] = {}  # e.g. WWW-Authenticate, Retry-After

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(Problem):
    """The resource does not exist."""

    status = 404
    title = "Not found"


class Conflict(Problem):
    """A rule or the resource's state forbids the request."""

    status = 409
    title = "Conflict"


class InvalidField(Problem):
    """A field's value breaks a rule the request's schema could not express (422, in the
    shape of a validation error)."""

    status = 422
    title = "Invalid request"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(
            f"Invalid value in: {field}",
            errors=[{"field": field, "message": message, "type": "value_error"}],
        )


X = TypeVar("X", bound=Exception)


@dataclass(frozen=True)
class ProblemFor(Generic[X]):
    """How an error of the domain (which knows nothing of HTTP) is answered: `answer` turns
    it into a Problem. Made by `problem_for`, listed in `ServiceDefinition.problems`."""

    error: type[X]
    answer: Callable[[X], Problem]

    async def respond(self, request: Request, error: Exception) -> JSONResponse:
        """The exception handler answering `error` as problem+json."""
        assert isinstance(error, self.error)
        return await _problem(request, self.answer(error))


def problem_for(error: type[X], answer: Callable[[X], Problem]) -> ProblemFor[X]:
    """Answer `error` (and its subclasses) with the Problem `answer(error)` makes, e.g.
    `problem_for(TransitionNotAllowed, lambda e: Conflict(str(e), state=e.state))`."""
    return ProblemFor(error, answer)


def problem_response(
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json answer."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse(
        {**body, **extensions}, status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _error(error: Any) -> dict[str, str]:
    if error["type"] == "json_invalid":
        # FastAPI puts the character offset where a field name goes: say it in words.
        location = error["loc"][1] if len(error["loc"]) > 1 else "?"
        reason = error.get("ctx", {}).get("error", "invalid JSON")
        return {
            "field": "body",
            "message": f"the body is not valid JSON: {reason} (at character {location})",
            "type": "json_invalid",
        }
    return {"field": _field(tuple(error["loc"])), "message": error["msg"], "type": error["type"]}


async def _invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [_error(e) for e in error.errors()]
    fields = ", ".join(sorted({e["field"] for e in errors}))
    return problem_response(422, "Invalid request", f"Invalid value in: {fields}", errors=errors)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """Every method some route of this path takes (Starlette names only the first route's):
    each asked of the routes themselves, included routers too."""
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    ]
    return ", ".join(allowed)


async def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    title = HTTPStatus(error.status_code).phrase
    headers = dict(error.headers or {})
    detail = str(error.detail)
    extensions: dict[str, Any] = {}
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        detail = f"{request.method} is not allowed here; allowed: {headers['Allow']}"
    if error.status_code == 400 and isinstance(error.__cause__, UnicodeDecodeError):
        detail = "the body is not valid JSON: it is not UTF-8 text"
        extensions["errors"] = [{"field": "body", "message": detail, "type": "json_invalid"}]
    return problem_response(error.status_code, title, detail, headers or None, **extensions)


async def _problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Problem)
    response = problem_response(error.status, error.title, error.detail, **error.extensions)
    response.headers.update(error.headers)
    return response


async def _keys_unavailable(request: Request, error: Exception) -> JSONResponse:
    log.warning("personal keys unavailable", path=request.url.path, error=str(error))
    return problem_response(
        503,
        "Service unavailable",
        "The store of persons' keys cannot be reached; nothing was stored. Try again shortly.",
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def unexpected_error_response(error: Exception, path: str) -> JSONResponse:
    """The answer to an error nothing handled, logged: 503 with `Retry-After` when the
    database cannot be reached (the caller may retry), else 500."""
    if database_unavailable(error):
        log.warning("database unavailable", path=path, error=repr(error))
        return problem_response(
            503,
            "Service unavailable",
            "The database cannot be reached just now; try again shortly.",
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    log.error("unhandled error", path=path, exc_info=error)
    return problem_response(500, "Internal server error", "The error was logged.")


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    return unexpected_error_response(error, request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as problem+json; a caller's mistake is never a 500."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(PersonalKeysUnavailable, _keys_unavailable)
    app.add_exception_handler(Exception, _unexpected)
