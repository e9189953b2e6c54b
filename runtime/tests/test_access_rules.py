"""The pure rules of access: settings that cannot be unsafe, claims to a principal, ownership,
the token buckets, and apps that declare access wrongly."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import ValidationError

from arctic.runtime.access.development import DEVELOPMENT_ISSUER
from arctic.runtime.access.install import (
    AccessMisconfigured,
    RolesAfterIdempotency,
    install_access,
)
from arctic.runtime.access.openapi import AmbiguousAccess, undeclared_operations
from arctic.runtime.access.principal import (
    ClaimsRefused,
    Principal,
    ensure_company_owns,
    ensure_organisation_owns,
    principal_from_claims,
)
from arctic.runtime.access.problems import Forbidden
from arctic.runtime.access.ratelimit import TokenBuckets
from arctic.runtime.access.requirements import public, require
from arctic.runtime.access.roles import Role
from arctic.runtime.access.settings import AccessSettings
from arctic.runtime.access.testing import Tokens
from arctic.runtime.idempotency import Idempotent
from arctic.runtime.problems import NotFound

COMPANY = "2617416-4"


@pytest.mark.parametrize("algorithms", ["none", "HS256", "RS256,HS512", "", "rs256"])
def test_only_public_key_algorithms_may_be_accepted(algorithms: str) -> None:
    with pytest.raises(ValidationError, match="not accepted"):
        AccessSettings(auth_algorithms=algorithms)


def test_algorithms_are_read_comma_separated_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARCTIC_AUTH_ALGORITHMS", "RS256, PS256")
    assert AccessSettings().auth_algorithms == ("RS256", "PS256")


def test_one_key_source_and_the_issuer_it_trusts(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not both"):
        AccessSettings(
            auth_jwks_url="https://id.example/certs",
            auth_public_key_file=tmp_path,
            auth_issuer="https://id.example",
        )
    with pytest.raises(ValidationError, match="ARCTIC_AUTH_ISSUER"):
        AccessSettings(auth_jwks_url="https://id.example/certs")


def test_the_development_issuer_is_refused_unless_the_environment_is_development(
    tmp_path: Path,
) -> None:
    key = tmp_path / "development-key.pub.pem"
    with pytest.raises(ValidationError, match="ARCTIC_ENVIRONMENT=development"):
        AccessSettings(auth_public_key_file=key, auth_issuer=DEVELOPMENT_ISSUER)
    assert AccessSettings(
        environment="development", auth_public_key_file=key, auth_issuer=DEVELOPMENT_ISSUER
    ).has_token_keys


def claims(**extra: object) -> dict[str, object]:
    return {"sub": "kc-1", **extra}


def test_roles_come_from_the_claim_the_settings_name_nested_or_space_separated() -> None:
    keycloak = AccessSettings(auth_roles_claim="realm_access.roles")
    principal = principal_from_claims(
        claims(realm_access={"roles": ["coordinator", "offline_access", "uma_authorization"]}),
        keycloak,
    )
    assert principal.roles == {Role.coordinator}
    spaced = principal_from_claims(claims(roles="service admin"), AccessSettings())
    assert spaced.roles == {Role.service, Role.admin}
    assert principal_from_claims(claims(roles=[1, None]), AccessSettings()).roles == set()


def test_staff_must_name_their_organisation_and_a_company_its_business_id() -> None:
    settings = AccessSettings()
    staff = principal_from_claims(claims(roles=["staff"], org="lapland-uas"), settings)
    assert (staff.organisation, staff.business_id) == ("lapland-uas", None)
    company = principal_from_claims(claims(roles=["company"], business_id=COMPANY), settings)
    assert (company.organisation, company.business_id) == (None, COMPANY)
    for bad in (
        claims(roles=["staff"]),
        claims(roles=["staff"], org="Lapland UAS"),
        claims(roles=["company"]),
        claims(roles=["company"], business_id="2617416-5"),
    ):
        with pytest.raises(ClaimsRefused):
            principal_from_claims(bad, settings)


def test_claims_of_a_role_the_caller_lacks_are_ignored() -> None:
    principal = principal_from_claims(
        claims(roles=["coordinator"], org="gtk", business_id=COMPANY), AccessSettings()
    )
    assert (principal.organisation, principal.business_id) == (None, None)


def test_the_log_fields_are_ids_only() -> None:
    principal = Principal("kc-1", frozenset({Role.staff}), organisation="gtk")
    assert principal.log_fields() == {
        "caller": "kc-1",
        "caller_roles": ["staff"],
        "caller_organisation": "gtk",
    }


def test_ownership_admits_the_owner_overseers_and_admins_and_refuses_others() -> None:
    owner = Principal("a", frozenset({Role.company}), business_id=COMPANY)
    other = Principal("b", frozenset({Role.company}), business_id="0737546-2")
    coordinator = Principal("c", frozenset({Role.coordinator}))
    admin = Principal("d", frozenset({Role.admin}))
    for allowed in (owner, coordinator, admin):
        ensure_company_owns(allowed, COMPANY, what="request 1", overseers=[Role.coordinator])
    with pytest.raises(Forbidden):
        ensure_company_owns(other, COMPANY, what="request 1", overseers=[Role.coordinator])
    with pytest.raises(Forbidden):
        ensure_company_owns(coordinator, COMPANY, what="request 1")
    with pytest.raises(NotFound, match="no request 1"):
        ensure_company_owns(other, COMPANY, what="request 1", hide=True)

    staff = Principal("e", frozenset({Role.staff}), organisation="luke")
    ensure_organisation_owns(staff, "luke", what="offering 7")
    ensure_organisation_owns(admin, "luke", what="offering 7")
    with pytest.raises(Forbidden):
        ensure_organisation_owns(staff, "gtk", what="offering 7")


def test_a_bucket_lets_a_burst_through_then_refills_at_the_rate_per_client() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=6, burst=3, clock=lambda: now[0])
    assert [buckets.take("10.0.0.1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("10.0.0.1") == pytest.approx(10.0)
    assert buckets.take("10.0.0.2") == 0.0
    now[0] = 9.0
    assert buckets.take("10.0.0.1") == pytest.approx(1.0)
    now[0] = 10.0
    assert buckets.take("10.0.0.1") == 0.0
    now[0] = 1000.0  # a long pause refills to the burst, not beyond
    assert [buckets.take("10.0.0.1") for _ in range(4)][-1] > 0


def test_buckets_forget_the_least_recently_seen_clients_past_their_limit() -> None:
    buckets = TokenBuckets(per_minute=1, burst=1, clock=lambda: 0.0, max_clients=2)
    for client in ("a", "b", "c"):
        assert buckets.take(client) == 0.0
    assert buckets.take("c") > 0  # still known
    assert buckets.take("a") == 0.0  # forgotten, so full again


def app_with(router: APIRouter) -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    return app


def test_a_service_that_needs_tokens_and_has_no_keys_refuses_to_start() -> None:
    router = APIRouter()

    @router.get("/things", dependencies=[Depends(require(Role.staff))])
    async def things() -> None: ...

    with pytest.raises(AccessMisconfigured, match="ARCTIC_AUTH_JWKS_URL"):
        install_access(app_with(router), AccessSettings())


def test_a_key_file_that_holds_no_public_key_refuses_to_start(tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_text("not a key")
    settings = AccessSettings(auth_public_key_file=tmp_path / "key.pem", auth_issuer="x")
    with pytest.raises(AccessMisconfigured, match="no PEM public key"):
        install_access(app_with(APIRouter()), settings)


def test_a_key_file_whose_family_the_algorithms_exclude_refuses_to_start(tokens: Tokens) -> None:
    settings = AccessSettings(**tokens.settings, auth_algorithms="RS256,EdDSA")
    with pytest.raises(AccessMisconfigured, match="ES256"):
        install_access(app_with(APIRouter()), settings)


def test_an_operation_declaring_its_access_twice_is_refused(tokens: Tokens) -> None:
    router = APIRouter(dependencies=[Depends(public())])

    @router.get("/things", dependencies=[Depends(require(Role.staff))])
    async def things() -> None: ...

    with pytest.raises(AmbiguousAccess, match="/things"):
        install_access(app_with(router), AccessSettings(**tokens.settings))


def test_one_requirement_both_before_other_dependencies_and_as_the_caller_is_one(
    tokens: Tokens,
) -> None:
    coordinator = require(Role.coordinator)
    router = APIRouter()

    @router.post("/things", dependencies=[Depends(coordinator)])
    async def things(caller: Principal = Depends(coordinator)) -> None: ...

    app = app_with(router)
    install_access(app, AccessSettings(**tokens.settings))
    assert app.openapi()["paths"]["/things"]["post"]["x-roles"] == ["admin", "coordinator"]


def test_roles_must_be_checked_before_an_idempotency_key_is_claimed(tokens: Tokens) -> None:
    triage = require(Role.coordinator)
    wrong, right = APIRouter(), APIRouter()

    @wrong.post("/decisions", dependencies=[Idempotent])
    async def decide_late(caller: Principal = Depends(triage)) -> None: ...

    @right.post("/decisions", dependencies=[Depends(triage), Idempotent])
    async def decide(caller: Principal = Depends(triage)) -> None: ...

    with pytest.raises(RolesAfterIdempotency, match="POST /decisions"):
        install_access(app_with(wrong), AccessSettings(**tokens.settings))
    install_access(app_with(right), AccessSettings(**tokens.settings))


def test_an_operation_that_declares_nothing_is_reported(tokens: Tokens) -> None:
    router = APIRouter(prefix="/v1")

    @router.get("/declared", dependencies=[Depends(public())])
    async def declared() -> None: ...

    @router.post("/forgotten")
    async def forgotten() -> None: ...

    app = app_with(router)
    install_access(app, AccessSettings(**tokens.settings))
    assert undeclared_operations(app.openapi()) == ["POST /v1/forgotten"]


def test_require_needs_a_known_role() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        require()
    with pytest.raises(ValueError, match="'superuser'"):
        require("superuser")
