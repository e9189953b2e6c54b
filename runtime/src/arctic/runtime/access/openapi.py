"""The OpenAPI document shows what every operation declares: the bearer scheme and its roles
(`x-roles`), or that it is public (`x-public`, no security), with the 401/403/429 answers as
problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from arctic.runtime.access.requirements import Requirement
from arctic.runtime.problems import PROBLEM_JSON

OpenApi = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PROBLEM_SCHEMA: OpenApi = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}


class AmbiguousAccess(ValueError):
    """An operation declares its access more than once."""


def api_routes(app: FastAPI) -> Iterator[RouteContext]:
    """Every path operation of `app`, included routers' too (with their prefixes and
    dependencies: FastAPI keeps included routers as a tree)."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def requirement_of(route: RouteContext) -> Requirement | None:
    """What the operation declares (`require(...)` or `public()`), or None when nothing.

    The same requirement may appear twice: in `dependencies=[...]`, to run before another
    dependency such as `Idempotent`, and as the parameter that gives the endpoint the caller
    (FastAPI runs it once), but not two different ones."""
    found = list({id(found): found for found in requirements_in(route.dependant)}.values())
    if len(found) > 1:
        raise AmbiguousAccess(
            f"{operation_name(route)} declares its access {len(found)} times: "
            "declare it once, next to the route"
        )
    return found[0] if found else None


def operation_name(route: RouteContext) -> str:
    """`GET /path` (methods joined by `|`), for messages."""
    return f"{'|'.join(sorted(route.methods or ()))} {route.path}"


def requirements_in(dependant: Dependant) -> Iterator[Requirement]:
    """The requirements among a dependant's dependencies, at any depth, in order."""
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Requirement):
            yield dependency.call
        yield from requirements_in(dependency)


def document_access(app: FastAPI) -> None:
    """Have `app.openapi()` describe each operation's access as its routes declare it."""
    generate = app.openapi
    declared = {
        (route.path_format, method.lower()): requirement
        for route in api_routes(app)
        if (requirement := requirement_of(route)) is not None
        for method in route.methods or ()
    }

    def openapi() -> OpenApi:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
                "Problem", PROBLEM_SCHEMA
            )
            for path, method, operation in operations(schema):
                if (path, method) in declared:
                    _describe(operation, declared[path, method])
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def operations(schema: OpenApi) -> Iterator[tuple[str, str, OpenApi]]:
    """(path, method, operation) of every operation of an OpenAPI document."""
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def undeclared_operations(schema: OpenApi) -> list[str]:
    """The operations of a document that declare neither roles nor that they are public."""
    return [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if not operation.get("x-roles") and operation.get("x-public") is not True
    ]


def _describe(operation: OpenApi, requirement: Requirement) -> None:
    responses = operation.setdefault("responses", {})
    if requirement.public:
        operation["x-public"] = True
        operation["security"] = []
        note = "**Public**: no token needed."
        if requirement.rate_limited:
            operation["x-rate-limited"] = True
            note += " Rate-limited per client address (429 with `Retry-After` beyond it)."
            responses["429"] = _problem(
                "Too many requests from this address.",
                {"Retry-After": "Seconds until the next request is accepted."},
            )
    else:
        roles = sorted(requirement.roles)
        operation["x-roles"] = roles
        note = f"**Roles**: {', '.join(roles)} (a bearer token with one of them)."
        responses["401"] = _problem(
            "No bearer token, or one that does not verify.",
            {"WWW-Authenticate": '`Bearer`, with `error="invalid_token"` for a bad token.'},
        )
        responses["403"] = _problem(
            "The token has none of the roles, or the resource is another company's or "
            "organisation's.",
            {},
        )
    description = operation.get("description", "")
    operation["description"] = f"{description}\n\n{note}" if description else note


def _problem(description: str, headers: dict[str, str]) -> OpenApi:
    response: OpenApi = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return response
