"""The CRD's schema and the spec model agree: examples pass both, mistakes fail both."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from tollgate_common.tenants import TenantSpecError, parse_tenant_resource
from tollgate_operator import crd

ROOT = Path(__file__).resolve().parents[2]
CHART_CRD = ROOT / "charts" / "tollgate" / "crds" / "odootenants.tollgate.dev.yaml"
EXAMPLES = sorted((ROOT / "examples" / "tenants").glob("*.yaml"))


def as_json_schema(node: Any) -> Any:
    """OpenAPI v3.0 (draft 4 style) to what jsonschema checks, strict like kubectl's validation.

    ``nullable`` becomes a null type and objects with properties refuse unknown keys (the API
    server's strict field validation does the same).
    """
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: as_json_schema(v) for k, v in node.items() if not k.startswith("x-kubernetes")}
    if out.pop("nullable", False):
        out["type"] = [out["type"], "null"]
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def schema() -> dict[str, Any]:
    root = crd.build_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    converted: dict[str, Any] = as_json_schema(root)
    converted["properties"]["metadata"] = {"type": "object"}
    return converted


def crd_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft4Validator(schema())
    return [error.message for error in validator.iter_errors(document)]


def test_chart_crd_is_generated_from_the_model() -> None:
    assert CHART_CRD.read_text() == crd.render_crd(), (
        "stale CRD: run `uv run python -m tollgate_operator.crd > "
        "charts/tollgate/crds/odootenants.tollgate.dev.yaml`"
    )


def test_every_spec_field_is_described() -> None:
    missing = []

    def walk(node: dict[str, Any], path: str) -> None:
        if "description" not in node and not path.endswith("[]"):
            missing.append(path)
        for name, child in node.get("properties", {}).items():
            walk(child, f"{path}.{name}")
        if "items" in node:
            walk(node["items"], f"{path}[]")

    walk(crd.spec_schema(), "spec")
    assert missing == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_pass_the_crd_schema_and_the_model(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    assert crd_errors(document) == []
    name, _ = parse_tenant_resource(document)
    assert name == document["metadata"]["name"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["spec"]["access"].update(mdoe="readOnly"), "mdoe"),
        (lambda d: d["spec"]["worker"].update(replicas=0), "replicas"),
        (lambda d: d["spec"]["access"].update(mode="admin"), "mode"),
        (lambda d: d["spec"]["policy"]["models"][0].update(allow=["delete"]), "allow"),
        (lambda d: d["spec"]["odoo"].pop("database"), "database"),
        (lambda d: d["spec"]["policy"]["rateLimits"].update(perUserPerDay=0), "perUserPerDay"),
    ],
)
def test_mistakes_fail_both(mutate: Any, field: str) -> None:
    document = copy.deepcopy(yaml.safe_load(EXAMPLES[0].read_text()))
    mutate(document)
    errors = crd_errors(document)
    assert errors, "the CRD schema accepted it"
    with pytest.raises(TenantSpecError) as raised:
        parse_tenant_resource(document)
    assert any(field in path for path, _ in raised.value.problems)


def test_defaults_match_the_model() -> None:
    spec = crd.spec_schema()["properties"]
    assert spec["access"]["properties"]["mode"]["default"] == "readWrite"
    assert spec["policy"]["properties"]["tools"]["default"] == {}
    assert spec["policy"]["properties"]["tools"]["properties"]["allow"]["default"] == ["*"]
    assert spec["worker"]["properties"]["replicas"]["default"] == 1
    assert spec["policy"]["properties"]["rateLimits"]["properties"]["perUserPerDay"]["nullable"]


def test_cel_rule_mirrors_the_http_opt_in() -> None:
    rules = crd.spec_schema()["properties"]["odoo"]["x-kubernetes-validations"]
    assert "allowInsecureHttp" in rules[0]["rule"]
    document = yaml.safe_load(EXAMPLES[0].read_text())
    document["spec"]["odoo"]["allowInsecureHttp"] = False
    with pytest.raises(TenantSpecError, match="allowInsecureHttp"):
        parse_tenant_resource(document)


def test_cel_rules_walk_only_short_lists() -> None:
    """The API server refuses a CRD whose rules may cost too much: nested walks stay small."""
    rule = crd.spec_schema()["properties"]["policy"]["properties"]["models"]["items"]
    assert rule["properties"]["allow"]["maxItems"] == 5
    assert rule["properties"]["deny"]["maxItems"] == 5
    models = crd.spec_schema()["properties"]["policy"]["properties"]["models"]["maxItems"]
    assert models * 5 * 5 < 1_000_000
