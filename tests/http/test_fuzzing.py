"""Every service's API, fuzzed from its own OpenAPI document (schemathesis), running for real.

About five hundred generated requests per service besides the coverage phase's (valid ones,
invalid ones, other methods), spread over its operations (ten to a hundred each)
against the service on real PostgreSQL and NATS: no answer is a server error, and every
answer is one the document describes (status, media type, headers, body schema).
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import httpx
import pytest

from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.service import installed_services
from arctic.runtime.testing import (
    TEST_PEPPER,
    SecuredNats,
    prepare_service_database,
    provision,
    serving,
)

pytestmark = pytest.mark.slow
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "unsupported_method",
    "allow_header_conformance",
)
EXAMPLES_PER_SERVICE = 500
EXAMPLES_PER_OPERATION = (10, 100)
"""At least and at most, whatever the number of operations."""


WITH_AN_API = sorted(name for name, d in installed_services().items() if d.routers)
"""The services that declare HTTP operations (the others serve only /docs and operations)."""


@pytest.mark.parametrize("name", WITH_AN_API)
async def test_fuzzed_requests_get_no_server_error_and_documented_answers(
    name: str, fresh_database: str, secured_nats: SecuredNats, tokens: Tokens, tmp_path: Path
) -> None:
    definition = installed_services()[name]
    dsn = await prepare_service_database(fresh_database, definition)
    await provision(secured_nats, *installed_services().values())  # its sources too
    settings = definition.settings_class(
        service=name,
        database_dsn=dsn,
        personal_data_pepper=TEST_PEPPER,
        **secured_nats.settings_for(name),
        **tokens.settings,
    )
    # As an admin, so that the protected operations are fuzzed past their 401
    authorization = tokens.headers(Role.admin)["Authorization"]
    async with serving(definition, settings) as url:
        # A service of many operations gets fewer examples of each, so that every service's
        # run stays within the test's time, whatever the size of its API.
        async with httpx.AsyncClient() as http:
            document = (await http.get(f"{url}/openapi.json")).json()
        count = sum(len(methods) for methods in document["paths"].values())
        fewest, most = EXAMPLES_PER_OPERATION
        examples = min(most, max(fewest, EXAMPLES_PER_SERVICE // count))
        fuzz = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json"),
            *("--checks", ",".join(CHECKS), "--max-examples", str(examples)),
            *("--phases", "examples,coverage,fuzzing", "--seed", "7", "--workers", "1"),
            *("--no-color", "--report-dir", str(tmp_path)),
            *("--header", f"Authorization: {authorization}"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,  # schemathesis keeps a cache in its working folder
        )
        output, _ = await fuzz.communicate()
    text = output.decode(errors="replace")
    (tmp_path / "schemathesis.txt").write_text(text)
    assert fuzz.returncode == 0, text[-6000:]
    generated = re.search(r"(\d+) generated", text)
    assert generated is not None, text[-3000:]
    assert int(generated[1]) >= min(EXAMPLES_PER_SERVICE, examples * count), text[-3000:]
