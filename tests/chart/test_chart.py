"""The chart, rendered by the real helm: lint, Kubernetes schemas, hardening, golden renders."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from tollgate_operator import crd

from .conftest import CHART, NAMESPACE, VALUES, documents, helm, render

# The Kubernetes versions the chart supports (Chart.yaml kubeVersion) up to the bundled kubectl.
KUBERNETES_VERSIONS = ("1.30.0", "1.31.0", "1.32.0", "1.33.0", "1.34.0", "1.35.0")
GOLDEN = CHART / "tests" / "golden"
WORKLOAD_KINDS = {"Deployment", "StatefulSet"}


@pytest.fixture(scope="module", autouse=True)
def _schemas_read_once() -> Iterator[None]:
    """kubernetes-validate re-reads its (large) schema files on every call; read each once."""
    cached = functools.lru_cache(maxsize=None)(kubernetes_validate.utils.schema_contents)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kubernetes_validate.utils, "schema_contents", cached)
        yield


@pytest.fixture(scope="module", params=sorted(VALUES), ids=str)
def rendered(request: pytest.FixtureRequest) -> tuple[str, str]:
    name: str = request.param
    return name, render(VALUES[name])


@pytest.mark.parametrize("name", sorted(VALUES))
def test_lint_strict(name: str) -> None:
    args = ["lint", "--strict", str(CHART)]
    if VALUES[name] is not None:
        args += ["-f", str(VALUES[name])]
    result = helm(*args)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_manifest_passes_the_kubernetes_schemas(rendered: tuple[str, str]) -> None:
    name, text = rendered
    docs = documents(text)
    custom = _custom_schemas(docs)
    problems = []
    for doc in docs:
        where = f"{name}: {doc['kind']}/{doc['metadata']['name']}"
        if (doc["apiVersion"], doc["kind"]) in custom:
            # A kind of the chart's own CRDs: checked against that CRD's schema.
            schema = _nullable(custom[doc["apiVersion"], doc["kind"]])
            errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
            problems += [f"{where}: {error.message}" for error in errors]
            continue
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                problems.append(f"{where} on {version}: {error.message}")
    assert problems == []


def _custom_schemas(docs: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    schemas = {}
    for doc in docs:
        if doc["kind"] == "CustomResourceDefinition":
            spec = doc["spec"]
            for version in spec["versions"]:
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                schemas[key] = version["schema"]["openAPIV3Schema"]
    return schemas


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if not k.startswith("x-kubernetes")}
    if out.pop("nullable", False):
        out["type"] = [out["type"], "null"]
    return out


def _pods(text: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"])
        for doc in documents(text)
        if doc["kind"] in WORKLOAD_KINDS
    ]


def test_every_pod_is_hardened(rendered: tuple[str, str]) -> None:
    _, text = rendered
    for where, pod in _pods(text):
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"] == {"drop": ["ALL"]}, where
            assert container["resources"]["limits"], where
            assert ":" in container["image"] or "@" in container["image"], where


def test_grpc_services_use_native_grpc_probes(rendered: tuple[str, str]) -> None:
    _, text = rendered
    for doc in documents(text):
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] in ("t-auth", "t-policy"):
            container = doc["spec"]["template"]["spec"]["containers"][0]
            assert "grpc" in container["readinessProbe"], doc["metadata"]["name"]
            assert "grpc" in container["livenessProbe"], doc["metadata"]["name"]


def test_every_workload_has_its_network_policy(rendered: tuple[str, str]) -> None:
    name, text = rendered
    docs = documents(text)
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    if name == "minimal-values":
        assert policies == []
        return
    selected = [p["spec"]["podSelector"]["matchLabels"] for p in policies]
    for doc in docs:
        if doc["kind"] in WORKLOAD_KINDS:
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert any(
                all(labels.get(k) == v for k, v in selector.items()) for selector in selected
            ), doc["metadata"]["name"]


def test_operator_is_single_and_recreated_unless_peering(rendered: tuple[str, str]) -> None:
    name, text = rendered
    operator = next(
        d
        for d in documents(text)
        if d["metadata"]["name"] == "t-operator" and d["kind"] == "Deployment"
    )
    assert operator["spec"]["strategy"] == {"type": "Recreate"}
    env = {
        e["name"]: e.get("value")
        for e in operator["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    replicas = operator["spec"]["replicas"]
    assert (env["TOLLGATE_OPERATOR_PEERING"] == "tollgate") == (replicas > 1), name
    assert env["TOLLGATE_OPERATOR_TENANTS_CONFIG_MAP"] == "t-tenants"


def test_namespaced_operator_gets_roles_not_cluster_roles() -> None:
    docs = documents(render(VALUES["production-values"]))
    roles = {
        (d["kind"], d["metadata"].get("namespace")) for d in docs if d["kind"].endswith("Role")
    }
    assert ("ClusterRole", None) not in roles
    assert ("Role", "tollgate-tenants") in roles
    assert ("Role", "tollgate-tenants-eu") in roles


def test_crd_is_shipped_from_the_operator() -> None:
    text = (CHART / "crds" / "odootenants.tollgate.dev.yaml").read_text()
    assert text == crd.render_crd()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"front": {"replcas": 3}}, "replcas"),
        ({"redis": {"bundled": False}}, "allOf"),
        ({"publicUrl": "mcp.example.com"}, "publicUrl"),
        ({"demo": {"odooVersion": "16.0"}}, "odooVersion"),
        ({"auth": {"replicas": 2}}, "auth.signingKeysSecret"),
        ({"operator": {"odooEgress": {"cidrs": ["10.0.0.1"]}}}, "cidrs"),
        ({"operator": {"odooEgress": {"ports": [0]}}}, "ports"),
        ({"operator": {"odooEgress": {"port": 443}}}, "port"),
    ],
)
def test_values_schema_refuses_mistakes(
    tmp_path: Path, values: dict[str, Any], message: str
) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    result = helm("template", "t", str(CHART), "-f", str(path))
    assert result.returncode != 0
    assert message in result.stderr


def test_golden_renders(rendered: tuple[str, str]) -> None:
    """Rendering stays reviewable: UPDATE_GOLDEN=1 rewrites the files after a deliberate change."""
    name, text = rendered
    golden = GOLDEN / f"{name}.yaml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.exists(), f"no golden render: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == golden.read_text(), (
        f"{name} renders differently from {golden}; review and rerun with UPDATE_GOLDEN=1"
    )


def test_schema_validation_is_strict() -> None:
    """A misspelt field in a rendered Deployment is caught, so the check above can fail."""
    deployment = next(d for d in documents(render(VALUES["default"])) if d["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_services_watch_tenant_configs_with_a_read_only_role(rendered: tuple[str, str]) -> None:
    _, text = rendered
    docs = documents(text)
    for doc in docs:
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] in (
            "t-front",
            "t-auth",
            "t-policy",
        ):
            pod = doc["spec"]["template"]["spec"]
            env = {item["name"]: item.get("value") for item in pod["containers"][0]["env"]}
            prefix = f"TOLLGATE_{doc['metadata']['name'][2:].upper()}_"
            assert env[prefix + "TENANTS_SOURCE"] == "kubernetes"
            assert env[prefix + "TENANTS_NAMESPACE"] == NAMESPACE
            assert env[prefix + "TENANTS_LABEL_SELECTOR"] == (
                "tollgate.dev/tenant-configs=true,app.kubernetes.io/instance=t"
            )
            assert pod["automountServiceAccountToken"] is True
            assert not any(v.get("configMap") for v in pod["volumes"])
    role = next(
        d
        for d in docs
        if d["kind"] == "Role" and d["metadata"]["name"] == "t-tenant-configs-reader"
    )
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}
    ]
    binding = next(
        d
        for d in docs
        if d["kind"] == "RoleBinding" and d["metadata"]["name"] == "t-tenant-configs-reader"
    )
    assert {s["name"] for s in binding["subjects"]} == {"t-front", "t-auth", "t-policy"}
