"""The `OdooTenant` CustomResourceDefinition, generated from the one spec model.

`tollgate_common.tenants.TenantSpec` is the single source of the spec's shape; this module turns
its JSON schema into a structural OpenAPI v3 schema (references inlined, ``null`` unions turned
into ``nullable``, defaults filled in from the model's default factories) and adds what a schema
alone cannot say as CEL rules. The chart ships the result (``charts/tollgate/crds/``); a test
regenerates it and fails when the committed file is stale. Run
``python -m tollgate_operator.crd > charts/tollgate/crds/odootenants.tollgate.dev.yaml``.
"""

from __future__ import annotations

import copy
import sys
from typing import Any, Final

import yaml
from pydantic import BaseModel, TypeAdapter
from tollgate_common.tenants import TenantSpec
from tollgate_common.tenants.spec import API_VERSION, KIND

GROUP: Final = API_VERSION.split("/")[0]
VERSION: Final = API_VERSION.split("/")[1]
PLURAL: Final = "odootenants"
SINGULAR: Final = "odootenant"
SHORT_NAMES: Final = ("ot",)
CRD_NAME: Final = f"{PLURAL}.{GROUP}"

Schema = dict[str, Any]

# Descriptions for fields the model leaves undescribed (the model's own always win), so every
# field a tenant admin reads in `kubectl explain` says what it does.
FALLBACK_DESCRIPTIONS: Final[dict[str, str]] = {
    "spec": "What this tenant's Odoo is, who may connect and what the AI may touch.",
    "spec.odoo": "The tenant's Odoo server.",
    "spec.odoo.timeoutSeconds": "Seconds one Odoo request may take.",
    "spec.access": "Who may connect and how their Odoo credential is kept.",
    "spec.access.mode": "readOnly refuses every create, write, unlink and method call.",
    "spec.policy": "The governance rules policy applies to every tool call.",
    "spec.policy.models": "Per-model rules; a model's operations are allowed or denied.",
    "spec.policy.models[].model": "Model name, a prefix wildcard such as 'sale.*', or '*'.",
    "spec.policy.models[].allow": "Operations allowed on the model.",
    "spec.policy.models[].deny": "Operations denied on the model.",
    "spec.policy.tools": "Which tools the AI sees and may call (patterns such as 'search_*').",
    "spec.policy.tools.allow": "Tools allowed; '*' allows all.",
    "spec.policy.tools.deny": "Tools denied, even if allowed above.",
    "spec.policy.approvals": "Calls that need a human approval first, and who approves.",
    "spec.policy.approvals.tools": "Tools whose calls need an approval.",
    "spec.policy.approvals.models[].model": "Model name, 'sale.*' or '*'.",
    "spec.policy.approvals.models[].operations": "Operations on the model that need an approval.",
    "spec.policy.approvals.approvers": "Emails (or *@domain patterns) of who may approve.",
    "spec.policy.approvals.expiresAfterMinutes": "Minutes an approval stays usable.",
    "spec.policy.rateLimits": "Calls allowed per window; unset means unlimited.",
    "spec.policy.rateLimits.perUserPerMinute": "Calls one user may make per minute.",
    "spec.policy.rateLimits.perUserPerDay": "Calls one user may make per day.",
    "spec.policy.rateLimits.perConnectionPerMinute": "Calls one connection may make per minute.",
    "spec.policy.rateLimits.perConnectionPerDay": "Calls one connection may make per day.",
    "spec.policy.rateLimits.perTenantPerMinute": "Calls the whole tenant may make per minute.",
    "spec.policy.rateLimits.perTenantPerDay": "Calls the whole tenant may make per day.",
    "spec.vocabulary": "Business words mapped to Odoo models (customers: res.partner).",
    "spec.worker": "The tenant's worker Deployment.",
    "spec.worker.replicas": "Worker pods; more than one gets a PodDisruptionBudget.",
}

