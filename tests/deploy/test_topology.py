"""How the rendered resources fit together: services, jobs, policies, scaling, database."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

Doc = dict[str, Any]
OVERLAYS = ["dev", "prod"]


def _named(docs: list[Doc], kind: str, helpers: SimpleNamespace) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in helpers.of_kind(docs, kind)}


def _selects(selector: Doc, labels: dict[str, str]) -> bool:
    wanted = selector.get("matchLabels", {})
    if not all(labels.get(key) == value for key, value in wanted.items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", "only In is used here"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_a_deployment_a_service_a_disruption_budget_and_a_migrate_job(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    docs = rendered[overlay]
    deployments = _named(docs, "Deployment", helpers)
    services, budgets = (
        _named(docs, "Service", helpers),
        _named(docs, "PodDisruptionBudget", helpers),
    )
    jobs = _named(docs, "Job", helpers)
    for name in helpers.SERVICES:
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        (app,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert app["command"] + app["args"] == ["arctic", "serve", name]
        assert _selects({"matchLabels": services[name]["spec"]["selector"]}, labels)
        assert services[name]["spec"]["ports"][0]["targetPort"] == "http"
        assert _selects(budgets[name]["spec"]["selector"], labels)
        assert budgets[name]["spec"]["maxUnavailable"] == 1
        (migrate,) = jobs[f"{name}-migrate"]["spec"]["template"]["spec"]["containers"]
        assert migrate["command"] + migrate["args"] == [
            "/bin/sh",
            "-c",
            f"arctic migrate {name} && arctic provision {name}",
        ]
        assert migrate["image"] == app["image"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_open_only_what_is_needed(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    policies = _named(rendered[overlay], "NetworkPolicy", helpers)
    deny = policies["arctic-default-deny"]["spec"]
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny
    assert "egress" not in deny
    workloads = [d for d in rendered[overlay] if d["kind"] in ("Deployment", "Job")]
    for workload in workloads:
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert _selects(deny["podSelector"], labels), workload["metadata"]["name"]
    # Not the PostgreSQL pods, even if CloudNativePG passed the Cluster's labels on to them.
    (cluster,) = helpers.of_kind(rendered[overlay], "Cluster")
    assert not _selects(deny["podSelector"], cluster["metadata"]["labels"])
    egress_ports: dict[str, set[int]] = {}
    for name, policy in policies.items():
        for rule in policy["spec"].get("egress", []):
            ports = {port["port"] for port in rule["ports"]}
            egress_ports[name] = egress_ports.get(name, set()) | ports
    assert egress_ports == {
        "arctic-egress-dns": {53},
        "arctic-egress-nats": {4222},
        "arctic-egress-postgres": {5432},
        "arctic-egress-identity-provider": {443},
        "notifications-egress-smtp-webhooks": {25, 465, 587, 443},
    }
    keys = policies["arctic-egress-identity-provider"]["spec"]["podSelector"]["matchLabels"]
    assert keys["app.kubernetes.io/component"] == "server", "only the services check tokens"
    outside = policies["notifications-egress-smtp-webhooks"]["spec"]
    assert outside["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "notifications"
    for policy, port, namespace in (
        ("arctic-ingress-http", 8080, "ingress-nginx"),
        ("arctic-ingress-ops", 9090, "monitoring"),
    ):
        ingress = policies[policy]["spec"]
        assert ingress["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "server"
        assert [p["port"] for rule in ingress["ingress"] for p in rule["ports"]] == [port]
        sources = [source for rule in ingress["ingress"] for source in rule["from"]]
        assert sources == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}
        ], policy


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_scaled_object_scales_its_own_deployment_on_nats_jetstream_lag(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    """Which consumers the triggers name is checked against the code in
    test_matches_the_code.py; here, how a ScaledObject is wired."""
    docs = rendered[overlay]
    scaled = _named(docs, "ScaledObject", helpers)
    assert scaled, "notifications has a durable consumer and a ScaledObject"
    (auth,) = helpers.of_kind(docs, "TriggerAuthentication")
    for service, scaled_object in scaled.items():
        spec = scaled_object["spec"]
        assert spec["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": service,
        }
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        assert spec["triggers"], service
        for trigger in spec["triggers"]:
            assert trigger["type"] == "nats-jetstream"
            assert trigger["authenticationRef"]["name"] == auth["metadata"]["name"]
            assert int(trigger["metadata"]["lagThreshold"]) > 0
            assert trigger["metadata"]["useHttps"] == "false"


def test_keda_reads_the_headless_service_monitoring_endpoint_in_the_services_account(
    rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    docs = rendered["prod"]
    (auth,) = helpers.of_kind(docs, "TriggerAuthentication")
    configs = _named(docs, "ConfigMap", helpers)
    params = {
        ref["parameter"]: configs[ref["name"]]["data"][ref["key"]]
        for ref in auth["spec"]["configMapTargetRef"]
    }
    assert params["natsServerMonitoringEndpoint"] == "nats-headless.nats.svc.cluster.local:8222"
    permissions = (helpers.DEPLOY / "nats" / "permissions.conf").read_text()
    accounts = re.findall(r"^  (\w+) \{", permissions, re.MULTILINE)
    assert accounts == [params["account"]] == ["ARCTIC"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_service_has_a_login_role_that_owns_its_schema_and_nothing_more(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    docs = rendered[overlay]
    (cluster,) = helpers.of_kind(docs, "Cluster")
    (database,) = helpers.of_kind(docs, "Database")
    roles = {r["spec"]["name"]: r["spec"] for r in helpers.of_kind(docs, "DatabaseRole")}
    assert set(roles) == set(helpers.SERVICES)
    for name, role in roles.items():
        assert role["cluster"]["name"] == cluster["metadata"]["name"]
        assert role["login"] is True
        for power in ("superuser", "createdb", "createrole", "replication", "bypassrls"):
            assert role[power] is False, (name, power)
        assert role.get("inRoles", []) == []
        # The Secret the role's password comes from is the one the service's DSN uses.
        assert role["passwordSecret"]["name"] == f"arctic-{name}-db"
    schemas = {s["name"]: s["owner"] for s in database["spec"]["schemas"]}
    assert schemas == {service: service for service in helpers.SERVICES}
    assert database["spec"]["name"] == cluster["spec"]["bootstrap"]["initdb"]["database"]
    assert database["spec"]["owner"] not in helpers.SERVICES


def test_prod_postgres_has_three_instances_with_synchronous_replication(
    rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    (cluster,) = helpers.of_kind(rendered["prod"], "Cluster")
    assert cluster["spec"]["instances"] == 3
    assert cluster["spec"]["postgresql"]["synchronous"]["number"] >= 1
    assert cluster["spec"]["affinity"]["podAntiAffinityType"] == "required"
    (dev,) = helpers.of_kind(rendered["dev"], "Cluster")
    assert dev["spec"]["instances"] == 1
    assert "synchronous" not in dev["spec"]["postgresql"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_database_connections_fit_the_role_limits_at_full_scale(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    """Each pod opens ARCTIC_DATABASE_POOL_SIZE connections; at maxReplicaCount plus the
    rolling update's surge pod, plus the migrate job and an operator's CLI, a role stays
    within its connection limit, and all of them within max_connections."""
    docs = rendered[overlay]
    (settings,) = [c for c in helpers.of_kind(docs, "ConfigMap") if "ARCTIC_HTTP_PORT" in c["data"]]
    pool = int(settings["data"]["ARCTIC_DATABASE_POOL_SIZE"])
    scaled = {s["spec"]["scaleTargetRef"]["name"]: s for s in helpers.of_kind(docs, "ScaledObject")}
    roles = {r["spec"]["name"]: r["spec"] for r in helpers.of_kind(docs, "DatabaseRole")}
    total = 0
    for deployment in helpers.of_kind(docs, "Deployment"):
        name = deployment["metadata"]["name"]
        most = (
            scaled[name]["spec"]["maxReplicaCount"]
            if name in scaled
            else deployment["spec"]["replicas"]
        )
        surge = deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        needed = (most + surge) * pool + 2
        assert needed <= roles[name]["connectionLimit"], name
        total += roles[name]["connectionLimit"]
    (cluster,) = helpers.of_kind(docs, "Cluster")
    reserved = 20  # superuser_reserved_connections and the operator's own connections
    assert total + reserved <= int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
