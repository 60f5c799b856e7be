"""The compiled tenant config every service reads, and the pure function that builds it.

The operator stores `compile_tenant`'s result in the cluster and the local stack in a directory;
both go through this one function so a tenant behaves the same everywhere. The compiled form
resolves what the spec leaves implicit (read-only mode, endpoint URL, worker address) so services
never re-derive it, and carries a content ``revision`` so a reader can tell cheaply whether it
changed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from tollgate_common.tenants.resource import TenantSpecError, validate_tenant_name
from tollgate_common.tenants.spec import (
    WRITE_OPERATIONS,
    ApprovalSpec,
    AuditSpec,
    ConnectionRule,
    IpRules,
    ModelRule,
    Operation,
    RateLimits,
    TenantSpec,
    ToolRules,
    parse_domain,
)

CONFIG_API_VERSION: Final = "tollgate.dev/v1alpha1"
CONFIG_KIND: Final = "TenantConfig"


class CompiledModel(BaseModel):
    """camelCase on the wire like the spec, so one document style throughout."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class OdooConfig(CompiledModel):
    url: str
    database: str
    protocol: Literal["auto", "json2", "jsonrpc", "xmlrpc"]
    verify_tls: bool
    timeout_seconds: float


class AccessConfig(CompiledModel):
    read_only: bool
    credential_storage: Literal["token", "server"]
    allowed_emails: tuple[str, ...]


class PolicyConfig(CompiledModel):
    default_model_access: Literal["allow", "deny"]
    models: tuple[ModelRule, ...]
    tools: ToolRules
    methods: tuple[str, ...]
    approvals: ApprovalSpec
    rate_limits: RateLimits
    ip: IpRules = Field(default_factory=IpRules)
    connections: tuple[ConnectionRule, ...] = ()
    dry_run: bool = False
    audit: AuditSpec = Field(default_factory=AuditSpec)


class WorkerConfig(CompiledModel):
    address: str = Field(description="host:port of the tenant's worker gRPC service.")
    public_key: str = Field(
        default="", description="The worker's sealing public key (see tollgate_common.sealing)."
    )
    replicas: int


class TenantConfig(CompiledModel):
    api_version: Literal["tollgate.dev/v1alpha1"] = CONFIG_API_VERSION
    kind: Literal["TenantConfig"] = CONFIG_KIND
    name: str
    endpoint: str = Field(
        description="The tenant's MCP URL; also the RFC 8707 resource of its tokens."
    )
    odoo: OdooConfig
    access: AccessConfig
    policy: PolicyConfig
    vocabulary: dict[str, str]
    # Default domain per vocabulary word (lower-case), JSON; absent for words without one.
    vocabulary_domains: dict[str, list[Any]] = Field(default_factory=dict)
    worker: WorkerConfig
    revision: str = Field(default="", description="Hash of everything above.")

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> TenantConfig:
        return cls.model_validate_json(text)


def _read_only_rules(rules: tuple[ModelRule, ...]) -> tuple[ModelRule, ...]:
    """Read-only mode as rules: every write operation denied on every model, first."""
    denied: list[Operation] = list(WRITE_OPERATIONS)
    stripped = tuple(
        rule.model_copy(update={"allow": [op for op in rule.allow if op == "read"]})
        for rule in rules
    )
    return (ModelRule(model="*", deny=denied), *stripped)


def _revision(config: TenantConfig) -> str:
    payload = config.model_dump(mode="json", by_alias=True, exclude={"revision"})
    if not payload.get("vocabularyDomains"):
        # Added later: leaving it out when empty keeps earlier revisions unchanged.
        payload.pop("vocabularyDomains", None)
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return digest[:16]


def compile_tenant(
    name: str,
    spec: TenantSpec,
    *,
    endpoint_base: str,
    worker_address: str,
    worker_public_key: str = "",
) -> TenantConfig:
    """Build the config of tenant ``name``; pure (same inputs, same output, no I/O).

    ``endpoint_base`` is the public base URL of the front (``https://mcp.example.com``); the
    tenant's MCP URL is ``{endpoint_base}/t/{name}/mcp``.
    """
    validate_tenant_name(name)
    base = endpoint_base.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise TenantSpecError(name, [("endpointBase", f"{endpoint_base!r} is not an http(s) URL")])
    read_only = spec.access.mode == "readOnly"
    models = tuple(spec.policy.models)
    config = TenantConfig(
        name=name,
        endpoint=f"{base}/t/{name}/mcp",
        odoo=OdooConfig(
            url=spec.odoo.url.rstrip("/"),
            database=spec.odoo.database,
            protocol=spec.odoo.protocol,
            verify_tls=spec.odoo.verify_tls,
            timeout_seconds=spec.odoo.timeout_seconds,
        ),
        access=AccessConfig(
            read_only=read_only,
            credential_storage=spec.access.credential_storage,
            allowed_emails=tuple(dict.fromkeys(spec.access.allowed_emails)),
        ),
        policy=PolicyConfig(
            default_model_access=spec.policy.default_model_access,
            models=_read_only_rules(models) if read_only else models,
            tools=spec.policy.tools,
            methods=() if read_only else tuple(dict.fromkeys(spec.policy.methods)),
            approvals=spec.policy.approvals,
            rate_limits=spec.policy.rate_limits,
            ip=spec.policy.ip,
            connections=tuple(spec.policy.connections),
            dry_run=spec.policy.dry_run and not read_only,
            audit=spec.policy.audit,
        ),
        vocabulary={alias.strip().lower(): model for alias, model in spec.vocabulary.items()},
        vocabulary_domains={
            word.strip().lower(): parse_domain(domain)
            for word, domain in spec.vocabulary_domains.items()
        },
        worker=WorkerConfig(
            address=worker_address, public_key=worker_public_key, replicas=spec.worker.replicas
        ),
    )
    return config.model_copy(update={"revision": _revision(config)})
