"""Every service's API, fuzzed from its own OpenAPI document (schemathesis), running for real.

Generated requests - the coverage phase's (valid ones, invalid ones, other methods) and about
`EXAMPLES_PER_SERVICE` more, spread over its operations (ten to a hundred each) - against the
service on real PostgreSQL and NATS: no answer is a server error, every answer is one the
document describes (status, media type, headers, body schema) and every error answer is
problem+json (tests/http/fuzz_checks.py).

`make test` fuzzes each service as an admin, whom every protected operation admits.
`make fuzz` sets `ARCTIC_FUZZ_EXAMPLES` (e.g. 1000): that many per service, and a run for each
role of the network and for an anonymous caller; the figures of each run (cases, answers by
status, failures) are printed at the end of the session (tests/http/conftest.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

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
    "error_is_problem_json",
)
HOOKS = Path(__file__).with_name("fuzz_checks.py")
FULL_RUN = int(os.environ.get("ARCTIC_FUZZ_EXAMPLES", "0"))
"""`make fuzz`: generated requests per service and role (0: the short run of `make test`)."""
EXAMPLES_PER_SERVICE = FULL_RUN or 500
EXAMPLES_PER_OPERATION = (10, FULL_RUN or 100)
"""At least and at most, whatever the number of operations."""
ANONYMOUS = "anonymous"
ROLES = [ANONYMOUS, *Role] if FULL_RUN else [Role.admin]
"""Who calls: as an admin the protected operations are fuzzed past their 401; the full run
also calls as each other role (past or into its 403s) and with no token at all."""
CLAIMS: dict[str, dict[str, str]] = {
    Role.company: {"business_id": "2617416-4"},
    Role.staff: {"org": "lapland-uas"},
    Role.coordinator: {"org": "lapland-uas"},
}
"""What a token of the role carries besides (a company's business id, staff's organisation)."""

WITH_AN_API = sorted(name for name, d in installed_services().items() if d.routers)
"""The services that declare HTTP operations (the others serve only /docs and operations)."""


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", WITH_AN_API)
async def test_fuzzed_requests_get_no_server_error_and_documented_answers(
    name: str,
    role: str,
    fresh_database: str,
    secured_nats: SecuredNats,
    tokens: Tokens,
    tmp_path: Path,
    fuzz_runs: list[dict[str, Any]],
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
    token = None if role == ANONYMOUS else tokens.token(role, ttl=7200, **CLAIMS.get(role, {}))
    authorization = [] if token is None else ["--header", f"Authorization: Bearer {token}"]
    async with serving(definition, settings) as url:
        # A service of many operations gets fewer examples of each, so that every service's
        # run stays within the test's time, whatever the size of its API.
        async with httpx.AsyncClient() as http:
            document = (await http.get(f"{url}/openapi.json")).json()
        count = sum(len(methods) for methods in document["paths"].values())
        fewest, most = EXAMPLES_PER_OPERATION
        examples = min(most, max(fewest, -(-EXAMPLES_PER_SERVICE // count)))
        fuzz = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json"),
            *("--checks", ",".join(CHECKS), "--max-examples", str(examples)),
            *("--phases", "examples,coverage,fuzzing", "--seed", "7", "--workers", "1"),
            *("--no-color", "--report", "har", "--report-dir", str(tmp_path)),
            *("--output-sanitize", "false", *authorization),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,  # schemathesis keeps a cache in its working folder
            env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)},
        )
        output, _ = await fuzz.communicate()
    text = output.decode(errors="replace")
    (tmp_path / "schemathesis.txt").write_text(text)
    generated = re.search(r"(\d+) generated", text)
    failed = re.search(r"(\d+) failed", text)
    fuzz_runs.append(
        {
            "service": name,
            "role": str(role),
            "operations": count,
            "generated": int(generated[1]) if generated else 0,
            "failed": int(failed[1]) if failed else 0,
            "statuses": _statuses(tmp_path),
            "passed": fuzz.returncode == 0,
        }
    )
    assert fuzz.returncode == 0, text[-6000:]
    assert generated is not None, text[-3000:]
    assert int(generated[1]) >= min(EXAMPLES_PER_SERVICE, examples * count), text[-3000:]


def _statuses(folder: Path) -> Counter[int]:
    """The answers of a run by status, from its HAR report (every request it sent)."""
    statuses: Counter[int] = Counter()
    for har in folder.glob("har-*.json"):
        for entry in json.loads(har.read_text())["log"]["entries"]:
            statuses[entry["response"]["status"]] += 1
    return statuses
