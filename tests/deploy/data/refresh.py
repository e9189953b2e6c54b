"""Fetch the upstream schemas of tests/deploy/data again, at the commits recorded below.

    uv run --locked python tests/deploy/data/refresh.py            # the pinned commits
    uv run --locked python tests/deploy/data/refresh.py --check    # compare only

To move to a newer upstream version, change its commit here (and in README.md), run the
script, and run `uv run --locked pytest tests/deploy` before committing the files.
Only this script reaches the network; the tests read the committed copies.
"""

from __future__ import annotations

import argparse
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
RAW = "https://raw.githubusercontent.com"
CNPG = ("cloudnative-pg/cloudnative-pg", "a95a534dbe0854495b863bbc1b7651f74d310916")
KEDA = ("kedacore/keda", "8b4f083ca8c8c2baf8477e322bd4d16ac4dfa09a")
NATS_CHART = ("nats-io/k8s", "957650fba03e2e6ad8b5d54d66358f67a431157b")

SOURCES = {
    "postgresql.cnpg.io_clusters.yaml": (
        *CNPG,
        "config/crd/bases/postgresql.cnpg.io_clusters.yaml",
    ),
    "postgresql.cnpg.io_databases.yaml": (
        *CNPG,
        "config/crd/bases/postgresql.cnpg.io_databases.yaml",
    ),
    "postgresql.cnpg.io_databaseroles.yaml": (
        *CNPG,
        "config/crd/bases/postgresql.cnpg.io_databaseroles.yaml",
    ),
    "keda.sh_scaledobjects.yaml": (*KEDA, "config/crd/bases/keda.sh_scaledobjects.yaml"),
    "keda.sh_triggerauthentications.yaml": (
        *KEDA,
        "config/crd/bases/keda.sh_triggerauthentications.yaml",
    ),
    "nats-helm-chart-values.yaml": (*NATS_CHART, "helm/charts/nats/values.yaml"),
}
"""Each file of this folder: (repository, commit, path in the repository)."""


def url_of(repository: str, commit: str, path: str) -> str:
    """Where the file is published, unchanged, at that commit."""
    return f"{RAW}/{repository}/{commit}/{path}"


def main(argv: list[str] | None = None) -> int:
    """Download every file; with --check, report the ones that differ instead."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    args = parser.parse_args(argv)
    differing = []
    for name, source in SOURCES.items():
        with urllib.request.urlopen(url_of(*source), timeout=60) as response:  # noqa: S310
            text = response.read()
        target = HERE / name
        if target.exists() and target.read_bytes() == text:
            continue
        differing.append(name)
        if not args.check:
            target.write_bytes(text)
            print(f"wrote {name}")
    for name in differing if args.check else []:
        print(f"differs from upstream: {name}", file=sys.stderr)
    return 1 if args.check and differing else 0


if __name__ == "__main__":
    sys.exit(main())
