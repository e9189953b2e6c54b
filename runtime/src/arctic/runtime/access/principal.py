"""Who is calling: the roles of the network, the principal a verified token describes, and
the ownership checks that domain code answers 403 (or 404) with."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from arctic.contracts.ids import is_valid_correlation_id
from arctic.contracts.vocabulary import BusinessId
from arctic.runtime.access.problems import Forbidden
from arctic.runtime.access.roles import Role
from arctic.runtime.access.settings import AccessSettings
from arctic.runtime.problems import NotFound

ORGANISATION = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_BUSINESS_ID: TypeAdapter[str] = TypeAdapter(BusinessId)


class ClaimsRefused(ValueError):
    """A verified token whose claims do not describe a caller (e.g. staff of no organisation)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request, as its verified token describes it: ids only, no names."""

    subject: str
    roles: frozenset[Role]
    organisation: str | None = None
    business_id: str | None = None

    def has_any(self, roles: Iterable[Role]) -> bool:
        """Whether the caller has one of `roles` (admin counts as every role)."""
        return Role.admin in self.roles or not self.roles.isdisjoint(roles)

    def is_company(self, business_id: str) -> bool:
        """Whether the caller is the company with this business id."""
        return Role.company in self.roles and self.business_id == business_id

    def is_staff_of(self, organisation: str) -> bool:
        """Whether the caller is staff of this organisation (short name, e.g. `lapland-uas`)."""
        return Role.staff in self.roles and self.organisation == organisation

    def log_fields(self) -> dict[str, Any]:
        """What the request's log lines say of the caller: ids, never names or addresses."""
        fields: dict[str, Any] = {"caller": self.subject, "caller_roles": sorted(self.roles)}
        if self.organisation is not None:
            fields["caller_organisation"] = self.organisation
        if self.business_id is not None:
            fields["caller_business_id"] = self.business_id
        return fields


def ensure_company_owns(
    principal: Principal,
    business_id: str,
    *,
    what: str,
    overseers: Iterable[Role] = (),
    hide: bool = False,
) -> None:
    """Let the company with `business_id` act on its resource `what`, and admins and
    `overseers` act on any company's; refuse anyone else.

    The refusal is 403, or with `hide` the same 404 (`no <what>`) that a resource that does not
    exist gets, where telling that it exists would leak it.
    """
    if principal.has_any(overseers) or principal.is_company(business_id):
        return
    _refuse(what, hide)


def ensure_organisation_owns(
    principal: Principal,
    organisation: str,
    *,
    what: str,
    overseers: Iterable[Role] = (),
    hide: bool = False,
) -> None:
    """Let staff of `organisation` act on its resource `what`, and admins and `overseers` act
    on any organisation's; refuse anyone else (403, or 404 with `hide`: see
    `ensure_company_owns`)."""
    if principal.has_any(overseers) or principal.is_staff_of(organisation):
        return
    _refuse(what, hide)


def _refuse(what: str, hide: bool) -> None:
    if hide:
        raise NotFound(f"no {what}")
    raise Forbidden(f"Not yours: {what} belongs to another company or organisation.")


def principal_from_claims(claims: Mapping[str, Any], settings: AccessSettings) -> Principal:
    """The principal of a verified token's claims (claim names from the settings).

    Raises `ClaimsRefused` for staff without an organisation or a company without a valid
    business id (a token that says what a caller is must say which one), and for a subject
    that is not 1 to 128 visible ASCII characters (it travels in logs and as `ce-actor`).
    """
    subject = claims["sub"]
    if not isinstance(subject, str) or not is_valid_correlation_id(subject):
        raise ClaimsRefused("the token's subject is not 1 to 128 visible ASCII characters")
    roles = frozenset(Role(name) for name in _names(_claim(claims, settings.auth_roles_claim)))
    organisation = claims.get(settings.auth_organisation_claim)
    business_id = claims.get(settings.auth_business_id_claim)
    if Role.staff in roles:
        if not isinstance(organisation, str) or not ORGANISATION.match(organisation):
            raise ClaimsRefused(
                f"a staff token must name its organisation ({settings.auth_organisation_claim})"
            )
    else:
        organisation = None
    if Role.company in roles:
        try:
            business_id = _BUSINESS_ID.validate_python(business_id)
        except ValidationError:
            raise ClaimsRefused(
                f"a company token must carry a valid business id "
                f"({settings.auth_business_id_claim})"
            ) from None
    else:
        business_id = None
    return Principal(subject, roles, organisation, business_id)


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    # A dotted name reaches into nested claims, as Keycloak puts roles in realm_access.roles.
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _names(value: Any) -> set[str]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list):
        return set()
    known = {role.value for role in Role}
    return {name for name in value if isinstance(name, str) and name in known}
