"""Shared fixtures of the chart tests: the real helm binary and rendered manifests."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "tollgate"
HELM = ROOT / ".tools" / "bin" / "helm"
KUBECTL = ROOT / ".tools" / "bin" / "kubectl"
NAMESPACE = "tollgate"
RELEASE = "t"

# values files rendered by the tests: the defaults and every file in ci/.
VALUES = {"default": None} | {path.stem: path for path in sorted((CHART / "ci").glob("*.yaml"))}


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    if not HELM.exists():
        pytest.skip("helm is not installed: run scripts/install-k8s-tools.sh (make test does)")
    return subprocess.run(
        [str(HELM), *args], capture_output=True, text=True, check=False, timeout=120
    )


def render(values: Path | None, *extra: str) -> str:
    args = ["template", RELEASE, str(CHART), "--namespace", NAMESPACE, "--include-crds"]
    if values is not None:
        args += ["-f", str(values)]
    result = helm(*args, *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout


def documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]
