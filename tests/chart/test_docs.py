"""docs/kubernetes.md's commands, as typed: the helm install renders, the tenant it applies is
valid, the tool call targets the URL the chart serves."""

from __future__ import annotations

import re
import shlex
from typing import Any

import yaml
from tollgate_common.tenants import parse_tenant_resource

from .conftest import CHART, ROOT, documents, helm

DOC = ROOT / "docs" / "kubernetes.md"


def _shell_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.DOTALL)
    return [line for block in blocks for line in block.splitlines()]


def _rendered_install() -> list[dict[str, Any]]:
    (install,) = [line for line in _shell_lines() if line.startswith("helm install ")]
    words = shlex.split(install)
    assert words[:4] == ["helm", "install", "tollgate", "charts/tollgate"]
    result = helm("template", "tollgate", str(CHART), *words[4:])
    assert result.returncode == 0, result.stderr
    return documents(result.stdout)


def test_the_documented_install_renders_the_demo_and_the_dev_keys() -> None:
    docs = _rendered_install()
    tenants = [d for d in docs if d["kind"] == "OdooTenant"]
    assert [t["metadata"]["name"] for t in tenants] == ["demo"]  # type: ignore[index]
    auth = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "tollgate-auth"
    )  # type: ignore[index]
    assert "tollgate-dev-keys" in yaml.safe_dump(auth)
    names = {d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"}  # type: ignore[index]
    (rollout,) = [line for line in _shell_lines() if "rollout status" in line]
    targets = re.findall(r"deployment/(\S+)", rollout)
    assert targets
    assert set(targets) <= names


def test_the_documented_tenant_is_valid() -> None:
    text = DOC.read_text()
    (tenant,) = re.findall(r"cat > acme.yaml <<'EOF'\n(.*?)\nEOF", text, re.DOTALL)
    name, spec = parse_tenant_resource(yaml.safe_load(tenant))
    assert name == "acme"
    assert spec.worker.replicas == 2


def test_the_documented_tool_call_uses_the_demo_endpoint_and_key() -> None:
    lines = _shell_lines()
    (call,) = [line for line in lines if line.startswith("uv run tollgate call ")]
    (keys,) = re.findall(r"cat > dev-keys.yaml <<'EOF'\n(.*?)\nEOF", DOC.read_text(), re.DOTALL)
    key = yaml.safe_load(keys)["keys"][0]
    assert f"--key {key['key']}" in call
    assert "--url http://localhost:8000/t/demo/mcp" in call
    assert key["tenant"] == "demo"


def _readme_install_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Install on Kubernetes", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return block.splitlines()


def test_the_readme_walk_through_types_the_same_commands_as_the_guide() -> None:
    """The README's short walk-through must not drift from the guide the tests above check."""
    readme, guide = _readme_install_lines(), _shell_lines()
    for command in ("helm install ", "uv run tollgate call ", "kind load ", "docker build "):
        assert [line for line in readme if line.startswith(command)] == [
            line for line in guide if line.startswith(command)
        ], command
    (printf,) = [line for line in readme if line.startswith("printf ")]
    words = shlex.split(printf)
    assert words[-2:] == [">", "dev-keys.yaml"]
    written = words[1].encode().decode("unicode_escape")
    (keys,) = re.findall(r"cat > dev-keys.yaml <<'EOF'\n(.*?)\nEOF", DOC.read_text(), re.DOTALL)
    assert yaml.safe_load(written) == yaml.safe_load(keys)
    assert any(line.startswith("kubectl -n tollgate wait odootenant/demo") for line in readme)
