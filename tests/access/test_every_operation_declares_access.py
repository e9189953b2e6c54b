"""Every operation of every installed service says who may call it (roles, or public), and
its OpenAPI shows it. A new endpoint without `Depends(require(...))` or `Depends(public())`
fails here."""

from __future__ import annotations

from typing import Any

import pytest

from arctic.runtime.access.openapi import operations, undeclared_operations
from arctic.runtime.access.testing import Tokens
from arctic.runtime.app import create_app
from arctic.runtime.service import installed_services

SERVICES = sorted(installed_services())


def openapi_of(service: str, tokens: Tokens, *, operations_port: bool = False) -> dict[str, Any]:
    definition = installed_services()[service]
    settings = definition.settings_class(service=service, **tokens.settings)
    app = create_app(definition, settings)
    document: dict[str, Any] = (app.state.operations if operations_port else app).openapi()
    return document


def test_the_walk_covers_every_installed_service() -> None:
    assert SERVICES == ["catalogue", "notifications", "partnerships", "prototyping"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_declares_roles_or_that_it_is_public(service: str, tokens: Tokens) -> None:
    assert undeclared_operations(openapi_of(service, tokens)) == []
    assert undeclared_operations(openapi_of(service, tokens, operations_port=True)) == []


@pytest.mark.parametrize("service", SERVICES)
def test_openapi_shows_the_bearer_scheme_with_roles_and_the_access_answers(
    service: str, tokens: Tokens
) -> None:
    schema = openapi_of(service, tokens)
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        if operation.get("x-public"):
            assert operation["security"] == [], (method, path)
            assert "Public" in operation["description"]
            if operation.get("x-rate-limited"):
                assert responses["429"]["content"]["application/problem+json"]["schema"] == problem
                assert "Retry-After" in responses["429"]["headers"]
        else:
            assert operation["security"] == [{"bearer": []}], (method, path)
            assert "admin" in operation["x-roles"]
            assert ", ".join(operation["x-roles"]) in operation["description"]
            for status in ("401", "403"):
                assert responses[status]["content"]["application/problem+json"]["schema"] == (
                    problem
                )
            assert "WWW-Authenticate" in responses["401"]["headers"]
    if any(not op.get("x-public") for _, _, op in operations(schema)):
        assert schema["components"]["securitySchemes"]["bearer"] == {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": schema["components"]["securitySchemes"]["bearer"]["description"],
        }


def test_the_operations_and_their_access_today(tokens: Tokens) -> None:
    """What README and docs/<service>.md say, held against the code."""
    declared = {
        (service, method.upper(), path): operation.get("x-roles", "public")
        for service in SERVICES
        for path, method, operation in operations(openapi_of(service, tokens))
        if path not in ("/healthz", "/readyz", "/metrics")
    }
    coordinators = ["admin", "coordinator"]
    programme_readers = ["admin", "coordinator", "staff"]  # competence-group owners read
    staff, staff_or_coordinators = ["admin", "staff"], ["admin", "coordinator", "staff"]
    assert declared == {
        ("catalogue", "GET", "/offerings"): "public",
        ("catalogue", "POST", "/offerings"): staff,
        ("catalogue", "GET", "/offerings/{offering_id}"): "public",
        ("catalogue", "PUT", "/offerings/{offering_id}"): staff,
        ("catalogue", "POST", "/offerings/{offering_id}/publish"): staff,
        ("catalogue", "POST", "/offerings/{offering_id}/retire"): staff,
        ("catalogue", "GET", "/organisations"): "public",
        ("catalogue", "GET", "/organisations/{organisation}/offerings"): staff,
        ("catalogue", "POST", "/contacts"): ["admin"],
        ("catalogue", "POST", "/inquiries"): "public",
        ("catalogue", "GET", "/inquiries"): staff_or_coordinators,
        ("catalogue", "GET", "/inquiries/{inquiry_id}"): [
            "admin",
            "company",
            "coordinator",
            "staff",
        ],
        ("catalogue", "POST", "/inquiries/{inquiry_id}/route"): staff_or_coordinators,
        ("catalogue", "POST", "/inquiries/{inquiry_id}/answer"): staff_or_coordinators,
        ("catalogue", "GET", "/funding-instruments/match"): "public",
        ("catalogue", "POST", "/environments/{environment_id}/bookings"): staff,
        ("catalogue", "GET", "/environments/{environment_id}/availability"): "public",
        ("catalogue", "GET", "/bookings"): staff_or_coordinators,
        ("catalogue", "GET", "/bookings/{booking_id}"): staff_or_coordinators,
        ("catalogue", "POST", "/bookings/{booking_id}/confirm"): staff,
        ("catalogue", "POST", "/bookings/{booking_id}/decline"): staff,
        ("catalogue", "POST", "/bookings/{booking_id}/cancel"): staff,
        ("catalogue", "POST", "/bookings/{booking_id}/complete"): staff,
        ("catalogue", "GET", "/reports/benefit"): staff_or_coordinators,
        ("notifications", "GET", "/deliveries"): ["admin", "coordinator", "staff"],
        ("notifications", "GET", "/templates"): ["admin", "coordinator", "staff"],
        ("notifications", "GET", "/templates/{kind}/preview"): ["admin", "coordinator", "staff"],
        # a person's own signed link, or staff (checked in the endpoint)
        ("notifications", "GET", "/recipients/{person_id}/preferences"): "public",
        ("notifications", "PUT", "/recipients/{person_id}/preferences"): "public",
        ("notifications", "POST", "/unsubscribe"): "public",
        ("notifications", "POST", "/webhooks"): ["admin", "service"],
        ("notifications", "GET", "/webhooks"): ["admin", "service"],
        ("notifications", "DELETE", "/webhooks/{webhook_id}"): ["admin", "service"],
        ("notifications", "POST", "/personal-data/erasure"): ["admin"],
        ("notifications", "GET", "/personal-data/erasure/{erasure_id}"): ["admin"],
        ("prototyping", "POST", "/prototype-requests"): "public",
        ("prototyping", "GET", "/prototype-requests"): ["admin", "company", "coordinator"],
        ("prototyping", "GET", "/prototype-requests/{request_id}"): [
            "admin",
            "company",
            "coordinator",
        ],
        ("prototyping", "POST", "/prototype-requests/{request_id}/accept"): coordinators,
        ("prototyping", "POST", "/prototype-requests/{request_id}/reject"): coordinators,
        ("prototyping", "POST", "/prototype-requests/{request_id}/team"): coordinators,
        ("prototyping", "POST", "/prototype-requests/{request_id}/milestones/{name}/done"): (
            coordinators
        ),
        ("prototyping", "POST", "/prototype-requests/{request_id}/deliver"): coordinators,
        ("prototyping", "GET", "/triage"): coordinators,
        ("prototyping", "POST", "/experts"): coordinators,
        ("prototyping", "GET", "/experts"): coordinators,
        ("prototyping", "GET", "/experts/{expert_id}"): coordinators,
        ("prototyping", "PUT", "/experts/{expert_id}"): coordinators,
        ("prototyping", "GET", "/showcase.json"): "public",
        ("prototyping", "GET", "/showcase.atom"): "public",
        ("prototyping", "GET", "/reports/prototyping"): coordinators,
        ("partnerships", "GET", "/partners"): programme_readers,
        ("partnerships", "POST", "/partners"): coordinators,
        ("partnerships", "GET", "/partners/{partner_id}"): programme_readers,
        ("partnerships", "POST", "/partners/{partner_id}/contacts"): coordinators,
        ("partnerships", "GET", "/partners/{partner_id}/history"): programme_readers,
        ("partnerships", "GET", "/competence-groups"): programme_readers,
        ("partnerships", "POST", "/competence-groups"): coordinators,
        ("partnerships", "GET", "/needs"): programme_readers,
        ("partnerships", "POST", "/needs"): programme_readers,
        ("partnerships", "GET", "/needs/{need_id}"): programme_readers,
        ("partnerships", "POST", "/needs/{need_id}/decline"): coordinators,
        ("partnerships", "GET", "/negotiations"): programme_readers,
        ("partnerships", "POST", "/negotiations"): coordinators,
        ("partnerships", "GET", "/negotiations/{negotiation_id}"): programme_readers,
        ("partnerships", "PATCH", "/negotiations/{negotiation_id}"): coordinators,
        ("partnerships", "POST", "/negotiations/{negotiation_id}/conclude"): coordinators,
        ("partnerships", "POST", "/negotiations/{negotiation_id}/abandon"): coordinators,
        ("partnerships", "GET", "/agreements"): programme_readers,
        ("partnerships", "GET", "/agreements/{agreement_id}"): programme_readers,
        ("partnerships", "POST", "/agreements/{agreement_id}/sign"): coordinators,
        ("partnerships", "POST", "/agreements/{agreement_id}/renew"): coordinators,
        ("partnerships", "POST", "/agreements/{agreement_id}/end"): coordinators,
        ("partnerships", "POST", "/agreements/{agreement_id}/contact"): coordinators,
        ("partnerships", "POST", "/agreements/{agreement_id}/evaluations"): coordinators,
        ("partnerships", "PUT", "/agreements/{agreement_id}/action-plans/{year}"): coordinators,
        ("partnerships", "GET", "/agreements/{agreement_id}/action-plans"): programme_readers,
        (
            "partnerships",
            "PATCH",
            "/agreements/{agreement_id}/action-plans/{year}/actions/{action_id}",
        ): coordinators,
        ("partnerships", "POST", "/partner-events"): coordinators,
        ("partnerships", "GET", "/partner-events/{event_id}"): programme_readers,
        ("partnerships", "POST", "/partner-events/{event_id}/rsvp"): [
            "admin",
            "company",
            "coordinator",
        ],
        ("partnerships", "POST", "/handprints"): coordinators,
        ("partnerships", "GET", "/reports/handprint"): ["admin", "coordinator", "service"],
    }
    for service in SERVICES:
        document = openapi_of(service, tokens, operations_port=True)
        ops = {(m, p): op for p, m, op in operations(document)}
        for path in ("/healthz", "/readyz", "/metrics"):
            assert ops["get", path]["x-public"] is True
    rate_limited = {
        (service, method.upper(), path)
        for service in SERVICES
        for path, method, operation in operations(openapi_of(service, tokens))
        if operation.get("x-rate-limited")
    }
    assert rate_limited == {
        ("catalogue", "POST", "/inquiries"),
        ("prototyping", "POST", "/prototype-requests"),
        ("notifications", "GET", "/recipients/{person_id}/preferences"),
        ("notifications", "PUT", "/recipients/{person_id}/preferences"),
        ("notifications", "POST", "/unsubscribe"),
    }
