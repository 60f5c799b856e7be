"""The CRD's CEL rules (``x-kubernetes-validations``), evaluated for real with celpy.

The API server runs these rules; nothing else would notice one that is wrong (it compiles, and
refuses too much or too little). Here each rule is taken from the generated CRD and evaluated the
way the API server does: after structural defaulting, once per node its schema sits on, with
``self`` bound to that node. Every example tenant passes every rule; for each rule there is a
spec that breaks that rule (and only that one), which the spec model refuses as well.

The rules use only standard CEL (``has``, ``exists``, ``size``, ``startsWith``, ``matches``), so
celpy evaluates all of them; none needs a Kubernetes-only library function.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import celpy
import pytest
import yaml
from celpy import celtypes
from tollgate_common.tenants import TenantSpecError, parse_tenant_resource
from tollgate_operator import crd

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "tenants").glob("*.yaml"))
Schema = dict[str, Any]


def root_schema() -> Schema:
    schema: Schema = crd.build_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def rules_by_location(schema: Schema, location: str = "") -> Iterator[tuple[str, str]]:
    """Every (schema location, rule) of the CRD; a location is like ``spec.policy.models[]``."""
    for rule in schema.get("x-kubernetes-validations") or []:
        yield location, rule["rule"]
    prefix = f"{location}." if location else ""
    for name, child in (schema.get("properties") or {}).items():
        yield from rules_by_location(child, prefix + name)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from rules_by_location(schema["additionalProperties"], prefix + "*")
    if "items" in schema:
        yield from rules_by_location(schema["items"], location + "[]")


def with_defaults(schema: Schema, value: Any) -> Any:
    """The API server's structural defaulting: a missing field with a default gets it, and a
    defaulted object gets the defaults of its own fields in turn."""
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        out = {}
        for name, child in properties.items():
            if name in value:
                out[name] = with_defaults(child, value[name])
            elif "default" in child:
                out[name] = with_defaults(child, copy.deepcopy(child["default"]))
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name not in properties:
                out[name] = with_defaults(extra, item) if isinstance(extra, dict) else item
        return out
    if isinstance(value, list) and "items" in schema:
        return [with_defaults(schema["items"], item) for item in value]
    return value


def nodes(schema: Schema, value: Any, location: str = "") -> Iterator[tuple[str, Any]]:
    """Each (schema location, node) of a document where the schema carries rules."""
    if value is None:
        return  # the API server does not run the rules of an absent (or null) field
    if schema.get("x-kubernetes-validations"):
        yield location, value
    prefix = f"{location}." if location else ""
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in properties:
                yield from nodes(properties[name], item, prefix + name)
            elif isinstance(extra, dict):
                yield from nodes(extra, item, prefix + "*")
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            yield from nodes(schema["items"], item, location + "[]")


class Rules:
    """The CRD's rules, compiled once by celpy."""

    def __init__(self) -> None:
        self.schema = root_schema()
        environment = celpy.Environment()
        self.compiled: dict[tuple[str, str], celpy.Runner] = {
            (location, rule): environment.program(environment.compile(rule))
            for location, rule in rules_by_location(self.schema)
        }

    def evaluate(self, document: dict[str, Any]) -> dict[tuple[str, str], list[bool]]:
        """Each rule's results on ``document``: one per node it applies to (none if absent)."""
        results: dict[tuple[str, str], list[bool]] = {key: [] for key in self.compiled}
        for location, node in nodes(self.schema, with_defaults(self.schema, document)):
            for (rule_location, rule), program in self.compiled.items():
                if rule_location != location:
                    continue
                result = program.evaluate({"self": celpy.json_to_cel(node)})
                assert isinstance(result, celtypes.BoolType), f"{rule!r} gave {result!r}"
                results[(location, rule)].append(bool(result))
        return results


@pytest.fixture(scope="module")
def rules() -> Rules:
    return Rules()


def example(name: str = "acme") -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        (ROOT / "examples" / "tenants" / f"{name}.yaml").read_text()
    )
    return document


