"""deploy/ agrees with the code it deploys: streams and durable consumers (permissions,
scaling), metrics (alert rules), settings (README), and the alert rules are well formed.

These fail when the code grows something the deployment does not know yet: a new durable
consumer needs its NATS permissions and a KEDA trigger, a new setting its README row.
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


def test_every_durable_consumer_in_the_code_is_permitted_and_scaled_on(
    permissions: str, rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    from arctic.runtime.service import installed_services

    triggers = {
        (so["metadata"]["name"], t["metadata"]["stream"], t["metadata"]["consumer"])
        for so in helpers.of_kind(rendered["prod"], "ScaledObject")
        for t in so["spec"]["triggers"]
    }
    in_code = [
        (name, subscription.stream, subscription.durable)
        for name, definition in installed_services().items()
        for subscription in definition.subscriptions()
    ]
    assert in_code, "no durable consumer found in the installed services"
    missing = []
    for service, stream, durable in in_code:
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
        if (service, stream, durable) not in triggers:
            missing.append(f"k8s/base/services/{service}.yaml: a trigger for {durable} on {stream}")
    assert missing == [], "deploy/README.md, Replaying events for a new subscriber"


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
