"""Tenant files on disk: reading a directory of `OdooTenant` resources and publishing compiled
configs atomically, as the local stack does (the operator does the same through ConfigMaps)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tollgate_common.tenants.config import TenantConfig
from tollgate_common.tenants.registry import redefinition
from tollgate_common.tenants.resource import (
    TenantSpecError,
    load_yaml_documents,
    parse_tenant_resource,
)
from tollgate_common.tenants.spec import TenantSpec

RESOURCE_SUFFIXES = (".yaml", ".yml")


def load_tenant_resources(directory: str | os.PathLike[str]) -> list[tuple[str, TenantSpec]]:
    """Every `OdooTenant` in the directory's YAML files (sorted by file name), validated.

    All problems of all files are reported together in one `TenantSpecError`; a tenant name
    defined again is a problem of the later file (`redefinition`, as for the tenant sources).
    """
    found: list[tuple[str, TenantSpec]] = []
    origins: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for path in sorted(Path(directory).iterdir()):
        if path.name.startswith(".") or path.suffix not in RESOURCE_SUFFIXES:
            continue
        try:
            for document in load_yaml_documents(path.read_text(encoding="utf-8"), source=path.name):
                name, spec = parse_tenant_resource(document, source=path.name)
                problem = redefinition(name, origins)
                if problem is not None:
                    raise TenantSpecError(path.name, [("metadata.name", problem)])
                origins[name] = path.name
                found.append((name, spec))
        except TenantSpecError as error:
            problems.extend(
                (f"{path.name}: {where}" if where else path.name, message)
                for where, message in error.problems
            )
    if problems:
        raise TenantSpecError(str(directory), problems)
    return found


def write_tenant_config(directory: str | os.PathLike[str], config: TenantConfig) -> Path:
    """Publish ``config`` as ``<name>.json`` atomically, so a polling reader never sees half a
    file."""
    target = Path(directory) / f"{config.name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{config.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(config.to_json())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
