"""Who may call what: bearer JWTs with roles, declared on every operation.

An endpoint declares `Depends(require(Role.staff, ...))` (and gets the caller, a `Principal`)
or `Depends(public())` (`requirements`); domain code refuses another company's or
organisation's resource with `ensure_company_owns` / `ensure_organisation_owns` (`principal`).
See docs/runtime.md, "Access". The package itself imports nothing, so that the `arctic`
command stays quick to start.
"""