# Rules the API server checks that a plain schema cannot express; each mirrors a check of the
# spec model, so kubectl refuses what the operator would otherwise report as Degraded.
CEL_RULES: Final[dict[str, list[dict[str, str]]]] = {
    "spec.odoo": [
        {
            "rule": "self.url.startsWith('https://') || (self.url.startsWith('http://') "
            "&& has(self.allowInsecureHttp) && self.allowInsecureHttp)",
            "message": "odoo.url must be https://, or http:// with allowInsecureHttp: true "
            "(credentials would travel in clear text)",
            "fieldPath": ".url",
        }
    ],
    "spec.policy.models[]": [
        {
            "rule": "!has(self.allow) || !has(self.deny) || "
            "!self.allow.exists(op, self.deny.exists(d, d == op))",
            "message": "an operation cannot be both allowed and denied",
        }
    ],
    "spec.policy.approvals": [
        {
            "rule": "(!has(self.tools) || size(self.tools) == 0) && "
            "(!has(self.models) || size(self.models) == 0) || "
            "(has(self.approvers) && size(self.approvers) > 0)",
            "message": "approvals are required for some calls but nobody can approve",
            "fieldPath": ".approvers",
        }
    ],
}

# Bounds that keep CEL's cost estimate finite and objects a sane size.
MAX_ITEMS: Final = 256
MAX_STRING: Final = 512


