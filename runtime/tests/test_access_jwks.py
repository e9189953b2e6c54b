"""Keys from an identity provider's JWKS endpoint: fetched and cached, fetched again for a
new key, kept while the endpoint is down; a token the service cannot check yet is 503 (retry),
one it can tell is wrong 401, never a 500."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from access_support import JwksServer, SampleRunner, sample_runner
from cryptography.hazmat.primitives.asymmetric import ec
from nats.aio.client import Client as NATS

from arctic.runtime.access.roles import Role
from arctic.runtime.access.testing import Tokens
from arctic.runtime.servers import LocalNats
from arctic.runtime.testing import wait_until


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    server = JwksServer()
    yield server
    server.stop()


@pytest.fixture
def run_sample(
    fresh_database: str, nats_server: LocalNats, nc: NATS, tokens: Tokens, jwks: JwksServer
) -> SampleRunner:
    return sample_runner(
        fresh_database, nats_server.url, nc, auth_jwks_url=jwks.url, auth_issuer=tokens.issuer
    )


@pytest.fixture
def key_a(jwks: JwksServer) -> ec.EllipticCurvePrivateKey:
    key = ec.generate_private_key(ec.SECP256R1())
    jwks.publish(key, "key-a")
    return key


def staff(tokens: Tokens, key: ec.EllipticCurvePrivateKey, kid: str | None) -> dict[str, str]:
    return tokens.headers(Role.staff, org="lapland-uas", key=key, kid=kid)


async def test_a_token_signed_by_a_published_key_is_accepted_and_the_keys_are_cached(
    run_sample: SampleRunner, tokens: Tokens, jwks: JwksServer, key_a: ec.EllipticCurvePrivateKey
) -> None:
    async with run_sample() as sample:
        for _ in range(3):
            response = await sample.http.get("/staff-only", headers=staff(tokens, key_a, "key-a"))
            assert response.status_code == 200
    assert jwks.fetches == 1


async def test_a_token_naming_no_key_or_an_unknown_key_is_401(
    run_sample: SampleRunner, tokens: Tokens, jwks: JwksServer, key_a: ec.EllipticCurvePrivateKey
) -> None:
    async with run_sample() as sample:
        no_kid = await sample.http.get("/staff-only", headers=staff(tokens, key_a, None))
        unknown = await sample.http.get("/staff-only", headers=staff(tokens, key_a, "key-x"))
    assert (no_kid.status_code, unknown.status_code) == (401, 401)
    assert "names no key" in no_kid.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]
    assert "unknown" in unknown.json()["detail"]


async def test_a_key_that_names_another_algorithm_than_the_token_is_401(
    run_sample: SampleRunner, tokens: Tokens, jwks: JwksServer, key_a: ec.EllipticCurvePrivateKey
) -> None:
    jwks.keys[0]["alg"] = "ES384"  # the provider says key-a signs ES384; the token says ES256
    async with run_sample() as sample:
        response = await sample.http.get("/staff-only", headers=staff(tokens, key_a, "key-a"))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


async def test_a_new_key_is_fetched_when_a_token_names_it(
    run_sample: SampleRunner, tokens: Tokens, jwks: JwksServer, key_a: ec.EllipticCurvePrivateKey
) -> None:
    # Cached for 6 s; an unknown kid may fetch again after a tenth of that.
    async with run_sample(auth_jwks_cache_seconds=6) as sample:
        first = await sample.http.get("/staff-only", headers=staff(tokens, key_a, "key-a"))
        assert first.status_code == 200
        key_b = ec.generate_private_key(ec.SECP256R1())
        jwks.publish(key_b, "key-b")

        async def key_b_accepted() -> bool:
            response = await sample.http.get("/staff-only", headers=staff(tokens, key_b, "key-b"))
            assert response.status_code in (200, 401), response.text
            return response.status_code == 200

        await wait_until(key_b_accepted, interval=0.1)
    assert jwks.fetches >= 2


async def test_keys_fetched_before_keep_working_while_the_endpoint_is_down(
    run_sample: SampleRunner, tokens: Tokens, jwks: JwksServer, key_a: ec.EllipticCurvePrivateKey
) -> None:
    async with run_sample(auth_jwks_cache_seconds=0.2) as sample:
        assert (
            await sample.http.get("/staff-only", headers=staff(tokens, key_a, "key-a"))
        ).status_code == 200
        jwks.stop()
        await asyncio.sleep(0.3)  # past the cache's lifetime: the next request fetches again
        kept = await sample.http.get("/staff-only", headers=staff(tokens, key_a, "key-a"))
        new_key = ec.generate_private_key(ec.SECP256R1())
        unknown = await sample.http.get("/staff-only", headers=staff(tokens, new_key, "key-new"))
    assert kept.status_code == 200
    assert unknown.status_code == 503
    assert unknown.headers["content-type"] == "application/problem+json"
    assert int(unknown.headers["Retry-After"]) >= 1


async def test_an_endpoint_down_from_the_start_is_503_with_retry_after_not_401(
    run_sample: SampleRunner, tokens: Tokens, jwks: JwksServer, key_a: ec.EllipticCurvePrivateKey
) -> None:
    jwks.stop()
    async with run_sample() as sample:
        answers = [
            await sample.http.get("/staff-only", headers=staff(tokens, key_a, "key-a"))
            for _ in range(2)
        ]
    for response in answers:
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert 1 <= int(response.headers["Retry-After"]) <= 10
        assert "WWW-Authenticate" not in response.headers


async def test_an_endpoint_answering_garbage_is_503(
    run_sample: SampleRunner, tokens: Tokens, jwks: JwksServer, key_a: ec.EllipticCurvePrivateKey
) -> None:
    for garbage in (b"<html>Bad gateway</html>", b"[1, 2]", b'{"keys": []}'):
        jwks.body = garbage
        async with run_sample() as sample:
            response = await sample.http.get("/staff-only", headers=staff(tokens, key_a, "key-a"))
        assert response.status_code == 503, garbage
