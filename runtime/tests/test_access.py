"""Bearer tokens and roles on real HTTP: 401 for no or a bad token (RFC 6750), 403 for the
wrong role, organisation or company, the caller in the logs and on the events, 429 for a
client past its allowance, and never a 500."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt
import pytest
from access_support import Sample, SampleRunner, sample_runner
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from nats.aio.client import Client as NATS

from arctic.contracts.envelope import parse_message
from arctic.runtime.access.issuing import issue_token
from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.servers import LocalNats
from arctic.runtime.testing import stream_messages, wait_until

COMPANY = "2617416-4"
OTHER_COMPANY = "0737546-2"


@pytest.fixture
def run_sample(
    fresh_database: str, nats_server: LocalNats, nc: NATS, tokens: Tokens
) -> SampleRunner:
    return sample_runner(fresh_database, nats_server.url, nc, **tokens.settings)


@pytest.fixture
async def sample(run_sample: SampleRunner) -> AsyncIterator[Sample]:
    async with run_sample() as running:
        yield running


def _segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _hs256_with_the_public_key(tokens: Tokens) -> str:
    # The classic algorithm confusion: the public key's PEM used as an HMAC secret. PyJWT
    # refuses to sign like that, so the forged token is put together here.
    valid = jwt.decode(tokens.token(Role.admin), options={"verify_signature": False})
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment(valid)}"
    secret = tokens.public_key_file.read_bytes()
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def _tampered(tokens: Tokens) -> str:
    header, _, signature = tokens.token(Role.staff, org="lapland-uas").split(".")
    claims = jwt.decode(tokens.token(Role.admin), options={"verify_signature": False})
    return f"{header}.{_segment(claims)}.{signature}"


BAD_TOKENS: dict[str, tuple[Callable[[Tokens], str], str]] = {
    "garbage": (lambda t: "not-a-token", "malformed"),
    "three garbage segments": (lambda t: "a.b.c", "malformed"),
    "header not json": (lambda t: "e30x.e30.c2ln", "malformed"),
    "header a json list": (lambda t: f"{_segment([1])}.e30.c2ln", "malformed"),  # type: ignore[arg-type]
    "huge": (lambda t: "x" * 6000, "malformed"),
    "unsigned (alg none)": (
        lambda t: jwt.encode({"sub": "x", "roles": ["admin"]}, None, algorithm="none"),
        "algorithm is not accepted",
    ),
    "hs256 with a shared secret": (
        lambda t: jwt.encode({"sub": "x", "roles": ["admin"]}, "s" * 32, algorithm="HS256"),
        "algorithm is not accepted",
    ),
    "hs256 with the public key as secret": (_hs256_with_the_public_key, "not accepted"),
    "rs256 by an rsa key (another key family)": (
        lambda t: t.token(Role.admin, key=rsa.generate_private_key(65537, 2048)),
        "does not fit the key",
    ),
    "es256 by another key (bad signature)": (
        lambda t: t.token(Role.admin, key=ec.generate_private_key(ec.SECP256R1())),
        "signature does not verify",
    ),
    "claims changed after signing": (_tampered, "signature does not verify"),
    "expired": (lambda t: t.token(Role.admin, ttl=-120), "expired"),
    "not valid yet": (lambda t: t.token(Role.admin, nbf=4102444800), "not valid yet"),
    "another issuer": (lambda t: t.token(Role.admin, iss="https://evil.example"), "issuer"),
    "another audience": (lambda t: t.token(Role.admin, aud="another-app"), "audience"),
    "no subject": (
        lambda t: issue_token(t.key, t.access, issuer=t.issuer, subject="", roles=[], sub=None),
        "sub claim",
    ),
    "no expiry": (lambda t: t.token(Role.admin, exp=None), "exp claim"),
    "subject no header can carry": (lambda t: t.token(Role.admin, sub="Aino\r\nX: y"), "subject"),
    "subject too long": (lambda t: t.token(Role.admin, sub="s" * 129), "subject"),
    "staff of no organisation": (lambda t: t.token(Role.staff), "organisation"),
    "company with a wrong check digit": (
        lambda t: t.token(Role.company, business_id="2617416-5"),
        "business id",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_a_bad_token_is_401_invalid_token_problem_never_500(
    sample: Sample, tokens: Tokens, kind: str
) -> None:
    make, reason = BAD_TOKENS[kind]
    response = await sample.http.get(
        "/staff-only", headers={"Authorization": f"Bearer {make(tokens)}"}
    )
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="arctic-rdi-hub", error="invalid_token"')
    assert reason in challenge
    assert reason in response.json()["detail"]


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Token abc"])
async def test_no_bearer_token_is_401_with_a_bare_challenge(
    sample: Sample, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await sample.http.get("/staff-only", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    # RFC 6750 3.1: no error code when the request carried no credentials.
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="arctic-rdi-hub"'
    assert response.json()["status"] == 401


async def test_a_token_expired_within_the_leeway_is_accepted(
    sample: Sample, tokens: Tokens
) -> None:
    response = await sample.http.get(
        "/staff-only", headers=tokens.headers(Role.staff, org="lapland-uas", ttl=-10)
    )
    assert response.status_code == 200
    assert response.json() == {"caller": "test-staff"}


async def test_a_token_without_the_role_is_403_insufficient_scope(
    sample: Sample, tokens: Tokens
) -> None:
    for headers in (
        tokens.headers(Role.company, business_id=COMPANY),
        tokens.headers(Role.coordinator),
        tokens.headers(Role.service),
        tokens.headers(roles=[]),
    ):
        response = await sample.http.get("/staff-only", headers=headers)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["roles"] == ["admin", "staff"]
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


async def test_staff_act_only_for_their_own_organisation_coordinators_and_admins_for_any(
    sample: Sample, tokens: Tokens
) -> None:
    path = "/organisations/lapland-uas/offerings"
    own = await sample.http.get(path, headers=tokens.headers(Role.staff, org="lapland-uas"))
    other = await sample.http.get(path, headers=tokens.headers(Role.staff, org="gtk"))
    coordinator = await sample.http.get(path, headers=tokens.headers(Role.coordinator))
    admin = await sample.http.get(path, headers=tokens.headers(Role.admin))
    assert (own.status_code, other.status_code) == (200, 403)
    assert other.headers["content-type"] == "application/problem+json"
    assert "offerings of lapland-uas" in other.json()["detail"]
    assert (coordinator.status_code, admin.status_code) == (200, 200)


async def test_a_company_acts_only_on_its_own_and_another_may_be_told_nothing_exists(
    sample: Sample, tokens: Tokens
) -> None:
    own = tokens.headers(Role.company, business_id=COMPANY)
    other = tokens.headers(Role.company, business_id=OTHER_COMPANY)
    assert (await sample.http.get(f"/companies/{COMPANY}/bookings", headers=own)).is_success
    refused = await sample.http.get(f"/companies/{COMPANY}/bookings", headers=other)
    assert refused.status_code == 403
    hidden = await sample.http.get(f"/companies/{COMPANY}/inquiries", headers=other)
    assert hidden.status_code == 404
    assert hidden.json()["detail"] == f"no inquiries of {COMPANY}"
    admin = tokens.headers(Role.admin)
    assert (await sample.http.get(f"/companies/{COMPANY}/bookings", headers=admin)).is_success


async def test_public_operations_need_no_token_and_ignore_a_bad_one(sample: Sample) -> None:
    ops = sample.url.ops  # health and metrics listen on the operations port
    for headers in ({}, {"Authorization": "Bearer garbage"}):
        for url in (f"{sample.url}/open", f"{ops}/healthz", f"{ops}/metrics"):
            assert (await sample.http.get(url, headers=headers)).status_code == 200, url


async def test_the_caller_is_on_the_events_of_its_command_and_public_ones_have_none(
    sample: Sample, tokens: Tokens
) -> None:
    announced = await sample.http.post(
        "/announcements", headers=tokens.headers(Role.coordinator, sub="kc-5e1f")
    )
    submitted = await sample.http.post("/forms")
    assert (announced.status_code, submitted.status_code) == (201, 201)

    async def both_published() -> bool:
        return len(await stream_messages(sample.nc, "PROTOTYPING")) == 2

    await wait_until(both_published)
    actors = {}
    for message in await stream_messages(sample.nc, "PROTOTYPING"):
        envelope, _ = parse_message(message.subject, message.headers, message.data)
        actors[str(envelope.id)] = envelope.actor
    assert actors == {announced.json()["event_id"]: "kc-5e1f", submitted.json()["event_id"]: None}


async def test_the_log_lines_of_a_request_name_the_caller_by_ids_only(
    run_sample: SampleRunner, tokens: Tokens, capsys: pytest.CaptureFixture[str]
) -> None:
    token = tokens.token(Role.staff, org="lapland-uas", sub="kc-77aa")
    async with run_sample() as sample:
        await sample.http.get(
            "/organisations/lapland-uas/offerings", headers={"Authorization": f"Bearer {token}"}
        )
        await sample.http.post("/announcements", headers=tokens.headers(Role.coordinator))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line[:1] == "{"]
    handled = [line for line in lines if line["event"] == "request handled"]
    assert {
        key: handled[0][key]
        for key in ("path", "status", "caller", "caller_roles", "caller_organisation")
    } == {
        "path": "/organisations/lapland-uas/offerings",
        "status": 200,
        "caller": "kc-77aa",
        "caller_roles": ["staff"],
        "caller_organisation": "lapland-uas",
    }
    [announced] = [line for line in lines if line["event"] == "announced"]
    assert announced["caller"] == "test-coordinator"
    refused = [line for line in handled if line["status"] == 403]
    assert refused == [], "a caller with the role was refused"
    assert not any(token in json.dumps(line) for line in lines), "a token in the logs"


async def test_a_public_command_is_limited_per_client_address_with_429_and_retry_after(
    run_sample: SampleRunner,
) -> None:
    async with run_sample(rate_limit_burst=2, rate_limit_per_minute=0.6) as sample:
        answers = [(await sample.http.post("/forms")).status_code for _ in range(2)]
        limited = await sample.http.post("/forms")
        other_client = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(base_url=sample.url, transport=other_client) as neighbour:
            from_elsewhere = await neighbour.post("/forms")
        unlimited = await sample.http.get("/open")
    assert answers == [201, 201]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    # One request per 100 s at 0.6 a minute: the next is 100 s away, less the time taken.
    assert 40 <= int(limited.headers["Retry-After"]) <= 100
    assert limited.json()["status"] == 429
    assert from_elsewhere.status_code == 201
    assert unlimited.status_code == 200


async def test_openapi_shows_roles_public_operations_and_the_access_answers(
    sample: Sample,
) -> None:
    schema = (await sample.http.get("/openapi.json")).json()
    staff_only = schema["paths"]["/staff-only"]["get"]
    assert staff_only["security"] == [{"bearer": []}]
    assert staff_only["x-roles"] == ["admin", "staff"]
    assert "**Roles**: admin, staff" in staff_only["description"]
    assert set(staff_only["responses"]) >= {"401", "403"}
    forms = schema["paths"]["/forms"]["post"]
    assert (forms["security"], forms["x-public"], forms["x-rate-limited"]) == ([], True, True)
    assert forms["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "string"}
    assert "429" not in schema["paths"]["/open"]["get"]["responses"]
    assert schema["components"]["securitySchemes"]["bearer"]["bearerFormat"] == "JWT"