def test_the_crd_has_the_rules_this_file_knows(rules: Rules) -> None:
    """A new rule needs its breaking case below; a rule celpy cannot compile fails here."""
    assert {location for location, _ in rules.compiled} == set(BREAKERS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_passes_every_rule(rules: Rules, path: Path) -> None:
    results = rules.evaluate(yaml.safe_load(path.read_text()))
    failed = [rule for rule, outcomes in results.items() if not all(outcomes)]
    assert failed == []


def test_the_examples_exercise_every_rule(rules: Rules) -> None:
    """Passing is only worth something for a rule that ran: each runs on some example."""
    ran: set[tuple[str, str]] = set()
    for path in EXAMPLES:
        results = rules.evaluate(yaml.safe_load(path.read_text()))
        ran |= {rule for rule, outcomes in results.items() if outcomes}
    assert ran == set(rules.compiled)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting ``a.b.c`` (``models.0`` indexes a list) of the document."""

    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for key in parents:
            node = node[key]
        del node[last]

    return mutate


# For each rule's location: documents (acme.yaml changed so) that break it.
BREAKERS: dict[str, list[tuple[str, list[Callable[[dict[str, Any]], None]]]]] = {
    "": [
        ("capital letters", [_set("metadata.name", "Acme")]),
        ("64 characters", [_set("metadata.name", "a" * 64)]),
        ("a trailing dash", [_set("metadata.name", "acme-")]),
    ],
    "spec.odoo": [
        ("http without the opt-in", [_drop("spec.odoo.allowInsecureHttp")]),
        ("http with the opt-in off", [_set("spec.odoo.allowInsecureHttp", False)]),
        ("another scheme", [_set("spec.odoo.url", "ftp://odoo.example.com")]),
        ("no scheme", [_set("spec.odoo.url", "odoo.example.com")]),
    ],
    "spec.policy.models[]": [
        (
            "read allowed and denied",
            [
                _set(
                    "spec.policy.models.0",
                    {"model": "res.partner", "allow": ["read", "write"], "deny": ["read"]},
                )
            ],
        ),
    ],
    "spec.policy.approvals": [
        ("tools but no approvers", [_set("spec.policy.approvals", {"tools": ["delete_records"]})]),
        (
            "models but an empty approver list",
            [
                _set(
                    "spec.policy.approvals",
                    {
                        "models": [{"model": "account.move", "operations": ["write"]}],
                        "approvers": [],
                    },
                )
            ],
        ),
    ],
}


@pytest.mark.parametrize(
    ("location", "mutations"),
    [
        pytest.param(location, mutations, id=f"{location or 'root'}: {what}")
        for location, cases in BREAKERS.items()
        for what, mutations in cases
    ],
)
def test_a_spec_breaking_a_rule_fails_that_rule_only(
    rules: Rules, location: str, mutations: list[Callable[[dict[str, Any]], None]]
) -> None:
    document = example()
    for mutate in mutations:
        mutate(document)
    results = rules.evaluate(document)
    failed = {key for key, outcomes in results.items() if not all(outcomes)}
    assert {where for where, _ in failed} == {location}
    # Each rule mirrors a check of the spec model: the operator would refuse it too.
    with pytest.raises(TenantSpecError):
        parse_tenant_resource(document)


def test_what_the_rules_allow(rules: Rules) -> None:
    """The edges a rule must not refuse: https without the opt-in, approvals asking nothing."""
    document = example()
    _set("spec.odoo.url", "https://acme.odoo.com")(document)
    _drop("spec.odoo.allowInsecureHttp")(document)
    _set("spec.policy.approvals", {"approvers": []})(document)
    _set("spec.policy.models.0", {"model": "res.partner", "allow": ["read"], "deny": ["write"]})(
        document
    )
    results = rules.evaluate(document)
    assert all(all(outcomes) for outcomes in results.values())
    assert all(results.values())  # and every rule ran
    parse_tenant_resource(document)
