"""deploy/ agrees with the code it deploys: streams and durable consumers (permissions,
scaling), metrics (alert rules), settings (README), and the alert rules are well formed.

These fail when the code grows something the deployment does not know yet (a new durable
consumer needs its NATS permissions, and a KEDA trigger unless it says it is not scaled on,
a new setting its README row), and when the deployment has something the code does not (a
KEDA trigger or ScaledObject for a consumer that does not exist or is not scaled on).
"""

from __future__ import annotations

import re
from enum import Enum
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

Doc = dict[str, Any]


def _user_block(permissions: str, user: str) -> str:
    start = permissions.index(f"user: {user}\n")
    end = permissions.find("user: ", start + 1)
    return permissions[start : end if end > 0 else None]


@pytest.fixture(scope="module")
def permissions(helpers: SimpleNamespace) -> str:
    return str((helpers.DEPLOY / "nats" / "permissions.conf").read_text())


def test_each_stream_of_the_contracts_is_published_and_managed_only_by_its_service(
    permissions: str, helpers: SimpleNamespace
) -> None:
    from arctic.contracts.registry import STREAMS

    assert {stream.service for stream in STREAMS} == set(helpers.SERVICES)
    for stream in STREAMS:
        (subjects,) = stream.subjects
        for user in (*helpers.SERVICES, "ops"):
            block = _user_block(permissions, user)
            owner = user == stream.service
            assert (f'"{subjects}"' in block) is owner, (user, subjects)
            assert (f'"$JS.API.STREAM.CREATE.{stream.name}"' in block) is owner, user
            assert (f'"$JS.API.STREAM.UPDATE.{stream.name}"' in block) is owner, user


def _in_code(helpers: SimpleNamespace, *, scaled_only: bool = False) -> set[tuple[str, str, str]]:
    """(service, stream, durable) of every durable consumer the installed services define
    (with `scaled_only`, of those the deployment scales on: not erasure requests)."""
    return {
        (service, subscription.stream, subscription.durable)
        for service, subscriptions in helpers.durables_in_code().items()
        for subscription in subscriptions
        if subscription.scaled or not scaled_only
    }


