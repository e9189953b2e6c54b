"""Security and shutdown invariants of every workload, asserted on the rendered overlays."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

Doc = dict[str, Any]
OVERLAYS = ["dev", "prod"]
TMP = "/tmp"  # noqa: S108  (the path the containers must mount an emptyDir on)
SECRET_LOOKING = re.compile(
    r"PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|KEY|DSN|PEPPER", re.IGNORECASE
)


def _containers(pod: Doc) -> list[Doc]:
    return list(pod.get("initContainers", [])) + list(pod["containers"])


def _settings(docs: list[Doc], helpers: SimpleNamespace) -> dict[str, str]:
    (config,) = [
        doc
        for doc in helpers.of_kind(docs, "ConfigMap")
        if doc["metadata"]["name"].startswith("arctic-settings")
    ]
    return dict(config["data"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_runs_as_non_root_with_runtime_default_seccomp_and_no_token(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    workloads = list(helpers.pod_specs(rendered[overlay]))
    assert len(workloads) == 8  # four Deployments, four migrate Jobs
    for name, pod in workloads:
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True, name
        assert security["runAsUser"] >= 10000, name
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["serviceAccountName"] not in ("", "default"), name
        assert not pod.get("hostNetwork")
        assert not pod.get("hostPID")
        assert not pod.get("hostIPC")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_a_read_only_root_no_capabilities_and_a_tmp_volume(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    for name, pod in helpers.pod_specs(rendered[overlay]):
        empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
        for container in _containers(pod):
            where = f"{name}/{container['name']}"
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security.get("privileged", False) is False, where
            assert security["runAsNonRoot"] is True, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            scratch = [m["name"] for m in container["volumeMounts"] if m["mountPath"] == TMP]
            assert len(scratch) == 1, where
            assert scratch[0] in empty_dirs, where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_requests_cpu_and_memory_and_limits_memory(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    for name, pod in helpers.pod_specs(rendered[overlay]):
        for container in _containers(pod):
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), name
            assert "memory" in resources["limits"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_value_is_in_the_manifests_only_references_to_secrets(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    docs = rendered[overlay]
    assert helpers.of_kind(docs, "Secret") == []
    for config in helpers.of_kind(docs, "ConfigMap"):
        secretish = [key for key in config.get("data", {}) if SECRET_LOOKING.search(key)]
        assert secretish == [], config["metadata"]["name"]
    for name, pod in helpers.pod_specs(docs):
        for container in _containers(pod):
            for env in container.get("env", []):
                if not SECRET_LOOKING.search(env["name"]):
                    continue
                if env["name"] == "ARCTIC_DATABASE_DSN":
                    # Composed from the service's own Secret by Kubernetes, at start.
                    assert env["value"] == (
                        "postgresql://$(DB_USERNAME):$(DB_PASSWORD)@$(DB_HOST):$(DB_PORT)/$(DB_NAME)"
                    ), name
                else:
                    assert "value" not in env, f"{name}: {env['name']} is a literal"
                    assert env["valueFrom"]["secretKeyRef"]["name"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_reads_only_its_own_secrets(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    for name, pod in helpers.pod_specs(rendered[overlay]):
        service = pod["serviceAccountName"]
        for container in _containers(pod):
            refs = {
                env["valueFrom"]["secretKeyRef"]["name"]
                for env in container.get("env", [])
                if "secretKeyRef" in env.get("valueFrom", {})
            }
            expected = {f"arctic-{service}-db", f"arctic-{service}-nats"}
            if name.startswith("Deployment/"):
                expected.add("arctic-personal-data")  # the pepper every service shares
            if service == "notifications":
                expected.add("arctic-notifications-smtp")
            assert refs == expected, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_and_metrics_use_the_operations_port_and_the_api_its_own(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    docs = rendered[overlay]
    port = int(_settings(docs, helpers)["ARCTIC_HTTP_PORT"])
    ops = int(_settings(docs, helpers)["ARCTIC_OPS_PORT"])
    assert port != ops
    for deployment in helpers.of_kind(docs, "Deployment"):
        (app,) = deployment["spec"]["template"]["spec"]["containers"]
        assert app["ports"] == [
            {"name": "http", "containerPort": port, "protocol": "TCP"},
            {"name": "ops", "containerPort": ops, "protocol": "TCP"},
        ]
        assert app["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "ops"}
        assert app["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "ops"}
        assert app["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "ops"}
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(ops)
        assert annotations["prometheus.io/path"] == "/metrics"


OUTBOX_FLUSH_SECONDS = 5  # Resources.close: relay.flush(within=min(grace, 5.0))


def _http_drain_seconds(monkeypatch: pytest.MonkeyPatch) -> float:
    """The graceful HTTP shutdown `arctic serve` gives uvicorn, read from the code."""
    import argparse

    import uvicorn

    import arctic.runtime.app
    from arctic.runtime import cli

    given: dict[str, Any] = {}

    def run(server: uvicorn.Server, sockets: list[Any]) -> None:
        given["timeout_graceful_shutdown"] = server.config.timeout_graceful_shutdown
        for sock in sockets:
            sock.close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr(arctic.runtime.app, "create_app", lambda *_: None)
    monkeypatch.setattr(arctic.runtime.app, "ServiceApp", lambda *_: None)
    free = arctic.runtime.app.listening_socket
    monkeypatch.setattr(arctic.runtime.app, "listening_socket", lambda host, _: free(host, 0))
    cli._serve(argparse.Namespace(service="notifications"))
    return float(given["timeout_graceful_shutdown"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_shutdown_fits_between_the_longest_handler_and_the_ack_wait(
    overlay: str,
    rendered: dict[str, list[Doc]],
    helpers: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """preStop pause + the HTTP drain (uvicorn, 5 s) + the runtime's shutdown grace (for
    in-flight handlers, at least the handler budget) + the outbox flush (5 s) must end
    before the kill, and the kill must come before the consumers' ack wait (60 s)
    redelivers what was in flight."""
    docs = rendered[overlay]
    shutdown_grace = float(_settings(docs, helpers)["ARCTIC_SHUTDOWN_GRACE_SECONDS"])
    assert shutdown_grace >= helpers.HANDLER_BUDGET_SECONDS
    http_drain = _http_drain_seconds(monkeypatch)
    ack_wait = min(
        subscription.ack_wait_seconds
        for subscriptions in helpers.durables_in_code().values()
        for subscription in subscriptions
    )
    for deployment in helpers.of_kind(docs, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        (app,) = pod["containers"]
        command = app["lifecycle"]["preStop"]["exec"]["command"]
        assert command[0] == "sleep"
        pause = int(command[1])
        grace = pod["terminationGracePeriodSeconds"]
        needed = pause + http_drain + shutdown_grace + OUTBOX_FLUSH_SECONDS
        assert needed <= grace < ack_wait, deployment["metadata"]["name"]


def test_prod_runs_at_least_two_replicas_of_every_service(
    rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    docs = rendered["prod"]
    scaled = {
        so["spec"]["scaleTargetRef"]["name"]: so for so in helpers.of_kind(docs, "ScaledObject")
    }
    deployments = helpers.of_kind(docs, "Deployment")
    assert {d["metadata"]["name"] for d in deployments} == set(helpers.SERVICES)
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        if name in scaled:
            # KEDA owns the replica count: a fixed one here would fight its HPA.
            assert "replicas" not in deployment["spec"], name
            assert scaled[name]["spec"]["minReplicaCount"] >= 2, name
        else:
            assert deployment["spec"]["replicas"] >= 2, name


def test_prod_streams_have_three_replicas_and_dev_one(
    rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    assert _settings(rendered["prod"], helpers)["ARCTIC_STREAM_REPLICAS"] == "3"
    assert _settings(rendered["dev"], helpers)["ARCTIC_STREAM_REPLICAS"] == "1"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_arctic_setting_in_the_manifests_is_a_field_of_the_settings_classes(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    from arctic.notifications.settings import NotificationsSettings
    from arctic.runtime.settings import ServiceSettings

    known = {f"ARCTIC_{field.upper()}" for field in NotificationsSettings.model_fields}
    common = {f"ARCTIC_{field.upper()}" for field in ServiceSettings.model_fields}
    for name, pod in helpers.pod_specs(rendered[overlay]):
        fields = known if pod["serviceAccountName"] == "notifications" else common
        for container in _containers(pod):
            names = {env["name"] for env in container.get("env", [])}
            for source in container.get("envFrom", []):
                (config,) = [
                    c
                    for c in helpers.of_kind(rendered[overlay], "ConfigMap")
                    if c["metadata"]["name"] == source["configMapRef"]["name"]
                ]
                names |= set(config["data"])
            unknown = {n for n in names if n.startswith("ARCTIC_")} - fields
            assert unknown == set(), name
