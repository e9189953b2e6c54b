"""Every overlay renders, and every rendered resource validates against its schema.

Kubernetes kinds against the Kubernetes OpenAPI schemas (kubernetes-validate, strict);
CloudNativePG and KEDA resources against their upstream CRDs in tests/deploy/data. A broken
copy of the manifests fails the same checks: the validation is not vacuous.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

Doc = dict[str, Any]
Validate = Callable[[Doc], list[str]]


def test_every_overlay_renders_with_kubectl_kustomize(
    rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    for overlay in helpers.OVERLAYS:
        kinds = {doc["kind"] for doc in rendered[overlay]}
        assert {"Deployment", "Job", "Service", "ScaledObject", "Cluster"} <= kinds, overlay


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_rendered_resource_validates_strictly_against_its_schema(
    overlay: str, rendered: dict[str, list[Doc]], validate: Validate
) -> None:
    errors = [error for doc in rendered[overlay] for error in validate(doc)]
    assert errors == []


def test_custom_resources_are_checked_against_the_upstream_crds(
    rendered: dict[str, list[Doc]], crd_schemas: dict[tuple[str, str], object]
) -> None:
    kinds = {kind for _, kind in crd_schemas}
    assert {"Cluster", "Database", "DatabaseRole", "ScaledObject", "TriggerAuthentication"} <= kinds
    used = {(doc["apiVersion"], doc["kind"]) for doc in rendered["prod"]}
    custom = {key for key in used if "cnpg.io" in key[0] or "keda.sh" in key[0]}
    assert custom == {
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("postgresql.cnpg.io/v1", "Database"),
        ("postgresql.cnpg.io/v1", "DatabaseRole"),
        ("keda.sh/v1alpha1", "ScaledObject"),
        ("keda.sh/v1alpha1", "TriggerAuthentication"),
    }
    assert custom <= set(crd_schemas)


# --- broken manifests must fail ---------------------------------------------------------


@pytest.fixture
def broken_base(tmp_path: Path, helpers: SimpleNamespace) -> Path:
    """A copy of deploy/k8s (base and overlays) to break on purpose."""
    copy = tmp_path / "k8s"
    shutil.copytree(helpers.DEPLOY / "k8s", copy)
    return copy


def _edit_documents(path: Path, edit: Callable[[Doc], None]) -> None:
    docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for doc in docs:
        edit(doc)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))


def _errors(copy: Path, helpers: SimpleNamespace, validate: Validate) -> list[str]:
    return [error for doc in helpers.render(copy / "overlays" / "prod") for error in validate(doc)]


def test_a_deployment_with_a_misspelled_field_is_rejected(
    broken_base: Path, helpers: SimpleNamespace, validate: Validate
) -> None:
    def misspell(doc: Doc) -> None:
        if doc["kind"] == "Deployment":
            spec = doc["spec"]["template"]["spec"]
            spec["terminationGracePeriodSecond"] = spec.pop("terminationGracePeriodSeconds", 55)

    _edit_documents(broken_base / "base" / "services" / "catalogue.yaml", misspell)
    errors = _errors(broken_base, helpers, validate)
    assert len(errors) == len(helpers.K8S_VERSIONS)  # one per Kubernetes version checked
    assert all("Deployment/catalogue" in e and "terminationGracePeriodSecond" in e for e in errors)


def test_a_scaled_object_without_triggers_is_rejected(
    broken_base: Path, helpers: SimpleNamespace, validate: Validate
) -> None:
    def drop_triggers(doc: Doc) -> None:
        if doc["kind"] == "ScaledObject":
            del doc["spec"]["triggers"]

    _edit_documents(broken_base / "base" / "services" / "notifications.yaml", drop_triggers)
    errors = _errors(broken_base, helpers, validate)
    assert errors == ["ScaledObject/notifications: spec: 'triggers' is a required property"]


def test_a_custom_resource_with_an_unknown_field_is_rejected(
    broken_base: Path, helpers: SimpleNamespace, validate: Validate
) -> None:
    def misspell(doc: Doc) -> None:
        if doc["kind"] == "DatabaseRole" and doc["spec"]["name"] == "partnerships":
            doc["spec"]["passwordSecrets"] = doc["spec"].pop("passwordSecret")

    _edit_documents(broken_base / "base" / "database.yaml", misspell)
    errors = _errors(broken_base, helpers, validate)
    assert len(errors) == 1
    assert "DatabaseRole/arctic-db-partnerships" in errors[0]
    assert "'passwordSecrets' was unexpected" in errors[0]


def test_a_wrong_type_in_a_crd_field_is_rejected(
    broken_base: Path, helpers: SimpleNamespace, validate: Validate
) -> None:
    def stringify(doc: Doc) -> None:
        if doc["kind"] == "Cluster":
            doc["spec"]["instances"] = "three"

    _edit_documents(broken_base / "base" / "database.yaml", stringify)
    errors = _errors(broken_base, helpers, validate)
    assert errors == ["Cluster/arctic-db: spec.instances: 'three' is not of type 'integer'"]


def test_a_kustomization_that_does_not_build_fails_the_render(
    broken_base: Path, helpers: SimpleNamespace
) -> None:
    kustomization = broken_base / "base" / "kustomization.yaml"
    text = kustomization.read_text()
    listed = "  - services/notifications.yaml\n"
    kustomization.write_text(text.replace(listed, listed + "  - services/missing.yaml\n"))
    with pytest.raises(AssertionError, match="kustomize failed"):
        helpers.render(broken_base / "overlays" / "prod")
