"""checkov on the rendered manifests and the Dockerfile, hadolint on the Dockerfile, and
what the image build must keep (uv from the lock, a non-root final stage with the venv only).

Both linters run offline: checkov with --skip-download and BC_SKIP_MAPPING, no API key.
Every check skipped is skipped inline with its reason (checkov.io/skipN annotations).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

Doc = dict[str, Any]
SKIP = re.compile(r"^(CKV2?_[A-Z0-9_]+)=(.+)$", re.DOTALL)


def _tool(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    assert found, f"{name} not found: `uv sync` installs it (dependency group deploy)"
    return found


@pytest.fixture(scope="module")
def checkov_reports(rendered_dir: Path, helpers: SimpleNamespace) -> dict[str, Doc]:
    """One offline checkov run over both overlays and the Dockerfile, by framework."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BC_", "PRISMA_"))}
    env |= {"BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    files = [str(rendered_dir / "dev.yaml"), str(rendered_dir / "prod.yaml")]
    files.append(str(helpers.DEPLOY / "Dockerfile"))
    command = [_tool("checkov"), "--quiet", "--compact", "--skip-download", "--output", "json"]
    command += ["--framework", "kubernetes", "dockerfile", "--file", *files]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        cwd=helpers.REPO,
        timeout=240,
        check=False,
    )
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    by_type = {report["check_type"]: report for report in reports}
    by_type["exit"] = {"code": result.returncode, "stderr": result.stderr[-2000:]}
    return by_type


def _failures(report: Doc) -> list[str]:
    return [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]


def test_checkov_passes_on_the_rendered_manifests_of_every_overlay(
    checkov_reports: dict[str, Doc],
) -> None:
    report = checkov_reports["kubernetes"]
    assert _failures(report) == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["resource_count"] >= 90  # both overlays were scanned
    assert checkov_reports["exit"]["code"] == 0, checkov_reports["exit"]


def test_checkov_passes_on_the_dockerfile(checkov_reports: dict[str, Doc]) -> None:
    report = checkov_reports["dockerfile"]
    assert _failures(report) == []
    assert report["summary"]["passed"] > 0
    assert report["summary"]["skipped"] == 0


def test_every_skipped_checkov_check_is_skipped_inline_with_its_reason(
    checkov_reports: dict[str, Doc], rendered: dict[str, list[Doc]], helpers: SimpleNamespace
) -> None:
    skips = 0
    for overlay in helpers.OVERLAYS:
        for doc in rendered[overlay]:
            for key, value in doc["metadata"].get("annotations", {}).items():
                if not key.startswith("checkov.io/skip"):
                    continue
                match = SKIP.match(value)
                assert match, f"{doc['kind']}/{doc['metadata']['name']}: {key}={value}"
                assert len(match.group(2).split()) >= 10, f"give a real reason: {value}"
                skips += 1
    assert checkov_reports["kubernetes"]["summary"]["skipped"] == skips
    assert "checkov:skip" not in (helpers.DEPLOY / "Dockerfile").read_text()


def test_hadolint_passes_on_the_dockerfile(helpers: SimpleNamespace) -> None:
    result = subprocess.run(
        [_tool("hadolint"), str(helpers.DEPLOY / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "")


def test_hadolint_rejects_a_sloppy_dockerfile(tmp_path: Path) -> None:
    sloppy = tmp_path / "Dockerfile"
    sloppy.write_text("FROM python\nRUN apt-get install curl\nCMD python -m http.server\n")
    result = subprocess.run([_tool("hadolint"), str(sloppy)], capture_output=True, text=True)
    assert result.returncode != 0
    assert {"DL3006", "DL3008", "DL3025"} <= set(re.findall(r"DL\d{4}", result.stdout))


# --- the image build ---------------------------------------------------------------------


def _stages(dockerfile: str) -> dict[str, str]:
    parts = re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0].split(" AS ")[-1].strip(): part for part in parts}


def test_the_image_is_built_with_uv_from_the_lock_file_with_compiled_bytecode(
    helpers: SimpleNamespace,
) -> None:
    dockerfile = (helpers.DEPLOY / "Dockerfile").read_text()
    build = _stages(dockerfile)["build"]
    syncs = re.findall(r"uv sync ([^\n]+)", build)
    assert len(syncs) == 2
    for flags in syncs:
        for flag in (
            "--locked",
            "--no-dev",
            "--no-default-groups",
            '--package "arctic-${SERVICE}"',
        ):
            assert flag in flags
    assert "--no-editable" in syncs[-1]
    assert "UV_COMPILE_BYTECODE=1" in build
    assert "UV_PROJECT_ENVIRONMENT=/app/.venv" in build


def test_the_final_stage_holds_only_the_venv_and_runs_as_a_non_root_user(
    helpers: SimpleNamespace,
) -> None:
    runtime = _stages((helpers.DEPLOY / "Dockerfile").read_text())["runtime"]
    copies = re.findall(r"^COPY (.+)$", runtime, flags=re.MULTILINE)
    assert copies == ["--from=build /app/.venv /app/.venv"]
    users = re.findall(r"^USER (\S+)$", runtime, flags=re.MULTILINE)
    assert users == ["10001:10001"]
    assert "uv" not in re.findall(r"\b\w+\b", " ".join(copies))
    assert "pip uninstall --yes pip setuptools wheel" in runtime


def test_the_dockerfile_copies_every_workspace_member_and_only_paths_that_exist(
    helpers: SimpleNamespace,
) -> None:
    root = tomllib.loads((helpers.REPO / "pyproject.toml").read_text())
    members = {
        path.relative_to(helpers.REPO)
        for pattern in root["tool"]["uv"]["workspace"]["members"]
        for path in helpers.REPO.glob(pattern)
        if (path / "pyproject.toml").exists()
    }
    build = _stages((helpers.DEPLOY / "Dockerfile").read_text())["build"]
    sources = [
        source
        for line in build.splitlines()
        if line.startswith("COPY ") and "--from" not in line
        for source in line.split()[1:-1]
    ]
    for member in members:
        assert f"{member.as_posix()}/pyproject.toml" in sources, member
    for source in sources:
        assert (helpers.REPO / source).exists(), source
