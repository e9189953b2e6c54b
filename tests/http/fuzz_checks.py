"""Schemathesis hooks for tests/http/test_fuzzing.py (loaded through SCHEMATHESIS_HOOKS): the
checks of this project that schemathesis has no built-in for.

`error_is_problem_json`: every error answer (4xx, 5xx) is RFC 9457 problem details - the
media type application/problem+json and a body naming its status and title - whatever the
operation documents, so that a caller can always read why it was refused.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

PROBLEM_JSON = "application/problem+json"


@schemathesis.check
def error_is_problem_json(ctx: Any, response: Any, case: Any) -> bool | None:
    """An answer of status 400 or more is problem+json with its status and a title."""
    status = response.status_code
    if status < 400 or case.method.upper() == "HEAD":
        return None
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if media_type != PROBLEM_JSON:
        raise AssertionError(f"{status} answered as {media_type or '(no media type)'!r}")
    try:
        body = json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"{status} problem+json that is not JSON: {error}") from None
    if not isinstance(body, dict) or body.get("status") != status:
        raise AssertionError(f"{status} problem without its status: {response.content[:200]!r}")
    if not isinstance(body.get("title"), str) or not body["title"]:
        raise AssertionError(f"{status} problem without a title: {response.content[:200]!r}")
    return None
