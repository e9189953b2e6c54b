"""Text in query and path parameters, held at the edge to the rule for text in bodies
(`bodies`): a parameter holding NUL or another control character (tab, line feed and
carriage return excepted) is answered 422 naming it, for every endpoint, before any reaches
PostgreSQL, which cannot take a NUL even to compare it (a search for one was a 500).

Starlette decodes percent-escapes that are not UTF-8 as U+FFFD, so no lone surrogate gets
this far."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from arctic.runtime.bodies import text_problems


async def check_text_parameters(request: Request) -> None:
    """Refuse a request whose path or query parameters hold text that cannot be stored."""
    errors = [
        {**error, "loc": (where, *error["loc"][1:])}
        for where, parameters in (
            ("path", request.path_params.items()),
            ("query", request.query_params.multi_items()),
        )
        for name, value in parameters
        for error in text_problems(value, (name,))
    ]
    if errors:
        raise RequestValidationError(errors)