def _model_classes(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model class reachable from ``model``, by the name its JSON schema uses."""
    found: dict[str, type[BaseModel]] = {}

    def visit(cls: type[BaseModel]) -> None:
        if cls.__name__ in found:
            return
        found[cls.__name__] = cls
        for field in cls.model_fields.values():
            for arg in _type_args(field.annotation):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    visit(arg)

    visit(model)
    return found


def _type_args(annotation: Any) -> list[Any]:
    args = [annotation]
    for sub in getattr(annotation, "__args__", ()) or ():
        args.extend(_type_args(sub))
    return args


def _factory_defaults(cls: type[BaseModel]) -> dict[str, Any]:
    """JSON defaults of the fields built by a default factory (pydantic's schema omits them)."""
    defaults: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if field.default_factory is None:
            continue
        value = field.default_factory()  # type: ignore[call-arg]
        key = field.alias or name
        # A nested object defaults to {} so the API server fills its own fields' defaults.
        defaults[key] = (
            {} if isinstance(value, BaseModel) else TypeAdapter(Any).dump_python(value, mode="json")
        )
    return defaults


def _convert(node: Schema, defs: dict[str, Schema], path: str) -> Schema:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        merged = {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}
        return _convert({**merged, "title": name}, defs, path)
    if "anyOf" in node:
        options = [option for option in node["anyOf"] if option.get("type") != "null"]
        if len(options) != 1 or len(options) == len(node["anyOf"]):
            raise ValueError(f"{path}: only 'X or null' unions can be expressed")
        rest = {k: v for k, v in node.items() if k != "anyOf"}
        return {**_convert({**options[0], **rest}, defs, path), "nullable": True}
    out: Schema = {}
    kind = node.get("type")
    out["type"] = kind
    description = node.get("description") or FALLBACK_DESCRIPTIONS.get(path)
    if description:
        out["description"] = description
    for key in (
        "enum",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "pattern",
        "default",
    ):
        if key in node and not (key == "default" and node[key] is None):
            out[key] = node[key]  # (a null default is the same as none: the field stays unset)
    if "exclusiveMinimum" in node:
        out["minimum"], out["exclusiveMinimum"] = node["exclusiveMinimum"], True
    if kind == "object":
        properties = node.get("properties", {})
        if properties:
            model = _MODEL_CLASSES.get(node.get("title", ""))
            defaults = _factory_defaults(model) if model is not None else {}
            converted = {}
            for name, sub in properties.items():
                child = _convert(sub, defs, f"{path}.{name}")
                if name in defaults and "default" not in child:
                    child["default"] = defaults[name]
                converted[name] = child
            out["properties"] = converted
            if node.get("required"):
                out["required"] = list(node["required"])
        elif isinstance(node.get("additionalProperties"), dict):
            out["additionalProperties"] = _convert(node["additionalProperties"], defs, f"{path}.*")
            out["maxProperties"] = MAX_ITEMS
    elif kind == "array":
        out["items"] = _convert(node["items"], defs, f"{path}[]")
        # A list of enum values (operations) is short: this keeps the CEL rules that walk two
        # such lists well inside the API server's cost budget.
        enum = out["items"].get("enum")
        out.setdefault("maxItems", len(enum) if enum else MAX_ITEMS)
    elif kind == "string" and "enum" not in out:
        out.setdefault("maxLength", MAX_STRING)
    if path in CEL_RULES:
        out["x-kubernetes-validations"] = copy.deepcopy(CEL_RULES[path])
    return out


_MODEL_CLASSES: Final = _model_classes(TenantSpec)


def spec_schema() -> Schema:
    """The structural OpenAPI schema of ``spec``."""
    raw = TenantSpec.model_json_schema(by_alias=True)
    return _convert(raw, raw.get("$defs", {}), "spec")


def _condition_schema() -> Schema:
    def text(description: str) -> Schema:
        return {"type": "string", "description": description, "maxLength": 32768}

    return {
        "type": "object",
        "required": ["type", "status"],
        "properties": {
            "type": text("Ready, Progressing or Degraded."),
            "status": {
                "type": "string",
                "enum": ["True", "False", "Unknown"],
                "description": "Whether the condition holds.",
            },
            "reason": text("One CamelCase word saying why."),
            "message": text("A sentence for a person."),
            "lastTransitionTime": {
                "type": "string",
                "format": "date-time",
                "description": "When status last changed.",
            },
            "observedGeneration": {
                "type": "integer",
                "format": "int64",
                "description": "The spec generation this condition describes.",
            },
        },
    }


def status_schema() -> Schema:
    return {
        "type": "object",
        "description": "What the operator last observed; written by the operator only.",
        "properties": {
            "observedGeneration": {
                "type": "integer",
                "format": "int64",
                "description": "The spec generation the operator last acted on.",
            },
            "conditions": {
                "type": "array",
                "description": "Ready, Progressing and Degraded, with reasons.",
                "items": _condition_schema(),
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["type"],
            },
            "endpoint": {"type": "string", "description": "The tenant's MCP URL."},
            "odooVersion": {
                "type": "string",
                "description": "The Odoo server version the worker detected.",
            },
            "configRevision": {
                "type": "string",
                "description": "Revision of the compiled config the services serve.",
            },
            "workerPublicKeyId": {
                "type": "string",
                "description": "Key id of the worker's current sealing key.",
            },
        },
    }


def build_crd() -> dict[str, Any]:
    """The whole CustomResourceDefinition."""
    root: Schema = {
        "type": "object",
        "description": "One client company served by Tollgate: its Odoo and its rules.",
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": spec_schema(),
            "status": status_schema(),
        },
        "x-kubernetes-validations": [
            {
                "rule": "self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') "
                "&& size(self.metadata.name) <= 63",
                "message": "the tenant name is a URL segment and a Deployment name: lower-case "
                "letters, digits and '-', at most 63 characters",
            }
        ],
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": CRD_NAME,
            "labels": {"app.kubernetes.io/part-of": "tollgate"},
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": KIND,
                "listKind": f"{KIND}List",
                "plural": PLURAL,
                "singular": SINGULAR,
                "shortNames": list(SHORT_NAMES),
                "categories": ["tollgate"],
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [
                        {
                            "name": "Ready",
                            "type": "string",
                            "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
                        },
                        {
                            "name": "Reason",
                            "type": "string",
                            "jsonPath": '.status.conditions[?(@.type=="Ready")].reason',
                            "priority": 1,
                        },
                        {"name": "Odoo", "type": "string", "jsonPath": ".status.odooVersion"},
                        {"name": "Endpoint", "type": "string", "jsonPath": ".status.endpoint"},
                        {
                            "name": "Age",
                            "type": "date",
                            "jsonPath": ".metadata.creationTimestamp",
                        },
                    ],
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }


def render_crd() -> str:
    header = "# Generated by `python -m tollgate_operator.crd` from TenantSpec; do not edit.\n"
    return header + yaml.safe_dump(build_crd(), sort_keys=False, width=100)


def main() -> None:
    sys.stdout.write(render_crd())


if __name__ == "__main__":
    main()
