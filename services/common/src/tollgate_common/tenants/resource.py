"""Reading an `OdooTenant` resource (YAML or an already-parsed mapping) into a validated spec.

Every problem is reported with the path of the key at fault, e.g.
``spec.policy.models[0].allow[1]: Input should be 'read', 'create', …``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from pydantic import ValidationError

from tollgate_common.tenants.spec import API_VERSION, KIND, TenantSpec

# Kubernetes object names (RFC 1123 DNS label): the tenant name is also a URL segment and a
# Deployment name, so it must be one.
_TENANT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# Validators of whole objects report a sub-key by starting their message with "key: ".
_KEY_PREFIX = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*): (.*)$", re.DOTALL)


class TenantSpecError(ValueError):
    """A tenant resource is invalid; ``problems`` holds (path, message) pairs."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        # The problems alone, for a reader who already knows the source (e.g. a status message).
        self.listed = "; ".join(
            f"{path}: {message}" if path else message for path, message in problems
        )
        super().__init__(f"{source}: {self.listed}" if source else self.listed)


def format_location(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def problems_from_validation_error(
    error: ValidationError, prefix: str = ""
) -> list[tuple[str, str]]:
    problems = []
    for item in error.errors(include_url=False):
        path = format_location([p for p in (prefix, *item["loc"]) if p != ""])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check its spelling)"
        elif item["type"] == "missing":
            message = "required key is missing"
        match = _KEY_PREFIX.match(message)
        if match:
            path, message = f"{path}.{match.group(1)}" if path else match.group(1), match.group(2)
        problems.append((path, message))
    return problems


def validate_tenant_name(name: str) -> None:
    if not _TENANT_NAME.fullmatch(name):
        raise TenantSpecError(
            "",
            [
                (
                    "metadata.name",
                    f"{name!r} must be lower-case letters, digits and '-', at most 63 "
                    "characters, starting and ending with a letter or digit",
                )
            ],
        )


def parse_tenant_spec(data: Any, *, source: str = "", path_prefix: str = "spec") -> TenantSpec:
    """Validate a spec mapping (the ``spec:`` of the resource)."""
    if not isinstance(data, Mapping):
        raise TenantSpecError(source, [(path_prefix, "must be a mapping")])
    try:
        return TenantSpec.model_validate(data)
    except ValidationError as error:
        raise TenantSpecError(source, problems_from_validation_error(error, path_prefix)) from None


def parse_tenant_resource(document: Any, *, source: str = "") -> tuple[str, TenantSpec]:
    """Validate a whole ``OdooTenant`` resource; returns its name and spec.

    ``status`` and metadata other than the name are ignored: they belong to Kubernetes.
    """
    if not isinstance(document, Mapping):
        raise TenantSpecError(source, [("", "an OdooTenant resource must be a mapping")])
    problems = []
    if document.get("apiVersion") != API_VERSION:
        problems.append(
            ("apiVersion", f"must be {API_VERSION}, got {document.get('apiVersion')!r}")
        )
    if document.get("kind") != KIND:
        problems.append(("kind", f"must be {KIND}, got {document.get('kind')!r}"))
    unknown = sorted(set(document) - {"apiVersion", "kind", "metadata", "spec", "status"})
    problems.extend((key, "unknown key (check its spelling)") for key in unknown)
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not isinstance(name, str) or not name:
        problems.append(("metadata.name", "required key is missing"))
    if problems:
        raise TenantSpecError(source, problems)
    assert isinstance(name, str)
    try:
        validate_tenant_name(name)
    except TenantSpecError as error:
        raise TenantSpecError(source, error.problems) from None
    if "spec" not in document:
        raise TenantSpecError(source, [("spec", "required key is missing")])
    return name, parse_tenant_spec(document["spec"], source=source)


def load_yaml_documents(text: str, *, source: str = "") -> list[Any]:
    """All YAML documents in ``text`` (empty ones skipped), with a clear error on bad YAML."""
    try:
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise TenantSpecError(source, [("", f"invalid YAML: {where}{problem}")]) from None
