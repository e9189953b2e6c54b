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

from arctic.runtime.logs import get_logger

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"


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


def problem_response(status: int, title: str, detail: str, **extensions: Any) -> JSONResponse:
    """A problem+json answer."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JSONResponse({**body, **extensions}, status_code=status, media_type=PROBLEM_JSON)


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {"field": _field(tuple(e["loc"])), "message": e["msg"], "type": e["type"]}
        for e in error.errors()
    ]
    fields = ", ".join(sorted({e["field"] for e in errors}))
    return problem_response(422, "Invalid request", f"Invalid value in: {fields}", errors=errors)


async def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    title = HTTPStatus(error.status_code).phrase
    return problem_response(error.status_code, title, str(error.detail))


async def _problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Problem)
    response = problem_response(error.status, error.title, error.detail, **error.extensions)
    response.headers.update(error.headers)
    return response


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path)
    return problem_response(500, "Internal server error", "The error was logged.")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as problem+json; a caller's mistake is never a 500."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(Exception, _unexpected)
