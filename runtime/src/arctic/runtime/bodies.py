"""The JSON bodies every endpoint takes, checked once at the edge, for every endpoint.

FastAPI validates a body against the endpoint's model as Python data, with each nested
model's own configuration. The contracts' models (`Company`, `Person` ...) ignore fields they
do not know, as events must; and Python validation turns `0` into `False`. What a caller
sends is held to more: before the endpoint's own validation, `check_json_body` (an app-wide
dependency) answers

- 415 when the body is not JSON (`Content-Type` other than `application/json` or `*+json`);
- 422 naming each field when the body, validated as JSON in strict mode with unknown fields
  forbidden at every level, does not fit the endpoint's model (`showcase_consent: 0`, an
  unknown field inside `company.contact`);
- 422 naming each field holding text that PostgreSQL cannot store or that has no business
  in text: NUL and the other control characters (tab, line feed and carriage return
  excepted), and lone surrogates (`"\\ud800"`, valid JSON but not Unicode).

The models themselves stay as they are: the same model reads stored rows and builds events.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import HTTPException

UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters refused in text: NUL (PostgreSQL cannot store it) and the rest of C0
and DEL, except tab, line feed and carriage return."""


@lru_cache(maxsize=512)
def _adapter(body_type: Any) -> TypeAdapter[Any]:
    return TypeAdapter(body_type)


def is_json(content_type: str) -> bool:
    """Whether a `Content-Type` value names JSON (`application/json`, `application/*+json`)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def text_problems(value: Any, location: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    """An error (as pydantic words them) for each string in `value` that cannot be stored."""
    if isinstance(value, str):
        if UNSTORABLE.search(value):
            return [_text_error(location, value, "a control character (such as NUL)")]
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return [_text_error(location, value, "a lone surrogate, which is not Unicode text")]
        return []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found += text_problems(key, (*location, "(key)"))
            found += text_problems(item, (*location, key))
        return found
    if isinstance(value, list):
        return [e for i, item in enumerate(value) for e in text_problems(item, (*location, i))]
    return []


def _text_error(location: tuple[str | int, ...], value: str, what: str) -> dict[str, Any]:
    return {
        "type": "text_unstorable",
        "loc": ("body", *location),
        "msg": f"Text may not contain {what}",
        "input": value,
    }


async def check_json_body(request: Request) -> None:
    """Hold a request's JSON body to the edge's rules (see the module); no-op without a body."""
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    if route is None or body_field is None:
        return
    raw = await request.body()
    content_type = request.headers.get("content-type")
    if not raw:
        return  # FastAPI reports the missing body itself
    if content_type is not None and not is_json(content_type):
        raise HTTPException(415, f"the body must be application/json, not {content_type}")
    try:
        data = json.loads(raw)  # as FastAPI reads it: lone surrogates pass, to be named here
    except ValueError:
        return  # FastAPI reports malformed JSON itself (422, json_invalid; 400 if not UTF-8)
    errors = text_problems(data)
    try:
        _adapter(body_field.field_info.annotation).validate_json(raw, strict=True, extra="forbid")
    except ValidationError as invalid:
        # json_invalid here is a lone surrogate, which text_problems names by its field.
        errors += [
            {**e, "loc": ("body", *e["loc"])}
            for e in invalid.errors(include_url=False)
            if e["type"] != "json_invalid"
        ]
    if errors:
        raise RequestValidationError(errors, body=data)