def _triggers(docs: list[Doc], helpers: SimpleNamespace) -> set[tuple[str, str, str]]:
    """(scaled Deployment, stream, durable) of every KEDA trigger."""
    return {
        (so["spec"]["scaleTargetRef"]["name"], t["metadata"]["stream"], t["metadata"]["consumer"])
        for so in helpers.of_kind(docs, "ScaledObject")
        for t in so["spec"]["triggers"]
    }


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_durable_consumer_in_the_code_is_permitted_and_scaled_on(
    overlay: str, permissions: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    triggers = _triggers(rendered[overlay], helpers)
    in_code = _in_code(helpers)
    scaled = _in_code(helpers, scaled_only=True)
    assert in_code, "no durable consumer found in the installed services"
    missing = []
    for service, stream, durable in sorted(in_code):
        block = _user_block(permissions, service)
        for subject in (
            f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.{durable}",
            f"$JS.API.CONSUMER.INFO.{stream}.{durable}",
            f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}",
            f"$JS.ACK.{stream}.{durable}.>",
        ):
            if f'"{subject}"' not in block:
                missing.append(f"permissions.conf, user {service}: {subject}")
        ops_deny = _user_block(permissions, "ops").split("deny:")[1]
        if f'"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"' not in ops_deny:
            missing.append(
                f"permissions.conf, ops deny: $JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
            )
        if (service, stream, durable) in scaled and (service, stream, durable) not in triggers:
            missing.append(f"k8s/base/services/{service}.yaml: a trigger for {durable} on {stream}")
    assert missing == [], "deploy/README.md, Replaying events for a new subscriber"


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_keda_trigger_scales_on_a_durable_consumer_that_exists_in_the_code(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    """KEDA reports an error for a trigger whose consumer does not exist, and would scale
    a service on a consumer it does not read: a designed consumer gets its trigger when its
    code ships, not before; a consumer of rare events (erasure requests) gets none."""
    in_code = _in_code(helpers, scaled_only=True)
    unknown = sorted(
        f"k8s/base/services/{service}.yaml: trigger {durable} on {stream} (not scaled on)"
        for service, stream, durable in _triggers(rendered[overlay], helpers) - in_code
    )
    assert unknown == []
    for so in helpers.of_kind(rendered[overlay], "ScaledObject"):
        names = [t["name"] for t in so["spec"]["triggers"]]
        assert names == [t["metadata"]["consumer"] for t in so["spec"]["triggers"]]
        assert len(set(names)) == len(names), so["metadata"]["name"]


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_a_service_without_durable_consumers_has_no_scaled_object_but_a_fixed_replica_count(
    overlay: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    """Nothing to scale on, so no ScaledObject (KEDA would scale it on nothing); a fixed
    `replicas` instead: one in dev, at least two in prod. A service with durable consumers
    it is scaled on has a ScaledObject and leaves `replicas` to KEDA."""
    docs = rendered[overlay]
    durables = helpers.durables_in_code()
    assert set(durables) == set(helpers.SERVICES)
    scaled = {so["spec"]["scaleTargetRef"]["name"] for so in helpers.of_kind(docs, "ScaledObject")}
    deployments = {d["metadata"]["name"]: d["spec"] for d in helpers.of_kind(docs, "Deployment")}
    for service, subscriptions in durables.items():
        if any(subscription.scaled for subscription in subscriptions):
            assert service in scaled, f"k8s/base/services/{service}.yaml: add a ScaledObject"
            assert "replicas" not in deployments[service], f"{service}: KEDA owns its replicas"
        else:
            assert service not in scaled, f"k8s/base/services/{service}.yaml: no ScaledObject"
            replicas = deployments[service].get("replicas")
            assert replicas is not None, f"k8s/base/services/{service}.yaml: set replicas"
            wanted = "1" if overlay == "dev" else "at least 2"
            assert replicas == 1 if overlay == "dev" else replicas >= 2, (
                f"{service}: {replicas} replicas in {overlay}, wanted {wanted}"
            )


def test_the_reserved_consumers_in_permissions_are_exactly_those_not_in_the_code(
    permissions: str, helpers: SimpleNamespace
) -> None:
    """permissions.conf may allow designed consumers before their code exists; each consumer
    block says which it is, and the marks follow the code."""
    marks = {
        (match.group(2), match.group(1)): match.group(3)
        for match in re.finditer(
            r"^ +# consumer (\S+) on ([A-Z]+): (.+)$", permissions, re.MULTILINE
        )
    }
    in_code = {(stream, durable) for _, stream, durable in _in_code(helpers)}
    assert in_code <= set(marks)
    wrong = sorted(
        f"permissions.conf: consumer {durable} on {stream} is marked {mark!r}"
        for (stream, durable), mark in marks.items()
        if mark.startswith("RESERVED") == ((stream, durable) in in_code)
        or mark not in ("in the code", "RESERVED, not in the code yet")
    )
    assert wrong == []
    ops_deny = _user_block(permissions, "ops").split("deny:")[1]
    for stream, durable in marks:
        (line,) = [line for line in ops_deny.splitlines() if f'.{stream}.{durable}"' in line]
        assert line.endswith("# in the code" if (stream, durable) in in_code else "# RESERVED")


def _metric_names() -> set[str]:
    """Every sample name the runtime's metrics expose."""
    from prometheus_client.metrics import MetricWrapperBase

    from arctic.runtime import metrics

    names = set()
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}
                names |= {family.name + s for s in suffixes.get(family.type, [""])}
    return names


@pytest.fixture(scope="module")
def alert_rules(helpers: SimpleNamespace) -> list[Doc]:
    document = yaml.safe_load((helpers.DEPLOY / "observability" / "alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_alert_rules_are_complete_rules_that_use_only_metrics_that_exist(
    alert_rules: list[Doc],
) -> None:
    exposed = _metric_names()
    for rule in alert_rules:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert {"summary", "description"} <= set(rule["annotations"])
        expr = rule["expr"]
        assert expr.count("(") == expr.count(")"), rule["alert"]
        assert expr.count("{") == expr.count("}"), rule["alert"]
        used = set(re.findall(r"\barctic_[a-z_]+", expr))
        assert used <= exposed, (rule["alert"], used - exposed)


def test_the_slow_handler_alert_fires_beyond_the_handler_budget_on_a_bucket_of_the_runtime(
    alert_rules: list[Doc], helpers: SimpleNamespace
) -> None:
    from arctic.runtime.metrics import HANDLER_DURATION

    (rule,) = [rule for rule in alert_rules if rule["alert"] == "ArcticHandlersSlow"]
    (le,) = re.findall(r'arctic_handler_duration_seconds_bucket\{le="([^"]+)"\}', rule["expr"])
    assert float(le) == helpers.HANDLER_BUDGET_SECONDS
    # A bound the histogram does not have would make the ratio meaningless (no such series).
    assert float(le) in HANDLER_DURATION._upper_bounds
    assert f"more than {le} s" in rule["annotations"]["summary"]


def test_alerts_cover_dead_letters_outbox_lag_consumer_pending_and_readiness(
    alert_rules: list[Doc],
) -> None:
    exprs = {rule["alert"]: rule["expr"] for rule in alert_rules}
    assert "arctic_dead_letters_total" in exprs["ArcticDeadLetters"]
    assert "> 0" in exprs["ArcticDeadLetters"]
    assert "deriv(arctic_outbox_lag_events" in exprs["ArcticOutboxLagGrowing"]
    assert "deriv(arctic_consumer_pending_messages" in exprs["ArcticConsumerPendingGrowing"]
    assert "kube_deployment_status_replicas_unavailable" in exprs["ArcticNotReady"]


def _code_default(value: Any) -> str:
    if isinstance(value, SecretStr):
        return "(secret)"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple | list):
        return ",".join(str(item) for item in value)
    return str(value)


def test_the_readme_lists_every_setting_with_its_code_default(helpers: SimpleNamespace) -> None:
    from arctic.notifications.settings import NotificationsSettings

    readme = (helpers.DEPLOY / "README.md").read_text()
    rows = {
        match.group(1): match.group(2)
        for match in re.finditer(r"^\| `(ARCTIC_[A-Z_]+)` \| `([^`]*)` \|", readme, re.MULTILINE)
    }
    for field, info in NotificationsSettings.model_fields.items():
        variable = f"ARCTIC_{field.upper()}"
        assert variable in rows, f"deploy/README.md, Settings: add a row for {variable}"
        assert rows[variable] == _code_default(info.default), variable


def test_the_readme_names_every_value_the_manifests_set(
    rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    readme = (helpers.DEPLOY / "README.md").read_text()
    names = set()
    for _, pod in helpers.pod_specs(rendered["prod"]):
        for container in pod["containers"]:
            names |= {env["name"] for env in container.get("env", [])}
    for config in helpers.of_kind(rendered["prod"], "ConfigMap"):
        names |= set(config.get("data", {}))
    assert sorted(name for name in names if name not in readme) == []
