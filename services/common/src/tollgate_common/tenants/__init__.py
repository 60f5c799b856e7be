"""Tenants: the `OdooTenant` spec, the compiled `TenantConfig` and the registry services read."""

from tollgate_common.tenants.config import TenantConfig, compile_tenant
from tollgate_common.tenants.files import load_tenant_resources, write_tenant_config
from tollgate_common.tenants.kubernetes import KubernetesSource
from tollgate_common.tenants.registry import (
    CompileOptions,
    DirectorySource,
    StaticSource,
    TenantRegistry,
    TenantSnapshot,
    TenantSource,
)
from tollgate_common.tenants.resource import (
    TenantSpecError,
    parse_tenant_resource,
    parse_tenant_spec,
)
from tollgate_common.tenants.source_settings import TenantSourceSettings, tenant_source
from tollgate_common.tenants.spec import TenantSpec

__all__ = [
    "CompileOptions",
    "DirectorySource",
    "KubernetesSource",
    "StaticSource",
    "TenantConfig",
    "TenantRegistry",
    "TenantSnapshot",
    "TenantSource",
    "TenantSourceSettings",
    "TenantSpec",
    "TenantSpecError",
    "compile_tenant",
    "load_tenant_resources",
    "parse_tenant_resource",
    "parse_tenant_spec",
    "tenant_source",
    "write_tenant_config",
]
