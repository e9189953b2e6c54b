"""The OpenAPI document says what the service serves: the problem answers every operation can
give, as `application/problem+json`, and objects that take no fields but their own.

FastAPI documents a 422 as `application/json` with its own error shape and nothing else; the
runtime answers problem+json (`problems`), refuses non-JSON bodies (415), bodies over the
limit (413) and unknown fields (`bodies`), and answers 503 while the database cannot be
reached. `describe_what_is_served` rewrites the generated document once, when first asked.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from arctic.runtime.problems import PROBLEM_JSON

JsonSchema = dict[str, Any]
PROBLEM = "Problem"
VALIDATION_PROBLEM = "ValidationProblem"
_TITLES = {
    400: "The body could not be read (not UTF-8 text)",
    404: "No such resource",
    409: "A rule or the resource's state forbids it; the answer says which",
    413: "The body is larger than the service takes (`ARCTIC_HTTP_MAX_BODY_BYTES`)",
    415: "The body is not JSON",
    422: "Invalid input: `errors` names each field at fault",
    500: "An unexpected error, logged with the request's correlation id",
    503: "The database cannot be reached just now; retry after `Retry-After` seconds",
}


def _problem_schema() -> JsonSchema:
    return {
        "title": PROBLEM,
        "description": "RFC 9457 problem details; some carry more members (e.g. `current`).",
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
        "additionalProperties": True,
    }


def _validation_problem_schema() -> JsonSchema:
    error = {
        "type": "object",
        "required": ["field", "message", "type"],
        "properties": {
            "field": {"type": "string", "description": "dotted path, `body` for the whole"},
            "message": {"type": "string"},
            "type": {"type": "string"},
        },
        "additionalProperties": False,
    }
    schema = _problem_schema()
    schema["title"] = VALIDATION_PROBLEM
    schema["description"] = (
        "RFC 9457 problem details; `errors` names each field at fault when the input did not "
        "validate (a rule over the whole request, e.g. a reused Idempotency-Key, has none)."
    )
    schema["properties"] = {**schema["properties"], "errors": {"type": "array", "items": error}}
    return schema


def problem_response(status: int, description: str | None = None) -> JsonSchema:
    """The OpenAPI response object of a problem answer with `status`."""
    name = VALIDATION_PROBLEM if status in (400, 422) else PROBLEM
    response: JsonSchema = {
        "description": description or _TITLES.get(status, "A problem"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }
    if status == 503:
        response["headers"] = {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        }
    return response


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """For a route's `responses=`: the problem answers it gives besides the usual ones
    (e.g. `problem_responses(409)` where it raises `Conflict`)."""
    return {status: {"description": _TITLES.get(status, "A problem")} for status in statuses}


def _close_objects(node: Any) -> None:
    """`additionalProperties: false` on every object schema that lists its properties: the
    runtime refuses unknown fields in bodies, and answers carry only their model's fields."""
    if isinstance(node, list):
        for item in node:
            _close_objects(item)
    elif isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_objects(value)


def _describe_operation(path: str, operation: JsonSchema) -> None:
    responses: JsonSchema = operation.setdefault("responses", {})
    statuses = {500, 503}
    if "requestBody" in operation:
        statuses |= {400, 413, 415, 422}
    if "{" in path:
        statuses.add(404)
    if operation.get("parameters"):
        statuses.add(422)
    statuses |= {int(code) for code in responses if code.isdigit() and int(code) >= 400}
    for status in sorted(statuses):
        declared = responses.get(str(status), {})
        description = declared.get("description") if status != 422 else None
        responses[str(status)] = problem_response(status, description)


def openapi_document(generated: JsonSchema) -> JsonSchema:
    """`generated` (FastAPI's document of an app) rewritten to say what is served."""
    components = generated.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _close_objects(schemas)
    for path, operations in generated.get("paths", {}).items():
        for operation in operations.values():
            _close_objects(operation.get("requestBody"))
            _describe_operation(path, operation)
    schemas[PROBLEM] = _problem_schema()
    schemas[VALIDATION_PROBLEM] = _validation_problem_schema()
    return generated


def describe_what_is_served(app: FastAPI) -> None:
    """Make `app.openapi()` return the rewritten document (built once, then kept)."""
    generate = app.openapi

    def openapi() -> JsonSchema:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
